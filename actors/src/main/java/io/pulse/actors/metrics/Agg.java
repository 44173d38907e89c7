package io.pulse.actors.metrics;

import com.tdunning.math.stats.MergingDigest;
import com.tdunning.math.stats.TDigest;
import io.pulse.persistence.CborSerializable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * One window of one series, immutable: count, sum, min, max, the last value and its time, the counter increase, and a
 * t-digest of the values (its compact bytes). Windows merge: {@link #merge} of adjacent windows is the window over both,
 * quantiles included, because t-digests merge. {@code increase} counts a counter's growth: each in-order sample adds
 * its delta to the sample before it, a drop (a counter reset) adds the new value; rate is increase per second.
 *
 * <p>t-digest rather than HdrHistogram: values are arbitrary doubles (negative, fractional, any magnitude) and an
 * HdrHistogram needs a fixed positive dynamic range chosen up front; a t-digest needs none and its compact encoding of a
 * 10 s window of a few samples is a few dozen bytes.
 */
public record Agg(long start, long count, double sum, double min, double max, double last, long lastTs, double increase, byte[] sketch)
    implements CborSerializable {
  /** t-digest compression: ~1% relative error at p99 with at most a few hundred centroids. */
  public static final double COMPRESSION = 100;

  public double mean() {
    return count == 0 ? Double.NaN : sum / count;
  }

  public double quantile(double q) {
    if (count == 0) return Double.NaN;
    return digest().quantile(q);
  }

  public TDigest digest() {
    return MergingDigest.fromBytes(ByteBuffer.wrap(sketch));
  }

  static byte[] bytes(TDigest d) {
    d.compress();
    ByteBuffer b = ByteBuffer.allocate(d.smallByteSize());
    d.asSmallBytes(b);
    return b.array();
  }

  /** The window over both: {@code later} is the one that ends later (its last value wins). */
  public Agg merge(Agg later) {
    return merge(List.of(this, later), start);
  }

  /** The windows in time order merged into one starting at {@code start}; empty windows are skipped. */
  public static Agg merge(List<Agg> windows, long start) {
    long count = 0;
    double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, last = Double.NaN, increase = 0;
    long lastTs = Long.MIN_VALUE;
    MergingDigest d = new MergingDigest(COMPRESSION);
    for (Agg a : windows) {
      if (a.count == 0) continue;
      count += a.count;
      sum += a.sum;
      min = Math.min(min, a.min);
      max = Math.max(max, a.max);
      increase += a.increase;
      if (a.lastTs >= lastTs) {
        lastTs = a.lastTs;
        last = a.last;
      }
      d.add(a.digest());
    }
    if (count == 0) return empty(start);
    return new Agg(start, count, sum, min, max, last, lastTs, increase, bytes(d));
  }

  public static Agg empty(long start) {
    return new Agg(start, 0, 0, Double.NaN, Double.NaN, Double.NaN, Long.MIN_VALUE, 0, bytes(new MergingDigest(COMPRESSION)));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Agg a
        && start == a.start
        && count == a.count
        && Double.compare(sum, a.sum) == 0
        && Double.compare(min, a.min) == 0
        && Double.compare(max, a.max) == 0
        && Double.compare(last, a.last) == 0
        && lastTs == a.lastTs
        && Double.compare(increase, a.increase) == 0
        && Arrays.equals(sketch, a.sketch);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(start) * 31 + Long.hashCode(count) * 17 + Double.hashCode(sum) + Arrays.hashCode(sketch);
  }

  @Override
  public String toString() {
    return "Agg[start=" + start + ", count=" + count + ", sum=" + sum + ", min=" + min + ", max=" + max + ", last=" + last + ", increase=" + increase + "]";
  }
}
