package io.pulse.actors.market;

import io.pulse.actors.GroupCommit;
import io.pulse.actors.Rejection;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * One traded instrument (a symbol): a sharded, event-sourced entity that owns its {@link OrderBook} and is the only
 * authority on its orders and trades. Every persisted event gets the instrument's next sequence number, which orders
 * everything its subscribers see: the book's diffs, the trades, each user's orders and fills. Live delivery, catch-up
 * and per-subscriber throttling are the job of the child {@link MarketFanout}; candles are written to Cassandra by
 * the child {@link CandleWriter}.
 *
 * <p><b>Events.</b> Three events are the book's inputs, replayed into it on recovery: {@link OrderAccepted}, {@link
 * OrderReplaced} and a user's {@link OrderCancelled} (reason {@code cancelled}). What matching made of an input is
 * persisted right after it, in the same write, as facts: each {@link Traded} (a fill of both sides) and each
 * cancel matching caused (reasons {@code ioc} and {@code self_trade}). The book is deterministic, so replaying the
 * inputs rebuilds the same book and the same trade ids, and the facts are what subscribers and the journal read.
 *
 * <p><b>The mutable book.</b> The {@link OrderBook} is mutable by design (see its javadoc). It lives in {@link
 * State#book()} with the sequence number of the last input applied to it; applying an input is idempotent by that
 * number. A write decides a command by applying its input to the live book at once (the outcome is needed to know
 * the facts to persist); the event handler, which Pekko and group commit both run afterwards, then finds it applied.
 * A failed write restarts the entity, which rebuilds the book from the journal. Snapshots go through {@link
 * #snapshotAdapter()}, which copies the book into plain records on the entity's own thread.
 */
public final class Instrument extends EventSourcedBehaviorWithEnforcedReplies<Instrument.Command, Instrument.Event, Instrument.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Instrument");

  /** The stable code of a command for a symbol the venue does not list. */
  public static final String UNKNOWN_SYMBOL = "unknown_symbol";
  public static final String INVALID_FIELD = "invalid_field";

  /** Cancel reasons: asked by the owner; the unfilled rest of an IOC or market order; self-trade prevention. */
  public static final String CANCELLED = "cancelled";
  public static final String IOC = "ioc";
  public static final String SELF_TRADE = "self_trade";

  /** Order statuses in acks: resting in the book, traded in full, or done with the rest cancelled. */
  public static final String OPEN = "open";
  public static final String FILLED = "filled";

  /**
   * Limits of the venue (pulse.markets in config).
   *
   * @param specs the listed instruments by symbol
   * @param recentEvents events kept in memory, for resumes without a journal read
   * @param acksPerUser first answers kept per user, for client order id resends
   * @param closedOrdersKept filled or cancelled orders remembered, to tell "no longer open" from "unknown"
   * @param maxRate the most book updates per second a subscriber may ask for
   * @param candleFlush how often the candles changed since the last write are written
   */
  public record Settings(
      Map<String, InstrumentSpec> specs,
      int recentEvents,
      int snapshotEvery,
      int acksPerUser,
      int closedOrdersKept,
      int maxRate,
      Duration candleFlush) {
    public Settings {
      specs = Map.copyOf(specs);
    }
  }

  // ---- replies ------------------------------------------------------------------------------------

  /**
   * An order as a command left it. {@code filled}: traded so far; {@code remaining}: still open in the book (0 unless
   * {@code status} is {@code open}); {@code seq}: the instrument's sequence number after the command's events.
   */
  public record OrderAck(
      String symbol,
      String orderId,
      String clientOrderId,
      String status,
      Side side,
      OrderType type,
      long price,
      long quantity,
      long filled,
      long remaining,
      long seq,
      boolean duplicate)
      implements CborSerializable {
    OrderAck resent() {
      return new OrderAck(symbol, orderId, clientOrderId, status, side, type, price, quantity, filled, remaining, seq, true);
    }
  }

  /** Aggregated levels, best first, as of {@code seq}. */
  public record BookView(String symbol, long seq, List<OrderBook.PriceLevel> bids, List<OrderBook.PriceLevel> asks)
      implements CborSerializable {}

  /** {@code book}: the level-2 snapshot of a book subscription, as of {@code lastSeq}; null for other streams. */
  public record Subscribed(long lastSeq, BookView book, ActorRef<MarketFanout.Command> live) implements CborSerializable {}

  /** The ephemeral summary pushed on {@code ticker:<symbol>}: 0 for a price that does not exist (yet). */
  public record Ticker(String symbol, long last, long bid, long ask, long change24h, long volume24h, long at) implements TopicEvent {}

  // ---- commands -----------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** {@code price} 0 for a market order, which is always IOC. A resend of {@code clientOrderId} gets its first ack. */
  public record Place(
      String userId,
      String clientOrderId,
      Side side,
      OrderType type,
      TimeInForce timeInForce,
      long price,
      long quantity,
      ActorRef<StatusReply<OrderAck>> replyTo)
      implements Command {}

  public record Cancel(String userId, String orderId, ActorRef<StatusReply<OrderAck>> replyTo) implements Command {}

  /** New price and new open quantity of a resting order (see {@link OrderBook#replace}). */
  public record Replace(String userId, String orderId, long price, long quantity, ActorRef<StatusReply<OrderAck>> replyTo)
      implements Command {}

  /** {@code depth} levels per side; 0 for all. */
  public record GetBook(int depth, ActorRef<StatusReply<BookView>> replyTo) implements Command {}

  /**
   * Starts pushing {@code stream} to {@code watcher}. Durable streams (trades, the user's orders) replay every event
   * after {@code since} first (none if negative). A book subscription answers a snapshot of {@code depth} levels
   * (0: all) and then diffs at most {@code maxRate} per second (0: as they happen).
   */
  public record Subscribe(
      String userId,
      MarketFanout.Stream stream,
      long since,
      int depth,
      int maxRate,
      ActorRef<MarketPush> watcher,
      ActorRef<StatusReply<Subscribed>> replyTo)
      implements Command {}

  public record Unsubscribe(MarketFanout.Stream stream, ActorRef<MarketPush> watcher) implements Command {}

  /** Writes grouped by {@link GroupCommit}: decided in order, persisted in one write. Local only. */
  public record Batch(List<Command> commands, ActorRef<GroupCommit.Signal> front) implements Command {}

  // ---- events -------------------------------------------------------------------------------------

  public sealed interface Event extends TopicEvent {
    /** Whether a user's private stream carries this event. */
    boolean concerns(String userId);
  }

  /** A new order, as submitted (nothing filled yet): a book input. Its {@code seq} is its time priority. */
  public record OrderAccepted(Order order, long at) implements Event {
    public boolean concerns(String userId) {
      return order.userId().equals(userId);
    }
  }

  /** One fill of both sides; {@code buyRemaining}/{@code sellRemaining}: what each order has open after it. */
  public record Traded(Trade trade, long buyRemaining, long sellRemaining, long at) implements Event {
    public boolean concerns(String userId) {
      return trade.buyer().equals(userId) || trade.seller().equals(userId);
    }
  }

  /** {@code remaining}: the open quantity the cancel took out of the book (or never let in, for {@code ioc}). */
  public record OrderCancelled(String orderId, String userId, String clientOrderId, long remaining, String reason, long at)
      implements Event {
    public boolean concerns(String u) {
      return userId.equals(u);
    }
  }

  /** A book input: the order's new price and open quantity. */
  public record OrderReplaced(String orderId, String userId, long price, long quantity, long at) implements Event {
    public boolean concerns(String u) {
      return userId.equals(u);
    }
  }

  // ---- state --------------------------------------------------------------------------------------

  /** The live book and the sequence number of the last input applied to it. Touched only by the entity's thread. */
  public static final class LiveBook {
    private final OrderBook book;
    private long appliedSeq;

    LiveBook(OrderBook book, long appliedSeq) {
      this.book = book;
      this.appliedSeq = appliedSeq;
    }

    public OrderBook book() {
      return book;
    }

    /** Applies a book input with sequence number {@code seq} once: null when it was applied already. */
    Object apply(Event event, long seq) {
      if (seq <= appliedSeq) return null;
      Object result;
      if (event instanceof OrderAccepted a) {
        result = book.add(a.order());
      } else if (event instanceof OrderReplaced r) {
        result = book.replace(r.orderId(), r.userId(), r.price(), r.quantity(), seq);
      } else if (event instanceof OrderCancelled c && CANCELLED.equals(c.reason())) {
        result = book.cancel(c.orderId(), c.userId());
      } else {
        return null; // a fact: the book already holds what it says
      }
      appliedSeq = seq;
      return result;
    }
  }

  /** The order a Place opened, while its own trades and cancels are applied, so its ack is complete. */
  public record State(
      long seq,
      LiveBook book,
      PVector<TopicFanout.Entry> recent,
      PMap<String, PVector<OrderAck>> acks,
      PMap<String, String> closedOwners,
      PVector<String> closedOrder,
      PMap<String, PVector<Candle>> candles,
      long lastPrice,
      long lastTradeAt,
      String placing) {

    static State empty() {
      return new State(0, new LiveBook(new OrderBook(), 0), TreePVector.empty(), HashTreePMap.empty(), HashTreePMap.empty(),
          TreePVector.empty(), HashTreePMap.empty(), 0, 0, null);
    }

    public Optional<OrderAck> ack(String userId, String clientOrderId) {
      for (OrderAck a : acks.getOrDefault(userId, TreePVector.empty())) if (a.clientOrderId().equals(clientOrderId)) return Optional.of(a);
      return Optional.empty();
    }

    /** The lowest sequence number a resume can start after from memory. */
    long oldestBase() {
      return recent.isEmpty() ? seq : recent.get(0).seq() - 1;
    }

    public List<Candle> candles(String interval) {
      return candles.getOrDefault(interval, TreePVector.empty());
    }
  }

  /** What a snapshot stores: the state with the book as plain records. */
  public record Snapshot(
      long seq,
      List<Order> resting,
      long nextTradeId,
      long lastTradePrice,
      List<TopicFanout.Entry> recent,
      Map<String, List<OrderAck>> acks,
      Map<String, String> closedOwners,
      List<String> closedOrder,
      Map<String, List<Candle>> candles,
      long lastPrice,
      long lastTradeAt)
      implements CborSerializable {}

  /** Candles kept in memory per interval: rewritten after a restart, and the last day's hours give the ticker. */
  static final Map<String, Integer> CANDLES_KEPT = Map.of("1s", 10, "1m", 10, "1h", 25);

  static final int ACK_LIMIT_DEFAULT = 64;

  // ---- wiring -------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings, TopicFanout.History history, CandleStore candles) {
    ClusterSharding.get(system)
        .init(
            Entity.of(
                ENTITY_TYPE_KEY,
                ctx -> GroupCommit.create(front -> create(ctx.getEntityId(), settings, history, candles, front), Instrument::isWrite, Batch::new)));
  }

  /** {@code front}: the group-commit front to signal after each batch and recovery, or null without one. */
  public static Behavior<Command> create(
      String symbol, Settings settings, TopicFanout.History history, CandleStore candles, ActorRef<GroupCommit.Signal> front) {
    return Behaviors.setup(
        ctx -> {
          String pid = PersistenceId.of(ENTITY_TYPE_KEY.name(), symbol).id();
          ActorRef<MarketFanout.Command> fanout = ctx.spawn(MarketFanout.create(symbol, pid, history), "fanout");
          ActorRef<CandleWriter.Command> writer = ctx.spawn(CandleWriter.create(candles, settings.candleFlush()), "candles");
          return new Instrument(ctx, symbol, settings, fanout, writer, front, Clock.systemUTC());
        });
  }

  public static boolean isWrite(Command c) {
    return c instanceof Place || c instanceof Cancel || c instanceof Replace;
  }

  private final ActorContext<Command> ctx;
  private final String symbol;
  private final InstrumentSpec spec;
  private final Settings settings;
  private final ActorRef<MarketFanout.Command> fanout;
  private final ActorRef<CandleWriter.Command> candleWriter;
  private final ActorRef<GroupCommit.Signal> front;
  private final Clock clock;
  /** The level changes of each decided command, by the sequence number of its last event, until published. */
  private final Map<Long, List<OrderBook.LevelChange>> pendingChanges = new HashMap<>();
  private Ticker lastTicker;

  private Instrument(
      ActorContext<Command> ctx,
      String symbol,
      Settings settings,
      ActorRef<MarketFanout.Command> fanout,
      ActorRef<CandleWriter.Command> candleWriter,
      ActorRef<GroupCommit.Signal> front,
      Clock clock) {
    super(
        PersistenceId.of(ENTITY_TYPE_KEY.name(), symbol),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.symbol = symbol;
    this.spec = settings.specs().get(symbol);
    this.settings = settings;
    this.fanout = fanout;
    this.candleWriter = candleWriter;
    this.front = front;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.empty(); // a new book for every recovery: a restart must not see the old one
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State s) {
        return toSnapshot(s);
      }

      @Override
      public State fromJournal(Object from) {
        return fromSnapshot((Snapshot) from);
      }
    };
  }

  /** Called on the entity's thread when a snapshot is saved: the book is copied out as plain records. */
  static Snapshot toSnapshot(State s) {
    OrderBook b = s.book().book();
    List<Order> resting = new ArrayList<>(b.orders(Side.BUY));
    resting.addAll(b.orders(Side.SELL));
    Map<String, List<OrderAck>> acks = new HashMap<>();
    s.acks().forEach((u, list) -> acks.put(u, List.copyOf(list)));
    Map<String, List<Candle>> candles = new HashMap<>();
    s.candles().forEach((iv, list) -> candles.put(iv, List.copyOf(list)));
    return new Snapshot(
        s.seq(), resting, b.nextTradeId(), b.lastTradePrice().orElse(0), List.copyOf(s.recent()), acks, Map.copyOf(s.closedOwners()),
        List.copyOf(s.closedOrder()), candles, s.lastPrice(), s.lastTradeAt());
  }

  static State fromSnapshot(Snapshot s) {
    PMap<String, PVector<OrderAck>> acks = HashTreePMap.empty();
    for (Map.Entry<String, List<OrderAck>> e : s.acks().entrySet()) acks = acks.plus(e.getKey(), TreePVector.from(e.getValue()));
    PMap<String, PVector<Candle>> candles = HashTreePMap.empty();
    for (Map.Entry<String, List<Candle>> e : s.candles().entrySet()) candles = candles.plus(e.getKey(), TreePVector.from(e.getValue()));
    LiveBook book = new LiveBook(OrderBook.restore(s.resting(), s.nextTradeId(), s.lastTradePrice()), s.seq());
    return new State(
        s.seq(), book, TreePVector.from(s.recent()), acks, HashTreePMap.from(s.closedOwners()), TreePVector.from(s.closedOrder()), candles,
        s.lastPrice(), s.lastTradeAt(), null);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              OrderBook b = state.book().book();
              fanout.tell(new MarketFanout.BookReset(state.seq(), b.depth(Side.BUY, Integer.MAX_VALUE), b.depth(Side.SELL, Integer.MAX_VALUE)));
              // a crash may have lost the last unwritten candles: the ones in memory are written again (same values)
              List<Candle> recent = new ArrayList<>();
              for (String iv : Candle.INTERVALS) recent.addAll(state.candles(iv));
              if (!recent.isEmpty()) candleWriter.tell(new CandleWriter.Changed(recent));
              publishTicker(state);
              if (front != null) front.tell(GroupCommit.Signal.RECOVERED);
            })
        .build();
  }

  // ---- commands -----------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Batch.class, (state, batch) -> write(state, batch.commands(), batch.front()))
        .onCommand(Place.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(Cancel.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(Replace.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(GetBook.class, this::onGetBook)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, (state, c) -> {
          fanout.tell(new MarketFanout.Unregister(c.stream(), c.watcher()));
          return Effect().noReply();
        })
        .build();
  }

  private ReplyEffect<Event, State> write(State state, List<Command> commands, ActorRef<GroupCommit.Signal> front) {
    return GroupCommit.write(Effect(), state, commands, writer, front);
  }

  private final GroupCommit.Writer<Command, Event, State> writer = GroupCommit.Writer.of(this::decide, this::apply, this::published);

  private <T> Optional<GroupCommit.Decision<Event, State>> unknown(ActorRef<StatusReply<T>> replyTo) {
    if (spec != null) return Optional.empty();
    return Optional.of(GroupCommit.Decision.reject(replyTo, UNKNOWN_SYMBOL, "no instrument " + symbol));
  }

  private static <T> GroupCommit.Decision<Event, State> reject(ActorRef<StatusReply<T>> replyTo, OrderRules.Refusal r) {
    return GroupCommit.Decision.reject(replyTo, r.code(), r.reason());
  }

  private GroupCommit.Decision<Event, State> decide(State state, Command command) {
    if (command instanceof Place c) return unknown(c.replyTo()).orElseGet(() -> decidePlace(state, c));
    if (command instanceof Cancel c) return unknown(c.replyTo()).orElseGet(() -> decideCancel(state, c));
    if (command instanceof Replace c) return unknown(c.replyTo()).orElseGet(() -> decideReplace(state, c));
    throw new IllegalArgumentException("not a write: " + command);
  }

  /** Trade times never go backwards, even after the instrument moved to a node whose clock is behind. */
  private long now(State state) {
    return Math.max(clock.millis(), state.lastTradeAt());
  }

  private GroupCommit.Decision<Event, State> decidePlace(State state, Place c) {
    Optional<OrderAck> first = state.ack(c.userId(), c.clientOrderId());
    if (first.isPresent()) return GroupCommit.Decision.answer(c.replyTo(), first.get().resent());
    OrderBook book = state.book().book();
    TimeInForce tif = c.type() == OrderType.MARKET ? TimeInForce.IOC : c.timeInForce();
    Optional<OrderRules.Refusal> refusal = OrderRules.submit(spec, book, c.userId(), c.type(), tif, c.price(), c.quantity());
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    long seq = state.seq() + 1;
    String orderId = "o" + seq;
    Order order =
        c.type() == OrderType.MARKET
            ? Order.market(orderId, c.userId(), c.clientOrderId(), c.side(), c.quantity(), seq)
            : Order.limit(orderId, c.userId(), c.clientOrderId(), c.side(), c.price(), c.quantity(), tif, seq);
    long at = now(state);
    OrderAccepted accepted = new OrderAccepted(order, at);
    OrderBook.MatchResult result = (OrderBook.MatchResult) state.book().apply(accepted, seq);
    List<Event> events = new ArrayList<>();
    events.add(accepted);
    outcome(book, result, order.orderId(), order.userId(), order.clientOrderId(), order.remaining(), at, events);
    pendingChanges.put(state.seq() + events.size(), result.levelChanges());
    return new GroupCommit.Decision<>(events, s -> c.replyTo().tell(StatusReply.success(s.ack(c.userId(), c.clientOrderId()).orElseThrow())));
  }

  /** The facts of one match: each trade with what both sides have left, then the cancels it caused. */
  private static void outcome(
      OrderBook book, OrderBook.MatchResult r, String takerId, String taker, String takerClientId, long takerOpen, long at, List<Event> events) {
    long open = takerOpen;
    for (Trade t : r.trades()) {
      open -= t.quantity();
      long makerOpen = book.order(t.makerOrderId()).map(Order::remaining).orElse(0L);
      boolean takerBuys = t.takerOrderId().equals(t.buyOrderId());
      events.add(new Traded(t, takerBuys ? open : makerOpen, takerBuys ? makerOpen : open, at));
    }
    for (Order self : r.selfTradeCancelled()) {
      events.add(new OrderCancelled(self.orderId(), self.userId(), self.clientOrderId(), self.remaining(), SELF_TRADE, at));
    }
    if (r.cancelledQuantity() > 0) events.add(new OrderCancelled(takerId, taker, takerClientId, r.cancelledQuantity(), IOC, at));
  }

  private GroupCommit.Decision<Event, State> decideCancel(State state, Cancel c) {
    OrderBook book = state.book().book();
    Optional<OrderRules.Refusal> refusal = OrderRules.cancel(book, state.closedOwners(), c.orderId(), c.userId());
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    Order open = book.order(c.orderId()).orElseThrow();
    long seq = state.seq() + 1;
    OrderCancelled cancelled = new OrderCancelled(open.orderId(), open.userId(), open.clientOrderId(), open.remaining(), CANCELLED, now(state));
    OrderBook.CancelResult result = (OrderBook.CancelResult) state.book().apply(cancelled, seq);
    pendingChanges.put(seq, result.levelChanges());
    OrderAck ack =
        new OrderAck(symbol, open.orderId(), open.clientOrderId(), CANCELLED, open.side(), open.type(), open.price(), open.quantity(), open.filled(), 0, seq, false);
    return GroupCommit.Decision.persist(cancelled, c.replyTo(), s -> ack);
  }

  private GroupCommit.Decision<Event, State> decideReplace(State state, Replace c) {
    OrderBook book = state.book().book();
    Optional<OrderRules.Refusal> refusal =
        OrderRules.replace(spec, book, state.closedOwners(), c.orderId(), c.userId(), c.price(), c.quantity());
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    long seq = state.seq() + 1;
    long at = now(state);
    OrderReplaced replaced = new OrderReplaced(c.orderId(), c.userId(), c.price(), c.quantity(), at);
    OrderBook.ReplaceResult result = (OrderBook.ReplaceResult) state.book().apply(replaced, seq);
    Order previous = result.previous();
    List<Event> events = new ArrayList<>();
    events.add(replaced);
    outcome(book, result.match(), previous.orderId(), previous.userId(), previous.clientOrderId(), c.quantity(), at, events);
    long lastSeq = state.seq() + events.size();
    pendingChanges.put(lastSeq, result.match().levelChanges());
    Order rested = result.match().rested();
    long filled = previous.filled() + result.match().filledQuantity();
    OrderAck ack =
        new OrderAck(
            symbol, previous.orderId(), previous.clientOrderId(), rested != null ? OPEN : FILLED, previous.side(), OrderType.LIMIT, c.price(),
            filled + c.quantity(), filled, rested == null ? 0 : rested.remaining(), lastSeq, false);
    return new GroupCommit.Decision<>(events, s -> c.replyTo().tell(StatusReply.success(ack)));
  }

  private ReplyEffect<Event, State> onGetBook(State state, GetBook c) {
    if (spec == null) return Effect().reply(c.replyTo(), Rejection.reply(UNKNOWN_SYMBOL, "no instrument " + symbol));
    return Effect().reply(c.replyTo(), StatusReply.success(view(state, c.depth())));
  }

  BookView view(State state, int depth) {
    int n = depth <= 0 ? Integer.MAX_VALUE : depth;
    OrderBook b = state.book().book();
    return new BookView(symbol, state.seq(), b.depth(Side.BUY, n), b.depth(Side.SELL, n));
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe c) {
    if (spec == null) return Effect().reply(c.replyTo(), Rejection.reply(UNKNOWN_SYMBOL, "no instrument " + symbol));
    if (c.depth() != 0 && c.depth() != 10 && c.depth() != 50) {
      return Effect().reply(c.replyTo(), Rejection.reply(INVALID_FIELD, "depth must be 10, 50 or 0 (full)"));
    }
    if (c.maxRate() < 0 || c.maxRate() > settings.maxRate()) {
      return Effect().reply(c.replyTo(), Rejection.reply(INVALID_FIELD, "maxRate must be 1.." + settings.maxRate() + " updates per second"));
    }
    long since = c.since() < 0 ? state.seq() : Math.min(c.since(), state.seq());
    List<TopicFanout.Entry> replay = List.of();
    long journalFrom = 1;
    long journalTo = 0;
    if (c.stream().durable()) {
      if (since >= state.oldestBase()) {
        replay = state.recent().stream().filter(e -> e.seq() > since).toList();
      } else {
        // away longer than memory holds: the fanout reads the gap from the journal first
        replay = state.recent();
        journalFrom = since + 1;
        journalTo = state.oldestBase();
      }
    }
    fanout.tell(
        new MarketFanout.Register(
            c.stream(), c.userId(), c.watcher(), since, c.since() >= 0, c.depth(), c.maxRate(), replay, journalFrom, journalTo, c.replyTo()));
    return Effect().noReply(); // the fanout answers, once the subscriber is in place
  }

  /** After an event is durable: live delivery, book diffs, candles and the ticker. */
  private void published(State state, Event event) {
    fanout.tell(new MarketFanout.Published(new TopicFanout.Entry(state.seq(), event)));
    if (event instanceof Traded t) {
      List<Candle> changed = new ArrayList<>(3);
      for (String iv : Candle.INTERVALS) {
        List<Candle> list = state.candles(iv);
        Candle candle = list.get(list.size() - 1);
        changed.add(candle);
        fanout.tell(new MarketFanout.Latest(MarketFanout.Stream.CANDLES, iv, candle));
      }
      candleWriter.tell(new CandleWriter.Changed(changed));
    }
    List<OrderBook.LevelChange> changes = pendingChanges.remove(state.seq());
    if (changes != null) {
      fanout.tell(new MarketFanout.BookChanged(state.seq(), changes));
      publishTicker(state);
    }
  }

  private void publishTicker(State state) {
    OrderBook b = state.book().book();
    long now = clock.millis();
    long from = Candle.startOf("1h", now) - 23 * 3_600_000L;
    long open = 0;
    long volume = 0;
    for (Candle h : state.candles("1h")) {
      if (h.start() < from) continue;
      if (open == 0) open = h.open();
      volume += h.volume();
    }
    long last = state.lastPrice();
    Ticker ticker =
        new Ticker(
            symbol, last, b.bestBid().map(OrderBook.PriceLevel::price).orElse(0L), b.bestAsk().map(OrderBook.PriceLevel::price).orElse(0L),
            open == 0 ? 0 : last - open, volume, state.lastTradeAt());
    if (ticker.equals(lastTicker)) return;
    lastTicker = ticker;
    fanout.tell(new MarketFanout.Latest(MarketFanout.Stream.TICKER, "ticker", ticker));
  }

  // ---- events -------------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> apply(state, event));
  }

  /** The state after one event: the whole of what an event means, for replay and live alike. */
  State apply(State s, Event event) {
    long seq = s.seq() + 1;
    s.book().apply(event, seq); // a no-op when the write already applied it
    PVector<TopicFanout.Entry> recent = s.recent().plus(new TopicFanout.Entry(seq, event));
    if (recent.size() > settings.recentEvents()) recent = recent.minus(0);
    PMap<String, PVector<OrderAck>> acks = s.acks();
    PMap<String, String> closedOwners = s.closedOwners();
    PVector<String> closedOrder = s.closedOrder();
    PMap<String, PVector<Candle>> candles = s.candles();
    long lastPrice = s.lastPrice();
    long lastTradeAt = s.lastTradeAt();
    String placing = s.placing();

    if (event instanceof OrderAccepted a) {
      Order o = a.order();
      placing = o.orderId();
      OrderAck ack = new OrderAck(symbol, o.orderId(), o.clientOrderId(), OPEN, o.side(), o.type(), o.price(), o.quantity(), 0, o.quantity(), seq, false);
      acks = acks.plus(o.userId(), bounded(acks.getOrDefault(o.userId(), TreePVector.empty()), ack, settings.acksPerUser()));
    } else if (event instanceof OrderReplaced) {
      placing = null;
    } else if (event instanceof Traded t) {
      Trade trade = t.trade();
      lastPrice = trade.price();
      lastTradeAt = t.at();
      if (t.buyRemaining() == 0) {
        closedOrder = closedOrder.plus(trade.buyOrderId());
        closedOwners = closedOwners.plus(trade.buyOrderId(), trade.buyer());
      }
      if (t.sellRemaining() == 0) {
        closedOrder = closedOrder.plus(trade.sellOrderId());
        closedOwners = closedOwners.plus(trade.sellOrderId(), trade.seller());
      }
      if (trade.takerOrderId().equals(placing)) {
        String taker = trade.takerOrderId().equals(trade.buyOrderId()) ? trade.buyer() : trade.seller();
        long open = trade.takerOrderId().equals(trade.buyOrderId()) ? t.buyRemaining() : t.sellRemaining();
        acks = updateAck(acks, taker, placing, a -> new OrderAck(
            a.symbol(), a.orderId(), a.clientOrderId(), open == 0 ? FILLED : OPEN, a.side(), a.type(), a.price(), a.quantity(),
            a.filled() + trade.quantity(), open, seq, false));
      }
      for (String iv : Candle.INTERVALS) {
        PVector<Candle> list = candles.getOrDefault(iv, TreePVector.empty());
        Candle last = list.isEmpty() ? null : list.get(list.size() - 1);
        if (last != null && t.at() < last.start() + Candle.millis(iv)) {
          list = list.with(list.size() - 1, last.plus(trade.price(), trade.quantity()));
        } else {
          list = list.plus(Candle.open(symbol, iv, t.at(), trade.price(), trade.quantity()));
          if (list.size() > CANDLES_KEPT.get(iv)) list = list.minus(0);
        }
        candles = candles.plus(iv, list);
      }
    } else if (event instanceof OrderCancelled c) {
      closedOrder = closedOrder.plus(c.orderId());
      closedOwners = closedOwners.plus(c.orderId(), c.userId());
      if (IOC.equals(c.reason()) && c.orderId().equals(placing)) {
        acks = updateAck(acks, c.userId(), placing, a -> new OrderAck(
            a.symbol(), a.orderId(), a.clientOrderId(), CANCELLED, a.side(), a.type(), a.price(), a.quantity(), a.filled(), 0, seq, false));
      }
    }
    while (closedOrder.size() > settings.closedOrdersKept()) {
      String oldest = closedOrder.get(0);
      closedOrder = closedOrder.minus(0);
      closedOwners = closedOwners.minus(oldest); // an order closes once: no other entry names it
    }
    return new State(seq, s.book(), recent, acks, closedOwners, closedOrder, candles, lastPrice, lastTradeAt, placing);
  }

  private static PMap<String, PVector<OrderAck>> updateAck(
      PMap<String, PVector<OrderAck>> acks, String userId, String orderId, java.util.function.UnaryOperator<OrderAck> change) {
    PVector<OrderAck> list = acks.getOrDefault(userId, TreePVector.empty());
    for (int i = list.size() - 1; i >= 0; i--) {
      if (list.get(i).orderId().equals(orderId)) return acks.plus(userId, list.with(i, change.apply(list.get(i))));
    }
    return acks;
  }

  private static <T> PVector<T> bounded(PVector<T> list, T value, int max) {
    PVector<T> next = list.plus(value);
    while (next.size() > max) next = next.minus(0);
    return next;
  }
}
