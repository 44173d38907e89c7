package io.pulse.actors.auction;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.auction.StockEvent.HoldPlaced;
import io.pulse.actors.auction.StockRules.Accepted;
import io.pulse.actors.auction.StockRules.Decision;
import io.pulse.actors.auction.StockRules.Refused;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A sale split across random numbers of buckets, with purchases routed as {@link BucketPlan} says and
 * random confirms, releases and expiries: the buckets together never sell more than the sale's units,
 * and no user ever has units in two buckets or more than the limit across all of them.
 */
class BucketRandomizedTest {
  private static final int SEEDS = 2_000;
  private static final long START = 1_000;

  /** A placed hold: its bucket, id and owner. */
  private record Placed(int bucket, HoldId id, String user) {}

  @Test
  void perUserLimitsHoldAcrossBuckets() {
    for (long seed = 0; seed < SEEDS; seed++) run(seed);
  }

  private static void run(long seed) {
    Random r = new Random(seed);
    int n = 1 + r.nextInt(5);
    SaleSpec sale = new SaleSpec("sku", r.nextInt(25), START, 1 + r.nextInt(3), 100 + r.nextInt(500));
    StockLedger[] buckets = BucketPlan.specs(sale, n).stream().map(StockLedger::initial).toArray(StockLedger[]::new);
    List<Placed> placed = new ArrayList<>();
    int users = 1 + r.nextInt(10);
    long now = START;

    for (int step = 0; step < 150; step++) {
      now += r.nextInt(60);
      int op = r.nextInt(10);
      if (op <= 4) {
        String user = "u" + r.nextInt(users);
        int units = 1 + r.nextInt(3);
        String key = r.nextInt(4) == 0 ? "k" + r.nextInt(5) : null;
        Decision d = BucketPlanTest.purchase(buckets, user, units, new HoldId("h" + step), key, now);
        if (d instanceof Accepted) {
          HoldPlaced p = (HoldPlaced) d.events().get(d.events().size() - 1);
          placed.add(new Placed(Integer.parseInt(p.holdId().value().split(":")[0]), p.holdId(), user));
        } else if (d instanceof Refused refused && refused.refusal().code().equals(StockRules.SOLD_OUT)) {
          if (refused.refusal().reason().equals(BucketPlanTest.EVERY_BUCKET_SOLD_OUT)) {
            for (StockLedger b : buckets) assertThat(b.exhausted()).as("seed %d", seed).isTrue();
          } else {
            // A bucket's own final sold out: it has nothing free for anyone.
            boolean someEmpty = false;
            for (StockLedger b : buckets) someEmpty |= b.free() == 0;
            assertThat(someEmpty).as("seed %d", seed).isTrue();
          }
        }
      } else if (op <= 6 && !placed.isEmpty()) {
        Placed p = placed.get(r.nextInt(placed.size()));
        Decision d =
            op == 5 ? StockRules.confirm(buckets[p.bucket()], p.id(), p.user(), now) : StockRules.release(buckets[p.bucket()], p.id(), p.user(), now);
        buckets[p.bucket()] = buckets[p.bucket()].applyAll(d.events());
      } else {
        int b = r.nextInt(n);
        buckets[b] = buckets[b].applyAll(StockRules.expire(buckets[b], now).events());
      }
      check(seed, sale, buckets, users);
    }
  }

  private static void check(long seed, SaleSpec sale, StockLedger[] buckets, int users) {
    int taken = 0;
    int units = 0;
    for (StockLedger b : buckets) {
      taken += b.held() + b.confirmed();
      units += b.units();
      assertThat(b.free()).isGreaterThanOrEqualTo(0);
    }
    assertThat(units).isEqualTo(sale.units());
    assertThat(taken).as("seed %d", seed).isLessThanOrEqualTo(sale.units());
    for (int u = 0; u < users; u++) {
      String user = "u" + u;
      int total = 0;
      int bucketsWithUnits = 0;
      for (StockLedger b : buckets) {
        int stake = b.stake(user).total();
        total += stake;
        if (stake > 0) bucketsWithUnits++;
      }
      assertThat(bucketsWithUnits).as("seed %d, %s in one bucket at most", seed, user).isLessThanOrEqualTo(1);
      assertThat(total).as("seed %d, %s within the limit", seed, user).isLessThanOrEqualTo(sale.perUserLimit());
    }
  }
}
