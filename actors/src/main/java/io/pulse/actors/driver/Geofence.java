package io.pulse.actors.driver;

import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * Who is inside one geofence: a sharded, event-sourced entity, id = the fence's id, whose events are the
 * drivers' entries and exits, pushed by seq on {@code fence:<id>} and resumable with {@code since}, as
 * Tile38's roaming fences report enter and exit.
 *
 * <p>The drivers decide: each driver entity looks its fixes up in its node's {@link FenceIndex} and
 * tells the fences it entered or left ({@link Cross}), numbered by its own membership sequence. This
 * entity persists a crossing only if it changes something: an entry of a driver already inside (a
 * driver re-announcing itself after a restart) or a message not above the last number seen from that
 * driver (duplicated or overtaken) persists nothing. So the event stream never says "entered" twice in
 * a row for one driver, and the current inside set survives restarts.
 */
public final class Geofence extends EventSourcedBehaviorWithEnforcedReplies<Geofence.Command, Geofence.Event, Geofence.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Geofence");
  public static final String TOPIC_KIND = "fence";

  /** {@link Exited} reasons beyond the driver's own status ({@link Cell#OFFLINE}, {@link Cell#SILENT}). */
  public static final String LEFT_FENCE = "left_fence";
  public static final String FENCE_CHANGED = "fence_changed";

  public static String topic(String fenceId) {
    return TOPIC_KIND + ":" + fenceId;
  }

  // ---- replies --------------------------------------------------------------------------------------

  public record Member(String driverId, double lat, double lng, long at) implements CborSerializable {}

  public record Inside(String fenceId, List<Member> drivers, long seq) implements CborSerializable {}

  public record Subscribed(long lastSeq, Inside inside, ActorRef<TopicFanout.Command> fanout) implements CborSerializable {}

  // ---- commands -------------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /**
   * From a driver: it is now inside ({@code inside}) or outside this fence, at a position and time;
   * {@code reason} says why it is outside. {@code driverSeq}: the driver's membership sequence.
   */
  public record Cross(String driverId, long driverSeq, boolean inside, double lat, double lng, long at, String reason) implements Command {}

  public record GetInside(ActorRef<StatusReply<Inside>> replyTo) implements Command {}

  /** Every event after {@code since} (none if negative), then the live stream. */
  public record Subscribe(long since, ActorRef<TopicPush> watcher, ActorRef<StatusReply<Subscribed>> replyTo) implements Command {}

  public record Unsubscribe(ActorRef<TopicPush> watcher) implements Command {}

  // ---- events ---------------------------------------------------------------------------------------

  public sealed interface Event extends TopicEvent {}

  public record Entered(String driverId, double lat, double lng, long at, long driverSeq) implements Event {}

  public record Exited(String driverId, String reason, double lat, double lng, long at, long driverSeq) implements Event {}

  // ---- state ----------------------------------------------------------------------------------------

  /** {@code lastSeen}: each driver's newest membership number, also after it left (to ignore stale entries). */
  public record State(Map<String, Member> inside, Map<String, Long> lastSeen, long seq) implements CborSerializable {
    public static final State EMPTY = new State(HashTreePMap.empty(), HashTreePMap.empty(), 0);

    /** Persistent maps (a snapshot deserializes plain ones): each event shares all but one entry. */
    public State {
      inside = inside instanceof PMap<String, Member> p ? p : HashTreePMap.from(inside);
      lastSeen = lastSeen instanceof PMap<String, Long> p ? p : HashTreePMap.from(lastSeen);
    }

    boolean outdated(String driverId, long driverSeq) {
      Long seen = lastSeen.get(driverId);
      return seen != null && seen >= driverSeq;
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------------

  public record Settings(int snapshotEvery) {}

  public static void init(ActorSystem<?> system, Settings settings, TopicFanout.History history) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, history)));
  }

  public static Behavior<Command> create(String fenceId, Settings settings, TopicFanout.History history) {
    return Behaviors.setup(
        ctx -> {
          String pid = PersistenceId.of(ENTITY_TYPE_KEY.name(), fenceId).id();
          ActorRef<TopicFanout.Command> fanout =
              ctx.spawn(TopicFanout.create(topic(fenceId), pid, history, TopicFanout.PresenceThrough.UNCHANGED), "fanout");
          return new Geofence(fenceId, settings, fanout);
        });
  }

  private final String fenceId;
  private final Settings settings;
  private final ActorRef<TopicFanout.Command> fanout;

  private Geofence(String fenceId, Settings settings, ActorRef<TopicFanout.Command> fanout) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), fenceId));
    this.fenceId = fenceId;
    this.settings = settings;
    this.fanout = fanout;
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
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Cross.class, this::onCross)
        .onCommand(GetInside.class, (state, c) -> Effect().reply(c.replyTo(), StatusReply.success(inside(state))))
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, (state, c) -> {
          fanout.tell(new TopicFanout.Unregister(c.watcher()));
          return Effect().noReply();
        })
        .build();
  }

  private ReplyEffect<Event, State> onCross(State state, Cross c) {
    if (state.outdated(c.driverId(), c.driverSeq())) return Effect().noReply();
    boolean wasInside = state.inside().containsKey(c.driverId());
    if (wasInside == c.inside()) return Effect().noReply(); // nothing changes: no event
    Event event =
        c.inside()
            ? new Entered(c.driverId(), c.lat(), c.lng(), c.at(), c.driverSeq())
            : new Exited(c.driverId(), c.reason() == null ? LEFT_FENCE : c.reason(), c.lat(), c.lng(), c.at(), c.driverSeq());
    return Effect().persist(event).thenRun(s -> fanout.tell(new TopicFanout.Published(new TopicFanout.Entry(s.seq(), event)))).thenNoReply();
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe c) {
    long since = c.since() < 0 ? state.seq() : Math.min(c.since(), state.seq());
    fanout.tell(new TopicFanout.Register(fenceId, c.watcher(), List.of(), since + 1, state.seq()));
    return Effect().reply(c.replyTo(), StatusReply.success(new Subscribed(state.seq(), inside(state), fanout)));
  }

  private Inside inside(State state) {
    List<Member> members = new ArrayList<>(state.inside().values());
    members.sort(Comparator.comparing(Member::driverId));
    return new Inside(fenceId, members, state.seq());
  }

  // ---- events ---------------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(Geofence::apply);
  }

  static State apply(State s, Event event) {
    long seq = s.seq() + 1;
    PMap<String, Member> inside = (PMap<String, Member>) s.inside();
    PMap<String, Long> lastSeen = (PMap<String, Long>) s.lastSeen();
    if (event instanceof Entered e) {
      return new State(inside.plus(e.driverId(), new Member(e.driverId(), e.lat(), e.lng(), e.at())), lastSeen.plus(e.driverId(), e.driverSeq()), seq);
    }
    if (event instanceof Exited x) return new State(inside.minus(x.driverId()), lastSeen.plus(x.driverId(), x.driverSeq()), seq);
    throw new IllegalArgumentException("unknown event " + event);
  }
}
