package io.pulse.http.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.pulse.actors.alerting.AlertDelivery;
import io.pulse.actors.alerting.AlertNotice;
import io.pulse.actors.alerting.WebhookSender;
import io.pulse.actors.alerting.WebhookSignature;
import io.pulse.config.AlertingSettings;
import io.pulse.config.PulseConfig;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The webhook client against a JDK HTTP server on 127.0.0.1: what it sends, and what counts as delivered. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookClientTest {
  private static final String SECRET = "client-test-secret-0123";
  private final ActorTestKit testKit =
      ActorTestKit.create("WebhookClientTest", ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING").withFallback(ConfigFactory.defaultReference()));
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicReference<Map<String, String>> headers = new AtomicReference<>();
  private final AtomicReference<byte[]> body = new AtomicReference<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;
  private int deadPort;

  @BeforeAll
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext(
        "/hook",
        ex -> {
          body.set(ex.getRequestBody().readAllBytes());
          headers.set(Map.of(
              "sig", String.valueOf(ex.getRequestHeaders().getFirst("Pulse-Signature")),
              "id", String.valueOf(ex.getRequestHeaders().getFirst("Pulse-Notification-Id")),
              "type", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"))));
          byte[] answer = "receiver says no".getBytes(StandardCharsets.UTF_8);
          if (status.get() == 204) {
            ex.sendResponseHeaders(204, -1); // no body allowed
          } else {
            ex.sendResponseHeaders(status.get(), answer.length);
            ex.getResponseBody().write(answer);
          }
          ex.close();
        });
    server.createContext(
        "/slow",
        ex -> {
          try {
            release.await(60, TimeUnit.SECONDS); // answers only when the test ends: never within the client's timeout
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    server.start();
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort(); // closed again: nothing listens there
    }
  }

  @AfterAll
  void stop() {
    release.countDown();
    server.stop(0);
    testKit.shutdownTestKit();
  }

  private WebhookClient client(String requestTimeout) {
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    AlertingSettings s =
        AlertingSettings.from(
            PulseConfig.load(
                "pulse.alerting.webhook.request-timeout = " + requestTimeout + "\n"
                    + "pulse.alerting.receivers.ok { url = \"" + base + "/hook\", secret = \"" + SECRET + "\" }\n"
                    + "pulse.alerting.receivers.slow { url = \"" + base + "/slow\", secret = \"" + SECRET + "\" }\n"
                    + "pulse.alerting.receivers.dead { url = \"http://127.0.0.1:" + deadPort + "/hook\", secret = \"" + SECRET + "\" }\n"));
    return new WebhookClient(testKit.system(), s, Clock.systemUTC());
  }

  private static AlertDelivery.Delivery delivery() {
    AlertNotice n = new AlertNotice("cpu", 3, "ok", "resolved", new TreeMap<>(Map.of("alertname", "cpu")), new TreeMap<>(), Double.NaN, 1, 2, 2);
    return new AlertDelivery.Delivery("nid-1", "ok", "{alertname=\"cpu\"}", List.of(n), 2, 0, 2, null, "queued", 0);
  }

  /** A generous timeout: the machine is shared, and a first connection under load can take seconds. */
  private WebhookSender.Result send(String receiver) throws Exception {
    return client("20 s").send(receiver, delivery(), 2).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aSignedJsonPostWithTheIdIsDeliveredOn2xx() throws Exception {
    status.set(204);
    assertThat(send("ok")).isEqualTo(WebhookSender.Result.ok());
    assertThat(headers.get().get("id")).isEqualTo("nid-1");
    assertThat(headers.get().get("type")).startsWith("application/json");
    assertThat(WebhookSignature.verify(headers.get().get("sig"), body.get(), SECRET.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() / 1000, 60)).isEmpty();
    JsonNode json = new ObjectMapper().readTree(body.get());
    assertThat(json.get("id").asText()).isEqualTo("nid-1");
    assertThat(json.get("attempt").asInt()).isEqualTo(2);
    assertThat(json.get("status").asText()).isEqualTo("resolved");
    assertThat(json.at("/alerts/0/id").asText()).isEqualTo("cpu/3");
    assertThat(json.at("/alerts/0/value").isNull()).as("NaN is null in JSON").isTrue();
  }

  @Test
  void anyOtherStatusARefusedConnectionOrNoAnswerIsAFailedAttempt() throws Exception {
    status.set(503);
    WebhookSender.Result refused = send("ok");
    assertThat(refused.delivered()).isFalse();
    assertThat(refused.error()).isEqualTo("HTTP 503: receiver says no");
    status.set(301);
    assertThat(send("ok").delivered()).isFalse();
    WebhookSender.Result dead = send("dead");
    assertThat(dead.delivered()).isFalse();
    assertThat(dead.error()).isNotBlank();
    WebhookSender.Result slow = client("1 s").send("slow", delivery(), 1).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(slow.delivered()).isFalse();
    assertThat(slow.error()).contains("no answer within 1000 ms");
    assertThat(send("unconfigured").error()).contains("no receiver");
  }
}
