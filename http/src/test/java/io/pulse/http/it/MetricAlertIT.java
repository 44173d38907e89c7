package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pulse.actors.alerting.WebhookSignature;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The two halves of the metrics use case joined, with nothing stubbed: samples written over HTTP, an
 * alert rule evaluated by the node's own metrics query engine, and a signed webhook at a real receiver
 * when the samples cross the threshold — then a resolve when newer samples fall below it.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricAlertIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String SECRET = "metric-alert-secret-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final List<JsonNode> calls = new CopyOnWriteArrayList<>();
  private final List<String> badSignatures = new CopyOnWriteArrayList<>();
  private HttpServer receiver;
  private PulseNode node;
  private String tenant;
  private String token;

  @BeforeAll
  void start() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", this::receive);
    receiver.start();
    tenant = TestNodes.uniqueUser("lab");
    node =
        TestNodes.start(
            "pulse.alerting.metrics-tenant = \"" + tenant + "\"\n"
                + "pulse.alerting.min-interval = 100 ms\n"
                + "pulse.alerting.receivers.lab { url = \"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\", secret = \"" + SECRET
                + "\", group-wait = 200 ms, group-interval = 500 ms }\n");
    token = TestNodes.devToken(node.httpPort(), tenant);
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) node.close();
    receiver.stop(0);
  }

  private void receive(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    String problem =
        WebhookSignature.verify(exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER), body, SECRET.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() / 1000, 300)
            .orElse(null);
    if (problem != null) badSignatures.add(problem);
    calls.add(JSON.readTree(body));
    exchange.sendResponseHeaders(200, -1);
    exchange.close();
  }

  private HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", contentType)
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void write(double celsius) throws Exception {
    HttpResponse<String> r = send("POST", "/api/metrics/write", "text/plain; version=0.0.4", "lab_temp_c{room=\"cold\"} " + celsius + " " + System.currentTimeMillis() + "\n");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private JsonNode awaitCall(String status) {
    TestNodes.awaitCondition(() -> calls.stream().anyMatch(c -> status.equals(c.get("status").asText())), WAIT, "a " + status + " notification");
    return calls.stream().filter(c -> status.equals(c.get("status").asText())).findFirst().orElseThrow();
  }

  @Test
  void samplesAboveTheThresholdFireTheRuleAndSamplesBelowResolveIt() throws Exception {
    String rule =
        "{\"query\":\"max(lab_temp_c[20s])\",\"comparison\":\">\",\"threshold\":8,\"for\":\"0s\",\"interval\":\"500ms\","
            + "\"labels\":{\"severity\":\"page\"},\"annotations\":{\"summary\":\"the cold room is warm\"},\"receiver\":\"lab\"}";
    HttpResponse<String> defined = send("PUT", "/api/alerts/rules/cold-room", "application/json", rule);
    assertThat(defined.statusCode()).as(defined.body()).isEqualTo(200);
    write(4.0);
    write(12.5); // the window's max crosses 8 once its 10 s step closes

    JsonNode firing = awaitCall("firing");
    JsonNode alert = firing.get("alerts").get(0);
    assertThat(alert.get("rule").asText()).isEqualTo("cold-room");
    assertThat(alert.get("value").asDouble()).isEqualTo(12.5);
    assertThat(alert.at("/labels/severity").asText()).isEqualTo("page");

    // keep the room cold until the 20 s window holds only low samples
    long until = System.currentTimeMillis() + WAIT.toMillis();
    long nextWrite = 0;
    while (calls.stream().noneMatch(c -> "resolved".equals(c.get("status").asText())) && System.currentTimeMillis() < until) {
      if (System.currentTimeMillis() >= nextWrite) {
        write(3.0);
        nextWrite = System.currentTimeMillis() + 2_000;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
    awaitCall("resolved");
    assertThat(calls.stream().filter(c -> "firing".equals(c.get("status").asText())).count()).as("one firing notification").isEqualTo(1);
    assertThat(badSignatures).isEmpty();
  }
}
