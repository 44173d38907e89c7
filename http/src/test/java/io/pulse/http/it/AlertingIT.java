package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pulse.actors.alerting.LabeledValue;
import io.pulse.actors.alerting.WebhookSignature;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Alerting end to end: a real node on real Cassandra, rules evaluated against {@link ControlledRuleQuery}, and a
 * real HTTP receiver in this JVM (one path per receiver) that verifies every signature and, like an idempotent
 * receiver, counts each {@code Pulse-Notification-Id} once.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertingIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SECRET = "it-secret-0123456789abcdef";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** One webhook call as the receiver saw it. */
  record Call(String receiver, String id, JsonNode body, String signatureProblem, int answered) {
    List<String> rules() {
      List<String> out = new ArrayList<>();
      body.get("alerts").forEach(a -> out.add(a.get("rule").asText()));
      return out;
    }
  }

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  /** The status each receiver path answers; 200 unless a test says otherwise. */
  private final Map<String, Integer> answers = new ConcurrentHashMap<>();
  private HttpServer receiver;
  private String config;
  private PulseNode node;
  private String token;

  @BeforeAll
  void start() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook/", this::receive);
    receiver.start();
    String base = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook/";
    StringBuilder receivers = new StringBuilder();
    for (String r : List.of("ops", "flaky", "restart")) {
      receivers.append("pulse.alerting.receivers.").append(r).append(" { url = \"").append(base).append(r).append("\", secret = \"").append(SECRET)
          .append("\", group-wait = 300 ms, group-interval = 1 s, backoff { base = 100 ms, cap = 400 ms, floor = 50 ms } }\n");
    }
    config =
        "pulse.alerting.rule-query-class = \"io.pulse.http.it.ControlledRuleQuery\"\n"
            + "pulse.alerting.min-interval = 100 ms\n"
            + receivers;
    node = TestNodes.start(config);
    token = TestNodes.devToken(node.httpPort(), TestNodes.uniqueUser("ops"));
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) node.close();
    receiver.stop(0);
  }

  private void receive(HttpExchange exchange) throws IOException {
    String name = exchange.getRequestURI().getPath().substring("/hook/".length());
    byte[] body = exchange.getRequestBody().readAllBytes();
    String signature = exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER);
    String problem =
        WebhookSignature.verify(signature, body, SECRET.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() / 1000, 300).orElse(null);
    int status = answers.getOrDefault(name, 200);
    calls.add(new Call(name, exchange.getRequestHeaders().getFirst("Pulse-Notification-Id"), JSON.readTree(body), problem, status));
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private HttpResponse<String> send(String method, String path, String body, String bearer) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path)).header("Content-Type", "application/json");
    if (bearer != null) b.header("Authorization", "Bearer " + bearer);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private JsonNode ok(String method, String path, String body, int status) {
    HttpResponse<String> r = send(method, path, body, token);
    assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(status);
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String refused(String method, String path, String body, int status) {
    return ok(method, path, body, status).get("error").asText();
  }

  private static String rule(String query, String forDuration, String receiver) {
    return "{\"query\":\"" + query + "\",\"comparison\":\">\",\"threshold\":90,\"for\":\"" + forDuration + "\",\"interval\":\"200ms\","
        + "\"labels\":{\"severity\":\"page\"},\"annotations\":{\"summary\":\"CPU high\"},\"receiver\":\"" + receiver + "\"}";
  }

  private static LabeledValue host(String h, double v) {
    return LabeledValue.of(Map.of("host", h), v);
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The calls that carried an alert of {@code ruleId}, in arrival order. */
  private List<Call> callsFor(String ruleId) {
    return calls.stream().filter(c -> c.rules().contains(ruleId)).toList();
  }

  private List<Call> acceptedFor(String ruleId) {
    return callsFor(ruleId).stream().filter(c -> c.answered() / 100 == 2).toList();
  }

  private JsonNode ruleView(String id) {
    return ok("GET", "/api/alerts/rules/" + id, null, 200);
  }

  /** Waits until the rule has been evaluated at least {@code n} more times (at 200 ms each), so an absence means something. */
  private void awaitEvaluations(String id, int n) {
    long since = ruleView(id).path("lastEvaluatedAt").asLong();
    TestNodes.awaitCondition(() -> ruleView(id).path("lastEvaluatedAt").asLong() >= since + n * 200L, WAIT, n + " more evaluations of " + id);
  }

  private void awaitStatus(String id, String host, String status) {
    TestNodes.awaitCondition(
        () -> {
          for (JsonNode a : ruleView(id).get("alerts")) if (a.at("/labels/host").asText().equals(host) && a.get("status").asText().equals(status)) return true;
          return false;
        },
        WAIT,
        id + " " + host + " " + status);
  }

  // ---- tests --------------------------------------------------------------------------------------

  @Test
  void aRuleFiresAfterForAndResolvesWithOneSignedNotificationEach() {
    String id = unique("cpu");
    String query = unique("q");
    ControlledRuleQuery.set(query, host("a", 95));
    JsonNode defined = ok("PUT", "/api/alerts/rules/" + id, rule(query, "2s", "ops"), 200);
    assertThat(defined.get("forMs").asLong()).isEqualTo(2_000);
    awaitStatus(id, "a", "pending");
    assertThat(callsFor(id)).as("nothing while pending").isEmpty();
    awaitStatus(id, "a", "firing");
    TestNodes.awaitCondition(() -> acceptedFor(id).size() == 1, WAIT, "the firing notification");
    Call firing = acceptedFor(id).get(0);
    assertThat(firing.signatureProblem()).as("signature").isNull();
    assertThat(firing.id()).isEqualTo(firing.body().get("id").asText());
    JsonNode alert = firing.body().get("alerts").get(0);
    assertThat(firing.body().get("status").asText()).isEqualTo("firing");
    assertThat(alert.get("status").asText()).isEqualTo("firing");
    assertThat(alert.at("/labels/alertname").asText()).isEqualTo(id);
    assertThat(alert.at("/labels/severity").asText()).isEqualTo("page");
    assertThat(alert.at("/annotations/summary").asText()).isEqualTo("CPU high");
    assertThat(alert.get("value").asDouble()).isEqualTo(95);
    JsonNode view = ruleView(id).get("alerts").get(0);
    assertThat(view.get("firedAt").asLong() - view.get("activeSince").asLong()).as("fired only after for").isGreaterThanOrEqualTo(2_000);

    JsonNode current = ok("GET", "/api/alerts", null, 200);
    assertThat(current.get("alerts").findValuesAsText("rule")).contains(id);

    ControlledRuleQuery.set(query, host("a", 10));
    awaitStatus(id, "a", "resolved");
    TestNodes.awaitCondition(() -> acceptedFor(id).size() == 2, WAIT, "the resolved notification");
    Call resolved = acceptedFor(id).get(1);
    assertThat(resolved.signatureProblem()).isNull();
    assertThat(resolved.body().get("status").asText()).isEqualTo("resolved");
    assertThat(resolved.body().at("/alerts/0/endsAt").asLong()).isPositive();
    assertThat(resolved.id()).isNotEqualTo(firing.id());
    awaitEvaluations(id, 5);
    assertThat(callsFor(id)).as("exactly one notification per transition").hasSize(2);

    JsonNode deliveries = ok("GET", "/api/alerts/deliveries?receiver=ops", null, 200).get("deliveries");
    for (String nid : List.of(firing.id(), resolved.id())) {
      JsonNode d = find(deliveries, nid);
      assertThat(d.get("status").asText()).isEqualTo("delivered");
      assertThat(d.get("attempts").asInt()).isEqualTo(1);
    }
  }

  private static JsonNode find(JsonNode deliveries, String id) {
    for (JsonNode d : deliveries) if (id.equals(d.path("id").asText())) return d;
    throw new AssertionError("no delivery " + id + " in " + deliveries);
  }

  @Test
  void aReceiverThatIsDownGetsEveryNotificationOnceBackInOrderWithTheSameIds() {
    answers.put("flaky", 503);
    String id = unique("disk");
    String query = unique("q");
    ControlledRuleQuery.set(query, host("a", 95));
    ok("PUT", "/api/alerts/rules/" + id, rule(query, "0s", "flaky"), 200);
    awaitStatus(id, "a", "firing");
    ControlledRuleQuery.set(query, host("a", 10));
    awaitStatus(id, "a", "resolved");
    ControlledRuleQuery.set(query, host("a", 99));
    awaitStatus(id, "a", "firing");
    TestNodes.awaitCondition(() -> callsFor(id).size() >= 4, WAIT, "several refused attempts");
    JsonNode retrying = ok("GET", "/api/alerts/deliveries?receiver=flaky", null, 200).get("deliveries");
    JsonNode head = find(retrying, callsFor(id).get(0).id());
    assertThat(head.get("status").asText()).isEqualTo("retrying");
    assertThat(head.get("attempts").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(head.get("lastError").asText()).startsWith("HTTP 503");
    assertThat(head.get("nextAttemptAt").asLong()).isPositive();

    answers.put("flaky", 200);
    TestNodes.awaitCondition(
        () -> acceptedFor(id).stream().mapToInt(c -> c.body().get("alerts").size()).sum() == 3, WAIT, "all three transitions delivered");
    List<Call> all = callsFor(id);
    for (Call c : all) assertThat(c.signatureProblem()).as("every attempt is signed").isNull();
    // in order per rule: the seqs as they were accepted
    List<Long> seqs = new ArrayList<>();
    for (Call c : acceptedFor(id)) c.body().get("alerts").forEach(a -> seqs.add(a.get("seq").asLong()));
    assertThat(seqs).containsExactly(1L, 2L, 3L);
    // every retry of a notification carried its id; nothing later went out before the earlier one was accepted
    Set<String> ids = new LinkedHashSet<>();
    for (Call c : all) ids.add(c.id());
    assertThat(acceptedFor(id).stream().map(Call::id).toList()).containsExactlyElementsOf(ids);
    String first = all.get(0).id();
    int lastOfFirst = 0;
    for (int i = 0; i < all.size(); i++) if (all.get(i).id().equals(first)) lastOfFirst = i;
    assertThat(all.get(lastOfFirst).answered()).isEqualTo(200);
    for (int i = 0; i < lastOfFirst; i++) assertThat(all.get(i).id()).isEqualTo(first);
    assertThat(all.get(lastOfFirst).body().get("attempt").asInt()).isEqualTo(lastOfFirst + 1);
  }

  @Test
  void aSilenceSuppressesItsAlertsNotifications() {
    String id = unique("mem");
    String query = unique("q");
    JsonNode silence =
        ok("POST", "/api/alerts/silences", "{\"matchers\":[{\"name\":\"host\",\"op\":\"=~\",\"value\":\"quiet-.*\"},{\"name\":\"alertname\",\"value\":\"" + id + "\"}],\"duration\":\"1h\",\"comment\":\"maintenance\"}", 201);
    assertThat(silence.get("status").asText()).isEqualTo("active");
    ControlledRuleQuery.set(query, host("quiet-1", 95), host("loud-1", 95));
    ok("PUT", "/api/alerts/rules/" + id, rule(query, "0s", "ops"), 200);
    awaitStatus(id, "quiet-1", "firing");
    awaitStatus(id, "loud-1", "firing");
    TestNodes.awaitCondition(() -> acceptedFor(id).size() == 1, WAIT, "the loud alert's notification");
    awaitEvaluations(id, 3);
    assertThat(callsFor(id)).singleElement().satisfies(c -> {
      assertThat(c.body().get("alerts")).hasSize(1);
      assertThat(c.body().at("/alerts/0/labels/host").asText()).isEqualTo("loud-1");
    });
    assertThat(ok("GET", "/api/alerts/silences", null, 200).get("silences").findValuesAsText("id")).contains(silence.get("id").asText());
    JsonNode expired = ok("DELETE", "/api/alerts/silences/" + silence.get("id").asText(), null, 200);
    assertThat(expired.get("status").asText()).isEqualTo("expired");
  }

  @Test
  void groupingSendsOneNotificationForTwoAlerts() {
    String id = unique("lat");
    String query = unique("q");
    ControlledRuleQuery.set(query, host("a", 95), host("b", 97));
    ok("PUT", "/api/alerts/rules/" + id, rule(query, "0s", "ops"), 200);
    TestNodes.awaitCondition(() -> acceptedFor(id).size() == 1, WAIT, "one notification");
    awaitEvaluations(id, 3);
    assertThat(callsFor(id)).singleElement().satisfies(c -> {
      assertThat(c.body().get("group").asText()).isEqualTo("{alertname=\"" + id + "\"}");
      assertThat(c.body().get("alerts").findValuesAsText("id")).containsExactlyInAnyOrder(id + "/1", id + "/2");
    });
  }

  @Test
  void aNodeRestartWhileFiringNeitherFiresAgainNorLosesTheUndeliveredNotification() throws Exception {
    answers.put("restart", 503); // the receiver takes the notification but its answer is lost: the node must send again
    String id = unique("net");
    String query = unique("q");
    ControlledRuleQuery.set(query, host("a", 95));
    ok("PUT", "/api/alerts/rules/" + id, rule(query, "0s", "restart"), 200);
    awaitStatus(id, "a", "firing");
    TestNodes.awaitCondition(() -> !callsFor(id).isEmpty(), WAIT, "the first attempt");
    String notification = callsFor(id).get(0).id();
    node.close();
    answers.put("restart", 200);
    int before = callsFor(id).size();
    node = TestNodes.start(config);
    token = TestNodes.devToken(node.httpPort(), TestNodes.uniqueUser("ops"));
    // nobody touches the rule or the queue: sharding remembers both, the queue's retry runs from its persisted state
    TestNodes.awaitCondition(() -> !acceptedFor(id).isEmpty(), WAIT, "the notification delivered after the restart");
    assertThat(callsFor(id).size()).isGreaterThan(before);
    assertThat(acceptedFor(id)).singleElement().satisfies(c -> assertThat(c.id()).isEqualTo(notification));
    awaitEvaluations(id, 5);
    JsonNode view = ruleView(id);
    assertThat(view.at("/alerts/0/status").asText()).isEqualTo("firing");
    assertThat(view.get("lastSeq").asLong()).as("no second firing").isEqualTo(1);
    Set<String> distinct = new LinkedHashSet<>(callsFor(id).stream().map(Call::id).toList());
    assertThat(distinct).as("an idempotent receiver counts it once").containsExactly(notification);

    ControlledRuleQuery.set(query, host("a", 10));
    awaitStatus(id, "a", "resolved");
    TestNodes.awaitCondition(() -> acceptedFor(id).size() == 2, WAIT, "the resolve after the restart");
    assertThat(acceptedFor(id).get(1).body().at("/alerts/0/status").asText()).isEqualTo("resolved");
  }

  @Test
  void badDefinitionsAndRequestsGetClearCodes() {
    assertThat(send("GET", "/api/alerts", null, null).statusCode()).isEqualTo(401);
    assertThat(refused("PUT", "/api/alerts/rules/x1", "{nope", 400)).isEqualTo("malformed_json");
    assertThat(refused("PUT", "/api/alerts/rules/x1", "[]", 400)).isEqualTo("malformed_json");
    assertThat(refused("PUT", "/api/alerts/rules/x1", "{\"comparison\":\">\",\"threshold\":1,\"receiver\":\"ops\"}", 400)).isEqualTo("missing_field");
    assertThat(refused("PUT", "/api/alerts/rules/x1", rule("q", "1s", "ops").replace("\">\"", "\"=>\""), 400)).isEqualTo("invalid_comparison");
    assertThat(refused("PUT", "/api/alerts/rules/x1", rule("q", "1s", "ops").replace("90", "\"high\""), 400)).isEqualTo("invalid_threshold");
    assertThat(refused("PUT", "/api/alerts/rules/x1", rule("q", "5 minutes", "ops"), 400)).isEqualTo("invalid_duration");
    assertThat(refused("PUT", "/api/alerts/rules/x1", rule("q", "1s", "ops").replace("200ms", "1ms"), 400)).isEqualTo("invalid_duration");
    assertThat(refused("PUT", "/api/alerts/rules/x1", rule("q", "1s", "nobody"), 400)).isEqualTo("unknown_receiver");
    assertThat(refused("PUT", "/api/alerts/rules/x1", rule("q", "1s", "ops").replace("severity", "1bad"), 400)).isEqualTo("invalid_label");
    assertThat(refused("PUT", "/api/alerts/rules/bad%20id", rule("q", "1s", "ops"), 400)).isEqualTo("invalid_id");
    assertThat(refused("GET", "/api/alerts/rules/" + unique("none"), null, 404)).isEqualTo("not_found");
    assertThat(refused("DELETE", "/api/alerts/rules/" + unique("none"), null, 404)).isEqualTo("not_found");
    assertThat(refused("POST", "/api/alerts/silences", "{\"matchers\":[{\"name\":\"host\",\"op\":\"=~\",\"value\":\"(\"}],\"duration\":\"1h\"}", 400)).isEqualTo("invalid_matcher");
    assertThat(refused("POST", "/api/alerts/silences", "{\"matchers\":[],\"duration\":\"1h\"}", 400)).isEqualTo("invalid_matcher");
    assertThat(refused("POST", "/api/alerts/silences", "{\"matchers\":[{\"name\":\"host\",\"value\":\"a\"}]}", 400)).isEqualTo("invalid_silence");
    assertThat(refused("DELETE", "/api/alerts/silences/" + unique("none"), null, 404)).isEqualTo("not_found");
    assertThat(refused("GET", "/api/alerts/deliveries?receiver=nobody", null, 404)).isEqualTo("unknown_receiver");
    // a refused definition left nothing behind; a good one can be read back and deleted
    String id = unique("ok");
    ok("PUT", "/api/alerts/rules/" + id, rule(unique("q"), "1m", "ops"), 200);
    assertThat(ruleView(id).get("comparison").asText()).isEqualTo(">");
    assertThat(ok("DELETE", "/api/alerts/rules/" + id, null, 200).get("deleted").asBoolean()).isTrue();
    assertThat(refused("GET", "/api/alerts/rules/" + id, null, 404)).isEqualTo("not_found");
  }
}
