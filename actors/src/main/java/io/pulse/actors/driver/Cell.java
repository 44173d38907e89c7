package io.pulse.actors.driver;

import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicPush;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * One H3 cell of the geo index: a sharded entity, id = the cell's H3 address, that knows the available
 * drivers in it with their last position ({@link CellIndex}), answers nearby queries with its
 * candidates, and pushes to the regions watched through it.
 *
 * <p><b>Not persisted, rebuilt from drivers.</b> Every available driver tells its cell of every fix (a
 * few seconds apart), so a cell's content is at most one fix interval old to rebuild: after a restart
 * or a move of the cell to another node, its drivers re-announce themselves with their next fix, and a
 * driver entity that recovers re-announces its cell on recovery. A driver whose entity died without
 * leaving (its node crashed) is dropped after {@code entryTtl} without news. Sharding's idle
 * passivation is off for cells (a cell with watchers but no drivers must stay); a cell with neither for
 * {@code idleAfter} passivates itself.
 *
 * <p><b>Watchers.</b> A watch is registered with every cell its region touches ({@link
 * NearbySearch#watch}); each cell pushes, as {@link TopicPush.Ephemeral} keyed by driver id on topic
 * {@code region:<watchId>}, only drivers inside the region: {@link DriverEntered} when one comes inside
 * (or on watch, for those already there), {@link DriverMoved} for each fix inside, {@link DriverLeft}
 * when it goes outside or stops being available. Keyed by driver, a slow watcher's queue conflates to
 * the newest state of each driver. A watch ends with its watcher or {@link Unwatch}; watches are not
 * kept across a cell's restart (re-sending {@link Watch} is idempotent, which is how a connection
 * refreshes them).
 */
public final class Cell extends AbstractBehavior<Cell.Command> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Cell");
  public static final String TOPIC_KIND = "cell";
  public static final String REGION_TOPIC = "region";

  /** {@link DriverLeft} reasons. */
  public static final String LEFT_REGION = "left_region";
  public static final String SILENT = "silent";
  public static final String OFFLINE = "offline";
  public static final String ON_TRIP = "on_trip";

  /**
   * @param entryTtl a driver not heard of for this long is dropped (longer than the fix interval)
   * @param sweepEvery how often expiry runs
   * @param idleAfter an empty, unwatched cell stops after this long
   */
  public record Settings(Duration entryTtl, Duration sweepEvery, Duration idleAfter) {}

  public static String regionTopic(String watchId) {
    return REGION_TOPIC + ":" + watchId;
  }

  // ---- replies --------------------------------------------------------------------------------------

  public record Candidates(String cell, List<Candidate> drivers) implements CborSerializable {}

  // ---- commands -------------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** A driver is available in this cell at {@code fix}; {@code previous}: where it was, if it came from another cell. */
  public record Upsert(String driverId, long seq, Fix fix, Position previous) implements Command {}

  /** A driver left: for {@code next} (its position in its new cell) or, with null, for {@code reason}. */
  public record Remove(String driverId, long seq, Position next, String reason) implements Command {}

  /** The {@code limit} nearest drivers of this cell within {@code radiusMeters} of the point. */
  public record Nearby(double lat, double lng, double radiusMeters, int limit, ActorRef<StatusReply<Candidates>> replyTo) implements Command {}

  /** Every driver here (operators, tests). */
  public record GetDrivers(ActorRef<StatusReply<Candidates>> replyTo) implements Command {}

  /**
   * Starts or replaces the watch {@code watchId}; answered once the current drivers inside are pushed,
   * with the cell's own address, which a watcher may watch to learn that the cell (and its watches) stopped.
   */
  public record Watch(String watchId, Region region, ActorRef<TopicPush> watcher, ActorRef<StatusReply<Watching>> replyTo) implements Command {}

  public record Watching(String cell, ActorRef<Command> self) implements CborSerializable {}

  public record Unwatch(String watchId, ActorRef<TopicPush> watcher) implements Command {}

  private record Sweep() implements Command {}

  private record WatcherGone(ActorRef<TopicPush> watcher) implements Command {}

  // ---- what watchers receive (ephemeral, keyed by driver id) ----------------------------------------

  public record DriverEntered(String driverId, double lat, double lng, double heading, long at) implements TopicEvent {}

  public record DriverMoved(String driverId, double lat, double lng, double heading, long at) implements TopicEvent {}

  /** {@code reason}: left_region, offline, on_trip or silent. */
  public record DriverLeft(String driverId, String reason) implements TopicEvent {}

  static DriverEntered entered(Candidate c) {
    return new DriverEntered(c.driverId(), c.lat(), c.lng(), c.heading(), c.at());
  }

  static DriverMoved moved(Candidate c) {
    return new DriverMoved(c.driverId(), c.lat(), c.lng(), c.heading(), c.at());
  }

  // ---- wiring ---------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings, GeoCells geo) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, geo, ctx.getShard()))
                .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  /** {@code shard}: where to ask for passivation when idle, or null to just stop (outside sharding). */
  public static Behavior<Command> create(
      String cellId, Settings settings, GeoCells geo, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay("sweep", new Sweep(), settings.sweepEvery());
                  return new Cell(ctx, cellId, settings, geo, shard, Clock.systemUTC());
                }));
  }

  private final String cellId;
  private final Settings settings;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Clock clock;
  private final CellIndex<ActorRef<TopicPush>> index;
  private long idleSince;

  private Cell(
      ActorContext<Command> ctx, String cellId, Settings settings, GeoCells geo, ActorRef<ClusterSharding.ShardCommand> shard, Clock clock) {
    super(ctx);
    this.cellId = cellId;
    this.settings = settings;
    this.shard = shard;
    this.clock = clock;
    this.index = new CellIndex<>(geo);
    this.idleSince = clock.millis();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Upsert.class, this::onUpsert)
        .onMessage(Remove.class, this::onRemove)
        .onMessage(Nearby.class, this::onNearby)
        .onMessage(GetDrivers.class, c -> {
          c.replyTo().tell(StatusReply.success(new Candidates(cellId, index.drivers())));
          return this;
        })
        .onMessage(Watch.class, this::onWatch)
        .onMessage(Unwatch.class, c -> {
          index.unwatch(c.watchId(), c.watcher());
          return this;
        })
        .onMessage(WatcherGone.class, c -> {
          index.unwatchAll(c.watcher());
          return this;
        })
        .onMessage(Sweep.class, c -> onSweep())
        .build();
  }

  private Behavior<Command> onUpsert(Upsert c) {
    Fix f = c.fix();
    push(index.upsert(new Candidate(c.driverId(), f.lat(), f.lng(), f.heading(), f.at(), c.seq()), c.previous(), clock.millis()));
    return this;
  }

  private Behavior<Command> onRemove(Remove c) {
    push(index.remove(c.driverId(), c.seq(), c.next(), c.reason(), clock.millis()));
    return this;
  }

  private Behavior<Command> onNearby(Nearby c) {
    c.replyTo().tell(StatusReply.success(new Candidates(cellId, index.nearby(c.lat(), c.lng(), c.radiusMeters(), c.limit()))));
    return this;
  }

  private Behavior<Command> onWatch(Watch c) {
    getContext().watchWith(c.watcher(), new WatcherGone(c.watcher()));
    push(index.watch(c.watchId(), c.region(), c.watcher()));
    c.replyTo().tell(StatusReply.success(new Watching(cellId, getContext().getSelf())));
    return this;
  }

  private Behavior<Command> onSweep() {
    long now = clock.millis();
    push(index.expire(now, settings.entryTtl().toMillis()));
    if (!index.idle()) {
      idleSince = now;
    } else if (now - idleSince >= settings.idleAfter().toMillis()) {
      if (shard == null) return Behaviors.stopped();
      shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    }
    return this;
  }

  private void push(List<CellIndex.Notice<ActorRef<TopicPush>>> notices) {
    for (CellIndex.Notice<ActorRef<TopicPush>> n : notices) {
      String key = n.event() instanceof DriverLeft l ? l.driverId() : n.event() instanceof DriverMoved m ? m.driverId() : ((DriverEntered) n.event()).driverId();
      n.watcher().tell(new TopicPush.Ephemeral(regionTopic(n.watchId()), key, n.event()));
    }
  }
}
