package io.pulse.actors.auction;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.auction.AuctionEvent.BidAccepted;
import io.pulse.actors.auction.IncrementRule.Band;
import io.pulse.actors.auction.StockEvent.HoldPlaced;
import io.pulse.actors.idempotency.IdempotencyKeys;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every event, spec, refusal and state of auctions and flash sales survives the production CBOR
 * binding and comes back equal, and a state read back from its snapshot keeps deciding the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuctionSerializationTest {
  private static final long START = 1_000_000;
  private static final long END = START + 60_000;

  private final ActorTestKit testKit = ActorTestKit.create("AuctionSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private void roundTrip(List<?> values) {
    for (Object value : values) serialization.verifySerialization(value, true);
  }

  private static final AuctionSpec FIXED =
      new AuctionSpec("seller", "Lamp \uD83D\uDCA1", 100, IncrementRule.fixed(100), 5_000L, START, END, 10_000, 30_000, END + 120_000);
  private static final AuctionSpec BANDED =
      new AuctionSpec("seller", "Lamp", 99, IncrementRule.banded(List.of(new Band(0, 5), new Band(100, 25))), null, START, END, 0, 0, END);
  private static final SaleSpec SALE = new SaleSpec("sku-1", 10, START, 3, 60_000);

  @Test
  void auctionSpecsEventsAndRefusalsRoundTrip() {
    roundTrip(
        List.of(
            FIXED,
            BANDED,
            IncrementRule.fixed(7),
            IncrementRule.usdTable(),
            new Band(0, 5),
            new AuctionEvent.AuctionCreated(FIXED, 1L),
            new AuctionEvent.AuctionCreated(BANDED, 1L),
            new BidAccepted("alice", 1_000, 100, "alice", START + 1, "k-1"),
            new BidAccepted("bob", 800, 900, "alice", START + 2, null),
            new AuctionEvent.EndExtended(END + 20_000),
            new AuctionEvent.Closed("alice", 900, true, END),
            new AuctionEvent.Closed(null, 0, false, END),
            new AuctionRules.Refusal(AuctionRules.BID_TOO_LOW, "the lowest acceptable bid is 1000", 1_000L),
            new AuctionRules.Refusal(AuctionRules.AUCTION_CLOSED, "closed")));
  }

  @Test
  void stockSpecsEventsAndRefusalsRoundTrip() {
    HoldId h = new HoldId("3:17");
    roundTrip(
        List.of(
            SALE,
            h,
            new StockEvent.SaleCreated(SALE, 1L),
            new HoldPlaced(h, "alice", 2, START + 60_000, "k-1"),
            new HoldPlaced(h, "alice", 2, START + 60_000, null),
            new StockEvent.HoldConfirmed(h),
            new StockEvent.HoldExpired(h),
            new StockEvent.HoldReleased(h),
            new StockLedger.Hold(h, "alice", 2, START, StockLedger.Status.CONFIRMED),
            new StockLedger.Stake(1, 2),
            new StockRules.Refusal(StockRules.INSUFFICIENT_STOCK, "only 1 left", 1, false),
            new StockRules.Refusal(StockRules.SOLD_OUT, "sold out", 0, true),
            new StockRules.Refusal(StockRules.UNKNOWN_HOLD, "no hold")));
  }

  @Test
  void anAuctionBookReadBackFromItsSnapshotKeepsDeciding() {
    AuctionBook book = AuctionBook.initial(FIXED);
    roundTrip(List.of(book));
    List<Object[]> bids = List.of(new Object[] {"alice", 1_000L, "k1"}, new Object[] {"bob", 800L, null}, new Object[] {"bob", 6_000L, "k2"});
    long t = START;
    for (Object[] b : bids) book = book.applyAll(AuctionRules.bid(book, (String) b[0], (Long) b[1], ++t, (String) b[2]).events());
    AuctionBook restored = serialization.verifySerialization(book, true);

    assertThat(restored.bids()).hasSize(3);
    assertThat(AuctionRules.bid(restored, "alice", 1_000, t + 1, "k1")).isEqualTo(AuctionRules.bid(book, "alice", 1_000, t + 1, "k1"));
    assertThat(AuctionRules.bid(restored, "alice", 1_000, t + 1, "k1")).isInstanceOf(AuctionRules.Replayed.class);
    AuctionRules.Decision next = AuctionRules.bid(restored, "alice", 7_000, END - 1_000, "k3");
    assertThat(restored.applyAll(next.events())).isEqualTo(book.applyAll(next.events()));

    AuctionBook closed = book.applyAll(AuctionRules.close(book, END).events());
    assertThat(serialization.verifySerialization(closed, true).closed()).isEqualTo(closed.closed());
  }

  @Test
  void aStockLedgerReadBackFromItsSnapshotKeepsDeciding() {
    StockLedger ledger = StockLedger.initial(SALE);
    roundTrip(List.of(ledger));
    List<StockEvent> events = new ArrayList<>();
    String[] users = {"alice", "bob", "carol", "dave"};
    for (int i = 0; i < users.length; i++) {
      StockRules.Decision d = StockRules.hold(ledger, users[i], 2, new HoldId("h" + i), "k" + i, START + i);
      events.addAll(d.events());
      ledger = ledger.applyAll(d.events());
    }
    ledger = ledger.applyAll(StockRules.confirm(ledger, new HoldId("h0"), "alice", START + 10).events());
    ledger = ledger.applyAll(StockRules.release(ledger, new HoldId("h1"), "bob", START + 10).events());

    StockLedger restored = serialization.verifySerialization(ledger, true);
    assertThat(restored.free()).isEqualTo(ledger.free());
    assertThat(restored.held()).isEqualTo(4);
    assertThat(restored.confirmed()).isEqualTo(2);
    assertThat(restored.stakes()).isEqualTo(ledger.stakes());
    assertThat(restored.nextExpiry()).isEqualTo(ledger.nextExpiry());
    assertThat(restored.expiredAt(START + 60_003)).isEqualTo(ledger.expiredAt(START + 60_003));
    assertThat(StockRules.hold(restored, "carol", 2, new HoldId("x"), "k2", START + 20)).isInstanceOf(StockRules.Replayed.class);
    assertThat(StockRules.hold(restored, "alice", 1, new HoldId("x"), null, START + 20)).isEqualTo(StockRules.hold(ledger, "alice", 1, new HoldId("x"), null, START + 20));
  }

  @Test
  void idempotencyKeysKeepTheirOrderThroughASnapshot() {
    StockLedger ledger = StockLedger.initial(SALE, 3);
    for (int i = 0; i < 5; i++) ledger = ledger.apply(new HoldPlaced(new HoldId("h" + i), "u" + i, 1, START, "k" + i));
    StockLedger restored = serialization.verifySerialization(ledger, true);
    assertThat(restored.keys().entries().keySet()).containsExactlyElementsOf(ledger.keys().entries().keySet());
    // The oldest of the restored keys is the next to go.
    StockLedger after = restored.apply(new HoldPlaced(new HoldId("h9"), "u9", 1, START, "k9"));
    assertThat(after.keys().entries().keySet()).containsExactly(IdempotencyKeys.scoped("u3", "k3"), IdempotencyKeys.scoped("u4", "k4"), IdempotencyKeys.scoped("u9", "k9"));
  }
}
