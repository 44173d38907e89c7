package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.config.PulseConfig;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cluster Bootstrap instead of seed nodes: two nodes with no seed nodes, each told the other's
 * management port by config discovery, form one cluster by themselves, and serve chat across it.
 */
@ExtendWith(CassandraExtension.class)
class BootstrapIT {

  private static String bootstrap(int own, List<Integer> all) {
    StringBuilder endpoints = new StringBuilder();
    for (int p : all) endpoints.append(endpoints.length() == 0 ? "" : ", ").append("{ host = \"127.0.0.1\", port = ").append(p).append(" }");
    return "pekko.cluster.seed-nodes = []\n"
        + "pulse.cluster.bootstrap = on\n"
        + "pulse.management { enabled = on, port = " + own + " }\n"
        + "pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port = false\n"
        + "pekko.discovery.config.services.pulse.endpoints = [" + endpoints + "]\n";
  }

  @Test
  void twoNodesWithoutSeedNodesFormOneClusterFromTheirContactPoints() throws Exception {
    int m1 = TestNodes.freePort();
    int m2 = TestNodes.freePort();
    List<Integer> contacts = List.of(m1, m2);
    // each start returns only once its node is Up, which needs the other: start both at once
    CompletableFuture<PulseNode> first = CompletableFuture.supplyAsync(() -> PulseNode.start(PulseConfig.load(TestNodes.overrides(TestNodes.freePort(), bootstrap(m1, contacts)))));
    CompletableFuture<PulseNode> second = CompletableFuture.supplyAsync(() -> PulseNode.start(PulseConfig.load(TestNodes.overrides(TestNodes.freePort(), bootstrap(m2, contacts)))));
    PulseNode a = first.get(90, TimeUnit.SECONDS);
    PulseNode b = second.get(90, TimeUnit.SECONDS);
    try {
      TestNodes.awaitCondition(() -> TestNodes.upMembers(a) == 2 && TestNodes.upMembers(b) == 2, Duration.ofSeconds(30), "one cluster of two");
      assertThat(TestNodes.get(m1, "/bootstrap/seed-nodes").statusCode()).isEqualTo(200);
      assertThat(TestNodes.get(m2, "/ready").statusCode()).isEqualTo(200);
      // one cluster, not two: a conversation created on one node is reached from the other
      String alice = TestNodes.uniqueUser("alice");
      String bob = TestNodes.uniqueUser("bob");
      try (WsClient wa = TestNodes.connect(a.httpPort(), alice);
          WsClient wb = TestNodes.connect(b.httpPort(), bob)) {
        String conv = wa.ok("{\"type\":\"conv.create\",\"kind\":\"group\",\"members\":[\"" + bob + "\"]}", Duration.ofSeconds(30)).get("conversationId").asText();
        wa.ok("{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"m1\",\"text\":\"hi\"}", Duration.ofSeconds(30));
        assertThat(wb.ok("{\"type\":\"conv.history\",\"conversationId\":\"" + conv + "\"}", Duration.ofSeconds(30)).get("events").toString()).contains("\"hi\"");
      }
    } finally {
      b.close();
      a.close();
    }
  }
}
