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
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kill -9 of the node between "fired" and "sent": a node in a JVM of its own fires a rule and POSTs the notification;
 * the receiver holds the request unanswered and the node is killed. A new node, which nobody tells anything, sends
 * the notification again with the same Pulse-Notification-Id and does not fire again: an idempotent receiver counts
 * one notification per transition.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertingKillIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String SECRET = "kill-it-secret-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  record Call(String id, JsonNode body, boolean signed, boolean answered) {}

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Map<String, List<LabeledValue>> values = new ConcurrentHashMap<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean hold = true;
  private HttpServer server;
  private String config;

  @BeforeAll
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool()); // a held request must not block the values the nodes ask for
    server.createContext("/hook", this::receive);
    server.createContext(
        "/values",
        ex -> {
          String q = URLDecoder.decode(ex.getRequestURI().getRawQuery().substring("query=".length()), StandardCharsets.UTF_8);
          byte[] body = ControlledRuleQuery.render(values.getOrDefault(q, List.of())).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    config =
        "pulse.alerting.rule-query-class = \"io.pulse.http.it.ControlledRuleQuery\"\n"
            + "alerting-it.values-url = \"" + base + "/values\"\n"
            + "pulse.alerting.min-interval = 100 ms\n"
            + "pulse.alerting.webhook.request-timeout = 60 s\n" // the held request must still be out when the node dies
            + "pulse.alerting.receivers.kill { url = \"" + base + "/hook\", secret = \"" + SECRET
            + "\", group-wait = 100 ms, group-interval = 500 ms, backoff { base = 100 ms, cap = 500 ms, floor = 50 ms } }\n";
  }

  @AfterAll
  void stop() {
    released.countDown();
    server.stop(0);
  }

  private void receive(HttpExchange ex) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    boolean signed =
        WebhookSignature.verify(ex.getRequestHeaders().getFirst(WebhookSignature.HEADER), body, SECRET.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() / 1000, 300)
            .isEmpty();
    String id = ex.getRequestHeaders().getFirst("Pulse-Notification-Id");
    if (hold) {
      calls.add(new Call(id, JSON.readTree(body), signed, false));
      try {
        released.await(120, TimeUnit.SECONDS); // the node dies while this is out
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
      return;
    }
    calls.add(new Call(id, JSON.readTree(body), signed, true));
    ex.sendResponseHeaders(200, -1);
    ex.close();
  }

  private static HttpResponse<String> send(int port, String method, String path, String body, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode view(int port, String token, String id) {
    HttpResponse<String> r = send(port, "GET", "/api/alerts/rules/" + id, null, token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<Call> accepted() {
    return calls.stream().filter(Call::answered).toList();
  }

  @Test
  void aNodeKilledBetweenFiringAndDeliveryNeitherLosesNorDuplicatesTheNotification() throws Exception {
    String id = "kill-" + UUID.randomUUID().toString().substring(0, 8);
    String query = "q-" + id;
    values.put(query, List.of(LabeledValue.of(Map.of("host", "a"), 95)));
    String rule = "{\"query\":\"" + query + "\",\"comparison\":\">\",\"threshold\":90,\"interval\":\"200ms\",\"receiver\":\"kill\"}";

    String notification;
    try (ForkedNode first = ForkedNode.start(TestNodes.freePort(), config, WAIT, true)) {
      String token = TestNodes.devToken(first.httpPort, TestNodes.uniqueUser("ops"));
      HttpResponse<String> put = send(first.httpPort, "PUT", "/api/alerts/rules/" + id, rule, token);
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      TestNodes.awaitCondition(() -> !calls.isEmpty(), WAIT, "the first attempt, held by the receiver");
      notification = calls.get(0).id();
      assertThat(calls.get(0).signed()).isTrue();
      assertThat(view(first.httpPort, token, id).get("lastSeq").asLong()).isEqualTo(1);
      first.kill(); // SIGKILL while the POST is out: the transition is persisted, its delivery is not
    }
    hold = false;
    released.countDown();

    PulseNode second = TestNodes.start(config);
    try {
      // nobody touches the rule or the queue: sharding remembers both, and the queue resends from its journal
      TestNodes.awaitCondition(() -> !accepted().isEmpty(), WAIT, "the notification delivered by the new node");
      assertThat(accepted()).singleElement().satisfies(c -> {
        assertThat(c.id()).as("the same idempotency id").isEqualTo(notification);
        assertThat(c.signed()).isTrue();
        assertThat(c.body().at("/alerts/0/status").asText()).isEqualTo("firing");
      });
      String token = TestNodes.devToken(second.httpPort(), TestNodes.uniqueUser("ops"));
      long since = view(second.httpPort(), token, id).path("lastEvaluatedAt").asLong();
      TestNodes.awaitCondition(() -> view(second.httpPort(), token, id).path("lastEvaluatedAt").asLong() >= since + 1_000, WAIT, "five more evaluations");
      JsonNode v = view(second.httpPort(), token, id);
      assertThat(v.at("/alerts/0/status").asText()).isEqualTo("firing");
      assertThat(v.get("lastSeq").asLong()).as("it did not fire again").isEqualTo(1);
      Set<String> distinct = new LinkedHashSet<>(calls.stream().map(Call::id).toList());
      assertThat(calls).as("the receiver saw the notification twice").hasSizeGreaterThanOrEqualTo(2);
      assertThat(distinct).as("an idempotent receiver counts it once").containsExactly(notification);

      values.put(query, List.of(LabeledValue.of(Map.of("host", "a"), 10)));
      TestNodes.awaitCondition(() -> accepted().size() == 2, WAIT, "the resolve");
      assertThat(accepted().get(1).body().at("/alerts/0/status").asText()).isEqualTo("resolved");
      assertThat(new LinkedHashSet<>(calls.stream().map(Call::id).toList())).hasSize(2);
    } finally {
      second.close();
    }
  }
}
