package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.driver.Cell;
import io.pulse.actors.driver.Driver;
import io.pulse.actors.driver.Geofence;
import io.pulse.actors.driver.NearbySearch;
import io.pulse.actors.driver.Region;
import io.pulse.actors.driver.Trip;
import io.pulse.actors.topic.TopicPush;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * The topics of drivers and trips (docs/protocol.md, "Drivers and trips"):
 *
 * <ul>
 *   <li>{@code driver:<id>}: the driver's status and persisted fixes by seq, and its trip offers
 *       (ephemeral). Readable by the driver and by the fleet whose prefix its id carries.
 *   <li>{@code trip:<id>}: every transition by seq, resumable with since; the driver's position and the
 *       ETA (ephemeral). Readable by the rider, the driver it is offered to and the assigned driver.
 *   <li>{@code region:<watchId>}: the drivers inside a region the subscribe frame gives ({@code
 *       "region"}), ephemeral and conflated per driver. The watch id is the subscriber's own name for it.
 *   <li>{@code fence:<id>}: drivers entering and leaving a geofence, by seq, resumable with since; the
 *       subscribe reply lists who is inside. Readable by anyone signed in, as regions are.
 * </ul>
 *
 * A region watch's live side is the cell at its centre: when that cell stops (it moved to another node,
 * or its node left), the connection resubscribes, which registers the watch with every cell again.
 */
public final class DriverTopics implements DurableTopics {
  static final String DRIVER = Driver.TOPIC_KIND;
  static final String TRIP = Trip.TOPIC_KIND;
  static final String REGION = Cell.REGION_TOPIC;
  static final String FENCE = Geofence.TOPIC_KIND;
  static final Set<String> KINDS = Set.of(DRIVER, TRIP, REGION, FENCE);

  private final Function<String, RecipientRef<Driver.Command>> drivers;
  private final Function<String, RecipientRef<Trip.Command>> trips;
  private final Function<String, RecipientRef<Geofence.Command>> fences;
  private final NearbySearch nearby;
  private final Duration timeout;
  private final Scheduler scheduler;
  /** The region of each watch this node's connections hold, to unwatch the same cells. */
  private final Map<Watch, Region> regions = new ConcurrentHashMap<>();

  private record Watch(ActorRef<Object> watcher, String watchId) {}

  public DriverTopics(
      Function<String, RecipientRef<Driver.Command>> drivers,
      Function<String, RecipientRef<Trip.Command>> trips,
      Function<String, RecipientRef<Geofence.Command>> fences,
      NearbySearch nearby,
      Duration timeout,
      Scheduler scheduler) {
    this.drivers = drivers;
    this.trips = trips;
    this.fences = fences;
    this.nearby = nearby;
    this.timeout = timeout;
    this.scheduler = scheduler;
  }

  @Override
  public boolean follows(Topic topic) {
    return KINDS.contains(topic.kind());
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher) {
    return subscribe(userId, topic, since, ClientFrame.SubscribeOptions.NONE, watcher);
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ClientFrame.SubscribeOptions options, ActorRef<Object> watcher) {
    ActorRef<TopicPush> pushes = DocumentTopics.pushes(watcher);
    switch (topic.kind()) {
      case DRIVER -> {
        String id = topic.id();
        if (!id.equals(userId) && !id.startsWith(userId + ".")) return refused(ErrorCode.FORBIDDEN, "only the driver and its fleet read driver:" + id);
        return onCompletingThread(
                AskPattern.<Driver.Command, Driver.Subscribed>askWithStatus(drivers.apply(id), r -> new Driver.Subscribe(since, pushes, r), timeout, scheduler))
            .thenApply(s -> new Followed(s.lastSeq(), s.fanout(), Map.of("driver", DriverCodec.view(s.view()))));
      }
      case TRIP -> {
        return onCompletingThread(
                AskPattern.<Trip.Command, Trip.Subscribed>askWithStatus(
                    trips.apply(topic.id()), r -> new Trip.Subscribe(userId, since, pushes, r), timeout, scheduler))
            .thenApply(s -> new Followed(s.lastSeq(), s.fanout(), Map.of("trip", DriverCodec.view(s.view()))));
      }
      case FENCE -> {
        return onCompletingThread(
                AskPattern.<Geofence.Command, Geofence.Subscribed>askWithStatus(fences.apply(topic.id()), r -> new Geofence.Subscribe(since, pushes, r), timeout, scheduler))
            .thenApply(s -> new Followed(s.lastSeq(), s.fanout(), Map.of("inside", DriverCodec.inside(s.inside()))));
      }
      default -> {
        Region region = options.region();
        if (region == null) return refused(ErrorCode.MISSING_FIELD, "subscribing to a region needs 'region': {\"lat\",\"lng\",\"radius\"} or {\"cells\":[…]}");
        regions.put(new Watch(watcher, topic.id()), region);
        return onCompletingThread(nearby.watch(topic.id(), region, pushes))
            .thenCompose(
                r -> {
                  if (r.isError()) {
                    regions.remove(new Watch(watcher, topic.id()));
                    return CompletableFuture.failedFuture(new StatusReply.ErrorMessage(r.getError().getMessage()));
                  }
                  int cells = nearby.cellsOf(region).getValue().size();
                  return CompletableFuture.completedFuture(new Followed(0, r.getValue().self(), Map.of("cells", cells)));
                });
      }
    }
  }

  private static CompletionStage<Followed> refused(String code, String message) {
    return CompletableFuture.failedFuture(new StatusReply.ErrorMessage(code + ": " + message));
  }

  @Override
  public void unsubscribe(Topic topic, ActorRef<Object> watcher) {
    ActorRef<TopicPush> pushes = DocumentTopics.pushes(watcher);
    switch (topic.kind()) {
      case DRIVER -> drivers.apply(topic.id()).tell(new Driver.Unsubscribe(pushes));
      case TRIP -> trips.apply(topic.id()).tell(new Trip.Unsubscribe(pushes));
      case FENCE -> fences.apply(topic.id()).tell(new Geofence.Unsubscribe(pushes));
      default -> {
        Region region = regions.remove(new Watch(watcher, topic.id()));
        if (region != null) nearby.unwatch(topic.id(), region, pushes);
      }
    }
  }

  @Override
  public Push classify(Object message) {
    if (!(message instanceof TopicPush p) || !follows(Topic.named(p.topic()))) return null;
    if (p instanceof TopicPush.Appended a) return new Push(a.topic(), a.seq(), false);
    return new Push(p.topic(), -1, p instanceof TopicPush.Ended);
  }

  @Override
  public Outbound render(Object message) {
    return DriverCodec.render((TopicPush) message);
  }
}
