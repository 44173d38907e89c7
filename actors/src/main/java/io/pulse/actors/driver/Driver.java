package io.pulse.actors.driver;

import io.pulse.actors.Rejection;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One driver: a sharded, event-sourced entity holding its status (offline, available, on a trip) and
 * its last location fix, and the single writer of its place in the geo index.
 *
 * <p><b>Fixes are ephemeral.</b> A fix arrives every few seconds; the entity keeps the newest in memory
 * and persists it ({@link Located}) at most once per {@code persistEvery} (the first fix after that
 * interval, or a timer that writes the newest one when the interval ends) and with every status
 * change. 100,000 drivers then cost about 100,000 / persistEvery journal writes per second, not one per
 * fix. A restart loses at most the last interval's fixes, and the driver's next fix replaces them.
 *
 * <p><b>Silence.</b> A driver that sends no fix for {@code offlineAfter} is shown offline: it leaves its
 * cell and its subscribers get {@link Shown}. Silence is derived from the time of the last fix, not
 * persisted; the status it chose is kept and its next fix brings it back.
 *
 * <p><b>Membership.</b> An available, non-silent driver is in exactly the cell of its last fix. On each
 * accepted fix it tells that cell ({@link Cell.Upsert}); on crossing a boundary it first tells the old
 * cell {@link Cell.Remove} then the new one {@link Cell.Upsert}, both numbered by one per-driver
 * sequence (microseconds of the wall clock, and always above the last), so a cell ignores whatever
 * arrives duplicated or out of order, also across the driver's restarts. On recovery an available
 * driver whose last fix is recent re-announces its cell, which rebuilds the (unpersisted) cells.
 *
 * <p>While on a trip every accepted fix goes to the trip ({@link Trip.DriverFix}), which keeps the
 * track and the ETA. Trip offers reach the driver's subscribers as the ephemeral {@link TripOffered}.
 */
public final class Driver extends EventSourcedBehaviorWithEnforcedReplies<Driver.Command, Driver.Event, Driver.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Driver");
  public static final String TOPIC_KIND = "driver";

  public static final String DRIVER_BUSY = "driver_busy";
  public static final String DRIVER_UNAVAILABLE = "driver_unavailable";
  public static final String ON_TRIP = "on_trip";

  /**
   * @param persistEvery a fix is written at most this often (status changes are written at once)
   * @param offlineAfter a driver with no fix for this long is shown offline and leaves its cell
   */
  public record Settings(FixRules.Limits limits, Duration persistEvery, Duration offlineAfter, int snapshotEvery) {}

  public static String topic(String driverId) {
    return TOPIC_KIND + ":" + driverId;
  }

  // ---- replies --------------------------------------------------------------------------------------

  /** {@code shown}: the status as others see it (offline while silent). {@code cell}: null when in none. */
  public record View(String driverId, DriverStatus status, DriverStatus shown, String tripId, Fix lastFix, String cell, long seq)
      implements CborSerializable {}

  /** {@code persisted}: whether this fix was written now (else it lives in memory until the next write). */
  public record FixAck(String driverId, long at, String cell, boolean persisted) implements CborSerializable {}

  public record Subscribed(long lastSeq, View view, ActorRef<TopicFanout.Command> fanout) implements CborSerializable {}

  // ---- commands -------------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  public record GoOnline(ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record GoOffline(ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record UpdateLocation(Fix fix, ActorRef<StatusReply<FixAck>> replyTo) implements Command {}

  /** From a trip the driver accepted: the driver is on it unless busy or unavailable. Idempotent. */
  public record Assign(String tripId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** From a trip that ended (or an acceptance that came too late): available again. Idempotent. */
  public record Release(String tripId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** A trip offers itself; pushed to the driver's connections, answered through the trip. */
  public record OfferTrip(String tripId, String riderId, Position pickup, long expiresAt) implements Command {}

  public record Get(ActorRef<StatusReply<View>> replyTo) implements Command {}

  /** Every event after {@code since} (none if negative), then the live stream and ephemeral pushes. */
  public record Subscribe(long since, ActorRef<TopicPush> watcher, ActorRef<StatusReply<Subscribed>> replyTo) implements Command {}

  public record Unsubscribe(ActorRef<TopicPush> watcher) implements Command {}

  private record Silence() implements Command {}

  private record Flush() implements Command {}

  // ---- events (durable, pushed with seq) and ephemeral pushes ---------------------------------------

  public sealed interface Event extends TopicEvent {}

  /** {@code tripId}: the trip, when {@code status} is on_trip. */
  public record StatusChanged(DriverStatus status, String tripId, long at) implements Event {}

  /** {@code receivedAt}: the server's time of receipt, which silence is measured from. */
  public record Located(Fix fix, long receivedAt) implements Event {}

  public record TripOffered(String tripId, String riderId, double pickupLat, double pickupLng, long expiresAt) implements TopicEvent {}

  /** How others see the driver now (offline while silent), ephemeral. */
  public record Shown(DriverStatus shown, long at) implements TopicEvent {}

  // ---- state ----------------------------------------------------------------------------------------

  public record State(DriverStatus status, String tripId, Fix lastFix, long lastFixAt, long seq) implements CborSerializable {
    public static final State EMPTY = new State(DriverStatus.OFFLINE, null, null, 0, 0);
  }

  /** The entity's in-memory side: the newest fix, where the driver is indexed, whether it is silent. */
  private static final class Live {
    Fix fix;
    long receivedAt;
    boolean silent = true;
    String cell;
    Position indexedAt;
    long memberSeq;
    java.util.Set<String> fences = java.util.Set.of();
  }

  /**
   * The geofences a driver reports its crossings to: the node's index of them and the fence entities.
   * {@link #NONE} for tests that have no fences.
   */
  public record Fences(java.util.function.Supplier<FenceIndex> index, Function<String, RecipientRef<Geofence.Command>> entities) {
    public static final Fences NONE = new Fences(() -> FenceIndex.EMPTY, id -> null);
  }

  // ---- wiring ---------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings, GeoCells geo, TopicFanout.History history) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Function<String, RecipientRef<Cell.Command>> cells = id -> sharding.entityRefFor(Cell.ENTITY_TYPE_KEY, id);
    Function<String, RecipientRef<Trip.Command>> trips = id -> sharding.entityRefFor(Trip.ENTITY_TYPE_KEY, id);
    FenceDirectory directory = FenceDirectory.get(system);
    Fences fences = new Fences(directory::current, id -> sharding.entityRefFor(Geofence.ENTITY_TYPE_KEY, id));
    sharding.init(Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, geo, cells, trips, fences, history, Clock.systemUTC())));
  }

  public static Behavior<Command> create(
      String driverId,
      Settings settings,
      GeoCells geo,
      Function<String, RecipientRef<Cell.Command>> cells,
      Function<String, RecipientRef<Trip.Command>> trips,
      TopicFanout.History history,
      Clock clock) {
    return create(driverId, settings, geo, cells, trips, Fences.NONE, history, clock);
  }

  public static Behavior<Command> create(
      String driverId,
      Settings settings,
      GeoCells geo,
      Function<String, RecipientRef<Cell.Command>> cells,
      Function<String, RecipientRef<Trip.Command>> trips,
      Fences fences,
      TopicFanout.History history,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  String pid = PersistenceId.of(ENTITY_TYPE_KEY.name(), driverId).id();
                  ActorRef<TopicFanout.Command> fanout =
                      ctx.spawn(TopicFanout.create(topic(driverId), pid, history, TopicFanout.PresenceThrough.UNCHANGED), "fanout");
                  return new Driver(ctx, timers, driverId, settings, geo, cells, trips, fences, fanout, clock);
                }));
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String driverId;
  private final Settings settings;
  private final GeoCells geo;
  private final Function<String, RecipientRef<Cell.Command>> cells;
  private final Function<String, RecipientRef<Trip.Command>> trips;
  private final Fences fences;
  private final ActorRef<TopicFanout.Command> fanout;
  private final Clock clock;
  private final Live live = new Live();

  private Driver(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String driverId,
      Settings settings,
      GeoCells geo,
      Function<String, RecipientRef<Cell.Command>> cells,
      Function<String, RecipientRef<Trip.Command>> trips,
      Fences fences,
      ActorRef<TopicFanout.Command> fanout,
      Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), driverId), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.timers = timers;
    this.driverId = driverId;
    this.settings = settings;
    this.geo = geo;
    this.cells = cells;
    this.trips = trips;
    this.fences = fences;
    this.fanout = fanout;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::recovered).build();
  }

  /** The in-memory side from the persisted one: the silence timer, and the cell re-announced. */
  private void recovered(State state) {
    live.fix = state.lastFix();
    live.receivedAt = state.lastFixAt();
    long quiet = now() - state.lastFixAt();
    live.silent = state.lastFix() == null || quiet >= settings.offlineAfter().toMillis();
    if (!live.silent) timers.startSingleTimer("silence", new Silence(), settings.offlineAfter().minusMillis(quiet));
    reindex(state, Cell.OFFLINE);
  }

  // ---- commands -------------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(UpdateLocation.class, this::onFix)
        .onCommand(GoOnline.class, (state, c) -> changeStatus(state, DriverStatus.AVAILABLE, null, c.replyTo(), s -> view(s)))
        .onCommand(GoOffline.class, this::onGoOffline)
        .onCommand(Assign.class, this::onAssign)
        .onCommand(Release.class, this::onRelease)
        .onCommand(OfferTrip.class, this::onOffer)
        .onCommand(Get.class, (state, c) -> Effect().reply(c.replyTo(), StatusReply.success(view(state))))
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, (state, c) -> {
          fanout.tell(new TopicFanout.Unregister(c.watcher()));
          return Effect().noReply();
        })
        .onCommand(Silence.class, this::onSilence)
        .onCommand(Flush.class, (state, c) -> unwritten(state) ? Effect().persist(located()).thenRun(this::publishLast).thenNoReply() : Effect().noReply())
        .build();
  }

  private ReplyEffect<Event, State> onFix(State state, UpdateLocation c) {
    long now = now();
    Optional<Rejection> refusal = FixRules.check(live.fix, c.fix(), now, settings.limits());
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), Rejection.reply(refusal.get().code(), refusal.get().message()));
    live.fix = c.fix();
    live.receivedAt = now;
    boolean wasSilent = live.silent;
    live.silent = false;
    timers.startSingleTimer("silence", new Silence(), settings.offlineAfter());
    reindex(state, Cell.OFFLINE);
    if (state.status() == DriverStatus.ON_TRIP && state.tripId() != null) trips.apply(state.tripId()).tell(new Trip.DriverFix(driverId, c.fix()));
    if (wasSilent && state.status() != DriverStatus.OFFLINE) fanout.tell(new TopicFanout.Broadcast("shown", new Shown(state.status(), now)));
    if (now - state.lastFixAt() >= settings.persistEvery().toMillis()) {
      timers.cancel("flush");
      return Effect().persist(located()).thenRun(this::publishLast).thenReply(c.replyTo(), s -> StatusReply.success(ack(true)));
    }
    if (!timers.isTimerActive("flush")) {
      timers.startSingleTimer("flush", new Flush(), Duration.ofMillis(settings.persistEvery().toMillis() - (now - state.lastFixAt())));
    }
    return Effect().reply(c.replyTo(), StatusReply.success(ack(false)));
  }

  private FixAck ack(boolean persisted) {
    return new FixAck(driverId, live.fix.at(), live.cell, persisted);
  }

  private Located located() {
    return new Located(live.fix, live.receivedAt);
  }

  private boolean unwritten(State state) {
    return live.fix != null && (state.lastFix() == null || live.fix.at() != state.lastFix().at());
  }

  private ReplyEffect<Event, State> onGoOffline(State state, GoOffline c) {
    if (state.status() == DriverStatus.ON_TRIP) return Effect().reply(c.replyTo(), Rejection.reply(ON_TRIP, "finish or cancel trip " + state.tripId() + " first"));
    return changeStatus(state, DriverStatus.OFFLINE, null, c.replyTo(), s -> view(s));
  }

  private ReplyEffect<Event, State> onAssign(State state, Assign c) {
    if (state.status() == DriverStatus.ON_TRIP) {
      if (c.tripId().equals(state.tripId())) return Effect().reply(c.replyTo(), StatusReply.ack());
      return Effect().reply(c.replyTo(), Rejection.reply(DRIVER_BUSY, "the driver is on another trip"));
    }
    if (state.status() != DriverStatus.AVAILABLE || live.silent) {
      return Effect().reply(c.replyTo(), Rejection.reply(DRIVER_UNAVAILABLE, "the driver is not available"));
    }
    return changeStatus(state, DriverStatus.ON_TRIP, c.tripId(), c.replyTo(), s -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onRelease(State state, Release c) {
    if (state.status() != DriverStatus.ON_TRIP || !c.tripId().equals(state.tripId())) return Effect().reply(c.replyTo(), StatusReply.ack());
    return changeStatus(state, DriverStatus.AVAILABLE, null, c.replyTo(), s -> Done.getInstance());
  }

  /** Persists the status (with the newest fix, if unwritten), then moves the driver in the index. */
  private <T> ReplyEffect<Event, State> changeStatus(
      State state, DriverStatus status, String tripId, ActorRef<StatusReply<T>> replyTo, Function<State, T> answer) {
    if (state.status() == status && java.util.Objects.equals(state.tripId(), tripId)) {
      return Effect().reply(replyTo, StatusReply.success(answer.apply(state)));
    }
    List<Event> events = new ArrayList<>(2);
    if (unwritten(state)) events.add(located());
    events.add(new StatusChanged(status, tripId, now()));
    timers.cancel("flush");
    String reason = status == DriverStatus.ON_TRIP ? Cell.ON_TRIP : Cell.OFFLINE;
    return Effect()
        .persist(events)
        .thenRun(s -> {
          publish(s, events);
          reindex(s, reason);
        })
        .thenReply(replyTo, s -> StatusReply.success(answer.apply(s)));
  }

  private ReplyEffect<Event, State> onOffer(State state, OfferTrip c) {
    fanout.tell(new TopicFanout.Broadcast("offer", new TripOffered(c.tripId(), c.riderId(), c.pickup().lat(), c.pickup().lng(), c.expiresAt())));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSilence(State state, Silence c) {
    if (live.silent || live.fix == null) return Effect().noReply();
    if (now() - live.receivedAt < settings.offlineAfter().toMillis()) return Effect().noReply(); // a fix came meanwhile
    live.silent = true;
    reindex(state, Cell.SILENT);
    fanout.tell(new TopicFanout.Broadcast("shown", new Shown(DriverStatus.OFFLINE, now())));
    if (unwritten(state)) {
      timers.cancel("flush");
      return Effect().persist(located()).thenRun(this::publishLast).thenNoReply();
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe c) {
    long since = c.since() < 0 ? state.seq() : Math.min(c.since(), state.seq());
    fanout.tell(new TopicFanout.Register(driverId, c.watcher(), List.of(), since + 1, state.seq()));
    return Effect().reply(c.replyTo(), StatusReply.success(new Subscribed(state.seq(), view(state), fanout)));
  }

  // ---- the index ------------------------------------------------------------------------------------

  /**
   * Puts the driver where its status and last fix say: in the cell of the fix if available and not
   * silent, else in none. Leave before join, every message numbered above the last.
   */
  private void reindex(State state, String reasonIfOut) {
    String want = state.status() == DriverStatus.AVAILABLE && !live.silent && live.fix != null ? geo.cellIdOf(live.fix.lat(), live.fix.lng()) : null;
    boolean crossing = live.cell != null && !live.cell.equals(want);
    if (crossing) cells.apply(live.cell).tell(new Cell.Remove(driverId, nextSeq(), want == null ? null : live.fix.position(), want == null ? reasonIfOut : Cell.LEFT_REGION));
    if (want != null) {
      cells.apply(want).tell(new Cell.Upsert(driverId, nextSeq(), live.fix, crossing ? live.indexedAt : null));
      live.indexedAt = live.fix.position();
    } else {
      live.indexedAt = null;
    }
    live.cell = want;
    refence(state);
  }

  /**
   * Tells the fences the driver entered or left since its last fix. A driver with fixes counts inside a
   * fence whatever its trip status, unless offline or silent; exits before entries, one membership
   * sequence for cells and fences. After a restart the set starts empty, so the driver re-announces its
   * fences and the fence ignores what it already knows.
   */
  private void refence(State state) {
    FenceIndex index = fences.index().get();
    boolean located = state.status() != DriverStatus.OFFLINE && !live.silent && live.fix != null;
    java.util.Set<String> now = located ? index.containing(live.fix.lat(), live.fix.lng()) : java.util.Set.of();
    if (now.equals(live.fences)) return;
    Fix f = live.fix;
    double lat = f == null ? 0 : f.lat();
    double lng = f == null ? 0 : f.lng();
    long at = f == null ? now() : f.at();
    String out = located ? Geofence.LEFT_FENCE : live.silent ? Cell.SILENT : Cell.OFFLINE;
    for (String id : live.fences) {
      if (now.contains(id)) continue;
      String reason = index.fences().containsKey(id) ? out : Geofence.FENCE_CHANGED;
      fences.entities().apply(id).tell(new Geofence.Cross(driverId, nextSeq(), false, lat, lng, at, reason));
    }
    for (String id : now) {
      if (!live.fences.contains(id)) fences.entities().apply(id).tell(new Geofence.Cross(driverId, nextSeq(), true, lat, lng, at, null));
    }
    live.fences = now;
  }

  private long nextSeq() {
    live.memberSeq = Math.max(live.memberSeq + 1, now() * 1000);
    return live.memberSeq;
  }

  private void publish(State after, List<Event> events) {
    long seq = after.seq() - events.size();
    for (Event e : events) fanout.tell(new TopicFanout.Published(new TopicFanout.Entry(++seq, e)));
  }

  private void publishLast(State after) {
    fanout.tell(new TopicFanout.Published(new TopicFanout.Entry(after.seq(), located())));
  }

  private View view(State state) {
    DriverStatus shown = live.silent ? DriverStatus.OFFLINE : state.status();
    return new View(driverId, state.status(), shown, state.tripId(), live.fix, live.cell, state.seq());
  }

  private long now() {
    return clock.millis();
  }

  // ---- events ---------------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(Driver::apply);
  }

  static State apply(State s, Event event) {
    long seq = s.seq() + 1;
    if (event instanceof StatusChanged c) return new State(c.status(), c.status() == DriverStatus.ON_TRIP ? c.tripId() : null, s.lastFix(), s.lastFixAt(), seq);
    if (event instanceof Located l) return new State(s.status(), s.tripId(), l.fix(), l.receivedAt(), seq);
    throw new IllegalArgumentException("unknown event " + event);
  }
}
