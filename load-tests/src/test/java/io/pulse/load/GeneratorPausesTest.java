package io.pulse.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import org.junit.jupiter.api.Test;

/** The chat report's line on the load generator's own pauses. */
class GeneratorPausesTest {

  @Test
  void countsOnlyPausesThatBeginInsideTheWindow() {
    GeneratorPauses.Tally t = GeneratorPauses.Tally.NONE
        .add(999, 50_000, 1_000, 2_000) // before the window
        .add(1_000, 20_000, 1_000, 2_000)
        .add(1_999, 80_000, 1_000, 2_000)
        .add(2_000, 90_000, 1_000, 2_000); // at its end: outside

    assertThat(t).isEqualTo(new GeneratorPauses.Tally(2, 100_000, 80_000));
  }

  @Test
  void mergesProcessesAndGivesTheShareOfEachWindow() {
    GeneratorPauses.Tally a = new GeneratorPauses.Tally(3, 600_000, 400_000);
    GeneratorPauses.Tally b = new GeneratorPauses.Tally(1, 200_000, 200_000);

    GeneratorPauses.Tally both = a.merge(b);

    assertThat(both).isEqualTo(new GeneratorPauses.Tally(4, 800_000, 400_000));
    // 0.8 s paused over two processes' 10 s windows: 4% of each
    assertThat(both.format(2, 10)).isEqualTo("4 pauses, 800 ms in all (4.0% of the window per process), longest 400.0 ms");
    assertThat(GeneratorPauses.Tally.NONE.format(1, 10)).isEqualTo("none in the sending window");
  }

  @Test
  void travelsThroughTheReportsRawLines() {
    GeneratorPauses.Tally t = new GeneratorPauses.Tally(5, 250_000, 90_000);
    Map<String, String> raw = new LinkedHashMap<>();

    t.putRaw(raw);

    assertThat(GeneratorPauses.Tally.fromRaw(raw)).isEqualTo(t);
    assertThat(GeneratorPauses.Tally.fromRaw(Map.of())).isEqualTo(GeneratorPauses.Tally.NONE);
  }

  @Test
  void countsThisJvmsCollections() throws Exception {
    long start = ChatStats.windowStartMicros;
    long end = ChatStats.windowEndMicros;
    ChatStats.windowStartMicros = 0;
    ChatStats.windowEndMicros = Long.MAX_VALUE;
    List<NotificationEmitter> emitters = new ArrayList<>();
    CountDownLatch notified = new CountDownLatch(1);
    NotificationListener seen = (n, h) -> notified.countDown();
    try {
      GeneratorPauses.install();
      long before = GeneratorPauses.tally().count();
      // Registered after the tally's own listener: a collector's listeners are called in order, on one thread.
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (gc instanceof NotificationEmitter e && GeneratorPauses.stopsTheWorld(gc)) {
          e.addNotificationListener(seen, null, null);
          emitters.add(e);
        }
      }

      System.gc();

      assertThat(notified.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(GeneratorPauses.tally().count()).isGreaterThan(before);
    } finally {
      for (NotificationEmitter e : emitters) e.removeNotificationListener(seen);
      ChatStats.windowStartMicros = start;
      ChatStats.windowEndMicros = end;
    }
  }
}
