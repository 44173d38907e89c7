package io.pulse.actors.metrics;

import com.tdunning.math.stats.MergingDigest;

/**
 * A window being filled, mutable and owned by one series entity; {@link #snapshot} gives its immutable {@link Agg}.
 * The first {@link #INLINE} values are kept as they are and only a busier window builds a t-digest: a live
 * MergingDigest is ~10 KB, and most windows of most series hold a handful of samples.
 */
final class Bucket {
  final long start;
  private long count;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private double last = Double.NaN;
  private long lastTs = Long.MIN_VALUE;
  private double increase;
  static final int INLINE = 32;
  private double[] values = new double[4];
  private MergingDigest digest;
  private Agg cached;

  Bucket(long start) {
    this.start = start;
  }

  /** {@code delta}: what the sample adds to the counter's increase (0 for an out-of-order sample). */
  void add(long ts, double value, double delta) {
    count++;
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
    if (ts >= lastTs) {
      lastTs = ts;
      last = value;
    }
    increase += delta;
    if (digest != null) {
      digest.add(value);
    } else if (count <= INLINE) {
      if (count > values.length) values = java.util.Arrays.copyOf(values, Math.min(INLINE, values.length * 2));
      values[(int) count - 1] = value;
    } else {
      digest = new MergingDigest(Agg.COMPRESSION);
      for (double v : values) digest.add(v);
      digest.add(value);
      values = null;
    }
    cached = null;
  }

  private MergingDigest sketch() {
    if (digest != null) return digest;
    MergingDigest d = new MergingDigest(Agg.COMPRESSION);
    for (int i = 0; i < count; i++) d.add(values[i]);
    return d;
  }

  long count() {
    return count;
  }

  Agg snapshot() {
    if (cached == null) {
      cached = count == 0 ? Agg.empty(start) : new Agg(start, count, sum, min, max, last, lastTs, increase, Agg.bytes(sketch()));
    }
    return cached;
  }
}
