package io.pulse.actors.metrics;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A series' recent windows at every {@link Resolution}, in memory, with no actor in it: the {@link Series} entity
 * owns one. Each resolution keeps its windows for its own span ({@code spans}); a window is complete in memory from
 * {@link #memoryFrom}, the later of the oldest window kept and the point the entity recovered from (older windows
 * are read from Cassandra). Windows a sample changed are dirty until {@link #takeDirty} hands them to be written.
 */
public final class SeriesWindows {
  private final Map<Resolution, Long> spans;
  private final Map<Resolution, TreeMap<Long, Bucket>> windows = new EnumMap<>(Resolution.class);
  private final Map<Resolution, TreeSet<Long>> dirty = new EnumMap<>(Resolution.class);
  private final long loadedFrom;
  private double lastValue = Double.NaN;
  private long lastTs = Long.MIN_VALUE;

  /** {@code loadedFrom}: the time from which every sample of the series is in memory (aligned to the hour). */
  public SeriesWindows(Map<Resolution, Long> spans, long loadedFrom) {
    this.spans = Map.copyOf(spans);
    this.loadedFrom = loadedFrom;
    for (Resolution r : Resolution.values()) {
      windows.put(r, new TreeMap<>());
      dirty.put(r, new TreeSet<>());
    }
  }

  /** The oldest window start a resolution keeps at {@code now}. */
  long keepFrom(Resolution r, long now) {
    return r.start(now - spans.get(r));
  }

  /** Windows of {@code r} starting at or after this are complete in memory. */
  public long memoryFrom(Resolution r, long now) {
    return Math.max(r.start(loadedFrom) == loadedFrom ? loadedFrom : r.start(loadedFrom) + r.millis, keepFrom(r, now));
  }

  /**
   * Adds one sample to each resolution's window. A 10 s window older than its span is not kept (Cassandra's raw
   * samples serve it); a 1 min or 1 h window is, from the recovery point on, until it has been written.
   */
  public void add(long ts, double value, long now) {
    double delta = 0;
    if (ts > lastTs) {
      if (!Double.isNaN(lastValue)) delta = value >= lastValue ? value - lastValue : value; // a drop is a counter reset
      lastTs = ts;
      lastValue = value;
    }
    for (Resolution r : Resolution.values()) {
      long start = r.start(ts);
      if (start < (r == Resolution.S10 ? memoryFrom(r, now) : loadedFrom)) continue;
      windows.get(r).computeIfAbsent(start, Bucket::new).add(ts, value, delta);
      if (r != Resolution.S10) dirty.get(r).add(start); // 10 s windows are never written: raw samples serve them
    }
  }

  /** Drops windows older than each resolution's span, but none still to be written. */
  public void evict(long now) {
    for (Resolution r : Resolution.values()) {
      long keep = keepFrom(r, now);
      TreeSet<Long> d = dirty.get(r);
      windows.get(r).headMap(keep, false).keySet().removeIf(start -> !d.contains(start));
    }
  }

  /** The windows of {@code r} starting in {@code [from, to)}, oldest first; empty windows are absent. */
  public List<Agg> read(Resolution r, long from, long to) {
    List<Agg> out = new ArrayList<>();
    if (from >= to) return out;
    for (Bucket b : windows.get(r).subMap(from, true, to, false).values()) out.add(b.snapshot());
    return out;
  }

  /**
   * The dirty windows of {@code r} that ended at least {@code grace} ago (all of them when {@code all}), now clean: the
   * downsampled rows to write. A late sample makes its window dirty again, and the row is written again whole.
   */
  public List<Agg> takeDirty(Resolution r, long now, long grace, boolean all) {
    List<Agg> out = new ArrayList<>();
    NavigableMap<Long, Bucket> w = windows.get(r);
    var it = dirty.get(r).iterator();
    while (it.hasNext()) {
      long start = it.next();
      if (!all && start + r.millis + grace > now) break;
      Bucket b = w.get(start);
      if (b != null) out.add(b.snapshot());
      it.remove();
    }
    return out;
  }

  /** When the oldest dirty window of {@code r} closes (plus grace), or -1 when none is dirty. */
  public long nextClose(Resolution r, long grace) {
    TreeSet<Long> d = dirty.get(r);
    return d.isEmpty() ? -1 : d.first() + r.millis + grace;
  }

  public long lastTs() {
    return lastTs;
  }

  /** Builds windows of {@code r} from samples in time order, as a series would have: for ranges older than memory. */
  public static List<Agg> fromSamples(Resolution r, List<Sample> samples) {
    TreeMap<Long, Bucket> out = new TreeMap<>();
    double last = Double.NaN;
    for (Sample s : samples) {
      double delta = Double.isNaN(last) ? 0 : s.value() >= last ? s.value() - last : s.value();
      last = s.value();
      out.computeIfAbsent(r.start(s.ts()), Bucket::new).add(s.ts(), s.value(), delta);
    }
    return out.values().stream().map(Bucket::snapshot).toList();
  }
}
