package io.pulse.actors.auction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pulse.actors.auction.StockRules.Accepted;
import io.pulse.actors.auction.StockRules.Decision;
import io.pulse.actors.auction.StockRules.Refused;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BucketPlanTest {
  private static final long START = 1_000;

  @Test
  void splitIsAsEvenAsPossibleAndSumsExactly() {
    assertThat(BucketPlan.split(10, 3)).containsExactly(4, 3, 3);
    assertThat(BucketPlan.split(9, 3)).containsExactly(3, 3, 3);
    assertThat(BucketPlan.split(2, 4)).containsExactly(1, 1, 0, 0);
    assertThat(BucketPlan.split(0, 2)).containsExactly(0, 0);
    assertThat(BucketPlan.split(7, 1)).containsExactly(7);
    Random r = new Random(1);
    for (int i = 0; i < 2_000; i++) {
      int units = r.nextInt(100_000);
      int buckets = 1 + r.nextInt(64);
      List<Integer> shares = BucketPlan.split(units, buckets);
      assertThat(shares).hasSize(buckets);
      assertThat(shares.stream().mapToInt(Integer::intValue).sum()).isEqualTo(units);
      int min = shares.stream().mapToInt(Integer::intValue).min().orElseThrow();
      int max = shares.stream().mapToInt(Integer::intValue).max().orElseThrow();
      assertThat(max - min).isLessThanOrEqualTo(1);
    }
    assertThatThrownBy(() -> BucketPlan.split(10, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BucketPlan.split(-1, 2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void eachBucketGetsTheSaleWithItsShare() {
    SaleSpec sale = new SaleSpec("sku", 10, START, 2, 500);
    assertThat(BucketPlan.specs(sale, 3))
        .containsExactly(new SaleSpec("sku", 4, START, 2, 500), new SaleSpec("sku", 3, START, 2, 500), new SaleSpec("sku", 3, START, 2, 500));
  }

  @Test
  void theOrderStartsAtHomeAndVisitsEveryBucketOnce() {
    for (int buckets = 1; buckets <= 9; buckets++) {
      for (int u = 0; u < 200; u++) {
        String user = "user-" + u;
        List<Integer> order = BucketPlan.order(user, buckets);
        int home = BucketPlan.home(user, buckets);
        assertThat(order.get(0)).isEqualTo(home);
        assertThat(new HashSet<>(order)).hasSize(buckets);
        for (int i = 0; i < buckets; i++) assertThat(order.get(i)).isEqualTo((home + i) % buckets);
      }
    }
    assertThat(BucketPlan.order("alice", 5)).isEqualTo(BucketPlan.order("alice", 5)); // stable
  }

  @Test
  void similarUserIdsSpreadEvenly() {
    int buckets = 8;
    int[] homes = new int[buckets];
    for (int u = 0; u < 80_000; u++) homes[BucketPlan.home("user-" + u, buckets)]++;
    for (int count : homes) assertThat(count).isBetween(9_000, 11_000);
  }

  static final String EVERY_BUCKET_SOLD_OUT = "every bucket is sold out";

  /** The purchase side an entity would run: the user's buckets in order, until one answers for good. */
  static Decision purchase(StockLedger[] buckets, String user, int units, HoldId id, String key, long now) {
    for (int b : BucketPlan.order(user, buckets.length)) {
      Decision d = StockRules.hold(buckets[b], user, units, new HoldId(b + ":" + id.value()), key, now);
      if (d instanceof Refused refused && refused.refusal().tryNextBucket()) continue;
      if (d instanceof Accepted) buckets[b] = buckets[b].applyAll(d.events());
      return d;
    }
    return new Refused(new StockRules.Refusal(StockRules.SOLD_OUT, EVERY_BUCKET_SOLD_OUT, 0, false));
  }

  @Test
  void aUserPassesOnlyExhaustedBucketsAndStaysInTheFirstThatServesThem() {
    SaleSpec sale = new SaleSpec("sku", 4, START, 2, 10_000);
    StockLedger[] buckets = BucketPlan.specs(sale, 2).stream().map(StockLedger::initial).toArray(StockLedger[]::new);
    // Find a user homed in bucket 0 and one homed in bucket 1.
    String zero = user(0, 2);
    String one = user(1, 2);

    // "one" buys both of bucket 1's units and pays: bucket 1 is exhausted.
    Decision first = purchase(buckets, one, 2, new HoldId("1"), null, START);
    assertThat(first.events()).hasSize(1);
    buckets[1] = buckets[1].applyAll(StockRules.confirm(buckets[1], new HoldId("1:1"), one, START).events());
    assertThat(buckets[1].exhausted()).isTrue();

    // Another user homed in bucket 1 passes it on and is served by bucket 0.
    String other = user(1, 2, one);
    assertThat(purchase(buckets, other, 1, new HoldId("2"), null, START)).isInstanceOf(Accepted.class);
    assertThat(buckets[0].stake(other).total()).isEqualTo(1);
    // "one" stays pinned to bucket 1, where their units are: sold out for them, though bucket 0 has stock.
    Decision more = purchase(buckets, one, 1, new HoldId("3"), null, START);
    assertThat(((Refused) more).refusal().code()).isEqualTo(StockRules.SOLD_OUT);
    assertThat(buckets[0].stake(one).total()).isZero();

    // A bucket empty only because its units are held does not pass users on.
    assertThat(purchase(buckets, zero, 1, new HoldId("4"), null, START)).isInstanceOf(Accepted.class);
    assertThat(buckets[0].free()).isZero();
    String third = user(0, 2, zero, other);
    Refused held = (Refused) purchase(buckets, third, 1, new HoldId("5"), null, START);
    assertThat(held.refusal().code()).isEqualTo(StockRules.ALL_HELD);
    assertThat(held.refusal().tryNextBucket()).isFalse();
  }

  @Test
  void aSaleIsSoldOutWhenEveryBucketPassesThePurchaseOn() {
    SaleSpec sale = new SaleSpec("sku", 2, START, 1, 10_000);
    StockLedger[] buckets = BucketPlan.specs(sale, 3).stream().map(StockLedger::initial).toArray(StockLedger[]::new);
    assertThat(buckets[2].exhausted()).isTrue(); // no units at all
    List<String> buyers = new ArrayList<>();
    for (int u = 0; buyers.size() < 2; u++) {
      String user = "buyer-" + u;
      Decision d = purchase(buckets, user, 1, new HoldId("b" + u), null, START);
      if (d instanceof Accepted) {
        int bucket = -1;
        for (int b = 0; b < 3; b++) if (buckets[b].stake(user).total() > 0) bucket = b;
        buckets[bucket] = buckets[bucket].applyAll(StockRules.confirm(buckets[bucket], new HoldId(bucket + ":b" + u), user, START).events());
        buyers.add(user);
      }
    }
    Set<String> everyoneElse = new HashSet<>();
    for (int u = 0; u < 50; u++) everyoneElse.add("late-" + u);
    for (String user : everyoneElse) {
      Refused r = (Refused) purchase(buckets, user, 1, new HoldId(user), null, START);
      assertThat(r.refusal().code()).isEqualTo(StockRules.SOLD_OUT);
      assertThat(r.refusal().remaining()).isZero();
    }
  }

  private static String user(int home, int buckets, String... not) {
    Set<String> excluded = Set.of(not);
    for (int u = 0; ; u++) {
      String user = "user-" + u;
      if (BucketPlan.home(user, buckets) == home && !excluded.contains(user)) return user;
    }
  }
}
