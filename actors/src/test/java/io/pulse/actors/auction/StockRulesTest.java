package io.pulse.actors.auction;

import static io.pulse.actors.auction.StockRules.ALREADY_CONFIRMED;
import static io.pulse.actors.auction.StockRules.HOLD_EXPIRED;
import static io.pulse.actors.auction.StockRules.IDEMPOTENCY_KEY_REUSED;
import static io.pulse.actors.auction.StockRules.INSUFFICIENT_STOCK;
import static io.pulse.actors.auction.StockRules.INVALID_IDEMPOTENCY_KEY;
import static io.pulse.actors.auction.StockRules.INVALID_QUANTITY;
import static io.pulse.actors.auction.StockRules.INVALID_SALE;
import static io.pulse.actors.auction.StockRules.LIMIT_EXCEEDED;
import static io.pulse.actors.auction.StockRules.NOT_STARTED;
import static io.pulse.actors.auction.StockRules.NOT_YOUR_HOLD;
import static io.pulse.actors.auction.StockRules.ALL_HELD;
import static io.pulse.actors.auction.StockRules.SOLD_OUT;
import static io.pulse.actors.auction.StockRules.UNKNOWN_HOLD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pulse.actors.auction.StockEvent.HoldConfirmed;
import io.pulse.actors.auction.StockEvent.HoldExpired;
import io.pulse.actors.auction.StockEvent.HoldPlaced;
import io.pulse.actors.auction.StockEvent.HoldReleased;
import io.pulse.actors.auction.StockEvent.SaleCreated;
import io.pulse.actors.auction.StockRules.Accepted;
import io.pulse.actors.auction.StockRules.Decision;
import io.pulse.actors.auction.StockRules.Refusal;
import io.pulse.actors.auction.StockRules.Refused;
import io.pulse.actors.auction.StockRules.Replayed;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StockRulesTest {
  private static final long START = 1_000_000;
  private static final long HOLD = 60_000;

  /** 10 units from START, at most 3 per user, held for a minute. */
  private static final SaleSpec SALE = new SaleSpec("sku-1", 10, START, 3, HOLD);

  private static int seq;

  private static HoldId id() {
    return new HoldId(String.format("h%05d", ++seq)); // padded: live holds due together expire in id order
  }

  private static StockLedger ledger() {
    return StockLedger.initial(SALE);
  }

  private static StockLedger accept(StockLedger ledger, Decision decision) {
    assertThat(decision).as("expected it accepted").isInstanceOf(Accepted.class);
    return ledger.applyAll(decision.events());
  }

  private static StockLedger buy(StockLedger ledger, String user, int units, HoldId id, long now) {
    return accept(ledger, StockRules.hold(ledger, user, units, id, now));
  }

  private static Refusal refusal(Decision decision) {
    assertThat(decision).as("expected a refusal").isInstanceOf(Refused.class);
    assertThat(decision.events()).isEmpty();
    return ((Refused) decision).refusal();
  }

  private static String code(Decision decision) {
    return refusal(decision).code();
  }

  private static String code(Optional<Refusal> refusal) {
    assertThat(refusal).as("expected a refusal").isPresent();
    return refusal.get().code();
  }

  // ---- the spec ------------------------------------------------------------------------------------

  @Test
  void specsAreValidated() {
    assertThat(StockRules.validate(SALE)).isEmpty();
    assertThat(StockRules.validate(new SaleSpec("sku", 0, START, 1, 1))).isEmpty(); // an empty bucket
    assertThat(StockRules.create(SALE, 5).events()).containsExactly(new SaleCreated(SALE, 5));
    for (SaleSpec invalid :
        List.of(
            new SaleSpec("", 10, START, 3, HOLD),
            new SaleSpec(null, 10, START, 3, HOLD),
            new SaleSpec("s".repeat(101), 10, START, 3, HOLD),
            new SaleSpec("sku", -1, START, 3, HOLD),
            new SaleSpec("sku", 10, START, 0, HOLD),
            new SaleSpec("sku", 10, START, 3, 0))) {
      assertThat(code(StockRules.validate(invalid))).as(invalid.toString()).isEqualTo(INVALID_SALE);
      assertThat(code(StockRules.create(invalid, 5))).isEqualTo(INVALID_SALE);
    }
  }

  // ---- purchases -----------------------------------------------------------------------------------

  @Test
  void aPurchaseHoldsUnitsUntilItExpires() {
    StockLedger ledger = ledger();
    HoldId h = id();
    Decision d = StockRules.hold(ledger, "alice", 2, h, "k1", START + 5);
    assertThat(d.events()).containsExactly(new HoldPlaced(h, "alice", 2, START + 5 + HOLD, "k1"));
    ledger = ledger.applyAll(d.events());
    assertThat(ledger.free()).isEqualTo(8);
    assertThat(ledger.held()).isEqualTo(2);
    assertThat(ledger.stake("alice")).isEqualTo(new StockLedger.Stake(2, 0));
    assertThat(ledger.nextExpiry()).isEqualTo(START + 5 + HOLD);
  }

  @Test
  void purchasesWaitForTheStartAndCountUnits() {
    assertThat(code(StockRules.hold(ledger(), "alice", 1, id(), START - 1))).isEqualTo(NOT_STARTED);
    assertThat(code(StockRules.hold(ledger(), "alice", 0, id(), START))).isEqualTo(INVALID_QUANTITY);
    assertThat(code(StockRules.hold(ledger(), "alice", -2, id(), START))).isEqualTo(INVALID_QUANTITY);
    assertThat(StockRules.hold(ledger(), "alice", 1, id(), START)).isInstanceOf(Accepted.class);
  }

  @Test
  void soldOutAndInsufficientStockSayWhatIsLeft() {
    StockLedger ledger = buy(buy(buy(ledger(), "a", 3, id(), START), "b", 3, id(), START), "c", 3, id(), START);
    Refusal fewer = refusal(StockRules.hold(ledger, "d", 2, id(), START));
    assertThat(fewer.code()).isEqualTo(INSUFFICIENT_STOCK);
    assertThat(fewer.remaining()).isEqualTo(1);
    assertThat(fewer.reason()).contains("1");
    ledger = buy(ledger, "d", 1, id(), START);

    Refusal none = refusal(StockRules.hold(ledger, "e", 1, id(), START));
    assertThat(none.code()).isEqualTo(ALL_HELD); // held, not sold: units may come back
    assertThat(none.remaining()).isZero();
    assertThat(none.retryAfterMs()).isEqualTo(HOLD); // the first hold lapses then
    assertThat(none.tryNextBucket()).isFalse();
  }

  @Test
  void aUserHoldsAndOwnsAtMostTheLimit() {
    StockLedger ledger = buy(ledger(), "alice", 2, id(), START);
    Refusal over = refusal(StockRules.hold(ledger, "alice", 2, id(), START));
    assertThat(over.code()).isEqualTo(LIMIT_EXCEEDED);
    assertThat(over.reason()).contains("1 more");
    assertThat(code(StockRules.hold(ledger(), "bob", 4, id(), START))).isEqualTo(LIMIT_EXCEEDED);

    // Confirmed units count too; expired and released ones do not.
    HoldId one = id();
    ledger = buy(ledger, "alice", 1, one, START);
    ledger = accept(ledger, StockRules.confirm(ledger, one, "alice", START + 1));
    assertThat(code(StockRules.hold(ledger, "alice", 1, id(), START + 2))).isEqualTo(LIMIT_EXCEEDED);
    assertThat(ledger.stake("alice")).isEqualTo(new StockLedger.Stake(2, 1));
  }

  @Test
  void nothingFreeComesBeforeTheLimit() {
    StockLedger ledger = ledger();
    for (String u : List.of("a", "b", "c")) ledger = buy(ledger, u, 3, id(), START);
    ledger = buy(ledger, "d", 1, id(), START);
    assertThat(code(StockRules.hold(ledger, "a", 1, id(), START))).isEqualTo(ALL_HELD);
  }

  @Test
  void aHoldIdIsUsedOnce() {
    HoldId h = id();
    StockLedger ledger = buy(ledger(), "alice", 1, h, START);
    assertThatThrownBy(() -> StockRules.hold(ledger, "bob", 1, h, START)).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- expiry --------------------------------------------------------------------------------------

  @Test
  void expiredHoldsGoBackToTheFreeStock() {
    HoldId early = id();
    HoldId late = id();
    StockLedger ledger = buy(buy(ledger(), "alice", 2, early, START), "bob", 1, late, START + 10);
    assertThat(ledger.expiredAt(START + HOLD - 1)).isEmpty();
    assertThat(ledger.expiredAt(START + HOLD)).containsExactly(early); // expiresAt is exclusive
    assertThat(ledger.expiredAt(START + HOLD + 10)).containsExactly(early, late);

    Decision timer = StockRules.expire(ledger, START + HOLD);
    assertThat(timer.events()).containsExactly(new HoldExpired(early));
    ledger = accept(ledger, timer);
    assertThat(ledger.free()).isEqualTo(9);
    assertThat(ledger.stake("alice").total()).isZero();
    assertThat(ledger.nextExpiry()).isEqualTo(START + 10 + HOLD);
    ledger = accept(ledger, StockRules.expire(ledger, START + 10 + HOLD));
    assertThat(ledger.nextExpiry()).isEqualTo(Long.MAX_VALUE);
    assertThat(StockRules.expire(ledger, START + 10 * HOLD).events()).isEmpty();
  }

  @Test
  void aPurchaseExpiresDueHoldsFirstWhenItNeedsTheirUnits() {
    StockLedger ledger = ledger();
    List<HoldId> first = new ArrayList<>();
    for (String u : List.of("a", "b", "c")) {
      HoldId h = id();
      first.add(h);
      ledger = buy(ledger, u, 3, h, START);
    }
    HoldId d = id();
    ledger = buy(ledger, "d", 1, d, START + 30_000);
    Refusal early = refusal(StockRules.hold(ledger, "e", 2, id(), START + HOLD - 1));
    assertThat(early.code()).isEqualTo(ALL_HELD);
    assertThat(early.retryAfterMs()).isEqualTo(1);

    // The timer has not run, but the first three holds are due: their units serve e.
    HoldId e = id();
    Decision decision = StockRules.hold(ledger, "e", 3, e, START + HOLD);
    assertThat(decision.events())
        .containsExactly(
            new HoldExpired(first.get(0)),
            new HoldExpired(first.get(1)),
            new HoldExpired(first.get(2)),
            new HoldPlaced(e, "e", 3, START + 2 * HOLD, null));
    ledger = accept(ledger, decision);
    assertThat(ledger.free()).isEqualTo(6);
    // "a" may buy again: their expired hold no longer counts.
    assertThat(StockRules.hold(ledger, "a", 3, id(), START + HOLD)).isInstanceOf(Accepted.class);
  }

  // ---- confirm and release -------------------------------------------------------------------------

  @Test
  void aLiveHoldIsConfirmedByItsOwnerOnce() {
    HoldId h = id();
    StockLedger ledger = buy(ledger(), "alice", 2, h, START);
    assertThat(code(StockRules.confirm(ledger, h, "bob", START + 1))).isEqualTo(NOT_YOUR_HOLD);
    assertThat(code(StockRules.confirm(ledger, new HoldId("nope"), "alice", START + 1))).isEqualTo(UNKNOWN_HOLD);
    Decision confirm = StockRules.confirm(ledger, h, "alice", START + HOLD - 1);
    assertThat(confirm.events()).containsExactly(new HoldConfirmed(h));
    ledger = accept(ledger, confirm);
    assertThat(ledger.confirmed()).isEqualTo(2);
    assertThat(ledger.held()).isZero();
    assertThat(ledger.nextExpiry()).isEqualTo(Long.MAX_VALUE);
    // a retried confirm is answered as the first (nothing stored again); a release is refused
    assertThat(StockRules.confirm(ledger, h, "alice", START + 2)).isEqualTo(new StockRules.Accepted(java.util.List.of()));
    assertThat(code(StockRules.confirm(ledger, h, "bob", START + 2))).isEqualTo(NOT_YOUR_HOLD); // others learn nothing
    assertThat(code(StockRules.release(ledger, h, "alice", START + 2))).isEqualTo(ALREADY_CONFIRMED);
    // A confirmed hold never expires.
    assertThat(ledger.expiredAt(START + 10 * HOLD)).isEmpty();
  }

  @Test
  void aHoldCannotBeConfirmedFromItsExpiryOn() {
    HoldId h = id();
    StockLedger ledger = buy(ledger(), "alice", 2, h, START);
    // Due but not yet expired by the timer.
    assertThat(code(StockRules.confirm(ledger, h, "alice", START + HOLD))).isEqualTo(HOLD_EXPIRED);
    ledger = accept(ledger, StockRules.expire(ledger, START + HOLD));
    assertThat(code(StockRules.confirm(ledger, h, "alice", START + HOLD + 1))).isEqualTo(HOLD_EXPIRED);
    assertThat(code(StockRules.release(ledger, h, "alice", START + HOLD + 1))).isEqualTo(HOLD_EXPIRED);
  }

  @Test
  void aReleasedHoldFreesItsUnitsAndIsGone() {
    HoldId h = id();
    StockLedger ledger = buy(ledger(), "alice", 3, h, START);
    assertThat(code(StockRules.release(ledger, h, "bob", START + 1))).isEqualTo(NOT_YOUR_HOLD);
    Decision release = StockRules.release(ledger, h, "alice", START + 1);
    assertThat(release.events()).containsExactly(new HoldReleased(h));
    ledger = accept(ledger, release);
    assertThat(ledger.free()).isEqualTo(10);
    assertThat(ledger.stakes()).isEmpty();
    Refusal again = refusal(StockRules.confirm(ledger, h, "alice", START + 2));
    assertThat(again.code()).isEqualTo(UNKNOWN_HOLD);
    assertThat(again.reason()).contains("released");
    assertThat(code(StockRules.release(ledger, h, "alice", START + 2))).isEqualTo(UNKNOWN_HOLD);
    assertThat(code(StockRules.release(ledger, h, "alice", START + HOLD + 2))).isEqualTo(UNKNOWN_HOLD);
  }

  @Test
  void aSaleWhoseUnitsAreAllConfirmedIsExhausted() {
    SaleSpec two = new SaleSpec("sku", 2, START, 2, HOLD);
    HoldId h = id();
    StockLedger ledger = StockLedger.initial(two);
    ledger = accept(ledger, StockRules.hold(ledger, "alice", 2, h, START));
    assertThat(ledger.exhausted()).isFalse();
    assertThat(refusal(StockRules.hold(ledger, "bob", 1, id(), START)).tryNextBucket()).isFalse();
    ledger = accept(ledger, StockRules.confirm(ledger, h, "alice", START));
    assertThat(ledger.exhausted()).isTrue();
    Refusal bob = refusal(StockRules.hold(ledger, "bob", 1, id(), START));
    assertThat(bob.code()).isEqualTo(SOLD_OUT);
    assertThat(bob.tryNextBucket()).isTrue(); // nothing of bob's here, and never will be
    Refusal alice = refusal(StockRules.hold(ledger, "alice", 1, id(), START));
    assertThat(alice.code()).isEqualTo(SOLD_OUT);
    assertThat(alice.tryNextBucket()).isFalse(); // alice's units live here: she stays
    assertThat(refusal(StockRules.hold(StockLedger.initial(new SaleSpec("sku", 0, START, 1, HOLD)), "bob", 1, id(), START)).tryNextBucket())
        .isTrue();
  }

  // ---- idempotency ---------------------------------------------------------------------------------

  @Test
  void aRetriedPurchaseReplaysItsFirstHold() {
    HoldId h = id();
    StockLedger ledger = ledger();
    Decision first = StockRules.hold(ledger, "alice", 2, h, "k1", START);
    ledger = accept(ledger, first);
    Decision retry = StockRules.hold(ledger, "alice", 2, id(), "k1", START + 5);
    assertThat(retry).isEqualTo(new Replayed((HoldPlaced) first.events().get(0)));
    assertThat(code(StockRules.hold(ledger, "alice", 1, id(), "k1", START + 5))).isEqualTo(IDEMPOTENCY_KEY_REUSED);
    assertThat(StockRules.hold(ledger, "bob", 1, id(), "k1", START + 5)).isInstanceOf(Accepted.class);
    assertThat(code(StockRules.hold(ledger, "bob", 1, id(), " ", START + 5))).isEqualTo(INVALID_IDEMPOTENCY_KEY);

    // Still the first answer after the hold expired, and after a rebuild from the journal.
    ledger = accept(ledger, StockRules.expire(ledger, START + HOLD));
    assertThat(StockRules.hold(ledger, "alice", 2, id(), "k1", START + HOLD)).isInstanceOf(Replayed.class);
    StockLedger rebuilt = StockLedger.replay(List.of(new SaleCreated(SALE, 0), first.events().get(0), new HoldExpired(h)));
    assertThat(rebuilt).isEqualTo(ledger);
    assertThat(StockRules.hold(rebuilt, "alice", 2, id(), "k1", START + HOLD)).isInstanceOf(Replayed.class);
  }

  // ---- the ledger's own invariants -----------------------------------------------------------------

  @Test
  void applyRefusesEventsThatBreakTheInvariants() {
    StockLedger ledger = ledger();
    HoldId h = new HoldId("x");
    assertThatThrownBy(() -> ledger.apply(new HoldPlaced(h, "a", 11, START, null))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ledger.apply(new HoldPlaced(h, "a", 4, START, null))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ledger.apply(new HoldPlaced(h, "a", 0, START, null))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ledger.apply(new HoldConfirmed(h))).isInstanceOf(IllegalStateException.class);
    StockLedger placed = ledger.apply(new HoldPlaced(h, "a", 1, START, null));
    assertThatThrownBy(() -> placed.apply(new HoldPlaced(h, "b", 1, START, null))).isInstanceOf(IllegalStateException.class);
    StockLedger expired = placed.apply(new HoldExpired(h));
    assertThatThrownBy(() -> expired.apply(new HoldConfirmed(h))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> expired.apply(new HoldReleased(h))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ledger.apply(new SaleCreated(SALE, 1))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> StockLedger.replay(List.of(new HoldExpired(h)))).isInstanceOf(IllegalArgumentException.class);
  }
}
