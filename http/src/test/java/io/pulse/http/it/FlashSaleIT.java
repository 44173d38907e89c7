package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Flash sales over real sockets and HTTP against a real node and Cassandra: the waiting room lets
 * buyers in at 20 per second cluster-wide, buckets never oversell, holds expire back into stock.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlashSaleIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private PulseNode node;
  private int port;

  @BeforeAll
  void start() {
    node = TestNodes.start(
        "pulse.gateway.rate-limit { per-second = 1000, burst = 1000 }\n"
            + "pulse.sales { report-interval = 50 ms, push-interval = 100 ms, refresh-interval = 1 s, waiting-room.admit-per-second = 20 }");
    port = node.httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  private static String sku() {
    return TestNodes.uniqueUser("sku");
  }

  private static JsonNode open(WsClient operator, String sku, int units, long startsAt, int limit, long holdMs, int buckets) {
    return operator.ok(
        "{\"type\":\"sale.open\",\"sku\":\"" + sku + "\",\"units\":" + units + ",\"startsAt\":" + startsAt + ",\"perUserLimit\":" + limit + ",\"holdMs\":" + holdMs
            + ",\"buckets\":" + buckets + "}",
        WAIT);
  }

  private static String purchase(String sku, int units, String key) {
    return "{\"type\":\"sale.purchase\",\"sku\":\"" + sku + "\",\"units\":" + units + (key == null ? "" : ",\"idempotencyKey\":\"" + key + "\"") + "}";
  }

  private static String confirm(String holdId) {
    return "{\"type\":\"sale.confirm\",\"holdId\":\"" + holdId + "\"}";
  }

  private static JsonNode get(WsClient ws, String sku) {
    return ws.ok("{\"type\":\"sale.get\",\"sku\":\"" + sku + "\"}", WAIT);
  }

  private static String code(WsClient ws, String frame) {
    JsonNode reply = ws.call(frame, WAIT);
    assertThat(reply.get("type").asText()).as("answer to %s: %s", frame, reply).isEqualTo("error");
    return reply.get("code").asText();
  }

  /** Until the room lets this buyer in: the purchase's answer. */
  private static JsonNode purchaseWhenAdmitted(WsClient ws, String frame) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonNode r = ws.call(frame, WAIT);
      if (!"not_admitted".equals(r.path("code").asText())) return r;
      if (System.nanoTime() > deadline) throw new AssertionError("never admitted");
      LockSupport.parkNanos(Duration.ofMillis(Math.min(300, r.get("retryAfterMs").asLong())).toNanos());
    }
  }

  private HttpResponse<String> httpPurchase(String sku, String token, String key, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/sales/" + sku + "/purchases"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) b.header("Authorization", "Bearer " + token);
    if (key != null) b.header("Idempotency-Key", key);
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError(r.body(), e);
    }
  }

  @Test
  void fortyBuyersRacingForTwentyFiveUnitsGetExactlyTwentyFiveAndNothingIsOversold() throws Exception {
    String sku = sku();
    List<WsClient> buyers = new ArrayList<>();
    try (WsClient operator = TestNodes.connect(port, TestNodes.uniqueUser("op"));
        WsClient watcher = TestNodes.connect(port, TestNodes.uniqueUser("eve"))) {
      JsonNode opened = open(operator, sku, 25, System.currentTimeMillis(), 1, 60_000, 3);
      assertThat(opened.get("buckets").asInt()).isEqualTo(3);
      watcher.ok("{\"type\":\"subscribe\",\"topic\":\"sale:" + sku + "\"}", WAIT);
      for (int i = 0; i < 40; i++) buyers.add(TestNodes.connect(port, TestNodes.uniqueUser("buyer" + i)));
      Set<String> holds = ConcurrentHashMap.newKeySet();
      Set<String> winners = ConcurrentHashMap.newKeySet();
      AtomicInteger soldOut = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
      for (int i = 0; i < buyers.size(); i++) {
        WsClient b = buyers.get(i);
        String key = "buy-" + i;
        threads.add(started(failures, () -> {
          long deadline = System.nanoTime() + WAIT.toNanos();
          while (System.nanoTime() < deadline) {
            JsonNode r = purchaseWhenAdmitted(b, purchase(sku, 1, key));
            if ("reply".equals(r.get("type").asText())) {
              String hold = r.at("/data/holdId").asText();
              assertThat(holds.add(hold)).as("a hold is one buyer's").isTrue();
              assertThat(b.ok(confirm(hold), WAIT).get("status").asText()).isEqualTo("confirmed");
              winners.add(key);
              return;
            }
            assertThat(r.get("code").asText()).isIn("sold_out", "all_held");
            // sold_out is final; all_held (a bucket empty only by holds) says to ask again
            if (r.get("code").asText().equals("sold_out")) {
              soldOut.incrementAndGet();
              return;
            }
            assertThat(r.get("retryAfterMs").asLong()).isPositive();
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
          }
        }));
      }
      for (Thread t : threads) t.join();
      assertThat(failures).isEmpty();
      assertThat(holds).hasSize(25);
      assertThat(winners).hasSize(25);
      assertThat(soldOut.get()).isEqualTo(15);
      JsonNode event = watcher.nextMatching(n -> "sold_out".equals(n.path("event").asText()), WAIT);
      assertThat(event.get("seq").asLong()).isEqualTo(2);
      TestNodes.awaitCondition(() -> get(operator, sku).get("sold").asInt() == 25, WAIT, "25 sold");
      JsonNode view = get(operator, sku);
      assertThat(view.get("remaining").asInt()).isZero();
      assertThat(view.get("held").asInt()).isZero();
      assertThat(view.get("status").asText()).isEqualTo("sold_out");
      // stock pushes are ephemeral: no seq
      JsonNode stock = watcher.nextMatching(n -> "stock".equals(n.path("event").asText()), WAIT);
      assertThat(stock.has("seq")).isFalse();
    } finally {
      buyers.forEach(WsClient::close);
    }
  }

  @Test
  void anExpiredHoldReturnsItsUnitsAndCannotBeConfirmed() {
    String sku = sku();
    try (WsClient op = TestNodes.connect(port, TestNodes.uniqueUser("op"));
        WsClient bob = TestNodes.connect(port, TestNodes.uniqueUser("bob"));
        WsClient carol = TestNodes.connect(port, TestNodes.uniqueUser("carol"))) {
      open(op, sku, 2, System.currentTimeMillis(), 2, 1_500, 1);
      JsonNode hold = purchaseWhenAdmitted(bob, purchase(sku, 2, "b1"));
      assertThat(hold.get("type").asText()).isEqualTo("reply");
      JsonNode none = purchaseWhenAdmitted(carol, purchase(sku, 1, "c1"));
      assertThat(none.get("code").asText()).isEqualTo("all_held");
      assertThat(none.get("retryAfterMs").asLong()).isBetween(1L, 1_500L); // when bob's hold lapses
      TestNodes.awaitCondition(() -> get(op, sku).get("held").asInt() == 2, WAIT, "the hold reported");
      TestNodes.awaitCondition(() -> get(op, sku).get("remaining").asInt() == 2, WAIT, "the units back");
      assertThat(code(bob, confirm(hold.at("/data/holdId").asText()))).isEqualTo("hold_expired");
      JsonNode again = carol.call(purchase(sku, 1, "c1"), WAIT);
      assertThat(again.get("type").asText()).isEqualTo("reply");
      // the counts are the buckets' reports, a report interval behind
      TestNodes.awaitCondition(() -> get(op, sku).get("held").asInt() == 1, WAIT, "carol's hold reported");
    }
  }

  @Test
  void badPurchasesAndConfirmsGetStableCodesAndStoreNothing() {
    String sku = sku();
    try (WsClient op = TestNodes.connect(port, TestNodes.uniqueUser("op"));
        WsClient bob = TestNodes.connect(port, TestNodes.uniqueUser("bob"));
        WsClient carol = TestNodes.connect(port, TestNodes.uniqueUser("carol"))) {
      open(op, sku, 10, System.currentTimeMillis(), 2, 60_000, 2);
      JsonNode hold = purchaseWhenAdmitted(bob, purchase(sku, 1, "k1"));
      String holdId = hold.at("/data/holdId").asText();
      assertThat(code(carol, confirm(holdId))).isEqualTo("not_your_hold");
      assertThat(code(carol, confirm("nonsense"))).isEqualTo("unknown_hold");
      assertThat(code(carol, confirm(sku + "#0:999"))).isEqualTo("unknown_hold");
      assertThat(code(bob, purchase(sku, 2, "k1"))).isEqualTo("idempotency_key_reused");
      JsonNode retry = bob.ok(purchase(sku, 1, "k1"), WAIT);
      assertThat(retry.get("holdId").asText()).isEqualTo(holdId);
      assertThat(retry.get("duplicate").asBoolean()).isTrue();
      assertThat(code(bob, purchase(sku, 2, "k2"))).isEqualTo("limit_exceeded");
      assertThat(code(bob, "{\"type\":\"sale.purchase\",\"sku\":\"" + sku + "\",\"units\":\"abc\"}")).isEqualTo("invalid_quantity");
      assertThat(code(bob, purchase(sku, -1, null))).isEqualTo("invalid_quantity");
      assertThat(code(bob, purchase("no-such-sku", 1, null))).isEqualTo("unknown_sale");
      assertThat(code(op, "{\"type\":\"sale.open\",\"sku\":\"" + sku + "\",\"units\":11,\"perUserLimit\":2,\"holdMs\":1000}")).isEqualTo("already_open");
      JsonNode view = get(op, sku);
      TestNodes.awaitCondition(() -> get(op, sku).get("held").asInt() == 1, WAIT, "one unit held");
      assertThat(view.get("remaining").asInt() + view.get("held").asInt()).isEqualTo(10);
    }
  }

  @Test
  void theWaitingRoomHoldsBuyersUntilTheStartThenLetsThemInAndTellsThemWhenItIsSoldOut() {
    String sku = sku();
    long startsAt = System.currentTimeMillis() + 2_000;
    List<WsClient> waiting = new ArrayList<>();
    try (WsClient op = TestNodes.connect(port, TestNodes.uniqueUser("op"))) {
      open(op, sku, 3, startsAt, 1, 60_000, 1);
      for (int i = 0; i < 5; i++) {
        WsClient w = TestNodes.connect(port, TestNodes.uniqueUser("w" + i));
        waiting.add(w);
        w.ok("{\"type\":\"subscribe\",\"topic\":\"sale:" + sku + "\"}", WAIT);
        JsonNode ticket = w.ok("{\"type\":\"sale.join\",\"sku\":\"" + sku + "\"}", WAIT);
        assertThat(ticket.get("state").asText()).isEqualTo("waiting");
        assertThat(ticket.get("position").asLong()).isEqualTo(i + 1);
      }
      // before the start a purchase is held back: over the socket and over HTTP
      JsonNode early = waiting.get(0).call(purchase(sku, 1, "e"), WAIT);
      assertThat(early.get("code").asText()).isEqualTo("not_admitted");
      assertThat(early.get("retryAfterMs").asLong()).isPositive();
      String token = TestNodes.devToken(port, TestNodes.uniqueUser("http"));
      HttpResponse<String> r = httpPurchase(sku, token, "h1", "{\"units\":1}");
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isPositive();
      assertThat(json(r).get("error").asText()).isEqualTo("not_admitted");

      for (WsClient w : waiting) {
        JsonNode in = w.nextMatching(n -> "queue".equals(n.path("event").asText()) && "admitted".equals(n.at("/data/state").asText()), WAIT);
        assertThat(in.has("seq")).isFalse();
      }
      assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(startsAt);
      for (int i = 0; i < 3; i++) {
        JsonNode h = waiting.get(i).ok(purchase(sku, 1, "p"), WAIT);
        waiting.get(i).ok(confirm(h.get("holdId").asText()), WAIT);
      }
      for (WsClient w : waiting) {
        JsonNode soldOut = w.nextMatching(n -> "sold_out".equals(n.path("event").asText()), WAIT);
        assertThat(soldOut.get("seq").asLong()).isEqualTo(2);
      }
      assertThat(waiting.get(4).ok("{\"type\":\"sale.join\",\"sku\":\"" + sku + "\"}", WAIT).get("state").asText()).isEqualTo("sold_out");
      assertThat(code(waiting.get(4), purchase(sku, 1, null))).isEqualTo("sold_out");
    } finally {
      waiting.forEach(WsClient::close);
    }
  }

  @Test
  void purchasesOverHttpHaveTheSameSemantics() {
    String sku = sku();
    String alice = TestNodes.uniqueUser("alice");
    String token = TestNodes.devToken(port, alice);
    try (WsClient op = TestNodes.connect(port, TestNodes.uniqueUser("op"))) {
      open(op, sku, 5, System.currentTimeMillis(), 2, 60_000, 1);
    }
    assertThat(httpPurchase(sku, null, "k", "{}").statusCode()).isEqualTo(401);
    assertThat(httpPurchase(sku, "not-a-token", "k", "{}").statusCode()).isEqualTo(401);
    HttpResponse<String> noKey = httpPurchase(sku, token, null, "{}");
    assertThat(noKey.statusCode()).isEqualTo(400);
    assertThat(json(noKey).get("error").asText()).isEqualTo("missing_field");
    assertThat(json(httpPurchase(sku, token, "k0", "{\"units\":0}")).get("error").asText()).isEqualTo("invalid_quantity");
    assertThat(httpPurchase(sku, token, "k0", "not json").statusCode()).isEqualTo(400);

    // admitted after at most a few 429s (20 per second)
    HttpResponse<String> first;
    long deadline = System.nanoTime() + WAIT.toNanos();
    do {
      first = httpPurchase(sku, token, "k1", "{\"units\":2}");
      if (first.statusCode() == 429) LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    } while (first.statusCode() == 429 && System.nanoTime() < deadline);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    JsonNode hold = json(first);
    assertThat(hold.get("units").asInt()).isEqualTo(2);
    assertThat(hold.get("duplicate").asBoolean()).isFalse();

    HttpResponse<String> again = httpPurchase(sku, token, "k1", "{\"units\":2}");
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(json(again).get("holdId").asText()).isEqualTo(hold.get("holdId").asText());
    assertThat(json(again).get("duplicate").asBoolean()).isTrue();

    HttpResponse<String> reused = httpPurchase(sku, token, "k1", "{\"units\":1}");
    assertThat(reused.statusCode()).isEqualTo(409);
    assertThat(json(reused).get("error").asText()).isEqualTo("idempotency_key_reused");
    HttpResponse<String> limit = httpPurchase(sku, token, "k2", "{\"units\":1}");
    assertThat(limit.statusCode()).isEqualTo(403);
    assertThat(json(limit).get("error").asText()).isEqualTo("limit_exceeded");
    HttpResponse<String> unknown = httpPurchase("no-such-sku", token, "k3", "{}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).get("error").asText()).isEqualTo("unknown_sale");

    // the hold is the same one a socket sees
    try (WsClient a = TestNodes.connect(port, alice)) {
      assertThat(a.ok(confirm(hold.get("holdId").asText()), WAIT).get("status").asText()).isEqualTo("confirmed");
    }
  }

  /** A thread running {@code body}; what it throws is kept for the test to check. */
  private static Thread started(java.util.Queue<Throwable> failures, Runnable body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        failures.add(e);
      }
    });
    t.start();
    return t;
  }
}
