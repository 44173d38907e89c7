package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Markets over real sockets against a real node and Cassandra (docs/protocol.md, "Markets"). */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MarketIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final long STARTED = System.currentTimeMillis();
  /** Each test its own instrument: the journal is shared by every test of the JVM. */
  private static final List<String> SYMBOLS = List.of("IT-MATCH", "IT-SLOW", "IT-GAP", "IT-BAD", "IT-SSE", "IT-CANDLE", "IT-RESUME");
  private PulseNode node;
  private int port;

  @BeforeAll
  void start() {
    StringBuilder instruments = new StringBuilder("pulse.markets.instruments = [");
    for (String s : SYMBOLS) {
      instruments.append("{ symbol = \"").append(s).append("\", tick-size = 5, lot-size = 10, band-bps = 2000, max-open-orders = 100 }\n");
    }
    instruments.append("]");
    node = TestNodes.start(
        instruments + "\npulse.markets.recent-events = 16\npulse.markets.candle-flush = 200 ms"
            + "\npulse.gateway.rate-limit { per-second = 1000, burst = 1000 }");
    port = node.httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private static JsonNode ok(WsClient ws, String frame) {
    return ws.ok(frame, WAIT);
  }

  private static String errorCode(WsClient ws, String frame) {
    JsonNode reply = ws.call(frame, WAIT);
    assertThat(reply.get("type").asText()).as("answer to %s", frame).isEqualTo("error");
    return reply.get("code").asText();
  }

  static String limit(String symbol, String coid, String side, long price, long qty) {
    return "{\"type\":\"market.place\",\"symbol\":\"" + symbol + "\",\"clientOrderId\":\"" + coid + "\",\"side\":\"" + side
        + "\",\"price\":" + price + ",\"quantity\":" + qty + "}";
  }

  private static JsonNode subscribe(WsClient ws, String topic, String extra) {
    return ok(ws, "{\"type\":\"subscribe\",\"topic\":\"" + topic + "\"" + extra + "}");
  }

  private static JsonNode event(WsClient ws, String topic, String name) {
    return ws.nextMatching(n -> "event".equals(n.path("type").asText()) && topic.equals(n.path("topic").asText()) && name.equals(n.path("event").asText()), WAIT);
  }

  /** A client's copy of a book: levels by price, and the seq it is at. */
  static final class BookModel {
    final TreeMap<Long, Long> bids = new TreeMap<>();
    final TreeMap<Long, Long> asks = new TreeMap<>();
    long seq;
    int diffs;
    int snapshots;

    void snapshot(JsonNode book) {
      bids.clear();
      asks.clear();
      book.get("bids").forEach(l -> bids.put(l.get(0).asLong(), l.get(1).asLong()));
      book.get("asks").forEach(l -> asks.put(l.get(0).asLong(), l.get(1).asLong()));
      seq = book.get("seq").asLong();
      snapshots++;
    }

    void diff(JsonNode event) {
      // when its newest change was published: after the test began, not in the future
      assertThat(event.at("/data/at").asLong()).isBetween(STARTED, System.currentTimeMillis());
      for (String side : List.of("bids", "asks")) {
        TreeMap<Long, Long> levels = side.equals("bids") ? bids : asks;
        for (JsonNode l : event.get("data").get(side)) {
          if (l.get(1).asLong() == 0) levels.remove(l.get(0).asLong());
          else levels.put(l.get(0).asLong(), l.get(1).asLong());
        }
      }
      seq = event.get("seq").asLong();
      diffs++;
    }

    boolean sameAs(JsonNode truth) {
      BookModel t = new BookModel();
      t.snapshot(truth);
      return t.bids.equals(bids) && t.asks.equals(asks);
    }
  }

  /**
   * Reads the book topic until the client's book is {@code truth}, as a client should: a diff whose prevSeq is not the
   * seq it holds is a gap, and it subscribes again for a fresh snapshot. {@code drop}: diffs to lose on purpose.
   */
  private static void follow(WsClient ws, String topic, BookModel book, JsonNode truth, int drop) {
    int dropped = 0;
    while (!book.sameAs(truth) || dropped < drop) {
      JsonNode e = ws.nextMatching(n -> "event".equals(n.path("type").asText()) && topic.equals(n.path("topic").asText()), WAIT);
      String name = e.get("event").asText();
      if (name.equals("snapshot")) {
        book.snapshot(e.get("data"));
        continue;
      }
      if (e.get("seq").asLong() <= book.seq) continue; // already in the snapshot it holds
      if (dropped < drop) {
        dropped++; // lost: the next diff shows the gap
        continue;
      }
      if (e.get("prevSeq").asLong() != book.seq) {
        JsonNode again = subscribe(ws, topic, "");
        book.snapshot(again.get("book"));
        continue;
      }
      book.diff(e);
    }
  }

  private JsonNode truth(WsClient ws, String symbol) {
    return ok(ws, "{\"type\":\"market.book\",\"symbol\":\"" + symbol + "\"}");
  }

  // ---- matching -------------------------------------------------------------------------------------

  @Test
  void ordersFromTwoClientsMatchAndBothSeeTheTradeAndTheirOwnFills() {
    String s = "IT-MATCH";
    try (WsClient a = TestNodes.connect(port, TestNodes.uniqueUser("alice"));
        WsClient b = TestNodes.connect(port, TestNodes.uniqueUser("bob"))) {
      subscribe(a, "trades:" + s, "");
      subscribe(b, "trades:" + s, "");
      long aOrders = subscribe(a, "orders:" + s, "").get("lastSeq").asLong();
      subscribe(b, "orders:" + s, "");

      JsonNode ask = ok(a, limit(s, "a1", "sell", 100, 30));
      assertThat(ask.get("status").asText()).isEqualTo("open");
      JsonNode bid = ok(b, limit(s, "b1", "buy", 105, 20));
      assertThat(bid.get("status").asText()).isEqualTo("filled");
      assertThat(bid.get("filled").asLong()).isEqualTo(20);

      for (WsClient c : List.of(a, b)) {
        JsonNode trade = event(c, "trades:" + s, "trade");
        assertThat(trade.get("data").get("price").asLong()).as("the maker's price").isEqualTo(100);
        assertThat(trade.get("data").get("quantity").asLong()).isEqualTo(20);
        assertThat(trade.get("data").get("takerSide").asText()).isEqualTo("buy");
        assertThat(trade.get("data").has("buyer")).as("the public stream names nobody").isFalse();
      }
      JsonNode accepted = event(a, "orders:" + s, "accepted");
      assertThat(accepted.get("prevSeq").asLong()).isEqualTo(aOrders);
      JsonNode fill = event(a, "orders:" + s, "fill");
      assertThat(fill.get("prevSeq").asLong()).isEqualTo(accepted.get("seq").asLong());
      assertThat(fill.get("data").get("sellOrderId").asText()).isEqualTo(ask.get("orderId").asText());
      assertThat(fill.get("data").get("sellRemaining").asLong()).isEqualTo(10);
      assertThat(event(b, "orders:" + s, "fill").get("data").get("buyRemaining").asLong()).isZero();

      // a resend of b1 answers its first ack and trades nothing more
      JsonNode resent = ok(b, limit(s, "b1", "buy", 105, 20));
      assertThat(resent.get("duplicate").asBoolean()).isTrue();
      assertThat(resent.get("orderId").asText()).isEqualTo(bid.get("orderId").asText());
      assertThat(truth(a, s).get("asks").get(0).get(1).asLong()).isEqualTo(10);
    }
  }

  // ---- conflation -----------------------------------------------------------------------------------

  @Test
  void aThrottledSubscriberGetsFewerUpdatesAndTheSameFinalBook() {
    String s = "IT-SLOW";
    try (WsClient trader = TestNodes.connect(port, TestNodes.uniqueUser("trader"));
        WsClient other = TestNodes.connect(port, TestNodes.uniqueUser("other"));
        WsClient fast = TestNodes.connect(port, TestNodes.uniqueUser("fast"));
        WsClient slow = TestNodes.connect(port, TestNodes.uniqueUser("slow"))) {
      BookModel full = new BookModel();
      full.snapshot(subscribe(fast, "book:" + s, "").get("book"));
      BookModel throttled = new BookModel();
      throttled.snapshot(subscribe(slow, "book:" + s, ",\"maxRate\":2").get("book"));

      Random random = new Random(11);
      List<String> refs = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        WsClient who = random.nextBoolean() ? trader : other;
        String side = random.nextBoolean() ? "buy" : "sell";
        long price = (side.equals("buy") ? 95 : 105) + 5L * (random.nextInt(5) - 2);
        String ref = "p" + i;
        who.send("{\"ref\":\"" + ref + "\"," + limit(s, "c" + i, side, price, 10L * (1 + random.nextInt(3))).substring(1));
        refs.add(ref);
      }
      JsonNode truth = settle(trader, other, refs, s);
      long until = truth.get("seq").asLong();
      follow(fast, "book:" + s, full, truth, 0);
      follow(slow, "book:" + s, throttled, truth, 0);
      assertThat(full.sameAs(truth)).as("the full subscriber's book").isTrue();
      assertThat(throttled.sameAs(truth)).as("the throttled subscriber's book").isTrue();
      assertThat(throttled.diffs).as("at most 2 updates per second: fewer, fresher (%s vs %s)", throttled.diffs, full.diffs).isLessThan(full.diffs);
      assertThat(until).isPositive();
    }
  }

  @Test
  void aClientThatMissesADiffSeesTheGapAndReSnapshots() {
    String s = "IT-GAP";
    try (WsClient trader = TestNodes.connect(port, TestNodes.uniqueUser("trader"));
        WsClient watcher = TestNodes.connect(port, TestNodes.uniqueUser("watcher"))) {
      BookModel book = new BookModel();
      book.snapshot(subscribe(watcher, "book:" + s, ",\"depth\":10").get("book"));
      List<String> refs = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String ref = "g" + i;
        trader.send("{\"ref\":\"" + ref + "\"," + limit(s, "g" + i, i % 2 == 0 ? "buy" : "sell", i % 2 == 0 ? 90 - 5L * i : 110 + 5L * i, 10).substring(1));
        refs.add(ref);
      }
      JsonNode truth = settle(trader, trader, refs, s);
      follow(watcher, "book:" + s, book, truth, 1);
      assertThat(book.snapshots).as("the first snapshot and the one the gap asked for").isGreaterThanOrEqualTo(2);
      assertThat(book.sameAs(truth)).isTrue();
    }
  }

  // ---- bad input ------------------------------------------------------------------------------------

  @Test
  void badInputGetsAStableCodeAndStoresNothing() {
    String s = "IT-BAD";
    try (WsClient a = TestNodes.connect(port, TestNodes.uniqueUser("alice"));
        WsClient b = TestNodes.connect(port, TestNodes.uniqueUser("bob"))) {
      JsonNode resting = ok(a, limit(s, "a1", "sell", 100, 10));
      JsonNode filled = ok(b, limit(s, "b1", "buy", 100, 10));
      JsonNode mine = ok(a, limit(s, "a2", "sell", 110, 10));
      long seq = truth(a, s).get("seq").asLong();

      assertThat(errorCode(a, limit(s, "x1", "buy", 100, 0))).isEqualTo("invalid_quantity");
      assertThat(errorCode(a, limit(s, "x2", "buy", 100, -10))).isEqualTo("invalid_quantity");
      assertThat(errorCode(a, limit(s, "x3", "buy", 100, 15))).as("off the lot").isEqualTo("invalid_quantity");
      assertThat(errorCode(a, limit(s, "x4", "buy", 102, 10))).as("off the tick").isEqualTo("invalid_price");
      assertThat(errorCode(a, limit(s, "x5", "buy", 0, 10))).isEqualTo("invalid_price");
      assertThat(errorCode(a, "{\"type\":\"market.place\",\"symbol\":\"IT-BAD\",\"clientOrderId\":\"x6\",\"side\":\"buy\",\"price\":100.5,\"quantity\":10}"))
          .isEqualTo("invalid_price");
      assertThat(errorCode(a, limit(s, "x7", "buy", 200, 10))).isEqualTo("price_out_of_band");
      assertThat(errorCode(a, limit("NOPE", "x8", "buy", 100, 10))).isEqualTo("unknown_symbol");
      assertThat(errorCode(a, "{\"type\":\"subscribe\",\"topic\":\"book:NOPE\"}")).isEqualTo("unknown_symbol");
      assertThat(errorCode(a, "{\"type\":\"subscribe\",\"topic\":\"book:IT-BAD\",\"depth\":7}")).isEqualTo("invalid_field");
      assertThat(errorCode(a, "{\"type\":\"subscribe\",\"topic\":\"book:IT-BAD\",\"maxRate\":100000}")).isEqualTo("invalid_field");
      String cancelOfOther = "{\"type\":\"market.cancel\",\"symbol\":\"IT-BAD\",\"orderId\":\"" + mine.get("orderId").asText() + "\"}";
      assertThat(errorCode(b, cancelOfOther)).isEqualTo("not_owner");
      String replaceFilled = "{\"type\":\"market.replace\",\"symbol\":\"IT-BAD\",\"orderId\":\"" + resting.get("orderId").asText()
          + "\",\"price\":105,\"quantity\":10}";
      assertThat(errorCode(a, replaceFilled)).isEqualTo("order_filled");
      assertThat(errorCode(b, "{\"type\":\"market.cancel\",\"symbol\":\"IT-BAD\",\"orderId\":\"o999\"}")).isEqualTo("unknown_order");
      assertThat(filled.get("status").asText()).isEqualTo("filled");

      JsonNode after = truth(a, s);
      assertThat(after.get("seq").asLong()).as("nothing stored").isEqualTo(seq);
      assertThat(after.get("asks").size()).isEqualTo(1);
    }
  }

  // ---- server-sent events and candles ---------------------------------------------------------------

  /** One trade of {@code qty} at {@code price}: a resting sell, then a buy that takes it. */
  private static void trade(WsClient seller, WsClient buyer, String symbol, String coid, long price, long qty) {
    ok(seller, limit(symbol, coid + "s", "sell", price, qty));
    JsonNode buy = ok(buyer, limit(symbol, coid + "b", "buy", price, qty));
    assertThat(buy.get("status").asText()).isEqualTo("filled");
  }

  @Test
  void sseStreamsTickerAndTradesAndResumesWithLastEventId() {
    String s = "IT-SSE";
    String alice = TestNodes.uniqueUser("alice");
    String token = TestNodes.devToken(port, TestNodes.uniqueUser("viewer"));
    assertThat(SseClient.open(port, "/sse/market/" + s + "?topics=ticker,trades", null, null).status).as("no token").isEqualTo(401);
    assertThat(SseClient.open(port, "/sse/market/NOPE?topics=trades", token, null).status).isEqualTo(404);
    try (WsClient a = TestNodes.connect(port, alice);
        WsClient b = TestNodes.connect(port, TestNodes.uniqueUser("bob"))) {
      String lastId;
      try (SseClient sse = SseClient.open(port, "/sse/market/" + s + "?topics=ticker,trades", token, null)) {
        assertThat(sse.status).isEqualTo(200);
        trade(a, b, s, "t1", 100, 10);
        trade(a, b, s, "t2", 105, 10);
        SseClient.Event first = sse.next("trade", WAIT);
        SseClient.Event second = sse.next("trade", WAIT);
        assertThat(first.data().get("price").asLong()).isEqualTo(100);
        assertThat(second.data().get("prevSeq").asText()).isEqualTo(first.id());
        SseClient.Event ticker = sse.next("ticker", WAIT);
        assertThat(ticker.data().get("symbol").asText()).isEqualTo(s);
        lastId = second.id();
        // the dashboard goes away; trading goes on
      }
      trade(a, b, s, "t3", 110, 10);
      trade(a, b, s, "t4", 95, 20);
      try (SseClient again = SseClient.open(port, "/sse/market/" + s + "?topics=trades", token, lastId)) {
        SseClient.Event third = again.next("trade", WAIT);
        assertThat(third.data().get("prevSeq").asText()).as("exactly after the last one seen").isEqualTo(lastId);
        assertThat(third.data().get("price").asLong()).isEqualTo(110);
        SseClient.Event fourth = again.next("trade", WAIT);
        assertThat(fourth.data().get("price").asLong()).isEqualTo(95);
        assertThat(fourth.data().get("quantity").asLong()).isEqualTo(20);
      }
    }
  }

  @Test
  void candlesFromAKnownTradeSequenceHaveTheExpectedOhlcvInCassandraAndLive() throws Exception {
    String s = "IT-CANDLE";
    try (WsClient a = TestNodes.connect(port, TestNodes.uniqueUser("alice"));
        WsClient b = TestNodes.connect(port, TestNodes.uniqueUser("bob"))) {
      subscribe(a, "trades:" + s, "");
      subscribe(b, "candles:" + s, "");
      long[][] trades = {{100, 10}, {110, 20}, {95, 10}, {105, 30}, {100, 10}};
      for (int i = 0; i < trades.length; i++) trade(a, b, s, "k" + i, trades[i][0], trades[i][1]);
      // expected bars from the trades as the server timed them
      java.util.Map<String, java.util.TreeMap<Long, long[]>> expected = new java.util.HashMap<>();
      for (int i = 0; i < trades.length; i++) {
        JsonNode t = event(a, "trades:" + s, "trade").get("data");
        long at = t.get("at").asLong();
        for (String iv : List.of("1s", "1m", "1h")) {
          long len = iv.equals("1s") ? 1000 : iv.equals("1m") ? 60_000 : 3_600_000;
          long start = Math.floorDiv(at, len) * len;
          long p = t.get("price").asLong();
          long q = t.get("quantity").asLong();
          expected.computeIfAbsent(iv, k -> new java.util.TreeMap<>()).merge(start, new long[] {p, p, p, p, q, 1},
              (o, n) -> new long[] {o[0], Math.max(o[1], n[1]), Math.min(o[2], n[2]), n[3], o[4] + n[4], o[5] + 1});
        }
      }
      JsonNode live = event(b, "candles:" + s, "candle").get("data");
      assertThat(live.get("symbol").asText()).isEqualTo(s);

      String token = TestNodes.devToken(port, TestNodes.uniqueUser("viewer"));
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      for (String iv : List.of("1s", "1m", "1h")) {
        java.util.TreeMap<Long, long[]> want = expected.get(iv);
        String path = "/api/market/" + s + "/candles?interval=" + iv + "&from=" + want.firstKey() + "&to=" + (want.lastKey() + 1);
        TestNodes.awaitCondition(() -> {
          try {
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new AssertionError(r.statusCode() + " " + r.body());
            JsonNode got = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("candles");
            if (got.size() != want.size()) return false;
            int i = 0;
            for (java.util.Map.Entry<Long, long[]> e : want.entrySet()) {
              JsonNode c = got.get(i++);
              long[] w = e.getValue();
              if (c.get("start").asLong() != e.getKey() || c.get("open").asLong() != w[0] || c.get("high").asLong() != w[1]
                  || c.get("low").asLong() != w[2] || c.get("close").asLong() != w[3] || c.get("volume").asLong() != w[4]
                  || c.get("trades").asLong() != w[5]) return false;
            }
            return true;
          } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
          }
        }, WAIT, iv + " candles of " + s + " as expected");
      }
      // the 1 h bar of this sequence, whatever second or minute it fell in
      long[] hour = expected.get("1h").lastEntry().getValue();
      if (expected.get("1h").size() == 1) assertThat(hour).containsExactly(100, 110, 95, 100, 80, 5);
      assertThat(TestNodes.get(port, "/api/market/" + s + "/candles?interval=1m").statusCode()).as("no token").isEqualTo(401);
    }
  }

  /** Waits for every placed order's answer, then reads the book as it is. */
  private JsonNode settle(WsClient a, WsClient b, List<String> refs, String symbol) {
    java.util.Set<String> left = new java.util.HashSet<>(refs);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!left.isEmpty()) {
      if (System.nanoTime() > deadline) throw new AssertionError("unanswered " + left);
      for (WsClient c : List.of(a, b)) {
        JsonNode n = c.tryNext();
        if (n != null && n.has("ref")) left.remove(n.get("ref").asText());
        if (n == null) java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
      }
    }
    return truth(a, symbol);
  }

}
