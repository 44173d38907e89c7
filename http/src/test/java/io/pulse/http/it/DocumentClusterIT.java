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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** A document whose hosting node stops: no acknowledged op is lost, and editors elsewhere go on. */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocumentClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final List<PulseNode> nodes = new ArrayList<>();

  @BeforeAll
  void start() {
    int seedPort = TestNodes.freePort();
    String seed = "pekko.cluster.seed-nodes = [\"pekko://pulse@127.0.0.1:" + seedPort + "\"]\n";
    nodes.add(PulseNode.start(PulseConfig.load(TestNodes.overrides(seedPort, seed))));
    nodes.add(PulseNode.start(PulseConfig.load(TestNodes.overrides(TestNodes.freePort(), seed))));
    TestNodes.awaitCondition(() -> nodes.stream().allMatch(n -> TestNodes.upMembers(n) == 2), WAIT, "a two-node cluster");
  }

  @AfterAll
  void stop() throws Exception {
    for (PulseNode node : nodes) node.close();
  }

  private PulseNode host(String documentId) throws Exception {
    for (PulseNode node : nodes) {
      CompletionStage<ShardRegion.CurrentShardRegionState> state =
          AskPattern.ask(
              ClusterSharding.get(node.system()).shardState(),
              replyTo -> new GetShardRegionState(Document.ENTITY_TYPE_KEY, replyTo),
              Duration.ofSeconds(5),
              node.system().scheduler());
      for (ShardRegion.ShardState shard : state.toCompletableFuture().get(10, TimeUnit.SECONDS).getShards()) {
        if (shard.getEntityIds().contains(documentId)) return node;
      }
    }
    throw new AssertionError("no node hosts " + documentId);
  }

  @Test
  void noAcknowledgedOpIsLostWhenTheNodeHostingTheDocumentStops() throws Exception {
    String alice = TestNodes.uniqueUser("alice");
    String doc;
    try (WsClient creator = TestNodes.connect(nodes.get(0).httpPort(), alice)) {
      doc = creator.ok("{\"type\":\"doc.create\",\"title\":\"Failover\"}", WAIT).get("documentId").asText();
    }
    PulseNode host = host(doc);
    PulseNode other = nodes.stream().filter(n -> n != host).findFirst().orElseThrow();
    try (WsClient w = TestNodes.connect(other.httpPort(), alice)) {
      DocAppender writer = new DocAppender(w, doc, "writer", 1, WAIT);
      for (int i = 0; i < 10; i++) writer.append("a" + i);
      host.close();
      nodes.remove(host);
      for (int i = 0; i < 10; i++) writer.append("b" + i);
      JsonNode view = w.ok("{\"type\":\"doc.get\",\"documentId\":\"" + doc + "\"}", WAIT);
      assertThat(view.get("text").asText()).isEqualTo(writer.expected());
      assertThat(view.get("version").asLong()).isEqualTo(21); // created + 20 ops: every resend was stored once
    }
  }
}
