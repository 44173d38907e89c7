package io.pulse.actors.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowsTest {
  private static final Map<Resolution, Long> SPANS = Map.of(Resolution.S10, 600_000L, Resolution.M1, 7_200_000L, Resolution.H1, 172_800_000L);
  private static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000L; // an hour boundary

  @Test
  void samplesLandInTheWindowOfEachResolution() {
    SeriesWindows w = new SeriesWindows(SPANS, T0);
    long now = T0 + 125_000;
    w.add(T0 + 1_000, 1, now);
    w.add(T0 + 9_999, 3, now);
    w.add(T0 + 10_000, 5, now);
    w.add(T0 + 61_000, 7, now);
    List<Agg> s10 = w.read(Resolution.S10, T0, T0 + 120_000);
    assertThat(s10).extracting(Agg::start).containsExactly(T0, T0 + 10_000, T0 + 60_000);
    assertThat(s10.get(0).count()).isEqualTo(2);
    assertThat(s10.get(0).sum()).isEqualTo(4);
    assertThat(s10.get(0).min()).isEqualTo(1);
    assertThat(s10.get(0).max()).isEqualTo(3);
    assertThat(s10.get(0).mean()).isEqualTo(2);
    List<Agg> m1 = w.read(Resolution.M1, T0, T0 + 120_000);
    assertThat(m1).extracting(Agg::start, Agg::count).containsExactly(org.assertj.core.groups.Tuple.tuple(T0, 3L), org.assertj.core.groups.Tuple.tuple(T0 + 60_000, 1L));
    assertThat(w.read(Resolution.H1, T0, T0 + 3_600_000).get(0).count()).isEqualTo(4);
    assertThat(w.read(Resolution.S10, T0 + 10_000, T0 + 10_001)).hasSize(1);
    assertThat(w.read(Resolution.S10, T0 + 10_001, T0 + 20_000)).isEmpty();
  }

  @Test
  void increaseCountsCounterResetsAndIgnoresOutOfOrderSamples() {
    SeriesWindows w = new SeriesWindows(SPANS, T0);
    long now = T0 + 60_000;
    w.add(T0 + 1_000, 10, now);
    w.add(T0 + 2_000, 15, now); // +5
    w.add(T0 + 3_000, 4, now); // reset: +4
    w.add(T0 + 2_500, 100, now); // out of order: no increase
    w.add(T0 + 11_000, 6, now); // +2, in the next 10 s window
    List<Agg> s10 = w.read(Resolution.S10, T0, T0 + 20_000);
    assertThat(s10.get(0).increase()).isEqualTo(9);
    assertThat(s10.get(0).last()).as("the latest timestamp's value").isEqualTo(4);
    assertThat(s10.get(1).increase()).isEqualTo(2);
    Agg merged = Agg.merge(s10, T0);
    assertThat(merged.increase()).isEqualTo(11);
    assertThat(merged.increase() / 20.0).as("rate per second over 20 s").isEqualTo(0.55);
    assertThat(w.read(Resolution.M1, T0, T0 + 60_000).get(0).increase()).isEqualTo(11);
  }

  @Test
  void mergedSketchesGiveTheQuantilesOfAllValues() {
    Random random = new Random(7);
    List<Agg> parts = new ArrayList<>();
    List<Double> all = new ArrayList<>();
    for (int p = 0; p < 6; p++) {
      SeriesWindows w = new SeriesWindows(SPANS, T0);
      for (int i = 0; i < 2_000; i++) {
        double v = random.nextGaussian() * 10 * (p + 1) - 50;
        all.add(v);
        w.add(T0 + p * 10_000 + i % 10_000, v, T0 + 60_000);
      }
      parts.add(w.read(Resolution.S10, T0, T0 + 60_000).get(0));
    }
    Agg merged = Agg.merge(parts, T0);
    double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    assertThat(merged.count()).isEqualTo(12_000);
    assertThat(merged.min()).isEqualTo(sorted[0]);
    assertThat(merged.max()).isEqualTo(sorted[sorted.length - 1]);
    double spread = sorted[sorted.length - 1] - sorted[0];
    for (double q : new double[] {0.5, 0.9, 0.99}) {
      double exact = sorted[(int) Math.ceil(q * sorted.length) - 1];
      assertThat(merged.quantile(q)).as("p" + q).isCloseTo(exact, within(spread * 0.01));
    }
    assertThat(merged.mean()).isCloseTo(Arrays.stream(sorted).average().orElseThrow(), within(1e-9));
  }

  @Test
  void fewValuesKeepExactQuantilesAndTheSketchRoundTrips() {
    SeriesWindows w = new SeriesWindows(SPANS, T0);
    for (int i = 1; i <= 5; i++) w.add(T0 + i, i, T0 + 10_000);
    Agg a = w.read(Resolution.S10, T0, T0 + 10_000).get(0);
    assertThat(a.quantile(0.0)).isEqualTo(1);
    assertThat(a.quantile(1.0)).isEqualTo(5);
    assertThat(a.quantile(0.5)).isCloseTo(3, within(0.5));
    assertThat(Agg.merge(List.of(a), T0)).isEqualTo(Agg.merge(List.of(a), T0));
    assertThat(Agg.merge(List.of(Agg.empty(T0)), T0).count()).isZero();
  }

  @Test
  void windowsOlderThanTheirSpanAreEvictedAndMemoryStartsAtRecovery() {
    SeriesWindows w = new SeriesWindows(SPANS, T0);
    w.add(T0 + 1_000, 1, T0 + 2_000);
    long later = T0 + 700_000;
    w.evict(later);
    assertThat(w.read(Resolution.S10, T0, later)).isEmpty();
    assertThat(w.read(Resolution.M1, T0, later)).hasSize(1);
    assertThat(w.memoryFrom(Resolution.S10, later)).isEqualTo(Resolution.S10.start(later - 600_000));
    assertThat(w.memoryFrom(Resolution.M1, later)).isEqualTo(T0);
    // a sample for a window older than memory changes no window
    w.add(T0 + 5_000, 9, later);
    assertThat(w.read(Resolution.S10, T0, later)).isEmpty();
  }

  @Test
  void closedDirtyWindowsAreHandedOutOnceAndAgainAfterALateSample() {
    SeriesWindows w = new SeriesWindows(SPANS, T0);
    w.add(T0 + 1_000, 1, T0 + 1_000);
    w.add(T0 + 61_000, 2, T0 + 61_000);
    assertThat(w.takeDirty(Resolution.M1, T0 + 62_000, 2_000, false)).extracting(Agg::start).containsExactly(T0);
    assertThat(w.takeDirty(Resolution.M1, T0 + 62_000, 2_000, false)).isEmpty();
    assertThat(w.nextClose(Resolution.M1, 2_000)).isEqualTo(T0 + 122_000);
    w.add(T0 + 30_000, 3, T0 + 63_000);
    assertThat(w.takeDirty(Resolution.M1, T0 + 63_000, 2_000, false)).extracting(Agg::count).containsExactly(2L);
    assertThat(w.takeDirty(Resolution.M1, T0 + 63_000, 2_000, true)).extracting(Agg::start).containsExactly(T0 + 60_000);
  }

  @Test
  void windowsBuiltFromStoredSamplesMatchLiveOnes() {
    SeriesWindows w = new SeriesWindows(SPANS, T0);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Sample s = new Sample(T0 + i * 3_000L, (i * 7) % 20);
      samples.add(s);
      w.add(s.ts(), s.value(), T0 + 200_000);
    }
    assertThat(SeriesWindows.fromSamples(Resolution.S10, samples)).isEqualTo(w.read(Resolution.S10, T0, T0 + 200_000));
    assertThat(Resolution.forStep(120_000)).isEqualTo(Resolution.M1);
    assertThat(Resolution.forStep(30_000)).isEqualTo(Resolution.S10);
    assertThat(Resolution.forStep(7_200_000)).isEqualTo(Resolution.H1);
  }
}
