package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.auction.SaleBucket;
import io.pulse.actors.auction.StockEvent;
import io.pulse.actors.auction.StockLedger;
import io.pulse.actors.topic.JournalEvents;
import io.pulse.config.PulseConfig;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import io.pulse.sharding.PulseSharding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kill -9 of the node hosting a hot sale's stock while buyers hammer it, on a three-node cluster; then
 * the journal is counted: confirmed + held never above the stock, nobody over their limit, and every
 * purchase a buyer was told of is there.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlashSaleKillIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int UNITS = 300;
  private static final int LIMIT = 10;
  private static final int BUYERS = 40;
  /** Down an unreachable member soon; everyone admitted at once (the waiting room is not under test). */
  private static final String CONFIG =
      "pekko.cluster.split-brain-resolver.stable-after = 3s\npulse.sales.waiting-room.admit-per-second = 0\n"
          + "pulse.gateway.rate-limit { per-second = 1000, burst = 1000 }\n";
  private PulseNode seed;
  private final List<ForkedNode> forked = new ArrayList<>();

  @BeforeAll
  void start() {
    int seedPort = TestNodes.freePort();
    String config = CONFIG + "pekko.cluster.seed-nodes = [\"pekko://pulse@127.0.0.1:" + seedPort + "\"]\n";
    seed = PulseNode.start(PulseConfig.load(TestNodes.overrides(seedPort, config)));
    for (int i = 0; i < 2; i++) forked.add(ForkedNode.start(TestNodes.freePort(), config, WAIT));
    TestNodes.awaitCondition(() -> TestNodes.upMembers(seed) == 3, WAIT, "a three-node cluster");
  }

  @AfterAll
  void stop() throws Exception {
    for (ForkedNode n : forked) n.close();
    seed.close();
  }

  /** A buyer's run: buy one unit at a time (each with its own key, retried until answered), confirm every other hold. */
  private static void buy(WsClient ws, String sku, String buyer, Map<String, String> acknowledged, AtomicInteger soldOut) {
    for (int n = 0; n < LIMIT + 1; n++) {
      String key = buyer + "-" + n;
      JsonNode answer = retried(ws, "{\"type\":\"sale.purchase\",\"sku\":\"" + sku + "\",\"units\":1,\"idempotencyKey\":\"" + key + "\"}");
      if (!"reply".equals(answer.get("type").asText())) {
        String code = answer.get("code").asText();
        assertThat(code).as("purchase refusal %s", answer).isIn("sold_out", "all_held", "insufficient_stock", "limit_exceeded"); // all_held: the rest is held unpaid
        if (!"limit_exceeded".equals(code)) soldOut.incrementAndGet();
        return;
      }
      String holdId = answer.at("/data/holdId").asText();
      acknowledged.put(holdId, buyer);
      if (n % 2 == 0) {
        JsonNode confirmed = retried(ws, "{\"type\":\"sale.confirm\",\"holdId\":\"" + holdId + "\"}");
        assertThat(confirmed.get("type").asText()).as("confirm %s", confirmed).isEqualTo("reply");
      }
    }
  }

  /** Sends until the answer is not {@code unavailable} (the stock's node is gone until its shard restarts elsewhere). */
  private static JsonNode retried(WsClient ws, String frame) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonNode r = ws.call(frame, WAIT);
      if (!"error".equals(r.get("type").asText()) || !"unavailable".equals(r.get("code").asText())) return r;
      if (System.nanoTime() > deadline) throw new AssertionError("never answered: " + frame);
    }
  }

  @Test
  void killingTheHotSalesNodeOversellsNothingAndLosesNoAcknowledgedPurchase() throws Exception {
    String sku = null;
    ForkedNode host = null;
    try (WsClient op = TestNodes.connect(seed.httpPort(), TestNodes.uniqueUser("ops"))) {
      // a sale whose one stock bucket lives on a forked node, so that it can be killed
      for (int attempt = 0; attempt < 20 && host == null; attempt++) {
        sku = TestNodes.uniqueUser("hot");
        op.ok("{\"type\":\"sale.open\",\"sku\":\"" + sku + "\",\"units\":" + UNITS + ",\"perUserLimit\":" + LIMIT + ",\"holdMs\":120000,\"buckets\":1}", WAIT);
        int port = ShardHosts.hostPort(seed, SaleBucket.ENTITY_TYPE_KEY, SaleBucket.entityId(sku, 0));
        host = forked.stream().filter(n -> n.remotePort == port).findFirst().orElse(null);
      }
    }
    assertThat(host).as("a sale whose stock is on a forked node").isNotNull();

    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger soldOut = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<WsClient> clients = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    String hot = sku;
    for (int b = 0; b < BUYERS; b++) {
      String buyer = TestNodes.uniqueUser("buyer" + b);
      WsClient ws = TestNodes.connect(seed.httpPort(), buyer);
      clients.add(ws);
      Thread t = new Thread(() -> {
        try {
          buy(ws, hot, buyer, acknowledged, soldOut);
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(t);
    }
    try {
      threads.forEach(Thread::start);
      // kill while they buy: after the first acknowledged purchases, not after the last
      TestNodes.awaitCondition(() -> acknowledged.size() >= 10, WAIT, "the first purchases");
      host.kill();
      for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(120));
      assertThat(failures).isEmpty();
    } finally {
      clients.forEach(WsClient::close);
    }

    // count from the journal
    List<StockEvent> events =
        new JournalEvents(seed.system(), PulseSharding.READ_JOURNAL)
            .read("SaleBucket|" + SaleBucket.entityId(sku, 0), 1, Long.MAX_VALUE, (seq, e) -> (StockEvent) e)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    StockLedger ledger = StockLedger.replay(events); // replay itself refuses an event that breaks the ledger's invariants
    Map<String, Integer> perUser = new HashMap<>();
    Set<String> placed = new java.util.HashSet<>();
    int held = 0;
    int confirmed = 0;
    Map<String, Integer> holdUnits = new HashMap<>();
    Set<String> confirmedIds = new java.util.HashSet<>();
    Set<String> ended = new java.util.HashSet<>();
    for (StockEvent e : events) {
      if (e instanceof StockEvent.HoldPlaced p) {
        placed.add(p.holdId().value());
        holdUnits.put(p.holdId().value(), p.units());
        perUser.merge(p.userId(), p.units(), Integer::sum);
      } else if (e instanceof StockEvent.HoldConfirmed c) {
        confirmedIds.add(c.holdId().value());
      } else if (e instanceof StockEvent.HoldExpired x) {
        ended.add(x.holdId().value());
      } else if (e instanceof StockEvent.HoldReleased r) {
        ended.add(r.holdId().value());
      }
    }
    for (String id : placed) {
      if (confirmedIds.contains(id)) confirmed += holdUnits.get(id);
      else if (!ended.contains(id)) held += holdUnits.get(id);
    }
    assertThat(confirmed + held).as("confirmed + held").isLessThanOrEqualTo(UNITS);
    assertThat(ledger.confirmed() + ledger.held()).isEqualTo(confirmed + held);
    assertThat(perUser.values()).allMatch(units -> units <= LIMIT);
    assertThat(placed).as("every acknowledged purchase is in the journal").containsAll(acknowledged.keySet());
    // the stock ran out: more buyers wanted more than there was
    assertThat(confirmed + held).isEqualTo(UNITS);
    assertThat(soldOut.get()).isPositive();
  }
}
