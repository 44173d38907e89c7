package io.pulse.actors.auction;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every command, reply, topic event and state of the Auction, Sale, SaleBucket and WaitingRoom entities
 * survives CBOR. (A group-commit Batch never leaves its node: the front is the entity's parent.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SaleAndAuctionMessagesSerializationTest {
  private static final long T = 1_700_000_000_000L;
  private static final AuctionSpec SPEC = new AuctionSpec("sam", "Lamp", 1_000, IncrementRule.usdTable(), 5_000L, T, T + 60_000, 10_000, 20_000, T + 120_000);
  private static final SaleSpec SALE = new SaleSpec("sku-1", 25, T, 2, 30_000);

  private final ActorTestKit testKit = ActorTestKit.create("SaleAndAuctionMessagesSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private <T> ActorRef<T> ref() {
    return testKit.<T>createTestProbe().ref();
  }

  private void roundTrip(List<?> values) {
    for (Object v : values) serialization.verifySerialization(v, true);
  }

  @Test
  void auctionMessagesRoundTrip() {
    AuctionBook book =
        AuctionBook.initial(SPEC).apply(new AuctionEvent.BidAccepted("alice", 6_000, 5_000, "alice", T + 1, "k")).apply(new AuctionEvent.EndExtended(T + 70_000));
    Auction.State state = Auction.apply(Auction.apply(Auction.State.EMPTY, new AuctionEvent.AuctionCreated(SPEC, T), 10),
        new AuctionEvent.BidAccepted("alice", 6_000, 5_000, "alice", T + 1, "k"), 10);
    roundTrip(
        List.of(
            new Auction.Create(SPEC, ref()),
            new Auction.Bid("bob", 2_000, "k-1", ref()),
            new Auction.Bid("bob", 2_000, null, ref()),
            new Auction.Get("bob", ref()),
            new Auction.Subscribe("bob", 3, ref(), ref()),
            new Auction.Unsubscribe(ref()),
            new Auction.CloseDue(),
            new Auction.Tick(),
            new Auction.View("a-1", "sam", "Lamp", 1_000, IncrementRule.fixed(100), 5_000L, true, false, 1_000, "bob", 1, 1_100, T, T + 60_000, T + 90_000, "open", null, 2_000L, 2),
            new Auction.View("a-1", "sam", "Lamp", 1_000, IncrementRule.fixed(100), null, false, true, 1_000, "bob", 1, 1_100, T, T + 60_000, T + 90_000, "closed",
                new AuctionEvent.Closed("bob", 1_000, true, T + 60_000), null, 3),
            new Auction.BidOutcome(new Auction.BidAck("a-1", 2, 1_000, "bob", true, 2_000, 1_100, T + 60_000, false), null),
            new Auction.BidOutcome(null, new AuctionRules.Refusal(AuctionRules.BID_TOO_LOW, "too low", 1_100L)),
            new Auction.Subscribed(3, ref()),
            new Auction.Opened("sam", "Lamp", 1_000, true, T, T + 60_000, T + 120_000, T),
            new Auction.BidPlaced("bob", 1_100, "alice", T + 5),
            new Auction.Extended(T + 70_000),
            new Auction.Ended(null, 1_000, false, T + 60_000),
            new Auction.TimeLeft(T + 60_000, 12_000, T + 48_000),
            new TopicPush.Appended("auction:a-1", 2, new Auction.BidPlaced("bob", 1_100, "alice", T + 5)),
            new TopicPush.Ephemeral("auction:a-1", "time", new Auction.TimeLeft(T + 60_000, 12_000, T + 48_000)),
            state,
            book));
  }

  @Test
  void saleMessagesRoundTrip() {
    SaleBucket.Stock stock = new SaleBucket.Stock("sku-1", 1, 7, 12, 3, 4, 5, false);
    SaleBucket.HoldView hold = new SaleBucket.HoldView("sku-1#1:3", "sku-1", "bob", 2, T + 30_000, "held");
    StockLedger ledger = StockLedger.initial(SALE).apply(new StockEvent.HoldPlaced(new HoldId("sku-1#0:1"), "bob", 2, T + 30_000, "k"));
    Sale.View view = new Sale.View("sku-1", 25, T, 2, 30_000, 2, "op", 20, 3, 2, false, "open", 2, 1);
    Sale.State saleState = Sale.apply(Sale.State.EMPTY, new Sale.SaleOpened(SALE, 2, "op", T));
    roundTrip(
        List.of(
            new SaleBucket.Open(SALE),
            new SaleBucket.Purchase("bob", 2, "k", ref()),
            new SaleBucket.Purchase("bob", 2, null, ref()),
            new SaleBucket.Confirm("bob", "sku-1#1:3", ref()),
            new SaleBucket.Release("bob", "sku-1#1:3", ref()),
            new SaleBucket.GetStock(ref()),
            new SaleBucket.ExpireDue(),
            new SaleBucket.Report(),
            stock,
            hold,
            new SaleBucket.PurchaseOutcome(hold, true, null),
            new SaleBucket.PurchaseOutcome(null, false, new StockRules.Refusal(StockRules.SOLD_OUT, "sold out", 0, true)),
            new SaleBucket.State(ledger, 2),
            new SaleBucket.State(null, 0),
            new Sale.Open("op", SALE, 2, ref()),
            new Sale.Get(ref()),
            new Sale.Subscribe("eve", -1, ref(), ref()),
            new Sale.Unsubscribe(ref()),
            new Sale.StockReport(stock),
            new Sale.Refresh(),
            new Sale.PushStock(),
            new Sale.SaleOpened(SALE, 2, "op", T),
            new Sale.SoldOut(25, T + 9_000),
            new Sale.StockLevel(25, 20, 3, 2, T + 1_000),
            new Sale.Subscribed(1, ref()),
            view,
            saleState,
            new TopicFanout.Entry(2, new Sale.SoldOut(25, T)),
            new WaitingRoom.Join("bob", ref(), ref()),
            new WaitingRoom.Join("bob", null, ref()),
            new WaitingRoom.SaleSoldOut(),
            new WaitingRoom.Tick(),
            new WaitingRoom.Ticket("sku-1", WaitingRoom.WAITING, 17, 3_400),
            new TopicPush.Ephemeral("sale:sku-1", "queue", new WaitingRoom.Ticket("sku-1", WaitingRoom.ADMITTED, 0, 0))));
  }
}
