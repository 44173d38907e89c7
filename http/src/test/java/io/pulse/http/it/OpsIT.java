package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.config.PulseConfig;
import io.pulse.http.PulseNode;
import io.pulse.http.ops.PromText;
import io.pulse.persistence.testkit.CassandraExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's surface on two real nodes of one cluster: each node's /metrics moves with real sockets
 * and frames, /api/ops/cluster shows both members with the figures each node answered, and /sse/ops
 * streams the same view. The second node has a tight frame rate limit, to see rejections counted.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private PulseNode a;
  private PulseNode b;
  private final int managementPort = TestNodes.freePort();

  @BeforeAll
  void start() {
    int seedPort = TestNodes.freePort();
    String seed = "pekko.cluster.seed-nodes = [\"pekko://pulse@127.0.0.1:" + seedPort + "\"]\n";
    String management = "pulse.management { enabled = on, port = " + managementPort + " }\n";
    a = PulseNode.start(PulseConfig.load(TestNodes.overrides(seedPort, seed + management)));
    b = PulseNode.start(PulseConfig.load(TestNodes.overrides(TestNodes.freePort(), seed + "pulse.gateway.rate-limit { per-second = 1, burst = 3 }\n")));
    TestNodes.awaitCondition(() -> TestNodes.upMembers(a) == 2, WAIT, "the two nodes to form one cluster");
  }

  @AfterAll
  void stop() throws Exception {
    if (b != null) b.close();
    if (a != null) a.close();
  }

  private static String scrape(PulseNode node) {
    HttpResponse<String> r = TestNodes.get(node.httpPort(), "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain").contains("version=0.0.4");
    return r.body();
  }

  private static double metric(PulseNode node, String series) {
    return PromText.value(scrape(node), series);
  }

  private static String address(PulseNode node) {
    return Cluster.get(node.system()).selfMember().address().toString();
  }

  @Test
  void metricsMoveWithSocketsFramesAndErrors() {
    double open = metric(a, "pulse_connections_open");
    double pings = metric(a, "pulse_frames_in_total{kind=\"Ping\"}");
    double invalid = metric(a, "pulse_frames_in_total{kind=\"invalid\"}");
    double out = metric(a, "pulse_frames_out_total");
    double malformed = metric(a, "pulse_errors_total{code=\"malformed_json\"}");
    WsClient one = TestNodes.connect(a.httpPort(), TestNodes.uniqueUser("ops"));
    WsClient two = TestNodes.connect(a.httpPort(), TestNodes.uniqueUser("ops"));
    try {
      assertThat(metric(a, "pulse_connections_open")).isEqualTo(open + 2);
      for (int i = 0; i < 5; i++) assertThat(one.call("{\"type\":\"ping\"}", WAIT).get("type").asText()).isEqualTo("pong");
      two.send("{not json"); // no ref to match: the next frame is its error
      assertThat(two.next(WAIT).get("code").asText()).isEqualTo("malformed_json");

      String text = scrape(a);
      assertThat(PromText.value(text, "pulse_frames_in_total{kind=\"Ping\"}")).isEqualTo(pings + 5);
      assertThat(PromText.value(text, "pulse_frames_in_total{kind=\"invalid\"}")).isEqualTo(invalid + 1);
      assertThat(PromText.value(text, "pulse_errors_total{code=\"malformed_json\"}")).isEqualTo(malformed + 1);
      // two welcomes, five pongs, one error
      assertThat(PromText.value(text, "pulse_frames_out_total")).isEqualTo(out + 8);
      assertThat(text).contains("jvm_memory_used_bytes{area=\"heap\"}");
    } finally {
      one.close();
      two.close();
    }
    TestNodes.awaitCondition(() -> metric(a, "pulse_connections_open") == open, WAIT, "the closed sockets to leave the gauge");
  }

  @Test
  void rateLimitRejectionsAreCountedAsTheClientSeesThem() {
    double before = metric(b, "pulse_rate_limit_rejections_total");
    double codeBefore = metric(b, "pulse_errors_total{code=\"rate_limited\"}");
    try (WsClient ws = TestNodes.connect(b.httpPort(), TestNodes.uniqueUser("flood"))) {
      for (int i = 0; i < 10; i++) ws.send("{\"type\":\"ping\",\"ref\":\"p" + i + "\"}");
      int limited = 0;
      for (int i = 0; i < 10; i++) {
        JsonNode r = ws.next(WAIT);
        if ("error".equals(r.get("type").asText())) {
          assertThat(r.get("code").asText()).isEqualTo("rate_limited");
          limited++;
        }
      }
      assertThat(limited).isGreaterThanOrEqualTo(6); // a burst of 3, then 1 per second
      String text = scrape(b);
      assertThat(PromText.value(text, "pulse_rate_limit_rejections_total")).isEqualTo(before + limited);
      assertThat(PromText.value(text, "pulse_errors_total{code=\"rate_limited\"}")).isEqualTo(codeBefore + limited);
    }
  }

  @Test
  void journalWritesAndShardedEntitiesShowOnTheNodesThatHostThem() {
    double writes = metric(a, "pulse_journal_write_seconds_count") + metric(b, "pulse_journal_write_seconds_count");
    String alice = TestNodes.uniqueUser("alice");
    try (WsClient ws = TestNodes.connect(a.httpPort(), alice)) {
      String conv =
          ws.ok("{\"type\":\"conv.create\",\"kind\":\"group\",\"members\":[\"" + TestNodes.uniqueUser("bob") + "\"]}", WAIT).get("conversationId").asText();
      ws.ok("{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"m1\",\"text\":\"hello\"}", WAIT);
    }
    // the creation and the send are two group-commit writes, timed on whichever node hosts the conversation
    assertThat(metric(a, "pulse_journal_write_seconds_count") + metric(b, "pulse_journal_write_seconds_count")).isGreaterThanOrEqualTo(writes + 2);
    // shard counts are refreshed every 2 s: the conversation's shard and entity appear on its host
    TestNodes.awaitCondition(
        () -> metric(a, "pulse_entities{type=\"Conversation\"}") + metric(b, "pulse_entities{type=\"Conversation\"}") >= 1
            && metric(a, "pulse_shards{type=\"Conversation\"}") + metric(b, "pulse_shards{type=\"Conversation\"}") >= 1,
        WAIT,
        "the conversation's shard to be counted");
  }

  private static JsonNode cluster(PulseNode node) throws Exception {
    HttpResponse<String> r = TestNodes.get(node.httpPort(), "/api/ops/cluster");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    return JSON.readTree(r.body());
  }

  private static JsonNode member(JsonNode view, String address) {
    for (JsonNode m : view.get("members")) if (address.equals(m.get("address").asText())) return m;
    throw new AssertionError("no member " + address + " in " + view);
  }

  /** True once every member carries the figures its node answered. */
  private static boolean everyNodeAnswered(JsonNode view) {
    for (JsonNode m : view.get("members")) if (m.get("node").isNull()) return false;
    return view.get("members").size() == 2;
  }

  @Test
  void clusterViewShowsEveryMemberWithItsOwnNodesFigures() throws Exception {
    TestNodes.awaitCondition(
        () -> {
          try {
            return everyNodeAnswered(cluster(a));
          } catch (Exception e) {
            return false;
          }
        },
        WAIT,
        "both nodes' stats in the view");
    List<WsClient> onB = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) onB.add(TestNodes.connect(b.httpPort(), TestNodes.uniqueUser("viewer")));
      JsonNode view = cluster(a);
      assertThat(view.get("self").asText()).isEqualTo(address(a));
      assertThat(view.get("members")).hasSize(2);
      JsonNode ofB = member(view, address(b));
      assertThat(ofB.get("status").asText()).isEqualTo("Up");
      assertThat(ofB.get("roles").isArray()).isTrue();
      // b's figures come from b (asked across the cluster), not from a
      assertThat(ofB.at("/node/connections").asInt()).isEqualTo(3);
      assertThat(member(view, address(a)).at("/node/connections").asInt()).isZero();
      JsonNode node = ofB.get("node");
      for (String field : List.of("connections", "framesInPerSec", "framesOutPerSec", "shards", "entities")) assertThat(node.has(field)).as(field).isTrue();
      assertThat(node.get("shards").isObject()).isTrue();
      assertThat(node.get("entities").isObject()).isTrue();

      // frames per second: b's sockets ping within its limit; its rate becomes positive within a sample or two
      for (WsClient ws : onB) ws.call("{\"type\":\"ping\"}", WAIT);
      TestNodes.awaitCondition(
          () -> {
            try {
              JsonNode m = member(cluster(a), address(b));
              return m.at("/node/framesInPerSec").asDouble() > 0 && m.at("/node/framesOutPerSec").asDouble() > 0;
            } catch (Exception e) {
              return false;
            }
          },
          WAIT,
          "b's frame rates to show");
    } finally {
      onB.forEach(WsClient::close);
    }
  }

  @Test
  void theSameViewIsStreamedOncePerSecondAsSse() {
    TestNodes.awaitCondition(
        () -> {
          try {
            return everyNodeAnswered(cluster(b));
          } catch (Exception e) {
            return false;
          }
        },
        WAIT,
        "both nodes' stats in b's view");
    try (SseClient sse = SseClient.open(b.httpPort(), "/sse/ops", null, null)) {
      assertThat(sse.status).isEqualTo(200);
      long first = System.nanoTime();
      SseClient.Event e1 = sse.next("cluster", WAIT);
      SseClient.Event e2 = sse.next("cluster", WAIT);
      SseClient.Event e3 = sse.next("cluster", WAIT);
      // three views: the first at once, then one per second
      assertThat(Duration.ofNanos(System.nanoTime() - first)).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(10));
      for (SseClient.Event e : List.of(e1, e2, e3)) {
        assertThat(e.data().get("self").asText()).isEqualTo(address(b));
        assertThat(e.data().get("members")).hasSize(2);
      }
      assertThat(member(e3.data(), address(a)).get("status").asText()).isEqualTo("Up");
    }
  }

  private HttpResponse<String> management(String path) {
    return TestNodes.get(managementPort, path);
  }

  @Test
  void managementAnswersMembersShardsAndHealthOnItsOwnPort() throws Exception {
    HttpResponse<String> members = management("/cluster/members");
    assertThat(members.statusCode()).isEqualTo(200);
    JsonNode m = JSON.readTree(members.body());
    assertThat(m.get("selfNode").asText()).isEqualTo(address(a));
    assertThat(m.get("members")).hasSize(2);
    for (JsonNode member : m.get("members")) assertThat(member.get("status").asText()).isEqualTo("Up");

    HttpResponse<String> shards = management("/cluster/shards/User");
    assertThat(shards.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(shards.body()).has("regions")).isTrue();

    // health agrees with the node's own endpoints
    assertThat(TestNodes.get(a.httpPort(), "/ready").statusCode()).isEqualTo(200);
    assertThat(management("/ready").statusCode()).isEqualTo(200);
    assertThat(TestNodes.get(a.httpPort(), "/alive").statusCode()).isEqualTo(200);
    assertThat(management("/alive").statusCode()).isEqualTo(200);

    // read-only: no member can be made to leave through this port
    HttpResponse<String> leave =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + managementPort + "/cluster/members/" + address(b)))
                    .method("DELETE", java.net.http.HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(leave.statusCode()).isIn(404, 405);
    assertThat(TestNodes.upMembers(a)).isEqualTo(2);
  }

  /** The fields of a member, as a map, for a readable failure. */
  @SuppressWarnings("unused")
  private static Map<String, Object> fields(JsonNode n) {
    return JSON.convertValue(n, Map.class);
  }
}
