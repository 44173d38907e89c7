package io.pulse.actors.driver;

import io.pulse.actors.Rejection;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
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
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * One ride: a sharded, event-sourced entity through {@link TripRules}' state machine. Every transition
 * is an event with the trip's next sequence number, pushed by the child {@link TopicFanout} on topic
 * {@code trip:<id>} to whoever subscribed (the rider from the request, the driver from its offer), and
 * resumable with {@code since}.
 *
 * <p><b>Offers.</b> On request the trip asks for candidates near the pickup (nearest first, {@link
 * Candidates}) and offers itself to one at a time ({@link Driver.OfferTrip}); an offer ends by a
 * decline, by its timer (persisted as its deadline, so it is re-armed on recovery and fires at once if
 * the deadline passed while the trip was down), or by the driver being busy when asked to take it; each
 * goes to the next candidate, and the trip is cancelled with {@code no_driver_available} when none is
 * left. Acceptance asks the driver entity first ({@link Driver.Assign}), which is the authority on
 * whether the driver is free, so one driver never takes two trips.
 *
 * <p><b>Fixes and ETA.</b> The assigned driver's fixes arrive as {@link DriverFix}. Each is pushed to
 * subscribers as the ephemeral {@link DriverPosition}; the ETA to the pickup (accepted, arriving) or
 * the drop-off (in progress) is recomputed with {@link Eta} from the recent fixes and pushed as the
 * ephemeral {@link EtaChanged} when it changed by at least the threshold. The fixes form the trip's
 * track, persisted in chunks of {@code trackBatch} ({@link TrackRecorded}) and before every
 * transition; a restart loses at most the unwritten part of a chunk.
 */
public final class Trip extends EventSourcedBehaviorWithEnforcedReplies<Trip.Command, Trip.Event, Trip.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Trip");
  public static final String TOPIC_KIND = "trip";
  public static final String SYSTEM = "system";

  /**
   * @param offerTimeout how long one driver has to accept
   * @param assignTimeout how long the driver entity has to confirm an acceptance
   * @param trackBatch fixes persisted together in one track event
   * @param etaFloorMps the slowest average speed assumed for an ETA
   * @param etaThreshold an ETA is pushed when it changed by at least this
   * @param etaFixes how many recent fixes the average speed is taken over
   */
  public record Settings(
      Duration offerTimeout,
      Duration assignTimeout,
      int trackBatch,
      double etaFloorMps,
      Duration etaThreshold,
      int etaFixes,
      int recentEvents,
      int snapshotEvery) {}

  /** Who to offer a trip to: available drivers near the pickup, nearest first. */
  @FunctionalInterface
  public interface Candidates {
    CompletionStage<List<String>> near(Position pickup);
  }

  public static String topic(String tripId) {
    return TOPIC_KIND + ":" + tripId;
  }

  // ---- replies --------------------------------------------------------------------------------------

  public record View(
      String tripId,
      String riderId,
      TripStatus status,
      Position pickup,
      Position dropoff,
      String driverId,
      String offeredTo,
      long offerExpiresAt,
      String cancelledBy,
      String reason,
      int trackSize,
      long seq)
      implements CborSerializable {}

  public record Subscribed(long lastSeq, View view, ActorRef<TopicFanout.Command> fanout) implements CborSerializable {}

  // ---- commands -------------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  public record Request(String riderId, Position pickup, Position dropoff, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Accept(String driverId, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Decline(String driverId, ActorRef<StatusReply<View>> replyTo) implements Command {}

  /** The driver is at (or about to reach) the pickup. */
  public record Arrive(String driverId, ActorRef<StatusReply<View>> replyTo) implements Command {}

  /** The rider is aboard. */
  public record Start(String driverId, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Complete(String driverId, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Cancel(String by, String reason, ActorRef<StatusReply<View>> replyTo) implements Command {}

  /** A fix of the trip's driver, from its Driver entity; not answered. */
  public record DriverFix(String driverId, Fix fix) implements Command {}

  public record Get(String user, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Subscribe(String user, long since, ActorRef<TopicPush> watcher, ActorRef<StatusReply<Subscribed>> replyTo) implements Command {}

  public record Unsubscribe(ActorRef<TopicPush> watcher) implements Command {}

  private record CandidatesArrived(List<String> drivers, String failure) implements Command {}

  private record OfferTimedOut(String driverId, long expiresAt) implements Command {}

  /** The driver entity's answer to {@link Driver.Assign}: {@code refusal} null when it took the trip. */
  private record Assigned(Accept accept, Rejection refusal) implements Command {}

  // ---- events -------------------------------------------------------------------------------------

  public sealed interface Event extends TopicEvent {}

  public record Requested(String riderId, Position pickup, Position dropoff, long at) implements Event {}

  /** Nearest first; empty when none was found (a cancellation follows). */
  public record CandidatesFound(List<String> drivers, long at) implements Event {}

  public record Offered(String driverId, long expiresAt, long at) implements Event {}

  /** {@code reason}: declined, timeout or busy. */
  public record OfferDeclined(String driverId, String reason, long at) implements Event {}

  public record Accepted(String driverId, long at) implements Event {}

  public record Arrived(String driverId, long at) implements Event {}

  public record Started(String driverId, long at) implements Event {}

  public record Completed(String driverId, long at) implements Event {}

  /** {@code by}: the rider, the driver, or {@code system} (with reason no_driver_available). */
  public record Cancelled(String by, String reason, long at) implements Event {}

  public record TrackRecorded(List<Fix> fixes) implements Event {}

  /** Ephemeral, key {@code driver}: where the trip's driver is. */
  public record DriverPosition(String driverId, double lat, double lng, double heading, long at) implements TopicEvent {}

  /** Ephemeral, key {@code eta}: {@code target} pickup or dropoff. */
  public record EtaChanged(String target, double distanceMeters, long seconds, long at) implements TopicEvent {}

  public static final String PICKUP = "pickup";
  public static final String DROPOFF = "dropoff";

  // ---- state ----------------------------------------------------------------------------------------

  public record State(
      String riderId,
      Position pickup,
      Position dropoff,
      TripStatus status,
      List<String> candidates,
      List<String> tried,
      String offeredTo,
      long offerExpiresAt,
      String driverId,
      String cancelledBy,
      String reason,
      List<Fix> track,
      long seq,
      List<TopicFanout.Entry> recent)
      implements CborSerializable {
    public State {
      candidates = List.copyOf(candidates);
      tried = List.copyOf(tried);
      track = track instanceof PVector<Fix> p ? p : TreePVector.from(track);
      recent = recent instanceof PVector<TopicFanout.Entry> p ? p : TreePVector.from(recent);
    }

    public static final State EMPTY = new State(null, null, null, null, List.of(), List.of(), null, 0, null, null, null, List.of(), 0, List.of());

    long oldestBase() {
      return recent.isEmpty() ? seq : recent.get(0).seq() - 1;
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings, TopicFanout.History history, Candidates candidates) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Function<String, RecipientRef<Driver.Command>> drivers = id -> sharding.entityRefFor(Driver.ENTITY_TYPE_KEY, id);
    sharding.init(Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, history, candidates, drivers, Clock.systemUTC())));
  }

  public static Behavior<Command> create(
      String tripId,
      Settings settings,
      TopicFanout.History history,
      Candidates candidates,
      Function<String, RecipientRef<Driver.Command>> drivers,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  String pid = PersistenceId.of(ENTITY_TYPE_KEY.name(), tripId).id();
                  ActorRef<TopicFanout.Command> fanout =
                      ctx.spawn(TopicFanout.create(topic(tripId), pid, history, TopicFanout.PresenceThrough.UNCHANGED), "fanout");
                  return new Trip(ctx, timers, tripId, settings, candidates, drivers, fanout, clock);
                }));
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String tripId;
  private final Settings settings;
  private final Candidates candidates;
  private final Function<String, RecipientRef<Driver.Command>> drivers;
  private final ActorRef<TopicFanout.Command> fanout;
  private final Clock clock;
  /** In memory only: fixes not yet in a track event, the recent fixes for the speed, the last ETA pushed. */
  private final List<Fix> unwritten = new ArrayList<>();
  private final Deque<Fix> recentFixes = new ArrayDeque<>();
  private Eta.Estimate lastEta;

  private Trip(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String tripId,
      Settings settings,
      Candidates candidates,
      Function<String, RecipientRef<Driver.Command>> drivers,
      ActorRef<TopicFanout.Command> fanout,
      Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), tripId), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.timers = timers;
    this.tripId = tripId;
    this.settings = settings;
    this.candidates = candidates;
    this.drivers = drivers;
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
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              // Timers from persisted state: an offer's deadline; a search that a crash interrupted.
              if (state.status() == TripStatus.OFFERED) armOffer(state);
              if (state.status() == TripStatus.REQUESTED) findCandidates(state);
              int from = Math.max(0, state.track().size() - settings.etaFixes());
              recentFixes.addAll(state.track().subList(from, state.track().size()));
            })
        .build();
  }

  private void armOffer(State state) {
    timers.startSingleTimer(
        "offer", new OfferTimedOut(state.offeredTo(), state.offerExpiresAt()), Duration.ofMillis(Math.max(0, state.offerExpiresAt() - now())));
  }

  private void findCandidates(State state) {
    ctx.pipeToSelf(
        candidates.near(state.pickup()),
        (found, failure) -> new CandidatesArrived(failure == null ? found : List.of(), failure == null ? null : String.valueOf(failure.getMessage())));
  }

  // ---- commands -------------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Request.class, this::onRequest)
        .onCommand(CandidatesArrived.class, this::onCandidates)
        .onCommand(Accept.class, this::onAccept)
        .onCommand(Assigned.class, this::onAssigned)
        .onCommand(Decline.class, this::onDecline)
        .onCommand(OfferTimedOut.class, this::onOfferTimedOut)
        .onCommand(Arrive.class, (s, c) -> advance(s, c.driverId(), TripStatus.ARRIVING, new Arrived(c.driverId(), now()), c.replyTo()))
        .onCommand(Start.class, (s, c) -> advance(s, c.driverId(), TripStatus.IN_PROGRESS, new Started(c.driverId(), now()), c.replyTo()))
        .onCommand(Complete.class, (s, c) -> advance(s, c.driverId(), TripStatus.COMPLETED, new Completed(c.driverId(), now()), c.replyTo()))
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(DriverFix.class, this::onFix)
        .onCommand(Get.class, (s, c) -> {
          Optional<Rejection> refusal = TripRules.readable(s.status(), s.riderId(), s.driverId(), s.offeredTo(), c.user());
          return Effect().reply(c.replyTo(), refusal.isPresent() ? refused(refusal.get()) : StatusReply.success(view(s)));
        })
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, (s, c) -> {
          fanout.tell(new TopicFanout.Unregister(c.watcher()));
          return Effect().noReply();
        })
        .build();
  }

  private static <T> StatusReply<T> refused(Rejection r) {
    return Rejection.reply(r.code(), r.message());
  }

  private ReplyEffect<Event, State> onRequest(State state, Request c) {
    Optional<Rejection> refusal = TripRules.request(state.status(), c.pickup(), c.dropoff());
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    return persist(state, List.of(new Requested(c.riderId(), c.pickup(), c.dropoff(), now())))
        .thenRun(this::findCandidates)
        .thenReply(c.replyTo(), s -> StatusReply.success(view(s)));
  }

  private ReplyEffect<Event, State> onCandidates(State state, CandidatesArrived c) {
    if (state.status() != TripStatus.REQUESTED) return Effect().noReply();
    if (c.failure() != null) ctx.getLog().warn("Trip {}: the candidate search failed: {}", tripId, c.failure());
    List<Event> events = new ArrayList<>();
    events.add(new CandidatesFound(c.drivers(), now()));
    State after = apply(state, events.get(0), settings.recentEvents());
    events.add(offerNext(after));
    return persist(state, events).thenNoReply();
  }

  /** The offer to the nearest candidate not tried yet, or the cancellation when none is left. */
  private Event offerNext(State state) {
    Optional<String> next = TripRules.nextCandidate(state.candidates(), java.util.Set.copyOf(state.tried()));
    long now = now();
    if (next.isEmpty()) return new Cancelled(SYSTEM, TripRules.NO_DRIVER_AVAILABLE, now);
    return new Offered(next.get(), now + settings.offerTimeout().toMillis(), now);
  }

  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> endOffer(State state, String driverId, String reason) {
    List<Event> events = new ArrayList<>();
    events.add(new OfferDeclined(driverId, reason, now()));
    events.add(offerNext(apply(state, events.get(0), settings.recentEvents())));
    return persist(state, events);
  }

  private ReplyEffect<Event, State> onAccept(State state, Accept c) {
    Optional<Rejection> refusal = TripRules.answerOffer(state.status(), state.offeredTo(), c.driverId());
    if (refusal.isEmpty() && now() >= state.offerExpiresAt()) refusal = Optional.of(new Rejection(TripRules.OFFER_EXPIRED, "the offer expired"));
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    CompletionStage<StatusReply<Done>> asked =
        AskPattern.ask(drivers.apply(c.driverId()), r -> new Driver.Assign(tripId, r), settings.assignTimeout(), ctx.getSystem().scheduler());
    ctx.pipeToSelf(asked, (reply, failure) -> {
      if (failure != null) return new Assigned(c, new Rejection("unavailable", "the driver did not answer; accept again"));
      return new Assigned(c, reply.isSuccess() ? null : Rejection.of(reply.getError()));
    });
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onAssigned(State state, Assigned a) {
    String driverId = a.accept().driverId();
    boolean stillOffered = state.status() == TripStatus.OFFERED && driverId.equals(state.offeredTo());
    if (a.refusal() == null && stillOffered) {
      return persist(state, List.of(new Accepted(driverId, now()))).thenReply(a.accept().replyTo(), s -> StatusReply.success(view(s)));
    }
    if (a.refusal() == null) {
      // took the trip after its offer ended: give the driver back
      drivers.apply(driverId).tell(new Driver.Release(tripId, ctx.getSystem().ignoreRef()));
      return Effect().reply(a.accept().replyTo(), Rejection.reply(TripRules.OFFER_EXPIRED, "the offer ended before the driver could take it"));
    }
    if (stillOffered && !"unavailable".equals(a.refusal().code())) {
      return endOffer(state, driverId, TripRules.BUSY).thenReply(a.accept().replyTo(), s -> refused(a.refusal()));
    }
    return Effect().reply(a.accept().replyTo(), refused(a.refusal()));
  }

  private ReplyEffect<Event, State> onDecline(State state, Decline c) {
    Optional<Rejection> refusal = TripRules.answerOffer(state.status(), state.offeredTo(), c.driverId());
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    return endOffer(state, c.driverId(), TripRules.DECLINED).thenReply(c.replyTo(), s -> StatusReply.success(view(s)));
  }

  private ReplyEffect<Event, State> onOfferTimedOut(State state, OfferTimedOut t) {
    if (state.status() != TripStatus.OFFERED || !t.driverId().equals(state.offeredTo()) || t.expiresAt() != state.offerExpiresAt()) {
      return Effect().noReply();
    }
    return endOffer(state, t.driverId(), TripRules.TIMED_OUT).thenNoReply();
  }

  private ReplyEffect<Event, State> advance(State state, String driverId, TripStatus to, Event event, ActorRef<StatusReply<View>> replyTo) {
    Optional<Rejection> refusal = TripRules.advance(state.status(), state.driverId(), driverId, to);
    if (refusal.isPresent()) return Effect().reply(replyTo, refused(refusal.get()));
    return persist(state, withTrack(event)).thenReply(replyTo, s -> StatusReply.success(view(s)));
  }

  private ReplyEffect<Event, State> onCancel(State state, Cancel c) {
    Optional<Rejection> refusal = TripRules.cancel(state.status(), state.riderId(), state.driverId(), c.by(), c.reason());
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    return persist(state, withTrack(new Cancelled(c.by(), c.reason().strip(), now()))).thenReply(c.replyTo(), s -> StatusReply.success(view(s)));
  }

  /** The unwritten part of the track first, so the track is whole at every transition. */
  private List<Event> withTrack(Event event) {
    List<Event> events = new ArrayList<>(2);
    if (!unwritten.isEmpty()) events.add(new TrackRecorded(List.copyOf(unwritten)));
    events.add(event);
    return events;
  }

  private ReplyEffect<Event, State> onFix(State state, DriverFix c) {
    if (state.status() == null || !state.status().assigned() || !c.driverId().equals(state.driverId())) return Effect().noReply();
    Fix fix = c.fix();
    if (!recentFixes.isEmpty() && fix.at() <= recentFixes.peekLast().at()) return Effect().noReply(); // a duplicate
    unwritten.add(fix);
    recentFixes.addLast(fix);
    while (recentFixes.size() > settings.etaFixes()) recentFixes.removeFirst();
    fanout.tell(new TopicFanout.Broadcast("driver", new DriverPosition(c.driverId(), fix.lat(), fix.lng(), fix.heading(), fix.at())));
    boolean toDropoff = state.status() == TripStatus.IN_PROGRESS;
    Eta.Estimate eta = Eta.estimate(toDropoff ? DROPOFF : PICKUP, List.copyOf(recentFixes), toDropoff ? state.dropoff() : state.pickup(), settings.etaFloorMps());
    if (Eta.changed(lastEta, eta, settings.etaThreshold().toSeconds())) {
      lastEta = eta;
      fanout.tell(new TopicFanout.Broadcast("eta", new EtaChanged(eta.target(), eta.distanceMeters(), eta.seconds(), now())));
    }
    if (unwritten.size() >= settings.trackBatch()) return persist(state, List.of(new TrackRecorded(List.copyOf(unwritten)))).thenNoReply();
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe c) {
    Optional<Rejection> refusal = TripRules.readable(state.status(), state.riderId(), state.driverId(), state.offeredTo(), c.user());
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    long since = c.since() < 0 ? state.seq() : Math.min(c.since(), state.seq());
    List<TopicFanout.Entry> replay;
    long journalFrom = 1;
    long journalTo = 0;
    if (since >= state.oldestBase()) {
      replay = state.recent().stream().filter(e -> e.seq() > since).toList();
    } else {
      replay = state.recent();
      journalFrom = since + 1;
      journalTo = state.oldestBase();
    }
    fanout.tell(new TopicFanout.Register(c.user(), c.watcher(), replay, journalFrom, journalTo));
    if (lastEta != null) c.watcher().tell(new TopicPush.Ephemeral(topic(tripId), "eta", new EtaChanged(lastEta.target(), lastEta.distanceMeters(), lastEta.seconds(), now())));
    return Effect().reply(c.replyTo(), StatusReply.success(new Subscribed(state.seq(), view(state), fanout)));
  }

  /** Persists, then publishes each event and does what it implies outside (offers, timers, the driver). */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> persist(State state, List<Event> events) {
    return Effect().persist(events).thenRun(after -> {
      State s = state;
      for (Event e : events) {
        s = apply(s, e, settings.recentEvents());
        published(s, e);
      }
    });
  }

  private void published(State state, Event event) {
    fanout.tell(new TopicFanout.Published(new TopicFanout.Entry(state.seq(), event)));
    if (event instanceof TrackRecorded t) {
      unwritten.subList(0, Math.min(t.fixes().size(), unwritten.size())).clear();
    } else if (event instanceof Offered o) {
      armOffer(state);
      drivers.apply(o.driverId()).tell(new Driver.OfferTrip(tripId, state.riderId(), state.pickup(), o.expiresAt()));
    } else if (event instanceof OfferDeclined d) {
      timers.cancel("offer");
      fanout.tell(new TopicFanout.EndUsers(java.util.Set.of(d.driverId()), TripRules.FORBIDDEN, "the offer ended"));
    } else if (event instanceof Accepted) {
      timers.cancel("offer");
    } else if (event instanceof Completed || event instanceof Cancelled) {
      timers.cancel("offer");
      if (state.driverId() != null) drivers.apply(state.driverId()).tell(new Driver.Release(tripId, ctx.getSystem().ignoreRef()));
    }
  }

  private View view(State s) {
    return new View(
        tripId, s.riderId(), s.status(), s.pickup(), s.dropoff(), s.driverId(), s.offeredTo(), s.offerExpiresAt(), s.cancelledBy(), s.reason(), s.track().size(), s.seq());
  }

  private long now() {
    return clock.millis();
  }

  // ---- events ---------------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> apply(state, event, settings.recentEvents()));
  }

  /** The state after one event, for replay and live alike. */
  static State apply(State s, Event event, int recentEvents) {
    long seq = s.seq() + 1;
    PVector<TopicFanout.Entry> recent = ((PVector<TopicFanout.Entry>) s.recent()).plus(new TopicFanout.Entry(seq, event));
    if (recent.size() > recentEvents) recent = recent.minus(0);
    String rider = s.riderId();
    Position pickup = s.pickup();
    Position dropoff = s.dropoff();
    TripStatus status = s.status();
    List<String> candidates = s.candidates();
    List<String> tried = s.tried();
    String offeredTo = s.offeredTo();
    long expiresAt = s.offerExpiresAt();
    String driver = s.driverId();
    String cancelledBy = s.cancelledBy();
    String reason = s.reason();
    List<Fix> track = s.track();
    if (event instanceof Requested r) {
      rider = r.riderId();
      pickup = r.pickup();
      dropoff = r.dropoff();
      status = TripStatus.REQUESTED;
    } else if (event instanceof CandidatesFound f) {
      candidates = f.drivers();
    } else if (event instanceof Offered o) {
      status = TripStatus.OFFERED;
      offeredTo = o.driverId();
      expiresAt = o.expiresAt();
      List<String> next = new ArrayList<>(tried);
      next.add(o.driverId());
      tried = next;
    } else if (event instanceof OfferDeclined) {
      offeredTo = null;
      expiresAt = 0;
    } else if (event instanceof Accepted a) {
      status = TripStatus.ACCEPTED;
      driver = a.driverId();
      offeredTo = null;
      expiresAt = 0;
    } else if (event instanceof Arrived) {
      status = TripStatus.ARRIVING;
    } else if (event instanceof Started) {
      status = TripStatus.IN_PROGRESS;
    } else if (event instanceof Completed) {
      status = TripStatus.COMPLETED;
    } else if (event instanceof Cancelled c) {
      status = TripStatus.CANCELLED;
      cancelledBy = c.by();
      reason = c.reason();
      offeredTo = null;
      expiresAt = 0;
    } else if (event instanceof TrackRecorded t) {
      track = ((PVector<Fix>) track).plusAll(t.fixes());
    }
    return new State(rider, pickup, dropoff, status, candidates, tried, offeredTo, expiresAt, driver, cancelledBy, reason, track, seq, recent);
  }
}
