package io.pulse.load;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency by when the message was sent: one histogram per slice of the sending window. A whole-run
 * p99 cannot tell a tail spread over the run from a few bad seconds (a collector pause, the first
 * seconds of sending); the slices can. Slices are created on first use; sends outside
 * {@code [0, maxSlices × sliceMicros)} of the window are not recorded here.
 */
final class LatencyOverTime {
  /** Two significant digits (1%) and values up to a minute keep one slice at a few tens of KB. */
  static final long MAX_MICROS = 60_000_000L;

  private final long sliceMicros;
  private final AtomicReferenceArray<Histogram> slices;

  LatencyOverTime(long sliceMicros, int maxSlices) {
    this.sliceMicros = sliceMicros;
    this.slices = new AtomicReferenceArray<>(maxSlices);
  }

  /** {@code sentMicros} counts from the start of the sending window. */
  void record(long sentMicros, long latencyMicros) {
    if (sentMicros < 0) return;
    long index = sentMicros / sliceMicros;
    if (index >= slices.length()) return;
    Histogram h = slices.get((int) index);
    if (h == null) {
      slices.compareAndSet((int) index, null, new ConcurrentHistogram(MAX_MICROS, 2));
      h = slices.get((int) index);
    }
    h.recordValue(Math.max(0, Math.min(MAX_MICROS, latencyMicros)));
  }

  /** A copy of each slice that has samples, by slice index. */
  Map<Integer, Histogram> slices() {
    Map<Integer, Histogram> out = new TreeMap<>();
    for (int i = 0; i < slices.length(); i++) {
      Histogram h = slices.get(i);
      if (h != null) out.put(i, h.copy());
    }
    return out;
  }

  /** An empty histogram of the kind a slice holds, to merge decoded slices into. */
  static Histogram emptySlice() {
    return new Histogram(MAX_MICROS, 2);
  }

  /** One line per slice: when its sends left (seconds into the window), p50, p99, max, count. */
  static String format(Map<Integer, Histogram> slices, long sliceMicros) {
    StringBuilder s = new StringBuilder();
    long sliceSeconds = sliceMicros / 1_000_000;
    slices.forEach((i, h) -> s.append(String.format(Locale.ROOT, "    sent %4d-%-4d s    p50=%.0f p99=%.0f max=%.0f (n=%d)%n",
        i * sliceSeconds, (i + 1) * sliceSeconds, h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, h.getTotalCount())));
    return s.toString();
  }
}
