package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Live auctions over real sockets against a real node and Cassandra (docs/protocol.md, "Auctions and flash sales"). */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuctionIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private PulseNode node;
  private int port;

  @BeforeAll
  void start() {
    node = TestNodes.start("pulse.gateway.rate-limit { per-second = 1000, burst = 1000 }");
    port = node.httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  private static String create(WsClient seller, String extra) {
    return seller.ok("{\"type\":\"auction.create\",\"item\":\"Lamp\",\"startingPrice\":\"10.00\",\"increment\":\"1.00\"," + extra + "}", WAIT)
        .get("auctionId").asText();
  }

  private static String bid(String auction, String amount, String key) {
    return "{\"type\":\"auction.bid\",\"auctionId\":\"" + auction + "\",\"maximum\":" + amount + (key == null ? "" : ",\"idempotencyKey\":\"" + key + "\"") + "}";
  }

  private static JsonNode error(WsClient ws, String frame) {
    JsonNode reply = ws.call(frame, WAIT);
    assertThat(reply.get("type").asText()).as("answer to %s", frame).isEqualTo("error");
    return reply;
  }

  private static JsonNode get(WsClient ws, String auction) {
    return ws.ok("{\"type\":\"auction.get\",\"auctionId\":\"" + auction + "\"}", WAIT);
  }

  /** The {@code bid} events a subscriber got after the creation (seq 1), until one with {@code lastSeq}. */
  private static List<String> bidsUntil(WsClient ws, String topic, long lastSeq) {
    List<String> seen = new ArrayList<>();
    long seq = 1;
    while (seq < lastSeq) {
      JsonNode e = ws.nextMatching(n -> "event".equals(n.path("type").asText()) && topic.equals(n.path("topic").asText()) && n.has("seq"), WAIT);
      assertThat(e.get("seq").asLong()).as("no gap, no duplicate").isEqualTo(seq + 1);
      seq = e.get("seq").asLong();
      assertThat(e.get("data").has("maximum")).as("a maximum is never broadcast").isFalse();
      if ("bid".equals(e.get("event").asText())) seen.add(e.get("data").toString());
    }
    return seen;
  }

  @Test
  void concurrentBiddersAllSeeOneOrderOfBids() throws Exception {
    String seller = TestNodes.uniqueUser("sam");
    List<WsClient> bidders = new ArrayList<>();
    try (WsClient s = TestNodes.connect(port, seller)) {
      String auction = create(s, "\"durationMs\":60000");
      String topic = "auction:" + auction;
      for (int i = 0; i < 4; i++) bidders.add(TestNodes.connect(port, TestNodes.uniqueUser("b" + i)));
      for (WsClient b : bidders) assertThat(b.ok("{\"type\":\"subscribe\",\"topic\":\"" + topic + "\"}", WAIT).get("lastSeq").asLong()).isEqualTo(1);
      Map<String, Long> accepted = new ConcurrentHashMap<>();
      List<Thread> threads = new ArrayList<>();
      java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
      for (int i = 0; i < bidders.size(); i++) {
        WsClient b = bidders.get(i);
        int me = i;
        threads.add(started(failures, () -> {
          for (int j = 0; j < 10; j++) {
            long cents = 1_000 + (j * 4L + me) * 150;
            JsonNode r = b.call(bid(auction, "\"" + (cents / 100) + "." + String.format("%02d", cents % 100) + "\"", null), WAIT);
            if ("reply".equals(r.get("type").asText())) accepted.put(me + "-" + j, r.at("/data/seq").asLong());
            else assertThat(r.get("code").asText()).isEqualTo("bid_too_low");
          }
        }));
      }
      for (Thread t : threads) t.join();
      assertThat(failures).isEmpty();
      assertThat(accepted).isNotEmpty();
      long lastSeq = accepted.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      assertThat(accepted.values()).doesNotHaveDuplicates();
      assertThat(lastSeq).isEqualTo(1 + accepted.size());
      List<String> first = bidsUntil(bidders.get(0), topic, lastSeq);
      assertThat(first).hasSize(accepted.size());
      for (WsClient b : bidders.subList(1, bidders.size())) assertThat(bidsUntil(b, topic, lastSeq)).isEqualTo(first);
      assertThat(get(s, auction).get("bids").asInt()).isEqualTo(accepted.size());
    } finally {
      bidders.forEach(WsClient::close);
    }
  }

  @Test
  void aRetriedBidCountsOnceAndItsKeyCannotBeReusedForAnotherAmount() {
    try (WsClient s = TestNodes.connect(port, TestNodes.uniqueUser("sam"));
        WsClient b = TestNodes.connect(port, TestNodes.uniqueUser("bob"))) {
      String auction = create(s, "\"durationMs\":60000");
      JsonNode first = b.ok(bid(auction, "\"25.00\"", "bid-1"), WAIT);
      JsonNode again = b.ok(bid(auction, "\"25.00\"", "bid-1"), WAIT);
      assertThat(first.get("duplicate").asBoolean()).isFalse();
      assertThat(again.get("duplicate").asBoolean()).isTrue();
      assertThat(again.get("seq").asLong()).isEqualTo(first.get("seq").asLong());
      assertThat(first.get("price").asText()).isEqualTo("10.00");
      assertThat(first.get("maximum").asText()).isEqualTo("25.00");
      assertThat(error(b, bid(auction, "\"30.00\"", "bid-1")).get("code").asText()).isEqualTo("idempotency_key_reused");
      JsonNode view = get(b, auction);
      assertThat(view.get("bids").asInt()).isEqualTo(1);
      assertThat(view.get("lastSeq").asLong()).isEqualTo(2);
      assertThat(view.get("yourMaximum").asText()).isEqualTo("25.00");
      assertThat(get(s, auction).has("yourMaximum")).isFalse();
    }
  }

  @Test
  void badBidsGetStableCodesAndStoreNothing() {
    try (WsClient s = TestNodes.connect(port, TestNodes.uniqueUser("sam"));
        WsClient b = TestNodes.connect(port, TestNodes.uniqueUser("bob"))) {
      String auction = create(s, "\"durationMs\":60000");
      assertThat(error(b, bid("auc-nope", "\"12.00\"", null)).get("code").asText()).isEqualTo("not_found");
      for (String amount : List.of("\"-5\"", "\"abc\"", "\"12.345\"", "12", "\"\"", "\"0\"", "\"1e3\"")) {
        assertThat(error(b, bid(auction, amount, null)).get("code").asText()).as("amount %s", amount).isEqualTo("invalid_amount");
      }
      assertThat(error(s, bid(auction, "\"50.00\"", null)).get("code").asText()).isEqualTo("seller_cannot_bid");
      JsonNode low = error(b, bid(auction, "\"9.99\"", null));
      assertThat(low.get("code").asText()).isEqualTo("bid_too_low");
      assertThat(low.get("minimumAmount").asText()).isEqualTo("10.00");
      assertThat(get(b, auction).get("lastSeq").asLong()).as("nothing stored").isEqualTo(1);
      assertThat(error(b, "{\"type\":\"auction.create\",\"item\":\"x\",\"startingPrice\":\"1.999\",\"increment\":\"1.00\",\"durationMs\":1000}").get("code").asText())
          .isEqualTo("invalid_amount");

      // a short auction: once it closed, bids are refused
      String quick = create(s, "\"durationMs\":1200");
      b.ok("{\"type\":\"subscribe\",\"topic\":\"auction:" + quick + "\"}", WAIT);
      JsonNode closed = b.nextMatching(n -> "closed".equals(n.path("event").asText()), WAIT);
      assertThat(closed.at("/data/winner").isNull()).isTrue();
      assertThat(error(b, bid(quick, "\"20.00\"", null)).get("code").asText()).isEqualTo("auction_closed");
      assertThat(get(b, quick).get("lastSeq").asLong()).isEqualTo(2);
    }
  }

  @Test
  void watchersGetTheTimeLeftAndALateBidExtendsTheEnd() {
    try (WsClient s = TestNodes.connect(port, TestNodes.uniqueUser("sam"));
        WsClient b = TestNodes.connect(port, TestNodes.uniqueUser("bob"))) {
      String auction = create(s, "\"durationMs\":30000,\"snipeWindowMs\":60000,\"extendByMs\":45000");
      String topic = "auction:" + auction;
      b.ok("{\"type\":\"subscribe\",\"topic\":\"" + topic + "\"}", WAIT);
      JsonNode time = b.nextMatching(n -> "time_left".equals(n.path("event").asText()), WAIT);
      assertThat(time.has("seq")).isFalse();
      assertThat(time.at("/data/msLeft").asLong()).isBetween(1L, 30_000L);
      long endsAt = get(b, auction).get("endsAt").asLong();
      b.ok(bid(auction, "\"11.00\"", null), WAIT);
      JsonNode extended = b.nextMatching(n -> "extended".equals(n.path("event").asText()), WAIT);
      assertThat(extended.at("/data/endsAt").asLong()).isGreaterThan(endsAt);
      assertThat(get(b, auction).get("endsAt").asLong()).isEqualTo(extended.at("/data/endsAt").asLong());
    }
  }

  @Test
  void anAuctionClosesAtItsEndAfterARestartOfTheNodeWithoutAnyoneTouchingIt() throws Exception {
    PulseNode first = TestNodes.start("");
    String seller = TestNodes.uniqueUser("sam");
    String bob = TestNodes.uniqueUser("bob");
    String auction;
    long endsAt;
    try {
      try (WsClient s = TestNodes.connect(first.httpPort(), seller);
          WsClient b = TestNodes.connect(first.httpPort(), bob)) {
        auction = create(s, "\"durationMs\":20000");
        endsAt = get(s, auction).get("endsAt").asLong();
        b.ok(bid(auction, "\"12.00\"", "k"), WAIT);
      }
    } finally {
      first.close(); // before the end
    }
    assertThat(System.currentTimeMillis()).as("the node stopped before the end").isLessThan(endsAt);
    PulseNode second = TestNodes.start("");
    try (CqlSession cql = CassandraExtension.openSession()) {
      // sharding remembers the auction: the new node starts it and its close timer by itself
      TestNodes.awaitCondition(
          () -> cql.execute("SELECT sequence_nr FROM pulse.messages WHERE persistence_id = ? AND partition_nr = 0", "Auction|" + auction).all().size() == 3,
          Duration.ofSeconds(60), // the end is ~20 s after creation: long enough for a slow stop and start
          "the Closed event in the journal");
      try (WsClient w = TestNodes.connect(second.httpPort(), TestNodes.uniqueUser("eve"))) {
        w.ok("{\"type\":\"subscribe\",\"topic\":\"auction:" + auction + "\",\"since\":0}", WAIT);
        JsonNode closed = w.nextMatching(n -> "closed".equals(n.path("event").asText()), WAIT);
        assertThat(closed.get("seq").asLong()).isEqualTo(3);
        assertThat(closed.at("/data/winner").asText()).isEqualTo(bob);
        assertThat(closed.at("/data/price").asText()).isEqualTo("10.00");
        assertThat(closed.at("/data/at").asLong()).isGreaterThanOrEqualTo(endsAt);
        JsonNode view = get(w, auction);
        assertThat(view.get("status").asText()).isEqualTo("closed");
        assertThat(view.at("/result/winner").asText()).isEqualTo(bob);
      }
    } finally {
      second.close();
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
