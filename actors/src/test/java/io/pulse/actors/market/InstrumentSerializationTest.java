package io.pulse.actors.market;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every command, event, reply, push and snapshot of an instrument survives the wire (CBOR) and comes back equal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstrumentSerializationTest {
  private final ActorTestKit testKit = ActorTestKit.create("InstrumentSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  private static final Order BID = Order.limit("o1", "alice", "a-1", Side.BUY, 100, 30, TimeInForce.GTC, 1);
  private static final Trade TRADE = new Trade(1, 100, 10, "o1", "o2", "alice", "bob", Side.BUY);
  private static final Instrument.OrderAck ACK =
      new Instrument.OrderAck("BTC-USD", "o1", "a-1", Instrument.OPEN, Side.BUY, OrderType.LIMIT, 100, 30, 10, 20, 3, false);
  private static final Candle CANDLE = new Candle("BTC-USD", "1m", 60_000, 100, 105, 95, 101, 40, 3);
  private static final Instrument.BookView VIEW =
      new Instrument.BookView("BTC-USD", 9, List.of(new OrderBook.PriceLevel(100, 20, 1)), List.of(new OrderBook.PriceLevel(105, 10, 2)));

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private <T> ActorRef<T> ref() {
    return testKit.<T>createTestProbe().ref();
  }

  private void roundTrip(List<?> messages) {
    for (Object message : messages) serialization.verifySerialization(message, true);
  }

  static List<Instrument.Event> everyEvent() {
    return List.of(
        new Instrument.OrderAccepted(BID, 1L),
        new Instrument.OrderAccepted(Order.market("o2", "bob", "b-1", Side.SELL, 10, 2), 2L),
        new Instrument.Traded(TRADE, 20, 0, 2L),
        new Instrument.OrderCancelled("o3", "bob", "b-2", 5, Instrument.IOC, 3L),
        new Instrument.OrderCancelled("o1", "alice", "a-1", 20, Instrument.CANCELLED, 4L),
        new Instrument.OrderCancelled("o4", "carol", null, 5, Instrument.SELF_TRADE, 5L),
        new Instrument.OrderReplaced("o1", "alice", 105, 10, 6L));
  }

  @Test
  void everyEventRoundTrips() {
    roundTrip(everyEvent());
  }

  @Test
  void everyCommandRoundTrips() {
    roundTrip(
        List.of(
            new Instrument.Place("alice", "a-1", Side.BUY, OrderType.LIMIT, TimeInForce.GTC, 100, 30, ref()),
            new Instrument.Place("alice", "a-2", Side.SELL, OrderType.MARKET, TimeInForce.IOC, 0, 10, ref()),
            new Instrument.Cancel("alice", "o1", ref()),
            new Instrument.Replace("alice", "o1", 105, 10, ref()),
            new Instrument.GetBook(10, ref()),
            new Instrument.Subscribe("alice", MarketFanout.Stream.BOOK, -1, 10, 5, ref(), ref()),
            new Instrument.Subscribe("alice", MarketFanout.Stream.ORDERS, 42, 0, 0, ref(), ref()),
            new Instrument.Unsubscribe(MarketFanout.Stream.TRADES, ref())));
    // Batch is local only (group commit hands it from the front to its own child): never serialized
  }

  @Test
  void everyReplyAndPushRoundTrips() {
    roundTrip(
        List.of(
            ACK,
            VIEW,
            new Instrument.Subscribed(9, VIEW, ref()),
            new Instrument.Subscribed(9, null, ref()),
            new Instrument.Ticker("BTC-USD", 101, 100, 105, -4, 300, 7L),
            CANDLE,
            new MarketPush.Appended("trades:BTC-USD", 3, 7, new Instrument.Traded(TRADE, 20, 0, 2L)),
            new MarketPush.BookDiff("book:BTC-USD", 7, 9, List.of(new OrderBook.PriceLevel(100, 0, 0)), List.of(), 1_767_225_600_123L),
            new MarketPush.BookSnapshot("book:BTC-USD", VIEW),
            new MarketPush.Latest("candles:BTC-USD", "1m", CANDLE),
            new MarketPush.Ended("trades:BTC-USD", "resume", "too far behind")));
  }

  @Test
  void aSnapshotRoundTripsAndRebuildsTheSameBook() {
    Instrument.State state = Instrument.State.empty();
    OrderBook book = state.book().book();
    book.add(BID);
    book.add(Order.limit("o2", "bob", "b-1", Side.SELL, 100, 10, TimeInForce.GTC, 2));
    book.add(Order.limit("o3", "bob", "b-2", Side.SELL, 110, 10, TimeInForce.GTC, 3));
    book.add(Order.limit("o4", "carol", "c-1", Side.BUY, 100, 5, TimeInForce.GTC, 4));
    Instrument.State withData =
        new Instrument.State(4, state.book(), org.pcollections.TreePVector.singleton(new TopicFanout.Entry(4, everyEvent().get(0))),
            org.pcollections.HashTreePMap.singleton("alice", org.pcollections.TreePVector.singleton(ACK)),
            org.pcollections.HashTreePMap.singleton("o2", "bob"), org.pcollections.TreePVector.singleton("o2"),
            org.pcollections.HashTreePMap.singleton("1m", org.pcollections.TreePVector.singleton(CANDLE)), 100, 2L, null);
    Instrument.Snapshot snapshot = Instrument.toSnapshot(withData);
    serialization.verifySerialization(snapshot, true);
    Instrument.State back = Instrument.fromSnapshot((Instrument.Snapshot) serialization.verifySerialization(snapshot, true));
    OrderBook rebuilt = back.book().book();
    rebuilt.checkIntegrity();
    assertThat(rebuilt.orders(Side.BUY)).isEqualTo(book.orders(Side.BUY));
    assertThat(rebuilt.orders(Side.SELL)).isEqualTo(book.orders(Side.SELL));
    assertThat(rebuilt.nextTradeId()).isEqualTo(book.nextTradeId());
    assertThat(rebuilt.lastTradePrice()).isEqualTo(book.lastTradePrice());
    assertThat(back.ack("alice", "a-1")).contains(ACK);
    assertThat(back.candles("1m")).containsExactly(CANDLE);
    assertThat(Instrument.toSnapshot(back)).isEqualTo(snapshot);
    assertThat(Map.copyOf(back.closedOwners())).isEqualTo(Map.of("o2", "bob"));
  }
}
