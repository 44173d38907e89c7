package io.pulse.actors.market;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Instrument entity on the in-memory journal. Commands, events and replies are serialized by the kit on every
 * command; the state holds the live book, so it is not serialized as it is but through the snapshot adapter, which a
 * snapshot every 5 events exercises on every restart below (the snapshot store keeps it as CBOR).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstrumentTest {
  private static final InstrumentSpec SPEC = new InstrumentSpec("BTC-USD", 5, 10, 1000, 3);
  private static final Instrument.Settings SETTINGS =
      new Instrument.Settings(Map.of("BTC-USD", SPEC), 8, 5, 16, 100, 20, Duration.ofMillis(50));
  private static final Duration WAIT = Duration.ofSeconds(3);

  private final ActorTestKit testKit = ActorTestKit.create("InstrumentTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private final List<List<Candle>> written = new java.util.concurrent.CopyOnWriteArrayList<>();
  private EventSourcedBehaviorTestKit<Instrument.Command, Instrument.Event, Instrument.State> market;
  private String symbol;

  private final CandleStore store =
      new CandleStore() {
        @Override
        public java.util.concurrent.CompletionStage<org.apache.pekko.Done> write(List<Candle> candles) {
          written.add(candles);
          return CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
        }

        @Override
        public java.util.concurrent.CompletionStage<List<Candle>> read(String s, String i, long f, long t, int l) {
          return CompletableFuture.completedFuture(List.of());
        }
      };

  @BeforeEach
  void fresh() {
    symbol = "BTC-USD";
    written.clear();
    // each test its own persistence id: the symbol's spec, under a fresh entity id through a settings copy
    String id = "SYM-" + ids.incrementAndGet();
    Instrument.Settings settings = new Instrument.Settings(Map.of(id, withSymbol(id)), 8, 5, 16, 100, 20, Duration.ofMillis(50));
    symbol = id;
    market =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            Instrument.create(id, settings, history(), store, null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
  }

  private static InstrumentSpec withSymbol(String symbol) {
    return new InstrumentSpec(symbol, SPEC.tickSize(), SPEC.lotSize(), SPEC.bandBps(), SPEC.maxOpenOrdersPerUser());
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private TopicFanout.History history() {
    return (pid, from, to) -> {
      List<Object> events = market.persistenceTestKit().persistedInStorage(pid);
      List<TopicFanout.Entry> out = new ArrayList<>();
      for (long seq = from; seq <= to; seq++) out.add(new TopicFanout.Entry(seq, (Instrument.Event) events.get((int) seq - 1)));
      return CompletableFuture.completedFuture(out);
    };
  }

  private CommandResultWithReply<Instrument.Command, Instrument.Event, Instrument.State, StatusReply<Instrument.OrderAck>> place(
      String user, String coid, Side side, OrderType type, TimeInForce tif, long price, long qty) {
    return market.runCommand(r -> new Instrument.Place(user, coid, side, type, tif, price, qty, r));
  }

  private CommandResultWithReply<Instrument.Command, Instrument.Event, Instrument.State, StatusReply<Instrument.OrderAck>> cancel(String user, String orderId) {
    return market.runCommand(r -> new Instrument.Cancel(user, orderId, r));
  }

  private CommandResultWithReply<Instrument.Command, Instrument.Event, Instrument.State, StatusReply<Instrument.OrderAck>> replace(
      String user, String orderId, long price, long qty) {
    return market.runCommand(r -> new Instrument.Replace(user, orderId, price, qty, r));
  }

  private Instrument.OrderAck limit(String user, String coid, Side side, long price, long qty) {
    return ok(place(user, coid, side, OrderType.LIMIT, TimeInForce.GTC, price, qty).reply());
  }

  private static <T> T ok(StatusReply<T> reply) {
    assertThat(reply.isSuccess()).as("%s", reply).isTrue();
    return reply.getValue();
  }

  private static void rejected(CommandResultWithReply<?, ?, ?, ? extends StatusReply<?>> result, String code) {
    assertThat(result.reply().isError()).as("expected %s, got %s", code, result.reply()).isTrue();
    assertThat(Rejection.of(result.reply().getError()).code()).isEqualTo(code);
    assertThat(result.hasNoEvents()).as("a refused command persists nothing").isTrue();
  }

  private Instrument.BookView book() {
    return ok(market.<StatusReply<Instrument.BookView>>runCommand(r -> new Instrument.GetBook(0, r)).reply());
  }

  private Instrument.Subscribed subscribe(String user, MarketFanout.Stream stream, long since, int depth, int maxRate, TestProbe<MarketPush> watcher) {
    return ok(market.<StatusReply<Instrument.Subscribed>>runCommand(r -> new Instrument.Subscribe(user, stream, since, depth, maxRate, watcher.ref(), r)).reply());
  }

  // ---- placing and matching -------------------------------------------------------------------------

  @Test
  void aLimitOrderRestsAndACrossingOrderTradesWithBothSidesNamed() {
    Instrument.OrderAck bid = limit("alice", "a1", Side.BUY, 100, 30);
    assertThat(bid.status()).isEqualTo(Instrument.OPEN);
    assertThat(bid.remaining()).isEqualTo(30);

    var result = place("bob", "b1", Side.SELL, OrderType.LIMIT, TimeInForce.GTC, 95, 50);
    Instrument.OrderAck ask = ok(result.reply());
    assertThat(ask.filled()).isEqualTo(30);
    assertThat(ask.remaining()).isEqualTo(20);
    assertThat(ask.status()).isEqualTo(Instrument.OPEN);
    List<Instrument.Event> events = result.events();
    assertThat(events).hasSize(2);
    Instrument.Traded traded = (Instrument.Traded) events.get(1);
    assertThat(traded.trade().price()).as("at the maker's price").isEqualTo(100);
    assertThat(traded.trade().quantity()).isEqualTo(30);
    assertThat(traded.trade().buyer()).isEqualTo("alice");
    assertThat(traded.trade().seller()).isEqualTo("bob");
    assertThat(traded.trade().buyOrderId()).isEqualTo(bid.orderId());
    assertThat(traded.buyRemaining()).isZero();
    assertThat(traded.sellRemaining()).isEqualTo(20);

    Instrument.BookView view = book();
    assertThat(view.bids()).isEmpty();
    assertThat(view.asks()).containsExactly(new OrderBook.PriceLevel(95, 20, 1));
  }

  @Test
  void anIocOrMarketRemainderIsCancelledAsAnEvent() {
    limit("alice", "a1", Side.SELL, 100, 10);
    var ioc = place("bob", "b1", Side.BUY, OrderType.LIMIT, TimeInForce.IOC, 100, 30);
    Instrument.OrderAck ack = ok(ioc.reply());
    assertThat(ack.status()).isEqualTo(Instrument.CANCELLED);
    assertThat(ack.filled()).isEqualTo(10);
    assertThat(ioc.events()).hasSize(3);
    Instrument.OrderCancelled rest = (Instrument.OrderCancelled) ioc.events().get(2);
    assertThat(rest.reason()).isEqualTo(Instrument.IOC);
    assertThat(rest.remaining()).isEqualTo(20);

    var sweep = place("bob", "b2", Side.BUY, OrderType.MARKET, TimeInForce.GTC, 0, 10);
    assertThat(ok(sweep.reply()).status()).as("nothing to take").isEqualTo(Instrument.CANCELLED);
    assertThat(book().bids()).as("a market order never rests").isEmpty();
  }

  @Test
  void aResendOfAClientOrderIdGetsItsFirstAnswerAndStoresNothing() {
    limit("alice", "a1", Side.SELL, 100, 10);
    Instrument.OrderAck first = limit("bob", "b1", Side.BUY, 100, 20);
    var again = place("bob", "b1", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 100, 20);
    assertThat(again.hasNoEvents()).isTrue();
    Instrument.OrderAck resent = ok(again.reply());
    assertThat(resent.duplicate()).isTrue();
    assertThat(resent.orderId()).isEqualTo(first.orderId());
    assertThat(resent.filled()).isEqualTo(first.filled()).isEqualTo(10);
    assertThat(resent.seq()).isEqualTo(first.seq());
  }

  @Test
  void badInputIsRefusedWithAStableCodeAndNothingStored() {
    rejected(place("alice", "x1", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 100, 0), OrderRules.INVALID_QUANTITY);
    rejected(place("alice", "x2", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 100, -10), OrderRules.INVALID_QUANTITY);
    rejected(place("alice", "x3", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 100, 15), OrderRules.INVALID_QUANTITY);
    rejected(place("alice", "x4", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 101, 10), OrderRules.INVALID_PRICE);
    rejected(place("alice", "x5", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, -5, 10), OrderRules.INVALID_PRICE);
    rejected(place("alice", "x6", Side.BUY, OrderType.MARKET, TimeInForce.IOC, 100, 10), OrderRules.INVALID_PRICE);

    limit("alice", "a1", Side.SELL, 100, 10);
    Instrument.OrderAck filler = limit("bob", "b1", Side.BUY, 100, 10);
    // the last trade is 100: a 10% band allows 90..110
    rejected(place("alice", "x7", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 115, 10), OrderRules.PRICE_OUT_OF_BAND);

    limit("carol", "c1", Side.BUY, 95, 10);
    limit("carol", "c2", Side.BUY, 95, 10);
    Instrument.OrderAck third = limit("carol", "c3", Side.BUY, 90, 10);
    rejected(place("carol", "c4", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 90, 10), OrderRules.TOO_MANY_OPEN_ORDERS);

    rejected(cancel("bob", third.orderId()), OrderRules.NOT_OWNER);
    rejected(replace("bob", third.orderId(), 95, 10), OrderRules.NOT_OWNER);
    rejected(replace("bob", filler.orderId(), 95, 10), OrderRules.ORDER_FILLED);
    rejected(cancel("bob", filler.orderId()), OrderRules.ORDER_FILLED);
    rejected(cancel("bob", "o999"), OrderRules.UNKNOWN_ORDER);
    rejected(replace("carol", third.orderId(), 93, 10), OrderRules.INVALID_PRICE);
  }

  @Test
  void anUnknownSymbolIsRefusedForEveryCommand() {
    var unknown =
        EventSourcedBehaviorTestKit.<Instrument.Command, Instrument.Event, Instrument.State>create(
            testKit.system(), Instrument.create("NOPE", SETTINGS, history(), store, null), EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    rejected(unknown.<StatusReply<Instrument.OrderAck>>runCommand(r -> new Instrument.Place("a", "1", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 100, 10, r)), Instrument.UNKNOWN_SYMBOL);
    rejected(unknown.<StatusReply<Instrument.OrderAck>>runCommand(r -> new Instrument.Cancel("a", "o1", r)), Instrument.UNKNOWN_SYMBOL);
    rejected(unknown.<StatusReply<Instrument.BookView>>runCommand(r -> new Instrument.GetBook(10, r)), Instrument.UNKNOWN_SYMBOL);
  }

  @Test
  void theOwnerCancelsAndReplaces() {
    Instrument.OrderAck bid = limit("alice", "a1", Side.BUY, 100, 30);
    Instrument.OrderAck replaced = ok(market.<StatusReply<Instrument.OrderAck>>runCommand(r -> new Instrument.Replace("alice", bid.orderId(), 105, 20, r)).reply());
    assertThat(replaced.price()).isEqualTo(105);
    assertThat(replaced.remaining()).isEqualTo(20);
    assertThat(book().bids()).containsExactly(new OrderBook.PriceLevel(105, 20, 1));
    var cancel = market.<StatusReply<Instrument.OrderAck>>runCommand(r -> new Instrument.Cancel("alice", bid.orderId(), r));
    assertThat(ok(cancel.reply()).status()).isEqualTo(Instrument.CANCELLED);
    assertThat(((Instrument.OrderCancelled) cancel.event()).remaining()).isEqualTo(20);
    assertThat(book().bids()).isEmpty();
  }

  // ---- recovery -------------------------------------------------------------------------------------

  @Test
  void aRestartRebuildsTheSameBookTradeNumbersAndResendAnswers() {
    Random random = new Random(7);
    List<Instrument.OrderAck> acks = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String user = "u" + random.nextInt(4);
      Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
      long price = 90 + 5L * random.nextInt(5);
      var r = place(user, "c" + i, side, OrderType.LIMIT, random.nextInt(5) == 0 ? TimeInForce.IOC : TimeInForce.GTC, price, 10L * (1 + random.nextInt(4)));
      if (r.reply().isSuccess()) acks.add(r.reply().getValue());
      if (i % 7 == 0 && !acks.isEmpty()) {
        Instrument.OrderAck a = acks.get(random.nextInt(acks.size()));
        cancel(userOf(a), a.orderId());
      }
    }
    Instrument.BookView before = book();
    long nextTradeId = market.getState().book().book().nextTradeId();
    market.restart();
    Instrument.BookView after = book();
    assertThat(after).isEqualTo(before);
    assertThat(market.getState().book().book().nextTradeId()).isEqualTo(nextTradeId);
    market.getState().book().book().checkIntegrity();
    Instrument.OrderAck first = acks.get(acks.size() - 1);
    var resend = market.<StatusReply<Instrument.OrderAck>>runCommand(
        r -> new Instrument.Place(userOf(first), first.clientOrderId(), first.side(), first.type(), TimeInForce.GTC, first.price(), first.quantity(), r));
    assertThat(resend.hasNoEvents()).isTrue();
    assertThat(ok(resend.reply()).seq()).isEqualTo(first.seq());
  }

  /** The tests' orders name their user in the client order id's place: look it up in the journal. */
  private String userOf(Instrument.OrderAck ack) {
    for (Object e : market.persistenceTestKit().persistedInStorage("Instrument|" + symbol)) {
      if (e instanceof Instrument.OrderAccepted a && a.order().orderId().equals(ack.orderId())) return a.order().userId();
    }
    throw new AssertionError("no order " + ack.orderId());
  }

  // ---- streams --------------------------------------------------------------------------------------

  @Test
  void tradesAndTheUsersOwnOrdersAreDurableStreamsResumableWithSince() {
    TestProbe<MarketPush> trades = testKit.createTestProbe();
    TestProbe<MarketPush> mine = testKit.createTestProbe();
    long start = subscribe("alice", MarketFanout.Stream.TRADES, -1, 0, 0, trades).lastSeq();
    subscribe("alice", MarketFanout.Stream.ORDERS, -1, 0, 0, mine);
    limit("alice", "a1", Side.SELL, 100, 10);
    limit("bob", "b1", Side.SELL, 100, 10);
    limit("carol", "c1", Side.BUY, 100, 20); // trades with alice, then bob

    MarketPush.Appended t1 = trades.expectMessageClass(MarketPush.Appended.class, WAIT);
    MarketPush.Appended t2 = trades.expectMessageClass(MarketPush.Appended.class, WAIT);
    assertThat(t1.prevSeq()).isEqualTo(start);
    assertThat(t2.prevSeq()).isEqualTo(t1.seq());
    assertThat(((Instrument.Traded) t2.event()).trade().seller()).isEqualTo("bob");
    trades.expectNoMessage(Duration.ofMillis(100));

    MarketPush.Appended accepted = mine.expectMessageClass(MarketPush.Appended.class, WAIT);
    MarketPush.Appended fill = mine.expectMessageClass(MarketPush.Appended.class, WAIT);
    assertThat(accepted.event()).isInstanceOf(Instrument.OrderAccepted.class);
    assertThat(fill.prevSeq()).isEqualTo(accepted.seq());
    assertThat(((Instrument.Traded) fill.event()).trade().seller()).as("only alice's own").isEqualTo("alice");
    mine.expectNoMessage(Duration.ofMillis(100));

    // more events than the 8 held in memory, then a resume from the start: the gap comes from the journal
    for (int i = 0; i < 6; i++) {
      limit("dave", "d" + i, Side.SELL, 100, 10);
      limit("erin", "e" + i, Side.BUY, 100, 10);
    }
    TestProbe<MarketPush> late = testKit.createTestProbe();
    subscribe("zed", MarketFanout.Stream.TRADES, start, 0, 0, late);
    long prev = start;
    for (int i = 0; i < 8; i++) {
      MarketPush.Appended a = late.expectMessageClass(MarketPush.Appended.class, WAIT);
      assertThat(a.prevSeq()).isEqualTo(prev);
      assertThat(a.event()).isInstanceOf(Instrument.Traded.class);
      prev = a.seq();
    }
    late.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aBookSubscriberGetsASnapshotThenDiffsThatRebuildTheBook() {
    limit("alice", "a1", Side.BUY, 100, 10);
    TestProbe<MarketPush> full = testKit.createTestProbe();
    TestProbe<MarketPush> slow = testKit.createTestProbe();
    Instrument.Subscribed s = subscribe("zed", MarketFanout.Stream.BOOK, -1, 0, 0, full);
    assertThat(s.book().bids()).containsExactly(new OrderBook.PriceLevel(100, 10, 1));
    Instrument.Subscribed throttled = subscribe("zed", MarketFanout.Stream.BOOK, -1, 10, 2, slow);

    Random random = new Random(3);
    for (int i = 0; i < 40; i++) {
      place("u" + random.nextInt(3), "r" + i, random.nextBoolean() ? Side.BUY : Side.SELL, OrderType.LIMIT, TimeInForce.GTC,
          95 + 5L * random.nextInt(3), 10L * (1 + random.nextInt(3)));
    }
    Instrument.BookView truth = book();
    TreeMap<Long, OrderBook.PriceLevel> fullBids = levels(s.book().bids());
    TreeMap<Long, OrderBook.PriceLevel> fullAsks = levels(s.book().asks());
    int fullDiffs = apply(full, s.lastSeq(), fullBids, fullAsks, truth.seq());
    TreeMap<Long, OrderBook.PriceLevel> slowBids = levels(throttled.book().bids());
    TreeMap<Long, OrderBook.PriceLevel> slowAsks = levels(throttled.book().asks());
    int slowDiffs = apply(slow, throttled.lastSeq(), slowBids, slowAsks, truth.seq());
    assertThat(List.copyOf(fullBids.descendingMap().values())).isEqualTo(truth.bids());
    assertThat(List.copyOf(fullAsks.values())).isEqualTo(truth.asks());
    assertThat(List.copyOf(slowBids.descendingMap().values())).isEqualTo(truth.bids().subList(0, Math.min(10, truth.bids().size())));
    assertThat(List.copyOf(slowAsks.values())).isEqualTo(truth.asks().subList(0, Math.min(10, truth.asks().size())));
    assertThat(slowDiffs).as("2 per second at most: fewer, fresher diffs").isLessThan(fullDiffs);
  }

  @Test
  void aThrottledSubscriberGetsAtMostItsRate() {
    TestProbe<MarketPush> slow = testKit.createTestProbe();
    subscribe("zed", MarketFanout.Stream.BOOK, -1, 10, 10, slow);
    long start = System.nanoTime();
    int i = 0;
    while (System.nanoTime() - start < 1_000_000_000L) {
      int n = i;
      Instrument.OrderAck a = limit("u" + (i % 3), "t" + i, i % 2 == 0 ? Side.BUY : Side.SELL, i % 2 == 0 ? 95 : 105, 10);
      ok(market.<StatusReply<Instrument.OrderAck>>runCommand(r -> new Instrument.Cancel("u" + (n % 3), a.orderId(), r)).reply());
      i++;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    int diffs = 0;
    while (true) {
      try {
        slow.expectMessageClass(MarketPush.BookDiff.class, Duration.ofMillis(300));
        diffs++;
      } catch (AssertionError quiet) {
        break;
      }
    }
    assertThat(i).as("changes made").isGreaterThan(20);
    // the last diff may follow the last change by one interval
    assertThat(diffs).as("diffs for %d changes in %.2f s at 10/s", 2 * i, seconds).isPositive().isLessThanOrEqualTo((int) Math.ceil((seconds + 0.1) * 10) + 1);
  }

  private static TreeMap<Long, OrderBook.PriceLevel> levels(List<OrderBook.PriceLevel> list) {
    TreeMap<Long, OrderBook.PriceLevel> m = new TreeMap<>();
    list.forEach(l -> m.put(l.price(), l));
    return m;
  }

  /** Applies diffs until the book reaches {@code untilSeq}, checking the chain; answers how many came. */
  private static int apply(TestProbe<MarketPush> probe, long seq, TreeMap<Long, OrderBook.PriceLevel> bids, TreeMap<Long, OrderBook.PriceLevel> asks, long untilSeq) {
    int n = 0;
    while (seq < untilSeq) {
      MarketPush.BookDiff d = probe.expectMessageClass(MarketPush.BookDiff.class, WAIT);
      assertThat(d.prevSeq()).isEqualTo(seq);
      for (OrderBook.PriceLevel l : d.bids()) if (l.quantity() == 0) bids.remove(l.price()); else bids.put(l.price(), l);
      for (OrderBook.PriceLevel l : d.asks()) if (l.quantity() == 0) asks.remove(l.price()); else asks.put(l.price(), l);
      seq = d.seq();
      n++;
    }
    return n;
  }

  @Test
  void tradesMakeCandlesTheTickerAndBatchedCandleWrites() {
    TestProbe<MarketPush> ticker = testKit.createTestProbe();
    TestProbe<MarketPush> candles = testKit.createTestProbe();
    subscribe("zed", MarketFanout.Stream.TICKER, -1, 0, 0, ticker);
    subscribe("zed", MarketFanout.Stream.CANDLES, -1, 0, 0, candles);
    limit("alice", "a1", Side.SELL, 100, 10);
    limit("alice", "a2", Side.SELL, 105, 10);
    limit("bob", "b1", Side.BUY, 105, 20);
    List<Candle> oneSecond = market.getState().candles("1h");
    Candle hour = oneSecond.get(oneSecond.size() - 1);
    assertThat(hour.open()).isEqualTo(100);
    assertThat(hour.close()).isEqualTo(105);
    assertThat(hour.high()).isEqualTo(105);
    assertThat(hour.low()).isEqualTo(100);
    assertThat(hour.volume()).isEqualTo(20);
    assertThat(hour.trades()).isEqualTo(2);

    Instrument.Ticker last = null;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while ((last == null || last.volume24h() < 20) && System.nanoTime() < deadline) {
      MarketPush.Latest l = ticker.expectMessageClass(MarketPush.Latest.class, WAIT);
      last = (Instrument.Ticker) l.value();
    }
    assertThat(last.last()).isEqualTo(105);
    assertThat(last.change24h()).isEqualTo(5);
    assertThat(last.volume24h()).isEqualTo(20);
    assertThat(candles.expectMessageClass(MarketPush.Latest.class, WAIT).value()).isInstanceOf(Candle.class);

    org.apache.pekko.actor.testkit.typed.javadsl.TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(WAIT, () -> {
      List<Candle> all = written.stream().flatMap(List::stream).filter(c -> c.interval().equals("1h")).toList();
      assertThat(all).isNotEmpty();
      assertThat(all.get(all.size() - 1)).isEqualTo(hour);
      return null;
    });
  }
}
