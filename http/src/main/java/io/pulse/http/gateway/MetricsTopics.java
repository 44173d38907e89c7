package io.pulse.http.gateway;

import io.pulse.actors.metrics.MetricCodes;
import io.pulse.actors.metrics.MetricQuery;
import io.pulse.actors.metrics.MetricsWatch;
import io.pulse.actors.metrics.QueryEngine;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.pattern.StatusReply;

/**
 * Live dashboards over the socket (docs/protocol.md, "Live metrics"): {@code metrics:<url-encoded query>[@<step>]}
 * starts a {@link MetricsWatch} on this node for the subscriber, which pushes the query's value each time a step's
 * window closes; the pushes are latest-value per topic. The watch is the subscription's live side: the connection
 * watches it, and unsubscribing stops it.
 */
public final class MetricsTopics implements DurableTopics {
  public static final String KIND = "metrics";

  private final ActorSystem<?> system;
  private final QueryEngine engine;
  private final long defaultStepMs;
  private final long graceMs;
  private final Map<Watch, ActorRef<MetricsWatch.Command>> watches = new ConcurrentHashMap<>();

  private record Watch(ActorRef<Object> subscriber, String topic) {}

  public MetricsTopics(ActorSystem<?> system, QueryEngine engine, long defaultStepMs, long graceMs) {
    this.system = system;
    this.engine = engine;
    this.defaultStepMs = defaultStepMs;
    this.graceMs = graceMs;
  }

  /** A topic id's query and step, or the reason it is none. */
  public record Spec(MetricQuery query, long stepMs) {}

  public static Spec spec(String id, long defaultStepMs) throws MetricQuery.Invalid {
    int at = id.lastIndexOf('@');
    long step = defaultStepMs;
    String encoded = id;
    if (at >= 0) {
      step = MetricQuery.duration(id.substring(at + 1));
      encoded = id.substring(0, at);
    }
    String text;
    try {
      text = URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new MetricQuery.Invalid("the topic id is not URL-encoded");
    }
    return new Spec(MetricQuery.parse(text), step);
  }

  @Override
  public boolean follows(Topic topic) {
    return KIND.equals(topic.kind());
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher) {
    Spec spec;
    try {
      spec = spec(topic.id(), defaultStepMs);
    } catch (MetricQuery.Invalid e) {
      return CompletableFuture.failedFuture(new StatusReply.ErrorMessage(MetricCodes.INVALID_QUERY + ": " + e.getMessage()));
    }
    Watch key = new Watch(watcher, topic.name());
    ActorRef<MetricsWatch.Command> old = watches.remove(key);
    if (old != null) old.tell(new MetricsWatch.Stop());
    ActorRef<MetricsWatch.Command>[] self = newRef();
    ActorRef<MetricsWatch.Command> watch =
        system.systemActorOf(
            MetricsWatch.create(
                engine, userId, spec.query(), topic.name(), spec.stepMs(), graceMs, watcher, System::currentTimeMillis, () -> watches.remove(key, self[0])),
            "metrics-watch-" + UUID.randomUUID(),
            Props.empty());
    self[0] = watch;
    watches.put(key, watch);
    return CompletableFuture.completedFuture(new Followed(0, watch, Map.of("step", spec.stepMs())));
  }

  @SuppressWarnings("unchecked")
  private static ActorRef<MetricsWatch.Command>[] newRef() {
    return (ActorRef<MetricsWatch.Command>[]) new ActorRef[1];
  }

  @Override
  public void unsubscribe(Topic topic, ActorRef<Object> watcher) {
    ActorRef<MetricsWatch.Command> watch = watches.remove(new Watch(watcher, topic.name()));
    if (watch != null) watch.tell(new MetricsWatch.Stop());
  }

  @Override
  public Push classify(Object message) {
    if (message instanceof MetricsWatch.Pushed p) return new Push(p.topic(), -1, false);
    if (message instanceof MetricsWatch.Failed f) return new Push(f.topic(), -1, true);
    return null;
  }

  @Override
  public Outbound render(Object message) {
    return MetricsCodec.render(message);
  }
}
