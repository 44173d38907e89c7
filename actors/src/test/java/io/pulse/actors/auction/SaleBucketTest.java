package io.pulse.actors.auction;

import io.pulse.actors.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A sale bucket on the in-memory journal, with a hand-moved clock; the kit checks every message's CBOR form. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SaleBucketTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long HOLD = 10_000;

  private final ActorTestKit testKit = ActorTestKit.create("SaleBucketTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private TestClock clock;
  private String sku;
  private TestProbe<Sale.Command> sale;
  private EventSourcedBehaviorTestKit<SaleBucket.Command, StockEvent, SaleBucket.State> bucket;

  @BeforeEach
  void fresh() {
    clock = new TestClock(T0);
    sku = "sku-" + ids.incrementAndGet();
    sale = testKit.createTestProbe();
    bucket = EventSourcedBehaviorTestKit.create(
        testKit.system(), SaleBucket.create(SaleBucket.entityId(sku, 0), new SaleBucket.Settings(4, Duration.ofMillis(20)), s -> sale.ref(), null, clock));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private void open(int units, int limit) {
    bucket.runCommand(new SaleBucket.Open(new SaleSpec(sku, units, T0, limit, HOLD)));
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<SaleBucket.Command, StockEvent, SaleBucket.State, StatusReply<SaleBucket.PurchaseOutcome>> purchase(
      String user, int units, String key) {
    return bucket.runCommand(r -> new SaleBucket.Purchase(user, units, key, r));
  }

  private SaleBucket.HoldView held(String user, int units, String key) {
    SaleBucket.PurchaseOutcome o = purchase(user, units, key).reply().getValue();
    assertThat(o.refused()).as("refusal").isNull();
    return o.hold();
  }

  private StockRules.Refusal refused(String user, int units, String key) {
    var result = purchase(user, units, key);
    assertThat(result.hasNoEvents()).as("a refused purchase persists nothing").isTrue();
    return result.reply().getValue().refused();
  }

  private String endRefused(String user, String holdId, boolean confirm) {
    var result = bucket.<StatusReply<SaleBucket.HoldView>>runCommand(
        r -> confirm ? new SaleBucket.Confirm(user, holdId, r) : new SaleBucket.Release(user, holdId, r));
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().isError()).as("%s", result.reply()).isTrue();
    return Rejection.of(result.reply().getError()).code();
  }

  private SaleBucket.HoldView confirmed(String user, String holdId) {
    var result = bucket.<StatusReply<SaleBucket.HoldView>>runCommand(r -> new SaleBucket.Confirm(user, holdId, r));
    assertThat(result.reply().isSuccess()).as("%s", result.reply()).isTrue();
    return result.reply().getValue();
  }

  /**
   * Reports follow writes on a timer, so one may come late on a loaded machine: waits for the first
   * that matches (earlier ones are skipped), instead of guessing when the last has come.
   */
  private SaleBucket.Stock awaitReport(java.util.function.Predicate<SaleBucket.Stock> match) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      SaleBucket.Stock stock = ((Sale.StockReport) sale.receiveMessage(Duration.ofSeconds(10))).stock();
      if (match.test(stock)) return stock;
      assertThat(System.nanoTime()).as("a matching report; last was %s", stock).isLessThan(deadline);
    }
  }

  @Test
  void aBucketOpensOnceAndReportsItsStock() {
    assertThat(refused("bob", 1, null).code()).isEqualTo(SaleBucket.UNKNOWN_SALE);
    open(5, 2);
    SaleBucket.Stock first = ((Sale.StockReport) sale.receiveMessage()).stock();
    assertThat(first).isEqualTo(new SaleBucket.Stock(sku, 0, 1, 5, 5, 0, 0, false));
    // an Open again changes nothing and reports again
    assertThat(bucket.runCommand(new SaleBucket.Open(new SaleSpec(sku, 5, T0, 2, HOLD))).hasNoEvents()).isTrue();
    assertThat(((Sale.StockReport) sale.receiveMessage()).stock()).isEqualTo(first);
  }

  @Test
  void purchasesHoldUnitsWithinTheLimitAndNeverMoreThanTheStock() {
    clock.set(T0 - 1);
    open(5, 2);
    assertThat(refused("bob", 1, null).code()).isEqualTo(StockRules.NOT_STARTED);
    clock.set(T0);
    assertThat(refused("bob", 0, null).code()).isEqualTo(StockRules.INVALID_QUANTITY);
    SaleBucket.HoldView h = held("bob", 2, "p1");
    assertThat(h.holdId()).isEqualTo(sku + "#0:1");
    assertThat(h.expiresAt()).isEqualTo(T0 + HOLD);
    assertThat(SaleBucket.bucketOf(h.holdId())).contains(sku + "#0");
    assertThat(refused("bob", 1, null).code()).isEqualTo(StockRules.LIMIT_EXCEEDED);
    held("carol", 2, null);
    StockRules.Refusal insufficient = refused("dave", 2, null);
    assertThat(insufficient.code()).isEqualTo(StockRules.INSUFFICIENT_STOCK);
    assertThat(insufficient.remaining()).isEqualTo(1);
    held("dave", 1, null);
    StockRules.Refusal allHeld = refused("erin", 1, null);
    assertThat(allHeld.code()).as("held units may come back").isEqualTo(StockRules.ALL_HELD);
    assertThat(allHeld.retryAfterMs()).isEqualTo(HOLD);
    assertThat(allHeld.tryNextBucket()).isFalse();
    SaleBucket.Stock expected = new SaleBucket.Stock(sku, 0, 4, 5, 0, 5, 0, false);
    assertThat(awaitReport(expected::equals)).isEqualTo(expected);
  }

  @Test
  void aRetriedPurchaseReturnsTheFirstHoldAndAKeyReusedForAnotherBodyIsRefused() {
    open(5, 3);
    SaleBucket.HoldView first = held("bob", 1, "buy-1");
    SaleBucket.PurchaseOutcome again = purchase("bob", 1, "buy-1").reply().getValue();
    assertThat(again.duplicate()).isTrue();
    assertThat(again.hold()).isEqualTo(first);
    assertThat(refused("bob", 2, "buy-1").code()).isEqualTo(StockRules.IDEMPOTENCY_KEY_REUSED);
    bucket.restart();
    assertThat(purchase("bob", 1, "buy-1").reply().getValue().hold()).isEqualTo(first);
    assertThat(bucket.getState().ledger().held()).isEqualTo(1);
  }

  @Test
  void onlyTheOwnerConfirmsALiveHoldAndAnExpiredOneIsRefused() {
    open(5, 3);
    SaleBucket.HoldView h = held("bob", 2, null);
    assertThat(endRefused("carol", h.holdId(), true)).isEqualTo(StockRules.NOT_YOUR_HOLD);
    assertThat(endRefused("bob", sku + "#0:99", true)).isEqualTo(StockRules.UNKNOWN_HOLD);
    clock.set(h.expiresAt());
    assertThat(endRefused("bob", h.holdId(), true)).isEqualTo(StockRules.HOLD_EXPIRED);
    // the timer's expiry returns the units
    var expired = bucket.runCommand(new SaleBucket.ExpireDue());
    assertThat(expired.events()).containsExactly(new StockEvent.HoldExpired(new HoldId(h.holdId())));
    assertThat(bucket.getState().ledger().free()).isEqualTo(5);
    assertThat(endRefused("bob", h.holdId(), true)).isEqualTo(StockRules.HOLD_EXPIRED);

    SaleBucket.HoldView h2 = held("bob", 1, null);
    assertThat(confirmed("bob", h2.holdId()).status()).isEqualTo("confirmed");
    assertThat(endRefused("bob", h2.holdId(), false)).isEqualTo(StockRules.ALREADY_CONFIRMED);
    SaleBucket.HoldView h3 = held("bob", 1, null);
    var released = bucket.<StatusReply<SaleBucket.HoldView>>runCommand(r -> new SaleBucket.Release("bob", h3.holdId(), r));
    assertThat(released.reply().getValue().status()).isEqualTo("released");
    assertThat(bucket.getState().ledger().free()).isEqualTo(4);
  }

  @Test
  void holdsThatLapsedWhileNoNodeRanTheBucketExpireOnRecovery() {
    open(3, 3);
    held("bob", 2, null);
    SaleBucket.State before = bucket.getState();
    assertThat(bucket.restart().state()).isEqualTo(before);
    clock.set(T0 + HOLD + 1);
    bucket.restart(); // the recovered timer fires at once
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (bucket.getState().ledger().held() > 0) {
      if (System.nanoTime() > deadline) throw new AssertionError("the hold did not expire");
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
    }
    List<Object> events = bucket.persistenceTestKit().persistedInStorage("SaleBucket|" + sku + "#0");
    assertThat(events.get(events.size() - 1)).isInstanceOf(StockEvent.HoldExpired.class);
    assertThat(bucket.getState().ledger().free()).isEqualTo(3);
  }

  @Test
  void anExhaustedBucketPassesOnAUserWithNothingInIt() {
    open(1, 1);
    SaleBucket.HoldView h = held("bob", 1, null);
    confirmed("bob", h.holdId());
    StockRules.Refusal r = refused("carol", 1, null);
    assertThat(r.code()).isEqualTo(StockRules.SOLD_OUT);
    assertThat(r.tryNextBucket()).isTrue();
    assertThat(awaitReport(SaleBucket.Stock::exhausted).exhausted()).isTrue();
  }
}
