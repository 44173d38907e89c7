package io.pulse.actors.driver;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
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
 * The geofences dispatchers defined: one sharded, event-sourced entity ({@link #ID}) holding every
 * fence's polygon, versioned by its sequence number. Fences are few (hundreds, bounded by {@code
 * maxFences}) and change rarely, so one entity is no hot spot; every node copies them into its {@link
 * FenceDirectory} by asking with the version it has, and the answer is empty while nothing changed.
 */
public final class FenceRegistry
    extends EventSourcedBehaviorWithEnforcedReplies<FenceRegistry.Command, FenceRegistry.Event, FenceRegistry.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "FenceRegistry");
  public static final String ID = "fences";

  public static final String UNKNOWN_FENCE = "unknown_fence";
  public static final String TOO_MANY_FENCES = "too_many_fences";

  public record Settings(FenceShapes shapes, int maxFences, int snapshotEvery) {}

  // ---- replies --------------------------------------------------------------------------------------

  /** {@code cells}: how many (compacted) cells the fence's polygon became. */
  public record Defined(FenceDefinition fence, int cells, long version) implements CborSerializable {}

  /** Every fence at {@code version}, or, with {@code changed} false, nothing: the asker's version is current. */
  public record Fences(long version, boolean changed, List<FenceDefinition> fences) implements CborSerializable {}

  // ---- commands -------------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Defines or replaces fence {@code id}. */
  public record Define(String id, String name, List<Position> vertices, ActorRef<StatusReply<Defined>> replyTo) implements Command {}

  public record Delete(String id, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record GetFences(long knownVersion, ActorRef<Fences> replyTo) implements Command {}

  // ---- events ---------------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record FenceDefined(FenceDefinition fence) implements Event {}

  public record FenceDeleted(String id, long at) implements Event {}

  public record State(Map<String, FenceDefinition> fences, long version) implements CborSerializable {
    public static final State EMPTY = new State(HashTreePMap.empty(), 0);

    public State {
      fences = fences instanceof PMap<String, FenceDefinition> p ? p : HashTreePMap.from(fences);
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> new FenceRegistry(ctx.getEntityId(), settings, java.time.Clock.systemUTC())));
  }

  public static FenceRegistry create(String id, Settings settings, java.time.Clock clock) {
    return new FenceRegistry(id, settings, clock);
  }

  private final Settings settings;
  private final java.time.Clock clock;

  private FenceRegistry(String id, Settings settings, java.time.Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), id));
    this.settings = settings;
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
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Define.class, this::onDefine)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(GetFences.class, (state, c) -> Effect().reply(c.replyTo(), fences(state, c.knownVersion())))
        .build();
  }

  private ReplyEffect<Event, State> onDefine(State state, Define c) {
    if (!FenceIds.isValid(c.id())) return Effect().reply(c.replyTo(), Rejection.reply(FenceShapes.INVALID_FENCE, "a fence id is 1 to 64 letters, digits, '-', '_' or '.'"));
    if (!state.fences().containsKey(c.id()) && state.fences().size() >= settings.maxFences()) {
      return Effect().reply(c.replyTo(), Rejection.reply(TOO_MANY_FENCES, "at most " + settings.maxFences() + " fences; delete one first"));
    }
    List<Position> vertices = c.vertices() == null ? null : FenceShapes.open(c.vertices());
    Optional<Rejection> refused = settings.shapes().check(c.name(), vertices);
    if (refused.isPresent()) return Effect().reply(c.replyTo(), Rejection.reply(refused.get().code(), refused.get().message()));
    FenceDefinition fence = new FenceDefinition(c.id(), c.name(), vertices, clock.millis());
    int cells = settings.shapes().cells(vertices).size();
    return Effect().persist(new FenceDefined(fence)).thenReply(c.replyTo(), s -> StatusReply.success(new Defined(fence, cells, s.version())));
  }

  private ReplyEffect<Event, State> onDelete(State state, Delete c) {
    if (!state.fences().containsKey(c.id())) return Effect().reply(c.replyTo(), Rejection.reply(UNKNOWN_FENCE, "no fence " + c.id()));
    return Effect().persist(new FenceDeleted(c.id(), clock.millis())).thenReply(c.replyTo(), s -> StatusReply.ack());
  }

  private static Fences fences(State state, long known) {
    if (known == state.version()) return new Fences(state.version(), false, List.of());
    List<FenceDefinition> all = new ArrayList<>(state.fences().values());
    all.sort(Comparator.comparing(FenceDefinition::id));
    return new Fences(state.version(), true, all);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(FenceRegistry::apply);
  }

  static State apply(State s, Event event) {
    PMap<String, FenceDefinition> fences = (PMap<String, FenceDefinition>) s.fences();
    if (event instanceof FenceDefined d) return new State(fences.plus(d.fence().id(), d.fence()), s.version() + 1);
    if (event instanceof FenceDeleted d) return new State(fences.minus(d.id()), s.version() + 1);
    throw new IllegalArgumentException("unknown event " + event);
  }
}
