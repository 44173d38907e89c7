package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.chat.Conversation;
import io.pulse.config.PulseConfig;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three nodes of one cluster: members on different nodes chat, and stopping the node that hosts the
 * conversation loses no acknowledged message; the clients on the other nodes carry on in one sequence,
 * and a client of the stopped node resumes on another node with {@code since}.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterChatIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final List<PulseNode> nodes = new ArrayList<>();

  @BeforeAll
  void start() {
    int seedPort = TestNodes.freePort();
    String seed = "pekko.cluster.seed-nodes = [\"pekko://pulse@127.0.0.1:" + seedPort + "\"]\n";
    nodes.add(PulseNode.start(PulseConfig.load(TestNodes.overrides(seedPort, seed))));
    for (int i = 0; i < 2; i++) nodes.add(PulseNode.start(PulseConfig.load(TestNodes.overrides(TestNodes.freePort(), seed))));
    TestNodes.awaitCondition(() -> TestNodes.upMembers(nodes.get(0)) == 3, WAIT, "the three nodes to form one cluster");
  }

  @AfterAll
  void stop() throws Exception {
    for (PulseNode node : nodes) node.close();
  }

  /** The node whose shard region holds the conversation's entity now. */
  private PulseNode host(String conversationId) throws Exception {
    for (PulseNode node : nodes) {
      CompletionStage<ShardRegion.CurrentShardRegionState> state =
          AskPattern.ask(
              ClusterSharding.get(node.system()).shardState(),
              replyTo -> new GetShardRegionState(Conversation.ENTITY_TYPE_KEY, replyTo),
              Duration.ofSeconds(5),
              node.system().scheduler());
      ShardRegion.CurrentShardRegionState s = state.toCompletableFuture().get(10, TimeUnit.SECONDS);
      for (ShardRegion.ShardState shard : s.getShards()) if (shard.getEntityIds().contains(conversationId)) return node;
    }
    throw new AssertionError("no node hosts " + conversationId);
  }

  private static JsonNode call(WsClient ws, String frame) {
    return ws.call(frame, WAIT);
  }

  private static JsonNode ok(WsClient ws, String frame) {
    return ws.ok(frame, WAIT);
  }

  /** A send acknowledged once durable; retried while the conversation moves (unavailable = not applied or applied once: the id dedupes). */
  private static long sendUntilAcked(WsClient ws, String conv, String clientMsgId) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonNode r = call(ws, "{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"" + clientMsgId + "\",\"text\":\"" + clientMsgId + "\"}");
      if ("reply".equals(r.get("type").asText())) return r.at("/data/seq").asLong();
      assertThat(r.get("code").asText()).as("send during the move: %s", r).isEqualTo("unavailable");
      if (System.nanoTime() > deadline) throw new AssertionError("send was never acknowledged");
    }
  }

  private static JsonNode nextMessage(WsClient ws, String conv) {
    return ws.nextMatching(n -> "message".equals(n.path("event").asText()) && ("conv:" + conv).equals(n.path("topic").asText()), WAIT);
  }

  @Test
  void membersOnDifferentNodesChatAndSurviveTheStopOfTheHostingNode() throws Exception {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    String carol = TestNodes.uniqueUser("carol");
    String conv;
    try (WsClient creator = TestNodes.connect(nodes.get(0).httpPort(), alice)) {
      conv = ok(creator, "{\"type\":\"conv.create\",\"kind\":\"group\",\"members\":[\"" + bob + "\",\"" + carol + "\"]}").get("conversationId").asText();
    }
    PulseNode host = host(conv);
    List<PulseNode> others = nodes.stream().filter(n -> n != host).toList();

    // alice and bob on the two nodes that stay; carol on the node that will stop
    WsClient a = TestNodes.connect(others.get(0).httpPort(), alice);
    WsClient b = TestNodes.connect(others.get(1).httpPort(), bob);
    WsClient c = TestNodes.connect(host.httpPort(), carol);
    try {
      ok(b, "{\"type\":\"subscribe\",\"topic\":\"conv:" + conv + "\"}");
      ok(c, "{\"type\":\"subscribe\",\"topic\":\"conv:" + conv + "\"}");
      List<Long> acked = new ArrayList<>();
      for (int i = 0; i < 5; i++) acked.add(sendUntilAcked(a, conv, "before-" + i));
      long carolLast = 0;
      for (int i = 0; i < 5; i++) carolLast = nextMessage(c, conv).get("seq").asLong();

      host.close();
      nodes.remove(host);
      assertThat(c.closeCode(WAIT)).isEqualTo(1001); // going away: reconnect elsewhere

      for (int i = 0; i < 5; i++) acked.add(sendUntilAcked(a, conv, "after-" + i));

      // bob, on a node that stayed, sees every acknowledged message once, in order, without doing anything
      List<Long> seenByBob = new ArrayList<>();
      while (seenByBob.size() < acked.size()) seenByBob.add(nextMessage(b, conv).get("seq").asLong());
      assertThat(seenByBob).isEqualTo(acked);
      b.expectNothingMatching(n -> "message".equals(n.path("event").asText()), Duration.ofMillis(500));

      // carol resumes on another node from the last seq she saw
      try (WsClient c2 = TestNodes.connect(others.get(0).httpPort(), carol)) {
        ok(c2, "{\"type\":\"subscribe\",\"topic\":\"conv:" + conv + "\",\"since\":" + carolLast + "}");
        List<Long> seenByCarol = new ArrayList<>();
        for (int i = 0; i < 5; i++) seenByCarol.add(nextMessage(c2, conv).get("seq").asLong());
        assertThat(seenByCarol).isEqualTo(acked.subList(5, 10));
      }
    } finally {
      a.close();
      b.close();
      c.close();
    }
  }
}
