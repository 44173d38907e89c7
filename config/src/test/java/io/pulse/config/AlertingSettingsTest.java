package io.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AlertingSettingsTest {
  @Test
  void defaultsHaveNoReceiverAndNoQueryEngine() {
    AlertingSettings s = AlertingSettings.from(PulseConfig.load(""));
    assertThat(s.receivers()).isEmpty();
    assertThat(s.ruleQueryClass()).isEmpty();
    assertThat(s.defaultInterval()).hasSeconds(10);
    assertThat(s.keepResolved()).hasMinutes(15);
  }

  @Test
  void aReceiverTakesTheDefaultsItDoesNotOverride() {
    AlertingSettings s =
        AlertingSettings.from(
            PulseConfig.load("pulse.alerting.receivers.ops { url = \"https://hooks.internal/x\", secret = \"0123456789abcdef\", group-wait = 2 s }"));
    AlertingSettings.Receiver ops = s.receivers().get("ops");
    assertThat(ops.url()).isEqualTo("https://hooks.internal/x");
    assertThat(ops.groupWait()).hasSeconds(2);
    assertThat(ops.groupInterval()).hasMinutes(5);
    assertThat(ops.groupBy()).containsExactly("alertname");
    assertThat(ops.backoffCap()).hasMinutes(5);
    assertThat(ops.toString()).doesNotContain("0123456789abcdef");
  }

  @Test
  void aBadReceiverStopsTheStart() {
    assertThatThrownBy(() -> AlertingSettings.from(PulseConfig.load("pulse.alerting.receivers.ops { url = \"ftp://x\", secret = \"0123456789abcdef\" }")))
        .hasMessageContaining("http(s)");
    assertThatThrownBy(() -> AlertingSettings.from(PulseConfig.load("pulse.alerting.receivers.ops { url = \"http://x\", secret = \"short\" }")))
        .hasMessageContaining("16 bytes");
  }
}
