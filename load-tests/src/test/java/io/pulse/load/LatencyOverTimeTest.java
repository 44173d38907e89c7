package io.pulse.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The chat report's latency by send time: each sample lands in the slice of the window it was sent in. */
class LatencyOverTimeTest {
  private static final long SLICE = 10_000_000; // 10 s in microseconds

  @Test
  void samplesLandInTheSliceOfTheirSendTime() {
    LatencyOverTime byTime = new LatencyOverTime(SLICE, 6);
    for (int i = 0; i < 99; i++) byTime.record(1_000_000, 20_000); // 1 s in: 20 ms
    byTime.record(9_999_999, 900_000); // still the first slice: one slow delivery
    byTime.record(25_000_000, 40_000); // 25 s in: the third slice

    Map<Integer, Histogram> slices = byTime.slices();

    assertThat(slices).containsOnlyKeys(0, 2);
    assertThat(slices.get(0).getTotalCount()).isEqualTo(100);
    assertThat(slices.get(0).getMaxValue()).isBetween(891_000L, 909_000L); // two significant digits
    assertThat(slices.get(2).getTotalCount()).isEqualTo(1);
  }

  @Test
  void sendsOutsideTheWindowAreLeftOut() {
    LatencyOverTime byTime = new LatencyOverTime(SLICE, 2);
    byTime.record(-1, 5_000); // before the window
    byTime.record(20_000_000, 5_000); // past the last slice
    byTime.record(19_999_999, 5_000);

    assertThat(byTime.slices()).containsOnlyKeys(1);
  }

  @Test
  void theReportHasOneLinePerSliceWithItsPercentiles() {
    LatencyOverTime byTime = new LatencyOverTime(SLICE, 6);
    for (int i = 0; i < 100; i++) byTime.record(12_000_000, i < 98 ? 10_000 : 500_000);

    String report = LatencyOverTime.format(byTime.slices(), SLICE);

    assertThat(report.lines()).hasSize(1);
    assertThat(report).contains("sent   10-20   s").contains("p50=10").contains("p99=50").contains("n=100");
  }
}
