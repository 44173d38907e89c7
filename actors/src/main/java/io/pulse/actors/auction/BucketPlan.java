package io.pulse.actors.auction;

import java.util.ArrayList;
import java.util.List;

/**
 * How a hot SKU's stock is split across {@code N} bucket entities, so that purchases are not all
 * serialized through one writer. Pure.
 *
 * <h2>The total stays exact</h2>
 *
 * {@link #split} gives every unit to exactly one bucket (the shares sum to the units), and each bucket
 * is its own single writer: a {@link StockLedger} whose spec is the sale's with the bucket's share of
 * units ({@link #specs}). A bucket never sells a unit it does not have and units never move between
 * buckets, so the sale's free, held and confirmed counts are the sums of its buckets', and nothing can
 * be oversold without any coordination between buckets.
 *
 * <h2>Where a purchase goes</h2>
 *
 * A purchase tries the buckets in {@link #order}: the user's home bucket ({@code hash(userId) mod N})
 * first, so that users spread evenly, then the next ones round-robin. It stops at the first answer that
 * is not a {@link StockRules#SOLD_OUT} with {@link StockRules.Refusal#tryNextBucket()}: a hold, or a
 * refusal to give to the user. If every bucket passes it on, every bucket is sold out for good and so is
 * the sale: the purchase answers {@code sold_out} with 0 remaining.
 *
 * <h2>Per-user limits: one bucket per user</h2>
 *
 * Every bucket has the sale's full per-user limit, and a user's units all live in one bucket, so the
 * bucket's check is the sale's. A bucket passes a user on only when it is <em>exhausted</em> (every unit
 * confirmed, a state it never leaves: nothing can expire) <em>and</em> holds nothing of that user's.
 * Suppose a user had units in two buckets {@code i} before {@code j} in their order: the purchase that
 * placed them in {@code j} was passed on by {@code i}, so {@code i} was exhausted and held nothing of
 * theirs, and an exhausted bucket never sells again. So no user ever has units in two buckets, with no
 * per-user entity and no memory of who was passed on; it only needs the order (and {@code N}) to stay
 * the same for the sale's lifetime.
 *
 * <p>The price of this simplicity: a bucket that is empty only because its units are held answers
 * {@code all_held} with a retry time to users homed there (their units might still come back to it),
 * even if other buckets have stock; and a user who bought in a bucket keeps buying only there. With users spread
 * evenly buckets drain together, so both are short windows at the end of a sale.
 */
public final class BucketPlan {
  private BucketPlan() {}

  /** Units per bucket, as even as possible (the first {@code units % buckets} get one more), summing to {@code units}. */
  public static List<Integer> split(int units, int buckets) {
    if (units < 0) throw new IllegalArgumentException("units must not be negative, was " + units);
    if (buckets < 1) throw new IllegalArgumentException("at least one bucket, was " + buckets);
    List<Integer> shares = new ArrayList<>(buckets);
    for (int b = 0; b < buckets; b++) shares.add(units / buckets + (b < units % buckets ? 1 : 0));
    return List.copyOf(shares);
  }

  /** Each bucket's spec: the sale's, with the bucket's share of units. */
  public static List<SaleSpec> specs(SaleSpec sale, int buckets) {
    List<SaleSpec> specs = new ArrayList<>(buckets);
    for (int share : split(sale.units(), buckets)) {
      specs.add(new SaleSpec(sale.sku(), share, sale.startsAt(), sale.perUserLimit(), sale.holdMs()));
    }
    return List.copyOf(specs);
  }

  /** The bucket a user tries first. Stable across JVMs and releases: String.hashCode is specified. */
  public static int home(String userId, int buckets) {
    if (buckets < 1) throw new IllegalArgumentException("at least one bucket, was " + buckets);
    return Math.floorMod(mix(userId.hashCode()), buckets);
  }

  /** The order in which a user's purchase tries the buckets: home first, then round-robin. */
  public static List<Integer> order(String userId, int buckets) {
    int home = home(userId, buckets);
    List<Integer> order = new ArrayList<>(buckets);
    for (int i = 0; i < buckets; i++) order.add((home + i) % buckets);
    return List.copyOf(order);
  }

  /** Spreads similar ids (user-1, user-2, ...) whose hash codes differ in a few low bits. */
  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
