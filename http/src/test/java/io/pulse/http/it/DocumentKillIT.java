package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.document.Document;
import io.pulse.config.PulseConfig;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kill -9 of the node hosting a document while an editor types on another node: the node gets no
 * chance to hand anything off, yet every acknowledged op is in the text afterwards, once.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocumentKillIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Down an unreachable member soon: the test's whole point is the time after the kill. */
  private static final String CLUSTER = "pekko.cluster.split-brain-resolver.stable-after = 3s\n";
  private PulseNode seed;
  private final List<ForkedNode> forked = new ArrayList<>();

  @BeforeAll
  void start() {
    int seedPort = TestNodes.freePort();
    String seeds = CLUSTER + "pekko.cluster.seed-nodes = [\"pekko://pulse@127.0.0.1:" + seedPort + "\"]\n";
    seed = PulseNode.start(PulseConfig.load(TestNodes.overrides(seedPort, seeds)));
    for (int i = 0; i < 2; i++) forked.add(ForkedNode.start(TestNodes.freePort(), seeds, WAIT));
    TestNodes.awaitCondition(() -> TestNodes.upMembers(seed) == 3, WAIT, "a three-node cluster");
  }

  @AfterAll
  void stop() throws Exception {
    for (ForkedNode n : forked) n.close();
    seed.close();
  }

  @Test
  void noAcknowledgedOpIsLostWhenTheHostingNodeIsKilled() throws Exception {
    String alice = TestNodes.uniqueUser("alice");
    try (WsClient w = TestNodes.connect(seed.httpPort(), alice)) {
      // a document hosted by a forked node, so that it can be killed
      String doc = null;
      ForkedNode host = null;
      for (int attempt = 0; attempt < 20 && host == null; attempt++) {
        doc = w.ok("{\"type\":\"doc.create\",\"title\":\"Kill\"}", WAIT).get("documentId").asText();
        int port = ShardHosts.hostPort(seed, Document.ENTITY_TYPE_KEY, doc);
        host = forked.stream().filter(n -> n.remotePort == port).findFirst().orElse(null);
      }
      assertThat(host).as("a document on a forked node").isNotNull();

      DocAppender writer = new DocAppender(w, doc, "writer", 1, WAIT);
      for (int i = 0; i < 10; i++) writer.append("a" + i);
      host.kill();
      for (int i = 0; i < 10; i++) writer.append("b" + i);
      JsonNode view = w.ok("{\"type\":\"doc.get\",\"documentId\":\"" + doc + "\"}", WAIT);
      assertThat(view.get("text").asText()).isEqualTo(writer.expected());
      assertThat(view.get("version").asLong()).isEqualTo(21);
    }
  }
}
