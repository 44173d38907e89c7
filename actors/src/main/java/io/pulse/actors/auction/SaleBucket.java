package io.pulse.actors.auction;

import io.pulse.actors.GroupCommit;
import io.pulse.actors.Rejection;
import io.pulse.actors.auction.StockEvent.HoldExpired;
import io.pulse.actors.auction.StockEvent.HoldPlaced;
import io.pulse.actors.auction.StockEvent.SaleCreated;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
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
 * One bucket of a flash sale's stock: a sharded, event-sourced entity with entity id {@code
 * <sku>#<bucket>} that owns a {@link StockLedger} of the bucket's share of the units (see {@link
 * BucketPlan}) and decides every purchase, confirm and release with {@link StockRules}. It is the only
 * writer of its units, so nothing it holds can be sold twice, across restarts included; purchases that
 * arrive while a write is in flight go into the next write together ({@link GroupCommit}).
 *
 * <p>Holds lapse by time: one timer is armed at the ledger's next expiry after every write and on
 * recovery, and persists the due {@link HoldExpired} events (a purchase persists the due ones first
 * anyway). Buckets are remembered by sharding, so after a restart of every node expiries still happen
 * without traffic. After its writes a bucket reports its counts to its {@link Sale} (at most every
 * {@code reportInterval}), which sums them for watchers and ends the sale when every bucket is
 * exhausted.
 */
public final class SaleBucket extends EventSourcedBehaviorWithEnforcedReplies<SaleBucket.Command, StockEvent, SaleBucket.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "SaleBucket");
  public static final String UNKNOWN_SALE = "unknown_sale";

  /** pulse.sales in config. */
  public record Settings(int snapshotEvery, Duration reportInterval) {}

  public static String entityId(String sku, int bucket) {
    return sku + "#" + bucket;
  }

  /** The bucket entity a hold belongs to: its id is {@code <sku>#<bucket>:<n>}. Empty if it is no hold id of ours. */
  public static Optional<String> bucketOf(String holdId) {
    int colon = holdId == null ? -1 : holdId.lastIndexOf(':');
    if (colon <= 0 || holdId.indexOf('#') < 0) return Optional.empty();
    return Optional.of(holdId.substring(0, colon));
  }

  // ---- replies ------------------------------------------------------------------------------------

  /** {@code status}: held, confirmed, expired or released. */
  public record HoldView(String holdId, String sku, String userId, int units, long expiresAt, String status) implements CborSerializable {}

  /** A purchase's answer: a hold (possibly the first answer again), or the rules' refusal. */
  public record PurchaseOutcome(HoldView hold, boolean duplicate, StockRules.Refusal refused) implements CborSerializable {}

  /** A bucket's counts, as its sale aggregates them; {@code seq} orders reports of one bucket. */
  public record Stock(String sku, int bucket, long seq, int units, int free, int held, int confirmed, boolean exhausted)
      implements CborSerializable {}

  // ---- commands -----------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Creates the bucket with its share, or does nothing when it exists; either way it reports to its sale. */
  public record Open(SaleSpec spec) implements Command {}

  public record Purchase(String userId, int units, String idempotencyKey, ActorRef<StatusReply<PurchaseOutcome>> replyTo) implements Command {}

  public record Confirm(String userId, String holdId, ActorRef<StatusReply<HoldView>> replyTo) implements Command {}

  public record Release(String userId, String holdId, ActorRef<StatusReply<HoldView>> replyTo) implements Command {}

  public record GetStock(ActorRef<StatusReply<Stock>> replyTo) implements Command {}

  public record Batch(List<Command> commands, ActorRef<GroupCommit.Signal> front) implements Command {}

  /** The expiry timer. */
  record ExpireDue() implements Command {}

  /** The report timer. */
  record Report() implements Command {}

  // ---- state --------------------------------------------------------------------------------------

  /** {@code ledger} null until opened. */
  public record State(StockLedger ledger, long seq) implements CborSerializable {
    static final State EMPTY = new State(null, 0);

    boolean opened() {
      return ledger != null;
    }
  }

  static State apply(State s, StockEvent event) {
    StockLedger ledger = event instanceof SaleCreated c ? StockLedger.initial(c.spec()) : s.ledger().apply(event);
    return new State(ledger, s.seq() + 1);
  }

  // ---- wiring -------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Function<String, RecipientRef<Sale.Command>> sales = sku -> sharding.entityRefFor(Sale.ENTITY_TYPE_KEY, sku);
    sharding.init(
        Entity.of(ENTITY_TYPE_KEY, ctx -> GroupCommit.create(front -> create(ctx.getEntityId(), settings, sales, front), SaleBucket::isWrite, Batch::new))
            .withSettings(
                ClusterShardingSettings.create(system)
                    .withRememberEntities(true)
                    .withRememberEntitiesStoreMode(ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())));
  }

  public static Behavior<Command> create(
      String entityId, Settings settings, Function<String, RecipientRef<Sale.Command>> sales, ActorRef<GroupCommit.Signal> front) {
    return create(entityId, settings, sales, front, Clock.systemUTC());
  }

  static Behavior<Command> create(
      String entityId, Settings settings, Function<String, RecipientRef<Sale.Command>> sales, ActorRef<GroupCommit.Signal> front, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new SaleBucket(timers, entityId, settings, sales, front, clock)));
  }

  public static boolean isWrite(Command c) {
    return c instanceof Purchase || c instanceof Confirm || c instanceof Release || c instanceof Open;
  }

  private final TimerScheduler<Command> timers;
  private final String entityId;
  private final String sku;
  private final int bucket;
  private final Settings settings;
  private final Function<String, RecipientRef<Sale.Command>> sales;
  private final ActorRef<GroupCommit.Signal> front;
  private final Clock clock;

  private SaleBucket(
      TimerScheduler<Command> timers,
      String entityId,
      Settings settings,
      Function<String, RecipientRef<Sale.Command>> sales,
      ActorRef<GroupCommit.Signal> front,
      Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), entityId), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.timers = timers;
    this.entityId = entityId;
    int hash = entityId.lastIndexOf('#');
    this.sku = hash < 0 ? entityId : entityId.substring(0, hash);
    int b = 0;
    try {
      b = hash < 0 ? 0 : Integer.parseInt(entityId.substring(hash + 1));
    } catch (NumberFormatException e) {
      b = 0;
    }
    this.bucket = b;
    this.settings = settings;
    this.sales = sales;
    this.front = front;
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
              // holds lapse by time whatever happened: the timer is derived from the persisted holds
              armExpiry(state);
              if (state.opened()) report(state);
              if (front != null) front.tell(GroupCommit.Signal.RECOVERED);
            })
        .build();
  }

  private void armExpiry(State state) {
    long next = state.opened() ? state.ledger().nextExpiry() : Long.MAX_VALUE;
    if (next == Long.MAX_VALUE) timers.cancel("expire");
    else timers.startSingleTimer("expire", new ExpireDue(), Duration.ofMillis(Math.max(0, next - now())));
  }

  private void report(State state) {
    sales.apply(sku).tell(new Sale.StockReport(stock(state)));
  }

  private Stock stock(State state) {
    StockLedger l = state.ledger();
    return new Stock(sku, bucket, state.seq(), l.units(), l.free(), l.held(), l.confirmed(), l.exhausted());
  }

  // ---- commands -----------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, StockEvent, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Batch.class, (state, batch) -> write(state, batch.commands(), batch.front()))
        .onCommand(Open.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(Purchase.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(Confirm.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(Release.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(ExpireDue.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(
            Report.class,
            (state, c) -> {
              if (state.opened()) report(state);
              return Effect().noReply();
            })
        .onCommand(
            GetStock.class,
            (state, c) ->
                Effect().reply(c.replyTo(), state.opened() ? StatusReply.success(stock(state)) : Rejection.reply(UNKNOWN_SALE, "no sale " + sku)))
        .build();
  }

  private ReplyEffect<StockEvent, State> write(State state, List<Command> commands, ActorRef<GroupCommit.Signal> front) {
    return GroupCommit.write(Effect(), state, commands, writer, front);
  }

  private final GroupCommit.Writer<Command, StockEvent, State> writer = GroupCommit.Writer.of(this::decide, SaleBucket::apply, this::afterWrite);

  private void afterWrite(State stateAfter, StockEvent event) {
    // one timer and one report per write, however many events it held
    if (!(event instanceof SaleCreated)) armExpiry(stateAfter);
    if (!timers.isTimerActive("report")) timers.startSingleTimer("report", new Report(), settings.reportInterval());
  }

  private GroupCommit.Decision<StockEvent, State> decide(State state, Command command) {
    if (command instanceof Purchase c) return decidePurchase(state, c);
    if (command instanceof Confirm c) return decideEnd(state, c.userId(), c.holdId(), c.replyTo(), true);
    if (command instanceof Release c) return decideEnd(state, c.userId(), c.holdId(), c.replyTo(), false);
    if (command instanceof Open c) return decideOpen(state, c);
    if (command instanceof ExpireDue) {
      if (!state.opened()) return new GroupCommit.Decision<>(List.of(), s -> {});
      return new GroupCommit.Decision<>(StockRules.expire(state.ledger(), now()).events(), this::armExpiry);
    }
    throw new IllegalArgumentException("not a write: " + command);
  }

  private GroupCommit.Decision<StockEvent, State> decideOpen(State state, Open c) {
    if (state.opened()) return new GroupCommit.Decision<>(List.of(), this::report); // the spec never changes
    StockRules.Decision d = StockRules.create(c.spec(), now());
    if (d instanceof StockRules.Refused) return new GroupCommit.Decision<>(List.of(), s -> {}); // the sale validated it first
    return new GroupCommit.Decision<>(d.events(), this::report);
  }

  private GroupCommit.Decision<StockEvent, State> decidePurchase(State state, Purchase c) {
    if (!state.opened()) {
      return GroupCommit.Decision.answer(c.replyTo(), new PurchaseOutcome(null, false, new StockRules.Refusal(UNKNOWN_SALE, "no sale " + sku)));
    }
    // hold ids name their bucket, so a confirm finds it; holds are never removed, so the count is unique
    HoldId holdId = new HoldId(entityId + ":" + (state.ledger().holds().size() + 1));
    StockRules.Decision d = StockRules.hold(state.ledger(), c.userId(), c.units(), holdId, c.idempotencyKey(), now());
    if (d instanceof StockRules.Refused r) return GroupCommit.Decision.answer(c.replyTo(), new PurchaseOutcome(null, false, r.refusal()));
    if (d instanceof StockRules.Replayed r) {
      HoldPlaced first = r.first();
      StockLedger.Hold now = state.ledger().find(first.holdId()).orElseThrow();
      return GroupCommit.Decision.answer(c.replyTo(), new PurchaseOutcome(view(now), true, null));
    }
    return new GroupCommit.Decision<>(
        d.events(), s -> c.replyTo().tell(StatusReply.success(new PurchaseOutcome(view(s.ledger().find(holdId).orElseThrow()), false, null))));
  }

  private GroupCommit.Decision<StockEvent, State> decideEnd(State state, String userId, String holdIdText, ActorRef<StatusReply<HoldView>> replyTo, boolean confirm) {
    if (!state.opened()) return GroupCommit.Decision.reject(replyTo, StockRules.UNKNOWN_HOLD, "no hold " + holdIdText);
    HoldId holdId = new HoldId(holdIdText);
    long now = now();
    StockRules.Decision d = confirm ? StockRules.confirm(state.ledger(), holdId, userId, now) : StockRules.release(state.ledger(), holdId, userId, now);
    // a refusal stores nothing; a hold past its end is expired by the timer (or the next purchase)
    if (d instanceof StockRules.Refused r) return GroupCommit.Decision.reject(replyTo, r.refusal().code(), r.refusal().reason());
    return new GroupCommit.Decision<>(d.events(), s -> replyTo.tell(StatusReply.success(view(s.ledger().find(holdId).orElseThrow()))));
  }

  private HoldView view(StockLedger.Hold h) {
    return new HoldView(h.holdId().value(), sku, h.userId(), h.units(), h.expiresAt(), h.status().name().toLowerCase(java.util.Locale.ROOT));
  }

  private long now() {
    return clock.millis();
  }

  @Override
  public EventHandler<State, StockEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(SaleBucket::apply);
  }
}
