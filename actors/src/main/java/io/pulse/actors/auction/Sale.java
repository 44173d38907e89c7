package io.pulse.actors.auction;

import io.pulse.actors.Rejection;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
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
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One flash sale of a SKU, entity id the SKU: owns what the operator opened (the {@link SaleSpec} and
 * the number of {@link SaleBucket}s its units are split across), and the topic {@code sale:<sku>}. It
 * sells nothing itself: every unit lives in exactly one bucket ({@link BucketPlan#split}), so the sale's
 * free, held and sold counts are the sums of the buckets' own reports, and nothing it does can oversell.
 *
 * <p>Buckets report their counts after their writes; the sale keeps the newest report of each (by the
 * bucket's sequence number), pushes the remaining stock to watchers as an ephemeral value at most every
 * {@code pushInterval}, and persists {@link SoldOut} (a durable event on the topic, and a signal to the
 * {@link WaitingRoom}) once every bucket is exhausted: all its units confirmed, so none can come back.
 * Reports are plain messages and may be lost in a move, so while the sale is not sold out it asks every
 * bucket again every {@code refreshInterval} (an idempotent {@link SaleBucket.Open}), which also opens a
 * bucket that missed its first one.
 */
public final class Sale extends EventSourcedBehaviorWithEnforcedReplies<Sale.Command, Sale.Event, Sale.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Sale");
  public static final String TOPIC_KIND = "sale";
  public static final String UNKNOWN_SALE = SaleBucket.UNKNOWN_SALE;
  public static final String ALREADY_OPEN = "already_open";
  public static final String INVALID_SALE = StockRules.INVALID_SALE;

  /** pulse.sales in config. */
  public record Settings(int maxBuckets, Duration pushInterval, Duration refreshInterval) {}

  public static String topic(String sku) {
    return TOPIC_KIND + ":" + sku;
  }

  // ---- replies ------------------------------------------------------------------------------------

  /** {@code status}: scheduled, open or sold_out; counts are the newest the buckets reported ({@code bucketsReporting} of them). */
  public record View(
      String sku,
      int units,
      long startsAt,
      int perUserLimit,
      long holdMs,
      int buckets,
      String openedBy,
      int remaining,
      int held,
      int sold,
      boolean soldOut,
      String status,
      int bucketsReporting,
      long seq)
      implements CborSerializable {}

  public record Subscribed(long lastSeq, ActorRef<TopicFanout.Command> fanout) implements CborSerializable {}

  // ---- commands -----------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Answered once every bucket is open. Opening the same sale again answers the same; another spec is refused. */
  public record Open(String by, SaleSpec spec, int buckets, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Subscribe(String user, long since, ActorRef<TopicPush> watcher, ActorRef<StatusReply<Subscribed>> replyTo) implements Command {}

  public record Unsubscribe(ActorRef<TopicPush> watcher) implements Command {}

  /** A bucket's counts after its writes. */
  public record StockReport(SaleBucket.Stock stock) implements Command {}

  record Refresh() implements Command {}

  record PushStock() implements Command {}

  // ---- events -------------------------------------------------------------------------------------

  public sealed interface Event extends TopicEvent {}

  public record SaleOpened(SaleSpec spec, int buckets, String by, long at) implements Event {}

  /** Every unit is sold (confirmed): the sale is over. */
  public record SoldOut(int units, long at) implements Event {}

  /** Ephemeral: the stock now, summed over the buckets. */
  public record StockLevel(int units, int remaining, int held, int sold, long at) implements TopicEvent {
    boolean sameCounts(StockLevel o) {
      return o != null && units == o.units && remaining == o.remaining && held == o.held && sold == o.sold;
    }
  }

  // ---- state --------------------------------------------------------------------------------------

  /** A sale has two events at most, so {@code events} holds them all for replays. */
  public record State(SaleSpec spec, int buckets, String openedBy, boolean soldOut, List<TopicFanout.Entry> events) implements CborSerializable {
    public State {
      events = List.copyOf(events);
    }

    static final State EMPTY = new State(null, 0, null, false, List.of());

    boolean opened() {
      return spec != null;
    }

    long seq() {
      return events.size();
    }
  }

  static State apply(State s, Event event) {
    List<TopicFanout.Entry> events = new ArrayList<>(s.events());
    events.add(new TopicFanout.Entry(events.size() + 1, event));
    if (event instanceof SaleOpened o) return new State(o.spec(), o.buckets(), o.by(), false, events);
    return new State(s.spec(), s.buckets(), s.openedBy(), true, events);
  }

  // ---- wiring -------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings) {
    ClusterSharding sharding = ClusterSharding.get(system);
    BiFunction<String, Integer, RecipientRef<SaleBucket.Command>> buckets =
        (sku, b) -> sharding.entityRefFor(SaleBucket.ENTITY_TYPE_KEY, SaleBucket.entityId(sku, b));
    Function<String, RecipientRef<WaitingRoom.Command>> rooms = sku -> sharding.entityRefFor(WaitingRoom.ENTITY_TYPE_KEY, sku);
    sharding.init(
        Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, buckets, rooms))
            // it aggregates the buckets' reports in memory: stay up while they come
            .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  public static Behavior<Command> create(
      String sku, Settings settings, BiFunction<String, Integer, RecipientRef<SaleBucket.Command>> buckets, Function<String, RecipientRef<WaitingRoom.Command>> rooms) {
    return create(sku, settings, buckets, rooms, Clock.systemUTC());
  }

  static Behavior<Command> create(
      String sku,
      Settings settings,
      BiFunction<String, Integer, RecipientRef<SaleBucket.Command>> buckets,
      Function<String, RecipientRef<WaitingRoom.Command>> rooms,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  String pid = PersistenceId.of(ENTITY_TYPE_KEY.name(), sku).id();
                  // every event is in memory (two at most): the journal is never read for a resume
                  TopicFanout.History none = (p, from, to) -> java.util.concurrent.CompletableFuture.completedFuture(List.of());
                  ActorRef<TopicFanout.Command> fanout = ctx.spawn(TopicFanout.create(topic(sku), pid, none, TopicFanout.PresenceThrough.UNCHANGED), "fanout");
                  return new Sale(timers, sku, settings, buckets, rooms, fanout, clock);
                }));
  }

  private final TimerScheduler<Command> timers;
  private final String sku;
  private final Settings settings;
  private final BiFunction<String, Integer, RecipientRef<SaleBucket.Command>> buckets;
  private final Function<String, RecipientRef<WaitingRoom.Command>> rooms;
  private final ActorRef<TopicFanout.Command> fanout;
  private final Clock clock;
  // In memory only: rebuilt from the buckets' reports after a restart.
  private final Map<Integer, SaleBucket.Stock> stock = new HashMap<>();
  private StockLevel lastPushed;
  private final List<ActorRef<StatusReply<View>>> waitingForBuckets = new ArrayList<>();

  private Sale(
      TimerScheduler<Command> timers,
      String sku,
      Settings settings,
      BiFunction<String, Integer, RecipientRef<SaleBucket.Command>> buckets,
      Function<String, RecipientRef<WaitingRoom.Command>> rooms,
      ActorRef<TopicFanout.Command> fanout,
      Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), sku), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.timers = timers;
    this.sku = sku;
    this.settings = settings;
    this.buckets = buckets;
    this.rooms = rooms;
    this.fanout = fanout;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (!state.opened()) return;
              openBuckets(state);
              if (state.soldOut()) rooms.apply(sku).tell(new WaitingRoom.SaleSoldOut());
            })
        .build();
  }

  /** Opens (or asks again) every bucket; each answers with a report. Repeats until sold out. */
  private void openBuckets(State state) {
    List<SaleSpec> specs = BucketPlan.specs(state.spec(), state.buckets());
    for (int b = 0; b < specs.size(); b++) buckets.apply(sku, b).tell(new SaleBucket.Open(specs.get(b)));
    if (!state.soldOut()) timers.startSingleTimer("refresh", new Refresh(), settings.refreshInterval());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Open.class, this::onOpen)
        // an unknown sale does not stay in memory (nothing passivates sales)
        .onCommand(Get.class, (state, c) -> state.opened() ? Effect().reply(c.replyTo(), StatusReply.success(view(state))) : Effect().stop().thenReply(c.replyTo(), s -> unknown()))
        .onCommand(StockReport.class, this::onReport)
        .onCommand(
            Refresh.class,
            (state, c) -> {
              if (state.opened()) openBuckets(state);
              return Effect().noReply();
            })
        .onCommand(
            PushStock.class,
            (state, c) -> {
              // buckets re-report while nothing sells (before the start, say): push only a change
              StockLevel now = state.opened() ? level(state) : null;
              if (now != null && !now.sameCounts(lastPushed)) {
                lastPushed = now;
                fanout.tell(new TopicFanout.Broadcast("stock", now));
              }
              return Effect().noReply();
            })
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(
            Unsubscribe.class,
            (state, c) -> {
              fanout.tell(new TopicFanout.Unregister(c.watcher()));
              return Effect().noReply();
            })
        .build();
  }

  private <T> StatusReply<T> unknown() {
    return Rejection.reply(UNKNOWN_SALE, "no sale of " + sku);
  }

  private ReplyEffect<Event, State> onOpen(State state, Open c) {
    if (state.opened()) {
      if (!state.spec().equals(c.spec()) || state.buckets() != c.buckets()) {
        return Effect().reply(c.replyTo(), Rejection.reply(ALREADY_OPEN, "a sale of " + sku + " was opened with other terms"));
      }
      return answerWhenReady(state, c.replyTo());
    }
    if (!sku.equals(c.spec().sku())) return Effect().reply(c.replyTo(), Rejection.reply(INVALID_SALE, "the sku must be " + sku));
    Optional<StockRules.Refusal> invalid = StockRules.validate(c.spec());
    if (invalid.isPresent()) return Effect().reply(c.replyTo(), Rejection.reply(invalid.get().code(), invalid.get().reason()));
    if (c.buckets() < 1 || c.buckets() > settings.maxBuckets()) {
      return Effect().reply(c.replyTo(), Rejection.reply(INVALID_SALE, "buckets must be 1-" + settings.maxBuckets()));
    }
    return Effect()
        .persist(new SaleOpened(c.spec(), c.buckets(), c.by(), now()))
        .thenRun(
            s -> {
              fanout.tell(new TopicFanout.Published(s.events().get(s.events().size() - 1)));
              openBuckets(s);
              waitingForBuckets.add(c.replyTo());
            })
        .thenNoReply();
  }

  private ReplyEffect<Event, State> answerWhenReady(State state, ActorRef<StatusReply<View>> replyTo) {
    if (stock.size() == state.buckets()) return Effect().reply(replyTo, StatusReply.success(view(state)));
    waitingForBuckets.add(replyTo);
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onReport(State state, StockReport r) {
    SaleBucket.Stock s = r.stock();
    if (!state.opened() || s.bucket() < 0 || s.bucket() >= state.buckets()) return Effect().noReply();
    SaleBucket.Stock before = stock.get(s.bucket());
    if (before != null && before.seq() >= s.seq()) return Effect().noReply(); // stale or repeated
    stock.put(s.bucket(), s);
    if (stock.size() == state.buckets() && !waitingForBuckets.isEmpty()) {
      View v = view(state);
      waitingForBuckets.forEach(w -> w.tell(StatusReply.success(v)));
      waitingForBuckets.clear();
    }
    if (!timers.isTimerActive("push")) timers.startSingleTimer("push", new PushStock(), settings.pushInterval());
    boolean allExhausted = stock.size() == state.buckets() && stock.values().stream().allMatch(SaleBucket.Stock::exhausted);
    if (allExhausted && !state.soldOut()) {
      return Effect()
          .persist(new SoldOut(state.spec().units(), now()))
          .thenRun(
              after -> {
                fanout.tell(new TopicFanout.Published(after.events().get(after.events().size() - 1)));
                timers.cancel("refresh");
                rooms.apply(sku).tell(new WaitingRoom.SaleSoldOut());
              })
          .thenNoReply();
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe c) {
    if (!state.opened()) return Effect().stop().thenReply(c.replyTo(), s -> unknown());
    long since = c.since() < 0 ? state.seq() : Math.min(c.since(), state.seq());
    List<TopicFanout.Entry> replay = state.events().stream().filter(e -> e.seq() > since).toList();
    fanout.tell(new TopicFanout.Register(c.user(), c.watcher(), replay, 1, 0));
    // the stock now, to this watcher alone; later values come conflated with the others'
    c.watcher().tell(new TopicPush.Ephemeral(topic(sku), "stock", level(state)));
    return Effect().reply(c.replyTo(), StatusReply.success(new Subscribed(state.seq(), fanout)));
  }

  private StockLevel level(State state) {
    int free = 0, held = 0, sold = 0, reported = 0;
    for (SaleBucket.Stock s : stock.values()) {
      free += s.free();
      held += s.held();
      sold += s.confirmed();
      reported += s.units();
    }
    // buckets that have not reported yet count as untouched
    free += state.spec().units() - reported;
    return new StockLevel(state.spec().units(), free, held, sold, now());
  }

  private View view(State state) {
    SaleSpec spec = state.spec();
    StockLevel level = level(state);
    String status = state.soldOut() ? "sold_out" : now() < spec.startsAt() ? "scheduled" : "open";
    return new View(
        sku,
        spec.units(),
        spec.startsAt(),
        spec.perUserLimit(),
        spec.holdMs(),
        state.buckets(),
        state.openedBy(),
        level.remaining(),
        level.held(),
        level.sold(),
        state.soldOut(),
        status,
        stock.size(),
        state.seq());
  }

  private long now() {
    return clock.millis();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(Sale::apply);
  }
}
