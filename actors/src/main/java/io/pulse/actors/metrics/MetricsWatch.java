package io.pulse.actors.metrics;

import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One live dashboard subscription, on the subscriber's node: when each step's window closes (its end plus the grace),
 * it evaluates the query over that window and pushes the point to the subscriber; right after subscribing it pushes
 * the newest closed window, so a dashboard starts with a value. Pushes are latest-value: the connection keeps only
 * the newest per topic for a slow client. It stops with its subscriber.
 */
public final class MetricsWatch {
  private MetricsWatch() {}

  /** A window's values: {@code t} its start, {@code step} its length. */
  public record Pushed(String topic, long t, long step, List<QueryEngine.Result> series) implements CborSerializable {}

  /** The query failed (it no longer parses, or its series moved away too long): the subscription ends. */
  public record Failed(String topic, String code, String message) implements CborSerializable {}

  public sealed interface Command {}

  public record Stop() implements Command {}

  private record Tick() implements Command {}

  private record Evaluated(long t, List<QueryEngine.Result> series, Throwable failure) implements Command {}

  private record SubscriberGone() implements Command {}

  public static Behavior<Command> create(
      QueryEngine engine, String tenant, MetricQuery query, String topic, long stepMs, long graceMs, ActorRef<Object> subscriber, LongSupplier clock, Runnable onStop) {
    return Behaviors.setup(ctx -> {
      ctx.watchWith(subscriber, new SubscriberGone());
      return Behaviors.withTimers(timers -> {
        long[] lastPushed = {Long.MIN_VALUE};
        Runnable schedule = () -> {
          long now = clock.getAsLong();
          long nextClose = Math.floorDiv(now - graceMs, stepMs) * stepMs + stepMs + graceMs;
          timers.startSingleTimer(new Tick(), Duration.ofMillis(Math.max(1, nextClose - now)));
        };
        ctx.getSelf().tell(new Tick());
        return Behaviors.receive(Command.class)
            .onMessage(Tick.class, m -> {
              long closed = Math.floorDiv(clock.getAsLong() - graceMs, stepMs) * stepMs - stepMs; // the newest window that ended grace ago
              if (closed > lastPushed[0]) {
                ctx.pipeToSelf(engine.range(tenant, query, closed, closed + stepMs, stepMs), (r, e) -> new Evaluated(closed, r, e));
              } else {
                schedule.run();
              }
              return Behaviors.same();
            })
            .onMessage(Evaluated.class, m -> {
              if (m.failure() != null) {
                ctx.getLog().debug("Watch {} failed to evaluate: {}", topic, m.failure().toString());
              } else if (m.t() > lastPushed[0]) {
                lastPushed[0] = m.t();
                subscriber.tell(new Pushed(topic, m.t(), stepMs, m.series()));
              }
              schedule.run();
              return Behaviors.same();
            })
            .onMessage(Stop.class, m -> Behaviors.stopped())
            .onMessage(SubscriberGone.class, m -> Behaviors.stopped())
            .onSignal(org.apache.pekko.actor.typed.PostStop.class, sig -> {
              onStop.run(); // the owner forgets this watch
              return Behaviors.same();
            })
            .build();
      });
    });
  }
}
