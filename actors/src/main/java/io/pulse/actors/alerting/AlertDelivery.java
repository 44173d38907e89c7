package io.pulse.actors.alerting;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
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
 * The durable delivery queue of one receiver (entity id: the receiver's name). Rules hand their notifying
 * transitions here ({@link Enqueue}, at least once, deduplicated by each rule's transition seq); they wait in their
 * group ({@link Grouping}) for {@code group_wait}/{@code group_interval}, then are formed into one notification
 * whose id is derived from the transitions it carries ({@link NotificationIds}); notifications go out strictly in
 * order, one at a time, the head retried with {@link Backoff} until the receiver answers 2xx.
 *
 * <p>Everything that decides what is sent is persisted: the enqueued transitions, each formed notification with its
 * id, each failed attempt with its next attempt time. The in-flight attempt is not: a node dying mid-attempt (or
 * between the receiver's 2xx and {@link Delivered} being written) sends that notification again after recovery, with
 * the same id. At least once, with an idempotency id: exactly once for a receiver that ignores ids it has seen.
 * The timer (the next group due, the next attempt) is derived from this state on recovery, and sharding remembers
 * these entities, so retries continue after every node restarted.
 */
public final class AlertDelivery extends EventSourcedBehaviorWithEnforcedReplies<AlertDelivery.Command, AlertDelivery.Event, AlertDelivery.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "AlertDelivery");
  public static final String UNKNOWN_RECEIVER = Rules.UNKNOWN_RECEIVER;

  /** How one receiver groups and retries (pulse.alerting.receivers.<name>). */
  public record Policy(List<String> groupBy, Duration groupWait, Duration groupInterval, Backoff backoff) implements CborSerializable {
    public Policy {
      groupBy = List.copyOf(groupBy);
    }
  }

  /** {@code policies}: the configured receivers; {@code keepDelivered}: how many delivered notifications the operator still sees. */
  public record Settings(Function<String, Optional<Policy>> policies, int keepDelivered, int snapshotEvery) {}

  // ---- messages -----------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Transitions of one rule, in seq order. Answered once persisted; a resend of seqs already here is answered too. */
  public record Enqueue(List<AlertNotice> notices, ActorRef<StatusReply<Done>> replyTo) implements Command {
    public Enqueue {
      notices = List.copyOf(notices);
    }
  }

  public record GetDeliveries(ActorRef<StatusReply<Deliveries>> replyTo) implements Command {}

  /** The timer: form due groups, send the head when its attempt is due. */
  public record Wake() implements Command {}

  /** An attempt's outcome (the sender's stage, piped back). */
  public record AttemptDone(String id, int attempt, boolean delivered, String error) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record Enqueued(AlertNotice notice, String groupKey, long at) implements Event {}

  /** The group's waiting transitions became notification {@code id}. */
  public record Formed(String id, String groupKey, long at) implements Event {}

  public record AttemptFailed(String id, int attempt, String error, long nextAttemptAt, long at) implements Event {}

  public record Delivered(String id, int attempt, long at) implements Event {}

  // ---- state --------------------------------------------------------------------------------------

  /** A formed notification. {@code status}: queued (no attempt yet), retrying, delivered. */
  public record Delivery(
      String id,
      String receiver,
      String groupKey,
      List<AlertNotice> notices,
      long formedAt,
      int attempts,
      long nextAttemptAt,
      String lastError,
      String status,
      long deliveredAt)
      implements CborSerializable {
    public Delivery {
      notices = List.copyOf(notices);
    }
  }

  public record Waiting(long firstAt, List<AlertNotice> notices) implements CborSerializable {
    public Waiting {
      notices = List.copyOf(notices);
    }
  }

  /** {@code queue}: undelivered, oldest first; {@code delivered}: the newest delivered, newest last. */
  public record Deliveries(String receiver, List<Delivery> queue, List<Waiting> waiting, List<Delivery> delivered) implements CborSerializable {}

  /**
   * {@code lastSeq}: per rule, the highest transition seq enqueued (the dedup of hand-offs); {@code waiting}: per
   * group, the transitions not yet formed; {@code lastFormed}: per group, when it last went out (for
   * group_interval).
   */
  public record State(
      Map<String, Long> lastSeq, Map<String, Waiting> waiting, Map<String, Long> lastFormed, List<Delivery> queue, List<Delivery> delivered)
      implements CborSerializable {
    public State {
      lastSeq = Map.copyOf(lastSeq);
      waiting = Map.copyOf(waiting);
      lastFormed = Map.copyOf(lastFormed);
      queue = List.copyOf(queue);
      delivered = List.copyOf(delivered);
    }

    public static final State EMPTY = new State(Map.of(), Map.of(), Map.of(), List.of(), List.of());

    long seqOf(String ruleId) {
      return lastSeq.getOrDefault(ruleId, 0L);
    }
  }

  static State apply(State s, Event event, String receiver, Policy policy, int keepDelivered) {
    if (event instanceof Enqueued e) {
      Map<String, Long> seqs = new HashMap<>(s.lastSeq());
      seqs.merge(e.notice().ruleId(), e.notice().seq(), Math::max);
      Map<String, Waiting> waiting = new HashMap<>(s.waiting());
      Waiting w = waiting.get(e.groupKey());
      List<AlertNotice> notices = new ArrayList<>(w == null ? List.of() : w.notices());
      notices.add(e.notice());
      waiting.put(e.groupKey(), new Waiting(w == null ? e.at() : w.firstAt(), notices));
      return new State(seqs, waiting, s.lastFormed(), s.queue(), s.delivered());
    }
    if (event instanceof Formed f) {
      Map<String, Waiting> waiting = new HashMap<>(s.waiting());
      Waiting w = waiting.remove(f.groupKey());
      Map<String, Long> formed = new HashMap<>(s.lastFormed());
      // a group quiet for longer than group_interval no longer constrains anything: forget it
      long interval = policy == null ? 0 : policy.groupInterval().toMillis();
      formed.values().removeIf(at -> f.at() - at > interval);
      formed.put(f.groupKey(), f.at());
      List<Delivery> queue = new ArrayList<>(s.queue());
      queue.add(new Delivery(f.id(), receiver, f.groupKey(), w == null ? List.of() : w.notices(), f.at(), 0, f.at(), null, "queued", 0));
      return new State(s.lastSeq(), waiting, formed, queue, s.delivered());
    }
    if (event instanceof AttemptFailed a) {
      List<Delivery> queue = new ArrayList<>(s.queue());
      for (int i = 0; i < queue.size(); i++) {
        Delivery d = queue.get(i);
        if (d.id().equals(a.id())) {
          queue.set(i, new Delivery(d.id(), d.receiver(), d.groupKey(), d.notices(), d.formedAt(), a.attempt(), a.nextAttemptAt(), a.error(), "retrying", 0));
        }
      }
      return new State(s.lastSeq(), s.waiting(), s.lastFormed(), queue, s.delivered());
    }
    Delivered done = (Delivered) event;
    List<Delivery> queue = new ArrayList<>();
    List<Delivery> delivered = new ArrayList<>(s.delivered());
    for (Delivery d : s.queue()) {
      if (d.id().equals(done.id())) {
        delivered.add(new Delivery(d.id(), d.receiver(), d.groupKey(), d.notices(), d.formedAt(), done.attempt(), 0, d.lastError(), "delivered", done.at()));
      } else {
        queue.add(d);
      }
    }
    while (delivered.size() > keepDelivered) delivered.remove(0);
    return new State(s.lastSeq(), s.waiting(), s.lastFormed(), queue, delivered);
  }

  // ---- wiring -------------------------------------------------------------------------------------

  /** Remembered by sharding: a receiver's retries go on after a restart of every node, untouched. */
  public static void init(ActorSystem<?> system, Settings settings, WebhookSender sender) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, sender, Clock.systemUTC(), new Random()))
                .withSettings(
                    ClusterShardingSettings.create(system)
                        .withRememberEntities(true)
                        .withRememberEntitiesStoreMode(ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())));
  }

  public static Behavior<Command> create(String receiver, Settings settings, WebhookSender sender, Clock clock, Random random) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new AlertDelivery(ctx, timers, receiver, settings, sender, clock, random)));
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String receiver;
  private final Settings settings;
  private final Policy policy;
  private final WebhookSender sender;
  private final Clock clock;
  private final Random random;
  /** The notification whose attempt is out (memory only: after a crash it is simply sent again). */
  private String inFlight;

  private AlertDelivery(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, String receiver, Settings settings, WebhookSender sender, Clock clock, Random random) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), receiver), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.timers = timers;
    this.receiver = receiver;
    this.settings = settings;
    this.policy = settings.policies().apply(receiver).orElse(null);
    this.sender = sender;
    this.clock = clock;
    this.random = random;
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
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::proceed).build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Enqueue.class, this::onEnqueue)
        .onCommand(GetDeliveries.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(deliveries(s))))
        .onCommand(Wake.class, this::onWake)
        .onCommand(AttemptDone.class, this::onAttemptDone)
        .build();
  }

  private Deliveries deliveries(State s) {
    List<Waiting> waiting = new ArrayList<>(s.waiting().values());
    waiting.sort(Comparator.comparingLong(Waiting::firstAt));
    return new Deliveries(receiver, s.queue(), waiting, s.delivered());
  }

  private ReplyEffect<Event, State> onEnqueue(State s, Enqueue c) {
    if (policy == null) return Effect().reply(c.replyTo(), Rejection.reply(UNKNOWN_RECEIVER, "no receiver '" + receiver + "' is configured"));
    long now = clock.millis();
    List<Event> events = new ArrayList<>();
    Map<String, Long> seen = new HashMap<>();
    for (AlertNotice n : c.notices()) {
      long last = seen.getOrDefault(n.ruleId(), s.seqOf(n.ruleId()));
      if (n.seq() <= last) continue; // handed off before: the rule's resend after a lost ack
      seen.put(n.ruleId(), n.seq());
      events.add(new Enqueued(n, Grouping.key(n.labels(), policy.groupBy()), now));
    }
    if (events.isEmpty()) return Effect().reply(c.replyTo(), StatusReply.success(Done.getInstance()));
    return Effect().persist(events).thenRun(this::proceed).thenReply(c.replyTo(), st -> StatusReply.success(Done.getInstance()));
  }

  private ReplyEffect<Event, State> onWake(State s, Wake w) {
    long now = clock.millis();
    List<Event> formed = formDue(s, now);
    if (formed.isEmpty()) {
      proceed(s);
      return Effect().noReply();
    }
    return Effect().persist(formed).thenRun(this::proceed).thenNoReply();
  }

  /** Every group whose wait is over becomes a notification, oldest group first. */
  private List<Event> formDue(State s, long now) {
    if (policy == null) return List.of();
    TreeMap<String, Waiting> byKey = new TreeMap<>(s.waiting());
    List<Map.Entry<String, Waiting>> due = new ArrayList<>();
    for (Map.Entry<String, Waiting> e : byKey.entrySet()) if (dueAt(s, e.getKey(), e.getValue()) <= now) due.add(e);
    due.sort(Comparator.comparingLong((Map.Entry<String, Waiting> e) -> e.getValue().firstAt()).thenComparing(Map.Entry::getKey));
    List<Event> events = new ArrayList<>();
    for (Map.Entry<String, Waiting> e : due) {
      String id = NotificationIds.notification(e.getValue().notices().stream().map(AlertNotice::id).toList());
      events.add(new Formed(id, e.getKey(), now));
    }
    return events;
  }

  private long dueAt(State s, String groupKey, Waiting w) {
    return Grouping.dueAt(w.firstAt(), s.lastFormed().getOrDefault(groupKey, 0L), policy.groupWait().toMillis(), policy.groupInterval().toMillis());
  }

  private ReplyEffect<Event, State> onAttemptDone(State s, AttemptDone a) {
    if (!a.id().equals(inFlight)) return Effect().noReply(); // from before a restart of this actor: stale
    inFlight = null;
    long now = clock.millis();
    Event event =
        a.delivered()
            ? new Delivered(a.id(), a.attempt(), now)
            : new AttemptFailed(a.id(), a.attempt(), a.error(), now + (policy == null ? 60_000 : policy.backoff().delayMillis(a.attempt(), random)), now);
    return Effect().persist(event).thenRun(this::proceed).thenNoReply();
  }

  /** After every change and on recovery: send the head if its attempt is due, and arm the timer for what is next. */
  private void proceed(State s) {
    long now = clock.millis();
    if (policy != null && formDueExists(s, now)) {
      timers.startSingleTimer("wake", new Wake(), Duration.ZERO);
      return;
    }
    long next = Long.MAX_VALUE;
    if (!s.queue().isEmpty() && inFlight == null) {
      Delivery head = s.queue().get(0);
      if (head.nextAttemptAt() <= now) {
        send(head);
      } else {
        next = head.nextAttemptAt();
      }
    }
    if (policy != null) for (Map.Entry<String, Waiting> e : s.waiting().entrySet()) next = Math.min(next, dueAt(s, e.getKey(), e.getValue()));
    if (next == Long.MAX_VALUE) timers.cancel("wake");
    else timers.startSingleTimer("wake", new Wake(), Duration.ofMillis(Math.max(0, next - now)));
  }

  private boolean formDueExists(State s, long now) {
    for (Map.Entry<String, Waiting> e : s.waiting().entrySet()) if (dueAt(s, e.getKey(), e.getValue()) <= now) return true;
    return false;
  }

  private void send(Delivery head) {
    inFlight = head.id();
    int attempt = head.attempts() + 1;
    ctx.pipeToSelf(
        sender.send(receiver, head, attempt),
        (r, e) ->
            e != null
                ? new AttemptDone(head.id(), attempt, false, String.valueOf(e.getMessage()))
                : new AttemptDone(head.id(), attempt, r.delivered(), r.error()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> apply(s, e, receiver, policy, settings.keepDelivered()));
  }
}
