package io.pulse.actors.alerting;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
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

/**
 * One tenant's alerting directory: its silences, and the ids of its rules (so {@code GET /api/alerts} can list
 * every rule's alerts). Small and read often; rules ask it for the silences active at an instant only when an
 * evaluation is about to notify. Silences that ended more than {@code keepExpired} ago are forgotten.
 */
public final class AlertTenant extends EventSourcedBehaviorWithEnforcedReplies<AlertTenant.Command, AlertTenant.Event, AlertTenant.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "AlertTenant");
  /** Pulse has one alerting tenant for now; the entity is keyed by tenant so more can follow. */
  public static final String DEFAULT = "default";

  public static final String INVALID_SILENCE = "invalid_silence";
  public static final String TOO_MANY_SILENCES = "too_many_silences";
  public static final String ALREADY_EXISTS = "already_exists";
  public static final String NOT_FOUND = "not_found";

  public record Settings(int maxSilences, int maxMatchers, Duration keepExpired, int snapshotEvery) {}

  public sealed interface Command extends CborSerializable {}

  public record CreateSilence(Silence silence, ActorRef<StatusReply<Silence>> replyTo) implements Command {}

  /** Ends a silence now (kept, as expired, for {@code keepExpired}). */
  public record ExpireSilence(String id, ActorRef<StatusReply<Silence>> replyTo) implements Command {}

  public record ListSilences(ActorRef<StatusReply<SilenceList>> replyTo) implements Command {}

  public record ActiveSilences(long at, ActorRef<StatusReply<SilenceList>> replyTo) implements Command {}

  public record AddRule(String ruleId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record RemoveRule(String ruleId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record ListRules(ActorRef<StatusReply<RuleIds>> replyTo) implements Command {}

  public record SilenceList(List<Silence> silences) implements CborSerializable {
    public SilenceList {
      silences = List.copyOf(silences);
    }
  }

  public record RuleIds(List<String> ruleIds) implements CborSerializable {
    public RuleIds {
      ruleIds = List.copyOf(ruleIds);
    }
  }

  public sealed interface Event extends CborSerializable {}

  public record SilenceCreated(Silence silence, long at) implements Event {}

  public record SilenceExpired(String id, long at) implements Event {}

  public record RuleAdded(String ruleId) implements Event {}

  public record RuleRemoved(String ruleId) implements Event {}

  public record State(Map<String, Silence> silences, Set<String> ruleIds) implements CborSerializable {
    public State {
      silences = Map.copyOf(silences);
      ruleIds = Set.copyOf(ruleIds);
    }

    public static final State EMPTY = new State(Map.of(), Set.of());
  }

  static State apply(State s, Event event, long keepExpiredMillis) {
    if (event instanceof RuleAdded a) {
      Set<String> ids = new TreeSet<>(s.ruleIds());
      ids.add(a.ruleId());
      return new State(s.silences(), ids);
    }
    if (event instanceof RuleRemoved r) {
      Set<String> ids = new TreeSet<>(s.ruleIds());
      ids.remove(r.ruleId());
      return new State(s.silences(), ids);
    }
    Map<String, Silence> silences = new TreeMap<>(s.silences());
    long at;
    if (event instanceof SilenceCreated c) {
      silences.put(c.silence().id(), c.silence());
      at = c.at();
    } else {
      SilenceExpired x = (SilenceExpired) event;
      silences.computeIfPresent(x.id(), (k, v) -> v.expiredAt(x.at()));
      at = x.at();
    }
    silences.values().removeIf(v -> at - v.endsAt() > keepExpiredMillis);
    return new State(silences, s.ruleIds());
  }

  public static void init(ActorSystem<?> system, Settings settings) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, Clock.systemUTC())));
  }

  public static Behavior<Command> create(String tenant, Settings settings, Clock clock) {
    return Behaviors.setup(ctx -> new AlertTenant(tenant, settings, clock));
  }

  private final Settings settings;
  private final Clock clock;

  private AlertTenant(String tenant, Settings settings, Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), tenant), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
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

  /** Why a silence is refused, or null. */
  static Rejection problem(Silence s, int maxMatchers) {
    if (s.id() == null || !Rules.ID.matcher(s.id()).matches()) return new Rejection(INVALID_SILENCE, "a silence id is 1-64 of [A-Za-z0-9_.-]");
    if (s.matchers().isEmpty()) return new Rejection(INVALID_SILENCE, "a silence needs at least one matcher");
    if (s.matchers().size() > maxMatchers) return new Rejection(INVALID_SILENCE, "at most " + maxMatchers + " matchers");
    if (s.endsAt() <= s.startsAt()) return new Rejection(INVALID_SILENCE, "endsAt must be after startsAt");
    return null;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(CreateSilence.class, this::onCreate)
        .onCommand(ExpireSilence.class, this::onExpire)
        .onCommand(ListSilences.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(new SilenceList(sorted(s.silences().values())))))
        .onCommand(
            ActiveSilences.class,
            (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(new SilenceList(sorted(s.silences().values().stream().filter(x -> x.activeAt(c.at())).toList())))))
        .onCommand(
            AddRule.class,
            (s, c) ->
                s.ruleIds().contains(c.ruleId())
                    ? Effect().reply(c.replyTo(), StatusReply.success(Done.getInstance()))
                    : Effect().persist(new RuleAdded(c.ruleId())).thenReply(c.replyTo(), st -> StatusReply.success(Done.getInstance())))
        .onCommand(
            RemoveRule.class,
            (s, c) ->
                !s.ruleIds().contains(c.ruleId())
                    ? Effect().reply(c.replyTo(), StatusReply.success(Done.getInstance()))
                    : Effect().persist(new RuleRemoved(c.ruleId())).thenReply(c.replyTo(), st -> StatusReply.success(Done.getInstance())))
        .onCommand(ListRules.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(new RuleIds(new ArrayList<>(new TreeSet<>(s.ruleIds()))))))
        .build();
  }

  private static List<Silence> sorted(java.util.Collection<Silence> silences) {
    List<Silence> list = new ArrayList<>(silences);
    list.sort(java.util.Comparator.comparingLong(Silence::startsAt).thenComparing(Silence::id));
    return list;
  }

  private ReplyEffect<Event, State> onCreate(State s, CreateSilence c) {
    Rejection bad = problem(c.silence(), settings.maxMatchers());
    if (bad != null) return Effect().reply(c.replyTo(), Rejection.reply(bad.code(), bad.message()));
    Silence existing = s.silences().get(c.silence().id());
    if (existing != null) {
      // a retried create is answered again; another silence under the same id is refused
      if (existing.equals(c.silence())) return Effect().reply(c.replyTo(), StatusReply.success(existing));
      return Effect().reply(c.replyTo(), Rejection.reply(ALREADY_EXISTS, "silence " + c.silence().id() + " exists"));
    }
    long now = clock.millis();
    if (c.silence().endsAt() <= now) return Effect().reply(c.replyTo(), Rejection.reply(INVALID_SILENCE, "endsAt is in the past"));
    long live = s.silences().values().stream().filter(x -> x.endsAt() > now).count();
    if (live >= settings.maxSilences()) return Effect().reply(c.replyTo(), Rejection.reply(TOO_MANY_SILENCES, "at most " + settings.maxSilences() + " silences"));
    return Effect().persist(new SilenceCreated(c.silence(), now)).thenReply(c.replyTo(), st -> StatusReply.success(c.silence()));
  }

  private ReplyEffect<Event, State> onExpire(State s, ExpireSilence c) {
    Silence existing = s.silences().get(c.id());
    if (existing == null) return Effect().reply(c.replyTo(), Rejection.reply(NOT_FOUND, "no silence " + c.id()));
    long now = clock.millis();
    if (existing.endsAt() <= now) return Effect().reply(c.replyTo(), StatusReply.success(existing));
    return Effect().persist(new SilenceExpired(c.id(), now)).thenReply(c.replyTo(), st -> StatusReply.success(st.silences().get(c.id())));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> apply(s, e, settings.keepExpired().toMillis()));
  }
}
