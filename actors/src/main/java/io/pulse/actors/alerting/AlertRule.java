package io.pulse.actors.alerting;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
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
 * One alert rule (entity id: the rule id). Evaluates its query through the {@link RuleQuery} on a timer derived
 * from its state ({@link RuleStateMachine#nextEvaluation}: every interval, or when a pending alert's {@code for}
 * ends) and persists every transition of every alert as an {@link AlertChanged}, so after a restart it neither
 * fires again (the alert is still firing in its state) nor forgets that it was firing (it resolves it when the
 * condition clears).
 *
 * <p>A notifying transition that no silence covers gets the rule's next seq and travels in the same event as its
 * {@link AlertNotice}: the event is the outbox. The rule hands its outbox to the receiver's {@link AlertDelivery}
 * (at least once: until acknowledged, again after every recovery) and persists {@link HandedOff} when it is
 * acknowledged; the delivery queue drops seqs it already has. So a node dying between "fired" and "handed on" loses
 * nothing and duplicates nothing. Sharding remembers rules, so they evaluate after a restart with nobody asking.
 */
public final class AlertRule extends EventSourcedBehaviorWithEnforcedReplies<AlertRule.Command, AlertRule.Event, AlertRule.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "AlertRule");
  public static final String NOT_FOUND = "not_found";

  /**
   * {@code receivers}: the configured receiver names; {@code keepResolved}: how long a resolved alert stays
   * visible; {@code handoffTimeout}/{@code handoffRetry}: the ask to the delivery queue and the wait after it
   * failed.
   */
  public record Settings(
      Set<String> receivers, Duration minInterval, Duration keepResolved, Duration handoffTimeout, Duration handoffRetry, int snapshotEvery) {}

  /** The silences active at an instant (the tenant's, in the node). */
  public interface SilenceLookup {
    java.util.concurrent.CompletionStage<List<Silence>> activeAt(long at);
  }

  // ---- messages -----------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Creates or replaces the definition. */
  public record Define(Rules.RuleSpec spec, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Delete(ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** The evaluation timer. */
  public record Evaluate() implements Command {}

  /** The query's answer for the evaluation of {@code query} at {@code at} (piped back). */
  public record Evaluated(String query, long at, List<LabeledValue> result) implements Command {
    public Evaluated {
      result = List.copyOf(result);
    }
  }

  /** The silences active at {@code at}, for an evaluation that is about to notify (piped back). */
  public record SilencesKnown(String query, long at, List<LabeledValue> result, List<Silence> silences) implements Command {
    public SilencesKnown {
      result = List.copyOf(result);
      silences = List.copyOf(silences);
    }
  }

  public record EvaluationFailed(long at, String error) implements Command {}

  /** The delivery queue acknowledged every seq up to {@code upToSeq} (or failed, with {@code error}). */
  public record HandoffDone(long upToSeq, String error) implements Command {}

  public record RetryHandoff() implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record Defined(Rules.RuleSpec spec, long at) implements Event {}

  public record Deleted(long at) implements Event {}

  /** One alert's transition; {@code notice} non-null when it notifies (then its seq is the rule's next). */
  public record AlertChanged(String key, AlertStatus from, AlertState after, boolean silenced, AlertNotice notice, long at) implements Event {}

  public record Forgotten(List<String> keys, long at) implements Event {
    public Forgotten {
      keys = List.copyOf(keys);
    }
  }

  public record HandedOff(long upToSeq, long at) implements Event {}

  // ---- state and views ----------------------------------------------------------------------------

  /** {@code spec} null when undefined or deleted; {@code outbox}: notices with seq above {@code handedOff}. */
  public record State(Rules.RuleSpec spec, Map<String, AlertState> alerts, long lastSeq, long handedOff, List<AlertNotice> outbox)
      implements CborSerializable {
    public State {
      alerts = Map.copyOf(alerts);
      outbox = List.copyOf(outbox);
    }

    public static final State EMPTY = new State(null, Map.of(), 0, 0, List.of());

    public boolean defined() {
      return spec != null;
    }
  }

  public record View(
      String ruleId,
      Rules.RuleSpec spec,
      List<AlertState> alerts,
      long lastSeq,
      long handedOff,
      long lastEvaluatedAt,
      String lastError,
      long nextEvaluationAt,
      long lastLagMs)
      implements CborSerializable {
    public View {
      alerts = List.copyOf(alerts);
    }
  }

  static State apply(State s, Event event) {
    if (event instanceof Defined d) return new State(d.spec(), s.alerts(), s.lastSeq(), s.handedOff(), s.outbox());
    if (event instanceof Deleted) return new State(null, Map.of(), s.lastSeq(), s.handedOff(), s.outbox());
    if (event instanceof AlertChanged c) {
      Map<String, AlertState> alerts = new HashMap<>(s.alerts());
      alerts.put(c.key(), c.after());
      if (c.notice() == null) return new State(s.spec(), alerts, s.lastSeq(), s.handedOff(), s.outbox());
      List<AlertNotice> outbox = new ArrayList<>(s.outbox());
      outbox.add(c.notice());
      return new State(s.spec(), alerts, c.notice().seq(), s.handedOff(), outbox);
    }
    if (event instanceof Forgotten f) {
      Map<String, AlertState> alerts = new HashMap<>(s.alerts());
      f.keys().forEach(alerts::remove);
      return new State(s.spec(), alerts, s.lastSeq(), s.handedOff(), s.outbox());
    }
    HandedOff h = (HandedOff) event;
    List<AlertNotice> outbox = s.outbox().stream().filter(n -> n.seq() > h.upToSeq()).toList();
    return new State(s.spec(), s.alerts(), s.lastSeq(), Math.max(s.handedOff(), h.upToSeq()), outbox);
  }

  // ---- wiring -------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings, RuleQuery query) {
    ClusterSharding sharding = ClusterSharding.get(system);
    SilenceLookup silences =
        at ->
            sharding
                .entityRefFor(AlertTenant.ENTITY_TYPE_KEY, AlertTenant.DEFAULT)
                .<AlertTenant.SilenceList>askWithStatus(r -> new AlertTenant.ActiveSilences(at, r), settings.handoffTimeout())
                .thenApply(AlertTenant.SilenceList::silences);
    Function<String, RecipientRef<AlertDelivery.Command>> deliveries = receiver -> sharding.entityRefFor(AlertDelivery.ENTITY_TYPE_KEY, receiver);
    sharding.init(
        Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, query, silences, deliveries, Clock.systemUTC()))
            .withSettings(
                ClusterShardingSettings.create(system)
                    .withRememberEntities(true)
                    .withRememberEntitiesStoreMode(ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())));
  }

  public static Behavior<Command> create(
      String ruleId,
      Settings settings,
      RuleQuery query,
      SilenceLookup silences,
      Function<String, RecipientRef<AlertDelivery.Command>> deliveries,
      Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new AlertRule(ctx, timers, ruleId, settings, query, silences, deliveries, clock)));
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String ruleId;
  private final Settings settings;
  private final RuleQuery query;
  private final SilenceLookup silences;
  private final Function<String, RecipientRef<AlertDelivery.Command>> deliveries;
  private final Clock clock;
  // memory only: what the operator sees of the last evaluation, and what is out
  private boolean evaluating;
  private boolean handingOff;
  /** Hand-offs failed in a row: the retry waits double each time (to a minute), so a removed receiver does not flood the log. */
  private int handoffFailures;
  private long lastEvaluatedAt;
  private String lastError;
  private long nextEvaluationAt;
  /** How late the last evaluation started against {@link #nextEvaluationAt} (timer, mailbox and journal stash delays). */
  private long lastLagMs;
  private final AlertEvaluationLags lags;

  private AlertRule(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String ruleId,
      Settings settings,
      RuleQuery query,
      SilenceLookup silences,
      Function<String, RecipientRef<AlertDelivery.Command>> deliveries,
      Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), ruleId), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.timers = timers;
    this.ruleId = ruleId;
    this.settings = settings;
    this.query = query;
    this.silences = silences;
    this.deliveries = deliveries;
    this.clock = clock;
    this.lags = AlertEvaluationLags.get(ctx.getSystem());
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
              // both derived from the persisted state: the next evaluation (a pending alert's for keeps counting
              // from its persisted activeSince), and the hand-off of whatever was not acknowledged
              arm(state);
              handOff(state);
            })
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Define.class, this::onDefine)
        .onCommand(Get.class, (s, c) -> s.defined() ? Effect().reply(c.replyTo(), StatusReply.success(view(s))) : Effect().reply(c.replyTo(), notFound()))
        .onCommand(Delete.class, this::onDelete)
        .onCommand(Evaluate.class, this::onEvaluate)
        .onCommand(Evaluated.class, this::onEvaluated)
        .onCommand(SilencesKnown.class, this::onSilencesKnown)
        .onCommand(EvaluationFailed.class, this::onEvaluationFailed)
        .onCommand(HandoffDone.class, this::onHandoffDone)
        .onCommand(
            RetryHandoff.class,
            (s, c) -> {
              handOff(s);
              return Effect().noReply();
            })
        .build();
  }

  private <T> StatusReply<T> notFound() {
    return Rejection.reply(NOT_FOUND, "no rule " + ruleId);
  }

  private View view(State s) {
    List<AlertState> alerts = new ArrayList<>(new TreeMap<>(s.alerts()).values());
    return new View(ruleId, s.spec(), alerts, s.lastSeq(), s.handedOff(), lastEvaluatedAt, lastError, nextEvaluationAt, lastLagMs);
  }

  private ReplyEffect<Event, State> onDefine(State s, Define c) {
    var bad = Rules.problem(ruleId, c.spec(), settings.receivers(), settings.minInterval().toMillis());
    if (bad.isPresent()) return Effect().reply(c.replyTo(), Rejection.reply(bad.get().code(), bad.get().message()));
    if (c.spec().equals(s.spec())) return Effect().reply(c.replyTo(), StatusReply.success(view(s)));
    return Effect()
        .persist(new Defined(c.spec(), clock.millis()))
        .thenRun(
            st -> {
              // a new definition is evaluated at once, not an interval later
              timers.startSingleTimer("evaluate", new Evaluate(), Duration.ZERO);
              nextEvaluationAt = clock.millis();
            })
        .thenReply(c.replyTo(), st -> StatusReply.success(view(st)));
  }

  private ReplyEffect<Event, State> onDelete(State s, Delete c) {
    if (!s.defined()) return Effect().reply(c.replyTo(), notFound());
    // alerts go with the rule; notices already in the outbox are still handed on
    return Effect()
        .persist(new Deleted(clock.millis()))
        .thenRun(
            st -> {
              timers.cancel("evaluate");
              nextEvaluationAt = 0;
            })
        .thenReply(c.replyTo(), st -> StatusReply.success(Done.getInstance()));
  }

  private void arm(State s) {
    if (!s.defined()) {
      timers.cancel("evaluate");
      nextEvaluationAt = 0;
      return;
    }
    long now = clock.millis();
    nextEvaluationAt = RuleStateMachine.nextEvaluation(s.alerts(), s.spec().forMillis(), s.spec().intervalMillis(), now);
    timers.startSingleTimer("evaluate", new Evaluate(), Duration.ofMillis(Math.max(0, nextEvaluationAt - now)));
  }

  private ReplyEffect<Event, State> onEvaluate(State s, Evaluate c) {
    if (!s.defined() || evaluating) return Effect().noReply();
    evaluating = true;
    long at = clock.millis();
    if (nextEvaluationAt > 0) {
      // the schedule is what arm() promised; an evaluation that starts later is the lag an operator cares about
      lastLagMs = Math.max(0, at - nextEvaluationAt);
      lags.observe(lastLagMs);
    }
    String q = s.spec().query();
    java.util.concurrent.CompletionStage<List<LabeledValue>> answer;
    try {
      answer = query.evaluate(q, at);
    } catch (RuntimeException e) {
      answer = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    ctx.pipeToSelf(answer, (r, e) -> e != null ? new EvaluationFailed(at, describe(e)) : new Evaluated(q, at, r));
    return Effect().noReply();
  }

  private static String describe(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  private ReplyEffect<Event, State> onEvaluationFailed(State s, EvaluationFailed c) {
    evaluating = false;
    lastEvaluatedAt = c.at();
    lastError = c.error();
    arm(s);
    return Effect().noReply();
  }

  private RuleStateMachine.Outcome outcome(State s, List<LabeledValue> result, long at) {
    return RuleStateMachine.evaluate(
        s.alerts(), result, s.spec().comparison(), s.spec().threshold(), s.spec().forMillis(), settings.keepResolved().toMillis(), at);
  }

  private ReplyEffect<Event, State> onEvaluated(State s, Evaluated c) {
    if (!s.defined() || !s.spec().query().equals(c.query())) return evaluationDone(s, c.at(), null); // redefined meanwhile: stale
    RuleStateMachine.Outcome o = outcome(s, c.result(), c.at());
    if (o.transitions().stream().anyMatch(RuleStateMachine.Transition::notifies)) {
      // only an evaluation that notifies needs the silences
      java.util.concurrent.CompletionStage<List<Silence>> active;
      try {
        active = silences.activeAt(c.at());
      } catch (RuntimeException e) {
        active = java.util.concurrent.CompletableFuture.failedFuture(e);
      }
      ctx.pipeToSelf(active, (list, e) -> e != null ? new EvaluationFailed(c.at(), "silences: " + describe(e)) : new SilencesKnown(c.query(), c.at(), c.result(), list));
      return Effect().noReply();
    }
    return persist(s, o, List.of(), c.at());
  }

  private ReplyEffect<Event, State> onSilencesKnown(State s, SilencesKnown c) {
    if (!s.defined() || !s.spec().query().equals(c.query())) return evaluationDone(s, c.at(), null);
    return persist(s, outcome(s, c.result(), c.at()), c.silences(), c.at());
  }

  private ReplyEffect<Event, State> evaluationDone(State s, long at, String error) {
    evaluating = false;
    lastEvaluatedAt = at;
    lastError = error;
    arm(s);
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> persist(State s, RuleStateMachine.Outcome o, List<Silence> active, long at) {
    List<Event> events = new ArrayList<>();
    long seq = s.lastSeq();
    for (RuleStateMachine.Transition t : o.transitions()) {
      AlertNotice notice = null;
      boolean silenced = false;
      if (t.notifies()) {
        var labels = Rules.alertLabels(ruleId, s.spec(), t.after().labels());
        silenced = Silence.anySilences(active, labels, at);
        if (!silenced) {
          AlertState a = t.after();
          String status = a.status() == AlertStatus.FIRING ? "firing" : "resolved";
          notice = new AlertNotice(ruleId, ++seq, s.spec().receiver(), status, labels, s.spec().annotations(), a.value(), a.activeSince(), a.resolvedAt(), at);
        }
      }
      events.add(new AlertChanged(t.key(), t.from(), t.after(), silenced, notice, at));
    }
    if (!o.forgotten().isEmpty()) events.add(new Forgotten(o.forgotten(), at));
    if (events.isEmpty()) return evaluationDone(s, at, null);
    return Effect()
        .persist(events)
        .thenRun(
            st -> {
              evaluationDone(st, at, null);
              handOff(st);
            })
        .thenNoReply();
  }

  /**
   * Hands the outbox on, the oldest notices first, one receiver's run at a time (a redefinition may have changed
   * the receiver; each notice goes where its rule said when it was made).
   */
  private void handOff(State s) {
    if (handingOff || s.outbox().isEmpty()) return;
    handingOff = true;
    String receiver = s.outbox().get(0).receiver();
    List<AlertNotice> run = new ArrayList<>();
    for (AlertNotice n : s.outbox()) {
      if (!n.receiver().equals(receiver)) break;
      run.add(n);
    }
    long upTo = run.get(run.size() - 1).seq();
    ctx.askWithStatus(
        Done.class,
        deliveries.apply(receiver),
        settings.handoffTimeout(),
        r -> new AlertDelivery.Enqueue(run, r),
        (ok, e) -> new HandoffDone(upTo, e == null ? null : describe(e)));
  }

  private ReplyEffect<Event, State> onHandoffDone(State s, HandoffDone c) {
    handingOff = false;
    if (c.error() != null) {
      handoffFailures++;
      long ms = Math.min(60_000, settings.handoffRetry().toMillis() << Math.min(handoffFailures - 1, 10));
      ctx.getLog().warn("Rule {}: hand-off up to seq {} failed ({}); retrying in {} ms", ruleId, c.upToSeq(), c.error(), ms);
      timers.startSingleTimer("handoff", new RetryHandoff(), Duration.ofMillis(Math.max(ms, settings.handoffRetry().toMillis())));
      return Effect().noReply();
    }
    handoffFailures = 0;
    if (c.upToSeq() <= s.handedOff()) {
      handOff(s);
      return Effect().noReply();
    }
    return Effect().persist(new HandedOff(c.upToSeq(), clock.millis())).thenRun(this::handOff).thenNoReply();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(AlertRule::apply);
  }
}
