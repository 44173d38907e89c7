package io.pulse.actors.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromDurationTest {
  @Test
  void prometheusDurations() {
    assertThat(PromDuration.parseMillis("0")).hasValue(0);
    assertThat(PromDuration.parseMillis("500ms")).hasValue(500);
    assertThat(PromDuration.parseMillis("30s")).hasValue(30_000);
    assertThat(PromDuration.parseMillis("5m")).hasValue(300_000);
    assertThat(PromDuration.parseMillis("1h30m")).hasValue(5_400_000);
    assertThat(PromDuration.parseMillis("2d")).hasValue(172_800_000);
    assertThat(PromDuration.parseMillis("1w")).hasValue(604_800_000);
  }

  @Test
  void junkAndAbsurdDurationsAreRefused() {
    for (String bad : new String[] {"", "5", "-5s", "5 s", "1.5s", "5x", "s", "99999999999999999999s", "400d", null}) {
      assertThat(PromDuration.parseMillis(bad)).as(String.valueOf(bad)).isEmpty();
    }
  }
}
