package io.pulse.load;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The load generator's own collector pauses inside the sending window. A frame that reaches this JVM
 * while it is stopped is timestamped when it resumes, so those pauses are part of every measured
 * delivery time: on a machine the node shares with its load generator, the report has to say how
 * much of the tail may be the generator's.
 */
final class GeneratorPauses {
  private GeneratorPauses() {}

  /** Pauses, their total and the longest, in microseconds; immutable. */
  record Tally(long count, long totalMicros, long maxMicros) {
    static final Tally NONE = new Tally(0, 0, 0);

    /** Counts a pause if it began inside {@code [windowStart, windowEnd)}. */
    Tally add(long startMicros, long durationMicros, long windowStart, long windowEnd) {
      if (startMicros < windowStart || startMicros >= windowEnd) return this;
      return new Tally(count + 1, totalMicros + durationMicros, Math.max(maxMicros, durationMicros));
    }

    /** Another process's tally: several load processes ran side by side. */
    Tally merge(Tally other) {
      return new Tally(count + other.count, totalMicros + other.totalMicros, Math.max(maxMicros, other.maxMicros));
    }

    /** As raw report lines, for {@link ChatReport} to merge the tallies of several processes. */
    void putRaw(Map<String, String> raw) {
      raw.put(COUNT_KEY, Long.toString(count));
      raw.put(TOTAL_KEY, Long.toString(totalMicros));
      raw.put(MAX_KEY, Long.toString(maxMicros));
    }

    /** Read back from a report's raw lines; a report without them counts as no pause. */
    static Tally fromRaw(Map<String, String> raw) {
      return new Tally(
          Long.parseLong(raw.getOrDefault(COUNT_KEY, "0")),
          Long.parseLong(raw.getOrDefault(TOTAL_KEY, "0")),
          Long.parseLong(raw.getOrDefault(MAX_KEY, "0")));
    }

    /** {@code processes} each paused this share of a window of {@code seconds}, on average. */
    String format(int processes, double seconds) {
      if (count == 0) return "none in the sending window";
      double share = totalMicros / 1e6 / (processes * seconds);
      return String.format(Locale.ROOT, "%d pauses, %.0f ms in all (%.1f%% of the window per process), longest %.1f ms",
          count, totalMicros / 1000.0, 100 * share, maxMicros / 1000.0);
    }
  }

  private static final String COUNT_KEY = "generator.gc.pauses";
  private static final String TOTAL_KEY = "generator.gc.pause.micros";
  private static final String MAX_KEY = "generator.gc.pause.max.micros";

  private static final AtomicReference<Tally> TALLY = new AtomicReference<>(Tally.NONE);
  private static boolean installed; // guarded by install's lock

  /** Starts counting this JVM's stop-the-world collections; once per JVM. */
  static synchronized void install() {
    if (installed) return;
    installed = true;
    long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (!stopsTheWorld(gc) || !(gc instanceof NotificationEmitter emitter)) continue;
      emitter.addNotificationListener(
          (notification, handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) return;
            var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()).getGcInfo();
            long start = (jvmStartMillis + info.getStartTime()) * 1000;
            long duration = info.getDuration() * 1000;
            TALLY.updateAndGet(t -> t.add(start, duration, ChatStats.windowStartMicros, ChatStats.windowEndMicros));
          },
          null,
          null);
    }
  }

  /**
   * G1's and Parallel's collectors stop the world; ZGC's and Shenandoah's "Cycles" beans and G1's
   * "Concurrent GC" bean time work that runs beside the application.
   */
  static boolean stopsTheWorld(GarbageCollectorMXBean gc) {
    return !gc.getName().contains("Cycles") && !gc.getName().contains("Concurrent");
  }

  static Tally tally() {
    return TALLY.get();
  }
}
