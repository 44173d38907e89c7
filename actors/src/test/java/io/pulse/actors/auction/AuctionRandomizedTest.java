package io.pulse.actors.auction;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.auction.AuctionEvent.BidAccepted;
import io.pulse.actors.auction.AuctionEvent.Closed;
import io.pulse.actors.auction.AuctionEvent.EndExtended;
import io.pulse.actors.auction.AuctionRules.Accepted;
import io.pulse.actors.auction.AuctionRules.Decision;
import io.pulse.actors.auction.AuctionRules.Refused;
import io.pulse.actors.auction.AuctionRules.Replayed;
import io.pulse.actors.auction.IncrementRule.Band;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random bid sequences, checked after every step against a model that knows only each bidder's highest
 * accepted maximum and when they submitted it: whoever has the highest maximum leads (the earliest on a
 * tie), the price never falls, never passes the leader's maximum and never sits below anyone else's.
 */
class AuctionRandomizedTest {
  private static final int SEEDS = 3_000;
  private static final long START = 10_000;

  /** A bidder's highest accepted maximum and the step it was accepted at. */
  private record Max(long amount, int step) {}

  @Test
  void randomBidSequencesKeepTheProxyInvariants() {
    for (long seed = 0; seed < SEEDS; seed++) run(seed);
  }

  private static IncrementRule randomIncrement(Random r) {
    if (r.nextBoolean()) return IncrementRule.fixed(1 + r.nextInt(100));
    List<Band> bands = new ArrayList<>();
    long from = 0;
    int n = 1 + r.nextInt(5);
    for (int i = 0; i < n; i++) {
      bands.add(new Band(from, 1 + r.nextInt(200)));
      from += 1 + r.nextInt(3_000);
    }
    return IncrementRule.banded(bands);
  }

  private static void run(long seed) {
    Random r = new Random(seed);
    long startingPrice = 1 + r.nextInt(500);
    Long reserve = r.nextInt(3) == 0 ? null : startingPrice + r.nextInt(5_000);
    long endsAt = START + 20_000 + r.nextInt(40_000);
    long window = r.nextInt(4) == 0 ? 0 : r.nextInt(10_000);
    long extendBy = r.nextInt(15_000);
    long hardEnd = endsAt + (r.nextBoolean() ? 0 : r.nextInt(60_000));
    AuctionSpec spec = new AuctionSpec("seller", "item", startingPrice, randomIncrement(r), reserve, START, endsAt, window, extendBy, hardEnd);
    assertThat(AuctionRules.validate(spec)).as("seed %d", seed).isEmpty();

    List<AuctionEvent> journal = new ArrayList<>(AuctionRules.create(spec, 0).events());
    AuctionBook book = AuctionBook.initial(spec);
    Map<String, Max> maxima = new HashMap<>();
    List<Object[]> keyed = new ArrayList<>(); // {bidder, amount, key, first answer}
    int bidders = 2 + r.nextInt(4);
    long t = START - 2_000;
    int steps = 40 + r.nextInt(60);

    for (int step = 0; step < steps; step++) {
      t += r.nextInt(1_500);
      String bidder = r.nextInt(30) == 0 ? "seller" : "b" + r.nextInt(bidders);
      long inc = spec.increment().increment(book.price());
      long amount =
          switch (r.nextInt(8)) {
            case 0, 1 -> book.minimumBid() + r.nextInt(4) * inc;
            case 2 -> book.leaderMaximum(); // a tie with the leader
            case 3 -> book.leaderMaximum() + 1 + r.nextInt(3);
            case 4 -> book.minimumBid() - 1 - r.nextInt(3); // too low
            case 5 -> r.nextInt(20) == 0 ? -r.nextInt(5) : 1 + r.nextInt(8_000);
            default -> book.minimumBid() + r.nextInt(3_000);
          };

      // Now and then retry an earlier keyed bid, with its body or another.
      if (!keyed.isEmpty() && r.nextInt(10) == 0) {
        Object[] k = keyed.get(r.nextInt(keyed.size()));
        boolean same = r.nextBoolean();
        Decision retry = AuctionRules.bid(book, (String) k[0], same ? (long) k[1] : (long) k[1] + 1, t, (String) k[2]);
        if (same) assertThat(retry).as("seed %d", seed).isEqualTo(new Replayed((BidAccepted) k[3]));
        else assertThat(((Refused) retry).refusal().code()).isEqualTo(AuctionRules.IDEMPOTENCY_KEY_REUSED);
        continue;
      }

      String key = r.nextInt(3) == 0 ? "k" + step : null;
      Decision d = AuctionRules.bid(book, bidder, amount, t, key);
      if (d instanceof Refused refused) {
        assertThat(d.events()).isEmpty();
        String code = refused.refusal().code();
        if (code.equals(AuctionRules.BID_TOO_LOW)) {
          long minimum = refused.refusal().minimumAmount();
          assertThat(minimum).as("seed %d", seed).isGreaterThan(amount);
          // The amount the refusal names is accepted.
          assertThat(AuctionRules.bid(book, bidder, minimum, t)).as("seed %d", seed).isInstanceOf(Accepted.class);
        }
        boolean open = t >= START && t < book.endsAt();
        if (!open) assertThat(code).isIn(AuctionRules.NOT_STARTED, AuctionRules.AUCTION_CLOSED);
        if (open && amount >= book.minimumBid() && amount > 0 && !bidder.equals("seller") && !bidder.equals(book.leader())) {
          throw new AssertionError("seed " + seed + ": a valid outbid attempt was refused: " + refused);
        }
        continue;
      }

      assertThat(d).isInstanceOf(Accepted.class);
      assertThat(t).isGreaterThanOrEqualTo(START).isLessThan(book.endsAt());
      assertThat(bidder).isNotEqualTo("seller");
      BidAccepted accepted = (BidAccepted) d.events().get(0);
      assertThat(accepted.bidder()).isEqualTo(bidder);
      assertThat(accepted.maximum()).isEqualTo(amount);
      Max previous = maxima.get(bidder);
      if (previous != null) assertThat(amount).as("a bidder's maximum only grows").isGreaterThan(previous.amount());
      maxima.put(bidder, new Max(amount, step));
      if (key != null) keyed.add(new Object[] {bidder, amount, key, accepted});

      long priceBefore = book.price();
      long endBefore = book.endsAt();
      journal.addAll(d.events());
      book = book.applyAll(d.events());
      check(seed, spec, book, maxima, priceBefore);

      // Soft close: the end moves exactly as documented.
      long expectedEnd = endBefore - t <= window ? Math.min(hardEnd, Math.max(endBefore, t + extendBy)) : endBefore;
      assertThat(book.endsAt()).as("seed %d", seed).isEqualTo(expectedEnd);
      assertThat(d.events()).hasSize(expectedEnd > endBefore ? 2 : 1);
      if (expectedEnd > endBefore) assertThat(d.events().get(1)).isEqualTo(new EndExtended(expectedEnd));
    }

    Decision close = AuctionRules.close(book, book.endsAt() + r.nextInt(100));
    Closed closed = (Closed) close.events().get(0);
    journal.addAll(close.events());
    book = book.applyAll(close.events());
    boolean met = reserve == null || book.price() >= reserve;
    assertThat(closed.reserveMet()).isEqualTo(met);
    assertThat(closed.price()).isEqualTo(book.price());
    assertThat(closed.winner()).isEqualTo(met ? book.leader() : null);
    if (reserve != null && book.hasBids()) assertThat(met).isEqualTo(book.leaderMaximum() >= reserve);

    assertThat(AuctionBook.replay(journal)).as("seed %d", seed).isEqualTo(book);
  }

  private static void check(long seed, AuctionSpec spec, AuctionBook book, Map<String, Max> maxima, long priceBefore) {
    String expectedLeader = null;
    Max best = null;
    for (Map.Entry<String, Max> e : maxima.entrySet()) {
      Max m = e.getValue();
      if (best == null || m.amount() > best.amount() || (m.amount() == best.amount() && m.step() < best.step())) {
        best = m;
        expectedLeader = e.getKey();
      }
    }
    long secondHighest = 0;
    for (Map.Entry<String, Max> e : maxima.entrySet()) {
      if (!e.getKey().equals(expectedLeader)) secondHighest = Math.max(secondHighest, e.getValue().amount());
    }
    // Described lazily: building the text on every step would cost more than the checks.
    Supplier<String> at = () -> "seed " + seed + ", maxima " + maxima + ", book " + book.price() + "/" + book.leader() + "/" + book.leaderMaximum();
    assertThat(book.leader()).as(at).isEqualTo(expectedLeader);
    assertThat(book.leaderMaximum()).as(at).isEqualTo(best.amount());
    assertThat(book.price()).as(at).isGreaterThanOrEqualTo(priceBefore);
    assertThat(book.price()).as(at).isGreaterThanOrEqualTo(spec.startingPrice());
    assertThat(book.price()).as(at).isLessThanOrEqualTo(book.leaderMaximum());
    if (maxima.size() >= 2) assertThat(book.price()).as(at).isGreaterThanOrEqualTo(secondHighest);
    if (spec.reservePrice() != null && book.leaderMaximum() >= spec.reservePrice()) {
      assertThat(book.price()).as(at).isGreaterThanOrEqualTo(spec.reservePrice());
    }
    assertThat(book.endsAt()).isLessThanOrEqualTo(spec.hardEndAt());
  }
}
