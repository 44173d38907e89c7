package io.pulse.actors.auction;

import static io.pulse.actors.auction.AuctionRules.AUCTION_CLOSED;
import static io.pulse.actors.auction.AuctionRules.BID_TOO_LOW;
import static io.pulse.actors.auction.AuctionRules.IDEMPOTENCY_KEY_REUSED;
import static io.pulse.actors.auction.AuctionRules.INVALID_AMOUNT;
import static io.pulse.actors.auction.AuctionRules.INVALID_AUCTION;
import static io.pulse.actors.auction.AuctionRules.INVALID_IDEMPOTENCY_KEY;
import static io.pulse.actors.auction.AuctionRules.NOT_ENDED;
import static io.pulse.actors.auction.AuctionRules.NOT_STARTED;
import static io.pulse.actors.auction.AuctionRules.SELLER_CANNOT_BID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pulse.actors.auction.AuctionEvent.AuctionCreated;
import io.pulse.actors.auction.AuctionEvent.BidAccepted;
import io.pulse.actors.auction.AuctionEvent.Closed;
import io.pulse.actors.auction.AuctionEvent.EndExtended;
import io.pulse.actors.auction.AuctionRules.Accepted;
import io.pulse.actors.auction.AuctionRules.Decision;
import io.pulse.actors.auction.AuctionRules.Refusal;
import io.pulse.actors.auction.AuctionRules.Refused;
import io.pulse.actors.auction.AuctionRules.Replayed;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuctionRulesTest {
  private static final long START = 1_000_000;
  private static final long END = START + 60_000;

  /** Starting at 1.00, steps of 1.00, no reserve, no soft close. */
  private static AuctionSpec spec(Long reserve) {
    return new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(100), reserve, START, END, 0, 0, END);
  }

  private static AuctionSpec softClose(long window, long extendBy, long hardEnd) {
    return new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(100), null, START, END, window, extendBy, hardEnd);
  }

  private static AuctionBook book(AuctionSpec spec) {
    return AuctionBook.initial(spec);
  }

  /** Asserts the decision accepted and applies its events. */
  private static AuctionBook accept(AuctionBook book, Decision decision) {
    assertThat(decision).as("expected the bid to be accepted").isInstanceOf(Accepted.class);
    return book.applyAll(decision.events());
  }

  private static AuctionBook bid(AuctionBook book, String bidder, long maximum) {
    return accept(book, AuctionRules.bid(book, bidder, maximum, START + 1));
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
  void aValidSpecIsCreated() {
    assertThat(AuctionRules.validate(spec(null))).isEmpty();
    assertThat(AuctionRules.validate(spec(100L))).isEmpty();
    assertThat(AuctionRules.validate(softClose(5_000, 10_000, END + 60_000))).isEmpty();
    assertThat(AuctionRules.create(spec(500L), 7).events()).containsExactly(new AuctionCreated(spec(500L), 7));
    assertThat(code(AuctionRules.create(spec(50L), 7))).isEqualTo(INVALID_AUCTION);
  }

  @Test
  void invalidSpecsAreRefused() {
    List<AuctionSpec> invalid =
        List.of(
            new AuctionSpec("seller", "Lamp", 0, IncrementRule.fixed(100), null, START, END, 0, 0, END),
            new AuctionSpec("seller", "Lamp", -1, IncrementRule.fixed(100), null, START, END, 0, 0, END),
            new AuctionSpec("seller", "Lamp", AuctionRules.MAX_AMOUNT + 1, IncrementRule.fixed(100), null, START, END, 0, 0, END),
            new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(100), null, START, START, 0, 0, END),
            new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(100), null, START, START - 1, 0, 0, END),
            new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(100), null, START, END, 0, 0, END - 1),
            new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(100), null, START, END, -1, 0, END),
            new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(100), null, START, END, 0, -1, END),
            new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(100), 99L, START, END, 0, 0, END),
            new AuctionSpec("seller", "", 100, IncrementRule.fixed(100), null, START, END, 0, 0, END),
            new AuctionSpec("seller", "x".repeat(201), 100, IncrementRule.fixed(100), null, START, END, 0, 0, END),
            new AuctionSpec("seller", null, 100, IncrementRule.fixed(100), null, START, END, 0, 0, END),
            new AuctionSpec(" ", "Lamp", 100, IncrementRule.fixed(100), null, START, END, 0, 0, END),
            new AuctionSpec("seller", "Lamp", 100, null, null, START, END, 0, 0, END),
            new AuctionSpec("seller", "Lamp", 100, IncrementRule.fixed(0), null, START, END, 0, 0, END),
            new AuctionSpec("seller", "Lamp", 100, IncrementRule.banded(List.of()), null, START, END, 0, 0, END));
    for (AuctionSpec spec : invalid) assertThat(code(AuctionRules.validate(spec))).as(spec.toString()).isEqualTo(INVALID_AUCTION);

    assertThat(AuctionRules.validate(new AuctionSpec("seller", "x".repeat(200), 100, IncrementRule.fixed(1), null, START, END, 0, 0, END)))
        .isEmpty();
    // 200 characters that are 400 chars of UTF-16
    assertThat(AuctionRules.validate(new AuctionSpec("seller", "\uD83D\uDE00".repeat(200), 100, IncrementRule.fixed(1), null, START, END, 0, 0, END)))
        .isEmpty();
  }

  // ---- when and who --------------------------------------------------------------------------------

  @Test
  void bidsOnlyBetweenStartAndEnd() {
    AuctionBook book = book(spec(null));
    assertThat(code(AuctionRules.bid(book, "alice", 500, START - 1))).isEqualTo(NOT_STARTED);
    assertThat(AuctionRules.bid(book, "alice", 500, START)).isInstanceOf(Accepted.class);
    assertThat(AuctionRules.bid(book, "alice", 500, END - 1)).isInstanceOf(Accepted.class);
    assertThat(code(AuctionRules.bid(book, "alice", 500, END))).isEqualTo(AUCTION_CLOSED);
    assertThat(code(AuctionRules.bid(book, "alice", 500, END + 1))).isEqualTo(AUCTION_CLOSED);
  }

  @Test
  void theSellerCannotBidAndAmountsArePositive() {
    AuctionBook book = book(spec(null));
    assertThat(code(AuctionRules.bid(book, "seller", 500, START))).isEqualTo(SELLER_CANNOT_BID);
    assertThat(code(AuctionRules.bid(book, "alice", 0, START))).isEqualTo(INVALID_AMOUNT);
    assertThat(code(AuctionRules.bid(book, "alice", -100, START))).isEqualTo(INVALID_AMOUNT);
    assertThat(code(AuctionRules.bid(book, "alice", AuctionRules.MAX_AMOUNT + 1, START))).isEqualTo(INVALID_AMOUNT);
    assertThat(AuctionRules.bid(book, "alice", AuctionRules.MAX_AMOUNT, START)).isInstanceOf(Accepted.class);
  }

  // ---- proxy bidding -------------------------------------------------------------------------------

  @Test
  void theFirstBidLeadsAtTheStartingPrice() {
    AuctionBook book = book(spec(null));
    assertThat(book.minimumBid()).isEqualTo(100);
    assertThat(code(AuctionRules.bid(book, "alice", 99, START))).isEqualTo(BID_TOO_LOW);

    Decision first = AuctionRules.bid(book, "alice", 1_000, START + 5, "k1");
    assertThat(first.events()).containsExactly(new BidAccepted("alice", 1_000, 100, "alice", START + 5, "k1"));
    book = book.applyAll(first.events());
    assertThat(book.price()).isEqualTo(100);
    assertThat(book.leader()).isEqualTo("alice");
    assertThat(book.leaderMaximum()).isEqualTo(1_000);
    assertThat(book.minimumBid()).isEqualTo(200);
    assertThat(book.bids()).hasSize(1);
  }

  @Test
  void aLowerMaximumRaisesTheLeadersPriceToItPlusAnIncrement() {
    // A has a maximum of 10.00; B bids 8.00: A still leads, at 8.00 + 1.00.
    AuctionBook book = bid(bid(book(spec(null)), "A", 1_000), "B", 800);
    assertThat(book.leader()).isEqualTo("A");
    assertThat(book.price()).isEqualTo(900);
    assertThat(book.bids()).extracting(BidAccepted::bidder).containsExactly("A", "B");
    assertThat(book.bids().get(1).leaderAfter()).isEqualTo("A");
  }

  @Test
  void theLeadersPriceNeverGoesPastTheirMaximum() {
    // B's 9.50 plus an increment would be 10.50: A pays at most their 10.00.
    AuctionBook book = bid(bid(book(spec(null)), "A", 1_000), "B", 950);
    assertThat(book.leader()).isEqualTo("A");
    assertThat(book.price()).isEqualTo(1_000);
  }

  @Test
  void equalMaximaGoToTheEarlierBid() {
    AuctionBook book = bid(bid(book(spec(null)), "A", 1_000), "B", 1_000);
    assertThat(book.leader()).isEqualTo("A");
    assertThat(book.price()).isEqualTo(1_000);
    // B now has to beat the price by an increment.
    Refusal tooLow = refusal(AuctionRules.bid(book, "B", 1_050, START + 2));
    assertThat(tooLow.code()).isEqualTo(BID_TOO_LOW);
    assertThat(tooLow.minimumAmount()).isEqualTo(1_100);
    assertThat(tooLow.reason()).contains("1100");
  }

  @Test
  void aHigherMaximumTakesTheLeadOneIncrementAboveTheOldMaximum() {
    AuctionBook book = bid(bid(book(spec(null)), "A", 1_000), "B", 1_500);
    assertThat(book.leader()).isEqualTo("B");
    assertThat(book.leaderMaximum()).isEqualTo(1_500);
    assertThat(book.price()).isEqualTo(1_100);

    // Just above the old maximum: the new leader pays their own maximum, not more.
    AuctionBook close = bid(bid(book(spec(null)), "A", 1_000), "B", 1_050);
    assertThat(close.leader()).isEqualTo("B");
    assertThat(close.price()).isEqualTo(1_050);
  }

  @Test
  void aNewLeaderPaysAtLeastTheMinimumBid() {
    // A table whose step shrinks above 9.50 (unusual, but allowed): one step above the old maximum can
    // fall short of the minimum bid, and the minimum wins.
    IncrementRule shrinking = IncrementRule.banded(List.of(new IncrementRule.Band(0, 100), new IncrementRule.Band(950, 10)));
    AuctionSpec spec = new AuctionSpec("seller", "Lamp", 100, shrinking, null, START, END, 0, 0, END);
    AuctionBook book = bid(bid(book(spec), "A", 950), "B", 800);
    assertThat(book.price()).isEqualTo(900);
    assertThat(book.minimumBid()).isEqualTo(1_000);
    book = bid(book, "C", 1_000); // 9.50 + 0.10 = 9.60 < 10.00
    assertThat(book.leader()).isEqualTo("C");
    assertThat(book.price()).isEqualTo(1_000);
  }

  @Test
  void bandedIncrementsFollowThePrice() {
    AuctionSpec usd = new AuctionSpec("seller", "Lamp", 99, IncrementRule.usdTable(), null, START, END, 0, 0, END);
    AuctionBook book = bid(book(usd), "A", 1_000);
    assertThat(book.price()).isEqualTo(99);
    assertThat(book.minimumBid()).isEqualTo(104); // 0.99 + 0.05
    book = bid(book, "B", 800); // 8.00 + 0.50 (the $5-$25 band)
    assertThat(book.price()).isEqualTo(850);
    assertThat(book.minimumBid()).isEqualTo(900);
    book = bid(book, "B", 3_000); // B takes over at 10.00 + 0.50
    assertThat(book.leader()).isEqualTo("B");
    assertThat(book.price()).isEqualTo(1_050);
  }

  @Test
  void theLeaderMayRaiseTheirMaximumWithoutMovingThePrice() {
    AuctionBook book = bid(bid(book(spec(null)), "A", 1_000), "B", 500);
    assertThat(book.price()).isEqualTo(600);
    book = bid(book, "A", 2_000);
    assertThat(book.leader()).isEqualTo("A");
    assertThat(book.leaderMaximum()).isEqualTo(2_000);
    assertThat(book.price()).isEqualTo(600);
    // B now needs more than the raised maximum to lead.
    book = bid(book, "B", 1_500);
    assertThat(book.leader()).isEqualTo("A");
    assertThat(book.price()).isEqualTo(1_600);
  }

  @Test
  void theLeaderCannotLowerOrRepeatTheirMaximum() {
    AuctionBook book = bid(bid(book(spec(null)), "A", 1_000), "B", 500);
    Refusal lower = refusal(AuctionRules.bid(book, "A", 550, START + 2));
    assertThat(lower.code()).isEqualTo(BID_TOO_LOW);
    assertThat(lower.minimumAmount()).isEqualTo(1_001);
    assertThat(code(AuctionRules.bid(book, "A", 800, START + 2))).isEqualTo(BID_TOO_LOW);
    Refusal same = refusal(AuctionRules.bid(book, "A", 1_000, START + 2));
    assertThat(same.minimumAmount()).isEqualTo(1_001);
    assertThat(same.reason()).contains("you lead");
    assertThat(AuctionRules.bid(book, "A", 1_001, START + 2)).isInstanceOf(Accepted.class);
  }

  @Test
  void afterATieTheLeadersRaiseMustAlsoReachTheMinimumBid() {
    AuctionBook book = bid(bid(book(spec(null)), "A", 1_000), "B", 1_000);
    assertThat(refusal(AuctionRules.bid(book, "A", 1_001, START + 2)).minimumAmount()).isEqualTo(1_100);
    assertThat(AuctionRules.bid(book, "A", 1_100, START + 2)).isInstanceOf(Accepted.class);
  }

  @Test
  void anOutbidBidderComesBackAboveTheNewPrice() {
    AuctionBook book = bid(bid(book(spec(null)), "A", 1_000), "B", 500); // A at 600
    book = bid(book, "B", 1_200); // B at 1100
    assertThat(book.leader()).isEqualTo("B");
    assertThat(refusal(AuctionRules.bid(book, "A", 1_100, START + 2)).minimumAmount()).isEqualTo(1_200);
    book = bid(book, "A", 1_200); // tie with B's: B was first
    assertThat(book.leader()).isEqualTo("B");
    assertThat(book.price()).isEqualTo(1_200);
  }

  // ---- reserve -------------------------------------------------------------------------------------

  @Test
  void belowTheReserveThePriceFollowsTheProxyRules() {
    AuctionBook book = bid(book(spec(5_000L)), "A", 1_000);
    assertThat(book.price()).isEqualTo(100);
    assertThat(book.reserveMet()).isFalse();
    book = bid(book, "B", 800);
    assertThat(book.price()).isEqualTo(900);
    assertThat(book.reserveMet()).isFalse();
  }

  @Test
  void aFirstMaximumAtTheReserveJumpsThePriceToIt() {
    AuctionBook book = bid(book(spec(5_000L)), "A", 5_000);
    assertThat(book.price()).isEqualTo(5_000);
    assertThat(book.reserveMet()).isTrue();
    AuctionBook above = bid(book(spec(5_000L)), "A", 9_000);
    assertThat(above.price()).isEqualTo(5_000);
  }

  @Test
  void aLeaderRaisingToTheReserveJumpsThePriceToIt() {
    AuctionBook book = bid(bid(book(spec(5_000L)), "A", 1_000), "B", 800);
    assertThat(book.price()).isEqualTo(900);
    book = bid(book, "A", 4_999);
    assertThat(book.price()).isEqualTo(900);
    book = bid(book, "A", 6_000);
    assertThat(book.price()).isEqualTo(5_000);
    assertThat(book.leader()).isEqualTo("A");
  }

  @Test
  void aNewLeaderAboveTheReservePaysAtLeastTheReserve() {
    AuctionBook book = bid(book(spec(5_000L)), "A", 1_000);
    book = bid(book, "B", 7_000); // proxy price 1100, the reserve lifts it
    assertThat(book.leader()).isEqualTo("B");
    assertThat(book.price()).isEqualTo(5_000);
    book = bid(book, "A", 6_000); // B keeps the lead at 6000 + 100
    assertThat(book.leader()).isEqualTo("B");
    assertThat(book.price()).isEqualTo(6_100);
  }

  @Test
  void aLosingMaximumAboveTheReserveLiftsTheLeader() {
    AuctionBook book = bid(book(spec(5_000L)), "A", 9_000); // at the reserve
    book = bid(book, "B", 5_100);
    assertThat(book.leader()).isEqualTo("A");
    assertThat(book.price()).isEqualTo(5_200);
  }

  // ---- closing -------------------------------------------------------------------------------------

  @Test
  void closingWaitsForTheEndAndHappensOnce() {
    AuctionBook book = bid(book(spec(null)), "A", 1_000);
    assertThat(code(AuctionRules.close(book, END - 1))).isEqualTo(NOT_ENDED);
    Decision close = AuctionRules.close(book, END);
    assertThat(close.events()).containsExactly(new Closed("A", 100, true, END));
    book = accept(book, close);
    assertThat(book.ended()).isTrue();
    assertThat(code(AuctionRules.close(book, END + 5))).isEqualTo(AUCTION_CLOSED);
    assertThat(code(AuctionRules.bid(book, "B", 5_000, END - 1))).isEqualTo(AUCTION_CLOSED);
  }

  @Test
  void anAuctionWithoutBidsClosesWithoutAWinner() {
    assertThat(AuctionRules.close(book(spec(null)), END).events()).containsExactly(new Closed(null, 0, true, END));
    assertThat(AuctionRules.close(book(spec(500L)), END).events()).containsExactly(new Closed(null, 0, false, END));
  }

  @Test
  void aReserveNotMetLeavesNoWinnerButKeepsThePrice() {
    AuctionBook book = bid(bid(book(spec(5_000L)), "A", 3_000), "B", 2_000);
    assertThat(AuctionRules.close(book, END).events()).containsExactly(new Closed(null, 2_100, false, END));
  }

  @Test
  void aReserveMetGoesToTheLeaderAtThePrice() {
    AuctionBook book = bid(bid(book(spec(5_000L)), "A", 8_000), "B", 6_000);
    assertThat(AuctionRules.close(book, END).events()).containsExactly(new Closed("A", 6_100, true, END));
  }

  // ---- soft close ----------------------------------------------------------------------------------

  @Test
  void aBidInsideTheSnipeWindowExtendsTheEnd() {
    AuctionBook book = book(softClose(10_000, 30_000, END + 120_000));
    Decision late = AuctionRules.bid(book, "A", 1_000, END - 10_000);
    assertThat(late.events()).containsExactly(new BidAccepted("A", 1_000, 100, "A", END - 10_000, null), new EndExtended(END + 20_000));
    book = accept(book, late);
    assertThat(book.endsAt()).isEqualTo(END + 20_000);
    // The old end has passed; the auction is still open until the new one.
    assertThat(code(AuctionRules.close(book, END + 1))).isEqualTo(NOT_ENDED);
    assertThat(AuctionRules.bid(book, "B", 2_000, END + 1)).isInstanceOf(Accepted.class);
    assertThat(code(AuctionRules.bid(book, "B", 2_000, END + 20_000))).isEqualTo(AUCTION_CLOSED);
  }

  @Test
  void aBidBeforeTheSnipeWindowDoesNotExtend() {
    AuctionBook book = book(softClose(10_000, 30_000, END + 120_000));
    assertThat(AuctionRules.bid(book, "A", 1_000, END - 10_001).events()).hasSize(1);
  }

  @Test
  void theEndNeverMovesEarlier() {
    // Extending by less than the time left would shorten the auction: nothing changes.
    AuctionBook book = book(softClose(10_000, 5_000, END + 120_000));
    assertThat(AuctionRules.bid(book, "A", 1_000, END - 8_000).events()).hasSize(1);
    assertThat(AuctionRules.bid(book, "A", 1_000, END - 4_000).events()).containsExactly(
        new BidAccepted("A", 1_000, 100, "A", END - 4_000, null), new EndExtended(END + 1_000));
  }

  @Test
  void extensionsStopAtTheHardEnd() {
    AuctionBook book = book(softClose(10_000, 30_000, END + 25_000));
    book = accept(book, AuctionRules.bid(book, "A", 1_000, END - 1_000)); // wants END + 29s, capped
    assertThat(book.endsAt()).isEqualTo(END + 25_000);
    Decision atCap = AuctionRules.bid(book, "B", 2_000, END + 24_000);
    assertThat(atCap.events()).hasSize(1); // already at the hard end: no extension event
    book = accept(book, atCap);
    assertThat(code(AuctionRules.bid(book, "A", 9_000, END + 25_000))).isEqualTo(AUCTION_CLOSED);
    assertThat(AuctionRules.close(book, END + 25_000)).isInstanceOf(Accepted.class);
  }

  @Test
  void repeatedLateBidsKeepPushingUntilTheHardEnd() {
    AuctionBook book = book(softClose(10_000, 10_000, END + 35_000));
    long t = END - 5_000;
    List<Long> ends = new ArrayList<>();
    String[] bidders = {"A", "B"};
    for (int i = 0; i < 10; i++) {
      Decision d = AuctionRules.bid(book, bidders[i % 2], book.minimumBid() + 1_000, t);
      if (d instanceof Refused) break;
      book = accept(book, d);
      ends.add(book.endsAt());
      t = book.endsAt() - 1_000;
    }
    assertThat(ends).startsWith(END + 5_000, END + 14_000, END + 23_000, END + 32_000, END + 35_000);
    assertThat(book.endsAt()).isEqualTo(END + 35_000);
  }

  @Test
  void aZeroSnipeWindowNeverExtends() {
    AuctionBook book = book(softClose(0, 30_000, END + 120_000));
    assertThat(AuctionRules.bid(book, "A", 1_000, END - 1).events()).hasSize(1);
  }

  // ---- idempotency ---------------------------------------------------------------------------------

  @Test
  void aRetriedBidReplaysItsFirstAnswer() {
    AuctionBook book = book(spec(null));
    Decision first = AuctionRules.bid(book, "A", 1_000, START + 1, "k1");
    book = accept(book, first);
    book = bid(book, "B", 2_000); // A is outbid since

    Decision retry = AuctionRules.bid(book, "A", 1_000, START + 9, "k1");
    assertThat(retry).isEqualTo(new Replayed((BidAccepted) first.events().get(0)));
    assertThat(retry.events()).isEmpty();

    book = accept(book, AuctionRules.close(book, END));
    assertThat(AuctionRules.bid(book, "A", 1_000, END + 9, "k1")).isInstanceOf(Replayed.class);
  }

  @Test
  void aKeyReusedForAnotherBidIsRefused() {
    AuctionBook book = accept(book(spec(null)), AuctionRules.bid(book(spec(null)), "A", 1_000, START + 1, "k1"));
    assertThat(code(AuctionRules.bid(book, "A", 1_500, START + 2, "k1"))).isEqualTo(IDEMPOTENCY_KEY_REUSED);
    // Keys are per bidder: B's k1 is a new bid.
    assertThat(AuctionRules.bid(book, "B", 1_500, START + 2, "k1")).isInstanceOf(Accepted.class);
  }

  @Test
  void aRefusedBidIsNotRemembered() {
    AuctionBook book = book(spec(null));
    assertThat(code(AuctionRules.bid(book, "A", 50, START + 1, "k1"))).isEqualTo(BID_TOO_LOW);
    assertThat(AuctionRules.bid(book, "A", 500, START + 1, "k1")).isInstanceOf(Accepted.class);
  }

  @Test
  void keysMustBeUsable() {
    AuctionBook book = book(spec(null));
    assertThat(code(AuctionRules.bid(book, "A", 500, START, ""))).isEqualTo(INVALID_IDEMPOTENCY_KEY);
    assertThat(code(AuctionRules.bid(book, "A", 500, START, "k".repeat(129)))).isEqualTo(INVALID_IDEMPOTENCY_KEY);
  }

  @Test
  void onlyTheLastKeysAreRemembered() {
    AuctionBook book = AuctionBook.initial(spec(null), 2);
    book = accept(book, AuctionRules.bid(book, "A", 1_000, START + 1, "k1"));
    book = accept(book, AuctionRules.bid(book, "A", 2_000, START + 2, "k2"));
    book = accept(book, AuctionRules.bid(book, "A", 3_000, START + 3, "k3"));
    assertThat(AuctionRules.bid(book, "A", 2_000, START + 4, "k2")).isInstanceOf(Replayed.class);
    // k1 is forgotten: the same body is decided anew (and is now too low for the leader).
    assertThat(code(AuctionRules.bid(book, "A", 1_000, START + 4, "k1"))).isEqualTo(BID_TOO_LOW);
  }

  // ---- events --------------------------------------------------------------------------------------

  @Test
  void aJournalReplaysToTheSameBookKeysIncluded() {
    AuctionSpec spec = softClose(10_000, 20_000, END + 60_000);
    List<AuctionEvent> journal = new ArrayList<>(AuctionRules.create(spec, START - 100).events());
    AuctionBook book = AuctionBook.initial(spec);
    Object[][] bids = {{"A", 1_000L, START + 1}, {"B", 800L, START + 2}, {"B", 1_500L, END - 5_000}, {"A", 3_000L, END + 10_000}};
    int n = 0;
    for (Object[] b : bids) {
      Decision d = AuctionRules.bid(book, (String) b[0], (Long) b[1], (Long) b[2], "key-" + n++);
      journal.addAll(d.events());
      book = accept(book, d);
    }
    Decision close = AuctionRules.close(book, book.endsAt());
    journal.addAll(close.events());
    book = accept(book, close);

    AuctionBook replayed = AuctionBook.replay(journal);
    assertThat(replayed).isEqualTo(book);
    assertThat(replayed.closed()).isEqualTo(new Closed("A", 1_600, true, END + 30_000));
    assertThat(AuctionRules.bid(replayed, "B", 1_500, END + 30_000, "key-2")).isInstanceOf(Replayed.class);
  }

  @Test
  void applyRefusesEventsTheRulesWouldNeverDecide() {
    AuctionBook book = book(softClose(10_000, 20_000, END + 60_000));
    assertThatThrownBy(() -> book.apply(new EndExtended(END))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> book.apply(new EndExtended(END + 60_001))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> book.apply(new AuctionCreated(book.spec(), 1))).isInstanceOf(IllegalStateException.class);
    AuctionBook closed = book.apply(new Closed(null, 0, true, END));
    assertThatThrownBy(() -> closed.apply(new Closed(null, 0, true, END))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> closed.apply(new BidAccepted("A", 100, 100, "A", END, null))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> AuctionBook.replay(List.of(new Closed(null, 0, true, END)))).isInstanceOf(IllegalArgumentException.class);
  }
}
