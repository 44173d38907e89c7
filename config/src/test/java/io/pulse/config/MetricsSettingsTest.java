package io.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsSettingsTest {
  @Test
  void defaultsReadAndOverridesApply() {
    MetricsSettings m = MetricsSettings.from(PulseConfig.load(""));
    assertThat(m.memory10s()).hasMinutes(10);
    assertThat(m.memory1m()).hasHours(2);
    assertThat(m.retentionRaw()).hasDays(2);
    assertThat(m.retention1h()).hasDays(400);
    assertThat(m.selfScrape()).isTrue();
    assertThat(m.selfTenant()).isEqualTo("pulse");
    assertThat(m.maxBatchBytes()).isEqualTo(8L * 1024 * 1024);
    MetricsSettings small = MetricsSettings.from(PulseConfig.load("pulse.metrics.max-series-per-metric = 3\npulse.metrics.retention.1m = 7 d"));
    assertThat(small.maxSeriesPerMetric()).isEqualTo(3);
    assertThat(small.retention1m()).hasDays(7);
  }
}
