package io.pulse.http;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pulse.config.PulseConfig;
import org.junit.jupiter.api.Test;

class PulseNodeStartTest {

  @Test
  void aProductionNodeWithoutAnOriginAllowListRefusesToStart() {
    // the check comes before Cassandra, the actor system and the port: nothing is started
    assertThatThrownBy(() -> PulseNode.start(PulseConfig.load("production", "pulse.http.port = 0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pulse.http.allowed-origins");
  }
}
