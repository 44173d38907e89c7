package io.pulse.actors.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ZERO);

  @Test
  void theCeilingDoublesUntilTheCap() {
    assertThat(backoff.ceilingMillis(1)).isEqualTo(100);
    assertThat(backoff.ceilingMillis(2)).isEqualTo(200);
    assertThat(backoff.ceilingMillis(7)).isEqualTo(6_400);
    assertThat(backoff.ceilingMillis(8)).isEqualTo(10_000);
    assertThat(backoff.ceilingMillis(1_000)).as("no overflow").isEqualTo(10_000);
  }

  @Test
  void delaysAreFullJitterWithinTheCeilingAndRepeatUnderOneSeed() {
    List<Long> first = new ArrayList<>();
    List<Long> second = new ArrayList<>();
    Random a = new Random(42);
    Random b = new Random(42);
    for (int attempt = 1; attempt <= 20; attempt++) {
      long d = backoff.delayMillis(attempt, a);
      assertThat(d).isBetween(0L, backoff.ceilingMillis(attempt));
      first.add(d);
      second.add(backoff.delayMillis(attempt, b));
    }
    assertThat(first).isEqualTo(second);
    // full jitter: spread over the range, not pinned to its top
    Random r = new Random(7);
    long below = 0;
    for (int i = 0; i < 1_000; i++) if (backoff.delayMillis(20, r) < 5_000) below++;
    assertThat(below).isBetween(400L, 600L);
  }

  @Test
  void theFloorIsKept() {
    Backoff floored = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMillis(50));
    Random r = new Random(1);
    for (int i = 0; i < 100; i++) assertThat(floored.delayMillis(1, r)).isBetween(50L, 100L);
  }

  @Test
  void badSchedulesAreRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
