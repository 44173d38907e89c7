package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.config.PulseConfig;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real node on the production profile (with the operator's secret, on the test's Cassandra): the dev
 * token endpoint does not exist, health and metrics do.
 */
@ExtendWith(CassandraExtension.class)
class ProductionProfileIT {

  @Test
  void aProductionNodeHasNoDevEndpoint() throws Exception {
    String overrides =
        TestNodes.overrides(
            TestNodes.freePort(),
            "pulse.http.host = \"127.0.0.1\"\n"
                + "pulse.auth.hs256-secret = \"an-operator-secret-of-at-least-32-bytes!\"\n"
                // the management port is the operator's choice; off here so tests never collide on 7626
                + "pulse.management.enabled = off\n"
                // production requires the pages' origins (the node refuses to start without them)
                + "pulse.http.allowed-origins = [\"https://app.example.com\"]\n");
    try (PulseNode node = PulseNode.start(PulseConfig.load("production", overrides))) {
      assertThat(TestNodes.get(node.httpPort(), "/ready").statusCode()).isEqualTo(200);
      assertThat(TestNodes.post(node.httpPort(), "/api/dev/tokens", "{\"userId\":\"mallory\"}").statusCode()).isEqualTo(404);
      assertThat(TestNodes.get(node.httpPort(), "/metrics").body()).contains("pulse_connections_open");
    }
  }
}
