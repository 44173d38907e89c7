package io.pulse.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The chat simulation's send offsets: a group's members must not all send at the same instant. */
class SendScheduleTest {
  private static final long PERIOD = 2_000_000; // 2 s in microseconds

  private static List<Long> groupOffsets() {
    // ids as ChatSimulation names a group's members: they differ only in the last character
    return IntStream.range(0, 10).mapToObj(i -> ChatSimulation.sendOffsetMicros("load-r1abc-g7-m" + i, PERIOD)).toList();
  }

  @Test
  void aGroupsMembersAreSpreadOverThePeriod() {
    List<Long> offsets = groupOffsets();
    assertThat(offsets).allSatisfy(o -> assertThat(o).isBetween(0L, PERIOD - 1));
    long spread = offsets.stream().mapToLong(Long::longValue).max().getAsLong() - offsets.stream().mapToLong(Long::longValue).min().getAsLong();
    // by the id's hash they fell within 9 µs; spread uniformly, ten draws span most of the period
    assertThat(spread).isGreaterThan(PERIOD / 2);
  }

  @Test
  void theSameIdGetsTheSameOffsetInEveryRun() {
    assertThat(groupOffsets()).isEqualTo(groupOffsets());
  }
}
