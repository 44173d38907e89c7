package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;
import static io.pulse.load.AuctionSimulation.field;
import static io.pulse.load.ChatStats.nowMicros;
import static io.pulse.load.ChatStats.percentiles;
import static io.pulse.load.ChatStats.record;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A flash sale (issue 19's figures): {@code units} (100,000) of one SKU split over {@code buckets}
 * bucket entities, starting at {@code startsAt}. Before the start a crowd of {@code crowd} buyers
 * connects (ramped over the time left before the start, less {@code margin} s), subscribes to
 * {@code sale:<sku>} and joins the waiting room, then only watches: its place moving, the stock, and
 * the durable {@code sold_out} event, after which it leaves. {@code purchasers} (32) buyers join the room
 * first (the crowd waits {@code crowdDelay} s) and from the start buy in a closed loop, one unit per
 * {@code sale.purchase} followed by its {@code sale.confirm}, until refused with {@code sold_out} (or
 * {@code insufficient_stock}); {@code not_admitted} is waited out for its {@code retryAfterMs}.
 *
 * <p>Measured: purchases/s (confirmed purchases over the time from the start to the last confirm),
 * time to sell out, purchase and confirm latency, and from the server's own final {@code sale.get}
 * (read {@code settleMs} after the last purchaser stopped) the oversell count: sold + held beyond
 * {@code units}, which must be 0, and the confirmed acks counted here against the server's sold.
 *
 * <p>Several processes ({@code -Dshards=N -Dshard=i}, one {@code -Dpulse.sourceAddresses} each) split
 * the crowd; shard 0 alone runs the purchasers and the final check. Every shard opens the sale with
 * the same terms (the same opener, the same {@code -Drun}, {@code -Dsku} and {@code -DstartsAt}), which
 * answers the same sale. Results go to stdout and {@code target/flashsale-shard<i>.txt}.
 *
 * <pre>
 * bench/flashsale.sh 3 1 -Dcrowd=19000 -Dbuckets=8   # starts its own node, 2 crowd processes
 * </pre>
 *
 * Closed-loop purchasers exceed a stock node's 50 frames/s per connection: run against a node with a
 * raised {@code pulse.gateway.rate-limit} (bench/flashsale.sh does). Dev tokens only.
 */
public class FlashSaleSimulation extends Simulation {
  private final int units = Targets.intProp("units", 100_000);
  private final int buckets = Targets.intProp("buckets", 1);
  private final int shards = Targets.intProp("shards", 1);
  private final int shard = Targets.intProp("shard", 0);
  private final int crowdTotal = Targets.intProp("crowd", 1_000);
  private final int crowd = crowdTotal / shards + (shard < crowdTotal % shards ? 1 : 0);
  private final int purchasers = shard == 0 ? Targets.intProp("purchasers", 32) : 0;
  private final int lead = Targets.intProp("lead", 70);
  private final int margin = Targets.intProp("margin", 8);
  private final int crowdDelay = Targets.intProp("crowdDelay", 3);
  /** Seconds after the start at which everyone stops, sold out or not. */
  private final int maxSell = Targets.intProp("maxSell", 300);
  private final int heartbeat = Targets.intProp("heartbeat", 20);
  private final int replyTimeout = Targets.intProp("replyTimeout", 30);
  private final int settleMs = Targets.intProp("settleMs", 2000);
  private final String run =
      System.getProperty("run", Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36));
  private final String sku = System.getProperty("sku", "load-" + run);
  private final long startsAt = Long.getLong("startsAt", System.currentTimeMillis() + lead * 1000L);
  private final String report = System.getProperty("report", "flashsale-shard" + shard + ".txt");

  private final long startMicros = startsAt * 1000; // ChatStats' clock is epoch microseconds
  private final long endMicros = startMicros + maxSell * 1_000_000L;

  private static final long MAX_MICROS = 3_600_000_000L;
  static final Histogram PURCHASE = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram CONFIRM = new ConcurrentHistogram(MAX_MICROS, 3);
  static final LongAdder HELD = new LongAdder();
  static final LongAdder CONFIRMED = new LongAdder();
  static final LongAdder NOT_ADMITTED = new LongAdder();
  static final LongAdder NOT_STARTED = new LongAdder();
  static final LongAdder SOLD_OUT_ANSWERS = new LongAdder();
  static final LongAdder ALL_HELD = new LongAdder(); // "nothing free now, retry": held units may come back
  static final LongAdder JOINED = new LongAdder();
  static final LongAdder SOLD_OUT_SEEN = new LongAdder(); // crowd members who got the sold_out event
  static final LongAdder QUEUE_EVENTS = new LongAdder();
  static final LongAdder STOCK_EVENTS = new LongAdder();
  static final AtomicLong MAX_POSITION = new AtomicLong();
  static final AtomicLong FIRST_CONFIRM = new AtomicLong(Long.MAX_VALUE);
  static final AtomicLong LAST_CONFIRM = new AtomicLong();
  static final AtomicLong FIRST_SOLD_OUT = new AtomicLong(Long.MAX_VALUE);
  static final AtomicLong PURCHASERS_DONE = new AtomicLong();
  static final OtherAnswers OTHER = new OtherAnswers();

  /** One buyer's own state (Gatling's session is immutable). */
  static final class Buyer {
    long sentMicros;
    int n;
    String holdId;
    long pauseMs;
    boolean done;
    boolean soldOut;
  }

  private static final Map<String, Buyer> BUYERS = new ConcurrentHashMap<>();

  private static Buyer buyer(Session s) {
    return BUYERS.computeIfAbsent(s.getString("userId"), k -> new Buyer());
  }

  private static void error(String code, String text) {
    OTHER.count(code, text);
  }

  private static long longField(String text, String name) {
    String key = "\"" + name + "\":";
    int i = text.indexOf(key);
    if (i < 0) return -1;
    int from = i + key.length(), to = from;
    while (to < text.length() && Character.isDigit(text.charAt(to))) to++;
    return to == from ? -1 : Long.parseLong(text.substring(from, to));
  }

  // --- the purchasers ----------------------------------------------------------------------------

  private String purchaseFrame(Session s) {
    Buyer b = buyer(s);
    b.n++;
    b.holdId = null;
    b.pauseMs = 0;
    b.sentMicros = nowMicros();
    return "{\"type\":\"sale.purchase\",\"ref\":\"p" + b.n + "\",\"sku\":\"" + sku + "\",\"units\":1,\"idempotencyKey\":\""
        + s.getString("userId") + "-" + b.n + "\"}";
  }

  private boolean onPurchase(String text, Session s) {
    Buyer b = buyer(s);
    long now = nowMicros();
    if (text.contains("\"type\":\"reply\"")) {
      b.holdId = field(text, "holdId");
      record(PURCHASE, now - b.sentMicros);
      HELD.increment();
      return b.holdId != null;
    }
    String code = field(text, "code");
    if ("not_admitted".equals(code)) {
      NOT_ADMITTED.increment();
      b.pauseMs = Math.max(20, Math.min(5_000, longField(text, "retryAfterMs")));
      return true;
    }
    if ("all_held".equals(code)) {
      ALL_HELD.increment();
      b.pauseMs = Math.max(20, Math.min(5_000, longField(text, "retryAfterMs")));
      return true;
    }
    if ("not_started".equals(code)) {
      NOT_STARTED.increment();
      b.pauseMs = 20;
      return true;
    }
    if ("sold_out".equals(code) || "insufficient_stock".equals(code)) {
      SOLD_OUT_ANSWERS.increment();
      FIRST_SOLD_OUT.accumulateAndGet(now, Math::min);
      b.done = true;
      b.soldOut = true;
      return true;
    }
    error(code == null ? "unexpected frame" : code, text);
    b.done = true;
    return false;
  }

  private String confirmFrame(Session s) {
    Buyer b = buyer(s);
    b.sentMicros = nowMicros();
    return "{\"type\":\"sale.confirm\",\"ref\":\"c" + b.n + "\",\"holdId\":\"" + b.holdId + "\"}";
  }

  private boolean onConfirm(String text, Session s) {
    Buyer b = buyer(s);
    long now = nowMicros();
    if (text.contains("\"type\":\"reply\"") && text.contains("\"status\":\"confirmed\"")) {
      record(CONFIRM, now - b.sentMicros);
      CONFIRMED.increment();
      FIRST_CONFIRM.accumulateAndGet(now, Math::min);
      LAST_CONFIRM.accumulateAndGet(now, Math::max);
      return true;
    }
    String code = field(text, "code");
    error("confirm " + (code == null ? "unexpected frame" : code), text);
    b.done = true;
    return false;
  }

  /** Counts an error answer's code (saved under {@code key}) under the frame's name, for the report. */
  private static Session countRefusal(Session s, String key, String frame) {
    if (s.contains(key)) error(frame + " " + s.getString(key), frame + " answered " + s.getString(key));
    return s;
  }

  private ChainBuilder join() {
    return exec(ws("sale.join")
            .sendText("{\"type\":\"sale.join\",\"ref\":\"j\",\"sku\":\"" + sku + "\"}")
            .await(replyTimeout)
            .on(ws.checkTextMessage("join reply")
                .matching(substring("\"ref\":\"j\"").exists())
                .check(jsonPath("$.code").optional().saveAs("joinError"), jsonPath("$.type").is("reply"),
                    jsonPath("$.data.position").ofLong().optional().saveAs("position"))))
        .exec(s -> countRefusal(s, "joinError", "sale.join"))
        .exitHereIfFailed()
        .exec(s -> {
          JOINED.increment();
          if (s.contains("position")) MAX_POSITION.accumulateAndGet(s.getLong("position"), Math::max);
          return s;
        });
  }

  private final ScenarioBuilder purchase =
      scenario("purchaser")
          .exec(s -> s.set("userId", Targets.USER_PREFIX + "-" + run + "-p" + s.userId()))
          .exec(Targets.connect(replyTimeout))
          .exec(join())
          .pause(s -> Duration.ofMillis(Math.max(0, startsAt - System.currentTimeMillis())))
          .asLongAs(s -> !buyer(s).done && nowMicros() < endMicros)
          .on(exec(ws("sale.purchase")
                  .sendText(this::purchaseFrame)
                  .await(replyTimeout)
                  .on(ws.checkTextMessage("purchase answer")
                      .matching(substring("\"ref\":\"p").exists())
                      .check(bodyString().transformWithSession(this::onPurchase).is(true))))
              .doIfOrElse(s -> buyer(s).holdId != null)
              .then(exec(ws("sale.confirm")
                  .sendText(this::confirmFrame)
                  .await(replyTimeout)
                  .on(ws.checkTextMessage("confirm answer")
                      .matching(substring("\"ref\":\"c").exists())
                      .check(bodyString().transformWithSession(this::onConfirm).is(true)))))
              .orElse(doIf(s -> buyer(s).pauseMs > 0).then(pause(s -> Duration.ofMillis(buyer(s).pauseMs)))))
          .exec(s -> {
            PURCHASERS_DONE.incrementAndGet();
            return s;
          })
          .exec(ws("close").close());

  // --- the crowd ---------------------------------------------------------------------------------

  /** Reads the frames Gatling buffered for a watcher: its place, the stock and the sold_out event. */
  private static ChainBuilder watch() {
    return exec(ws.processUnmatchedMessages((frames, s) -> {
      Buyer b = buyer(s);
      for (var f : frames) {
        if (!(f instanceof io.gatling.http.action.ws.WsInboundMessage.Text t)) continue;
        String text = t.message();
        if (text.contains("\"event\":\"sold_out\"")) {
          if (!b.soldOut) SOLD_OUT_SEEN.increment();
          b.soldOut = true;
        } else if (text.contains("\"event\":\"stock\"")) {
          STOCK_EVENTS.increment();
        } else if (text.contains("\"event\":\"queue\"")) {
          QUEUE_EVENTS.increment();
        }
      }
      return s;
    }));
  }

  private final ScenarioBuilder watchers =
      scenario("crowd")
          .exec(s -> s.set("userId", Targets.USER_PREFIX + "-" + run + "-s" + shard + "-c" + s.userId()))
          .exec(Targets.connect(replyTimeout))
          .exec(ws("subscribe")
              .sendText("{\"type\":\"subscribe\",\"ref\":\"sub\",\"topic\":\"sale:" + sku + "\"}")
              .await(replyTimeout)
              .on(ws.checkTextMessage("subscribe reply")
                  .matching(substring("\"ref\":\"sub\"").exists())
                  .check(jsonPath("$.code").optional().saveAs("subError"), jsonPath("$.type").is("reply"))))
          .exec(s -> countRefusal(s, "subError", "subscribe"))
          .exitHereIfFailed()
          .exec(join())
          .exec(s -> s.set("lastOut", nowMicros()))
          .asLongAs(s -> !buyer(s).soldOut && nowMicros() < endMicros)
          .on(pause(Duration.ofSeconds(1))
              .exec(watch())
              .doIf(s -> nowMicros() > s.getLong("lastOut") + heartbeat * 1_000_000L)
              .then(exec(ws("ping").sendText("{\"type\":\"ping\"}")).exec(s -> s.set("lastOut", nowMicros()))))
          .exec(ws("close").close());

  {
    long untilStart = Math.max(10, (startsAt - System.currentTimeMillis()) / 1000);
    long crowdRamp = Math.max(1, untilStart - margin - crowdDelay);
    List<PopulationBuilder> populations = new ArrayList<>();
    if (crowd > 0) {
      populations.add(watchers.injectOpen(nothingFor(Duration.ofSeconds(crowdDelay)), rampUsers(crowd).during(Duration.ofSeconds(crowdRamp))));
    }
    if (purchasers > 0) populations.add(purchase.injectOpen(atOnceUsers(purchasers)));
    setUp(populations)
        .protocols(Targets.protocol().wsUnmatchedInboundMessageBufferSize(1_000))
        .maxDuration(Duration.ofSeconds(untilStart + maxSell + 2L * replyTimeout + 30))
        .assertions(global().failedRequests().count().is(0L));
  }

  private String opener() {
    return Targets.USER_PREFIX + "-" + run + "-ops";
  }

  @Override
  public void before() {
    GeneratorPauses.install();
    ChatStats.windowStartMicros = startMicros;
    ChatStats.windowEndMicros = endMicros;
    try (SetupClient ops = new SetupClient(opener())) {
      JsonNode sale = ops.reply("{\"type\":\"sale.open\",\"sku\":\"" + sku + "\",\"units\":" + units + ",\"startsAt\":" + startsAt
          + ",\"perUserLimit\":" + units + ",\"holdMs\":600000,\"buckets\":" + buckets + "}");
      System.out.printf("flashsale: run %s, sale %s (%s, %d units, %d buckets), starts in %.1f s; shard %d/%d: %d watchers, %d purchasers%n",
          run, sku, sale.path("status").asText(), units, buckets, (startsAt - System.currentTimeMillis()) / 1000.0,
          shard, shards, crowd, purchasers);
    }
  }

  @Override
  public void after() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "flashsale %s: %d units, %d buckets, shard %d/%d (%d watchers, %d purchasers), run %s%n",
        sku, units, buckets, shard, shards, crowd, purchasers, run));
    out.append(String.format(Locale.ROOT, "  joined                 %d (highest place given %d)%n", JOINED.sum(), MAX_POSITION.get()));
    if (purchasers > 0) {
      long last = LAST_CONFIRM.get();
      double secs = last == 0 ? 0 : (last - startMicros) / 1e6;
      out.append(String.format(Locale.ROOT, "  confirmed purchases    %d (held %d); %s%n", CONFIRMED.sum(), HELD.sum(),
          SOLD_OUT_ANSWERS.sum() == purchasers ? "every purchaser was told sold out" : SOLD_OUT_ANSWERS.sum() + " of " + purchasers + " purchasers told sold out"));
      out.append(String.format(Locale.ROOT, "  time to sell out       %.1f s (start to last confirm; first confirm at +%.2f s, first sold-out answer at +%.1f s)%n",
          secs, (FIRST_CONFIRM.get() == Long.MAX_VALUE ? 0 : FIRST_CONFIRM.get() - startMicros) / 1e6,
          (FIRST_SOLD_OUT.get() == Long.MAX_VALUE ? 0 : FIRST_SOLD_OUT.get() - startMicros) / 1e6));
      out.append(String.format(Locale.ROOT, "  purchases/s            %.0f (purchase + confirm each)%n", secs <= 0 ? 0 : CONFIRMED.sum() / secs));
      out.append("  purchase ms            ").append(percentiles(PURCHASE)).append('\n');
      out.append("  confirm ms             ").append(percentiles(CONFIRM)).append('\n');
      out.append(String.format(Locale.ROOT, "  waited out             %d not_admitted, %d not_started, %d all_held%n", NOT_ADMITTED.sum(), NOT_STARTED.sum(), ALL_HELD.sum()));
      String server;
      try {
        Thread.sleep(settleMs); // sale.get's counts are the buckets' reports, up to a few hundred ms old
        try (SetupClient ops = new SetupClient(opener())) {
          JsonNode g = ops.reply("{\"type\":\"sale.get\",\"sku\":\"" + sku + "\"}");
          long sold = g.path("sold").asLong(), held = g.path("held").asLong();
          server = String.format(Locale.ROOT, "status %s, sold %d + held %d = %d of %d, remaining %d; OVERSELL %d; confirmed acks here %d (%s)",
              g.path("status").asText(), sold, held, sold + held, units, g.path("remaining").asLong(),
              Math.max(0, sold + held - units), CONFIRMED.sum(), sold == CONFIRMED.sum() ? "= sold" : "!= sold");
        }
      } catch (Exception e) {
        server = "sale.get failed: " + e.getMessage();
      }
      out.append("  server (sale.get)      ").append(server).append('\n');
    }
    if (crowd > 0) {
      out.append(String.format(Locale.ROOT, "  watchers told sold out %d of %d (queue events %d, stock events %d)%n",
          SOLD_OUT_SEEN.sum(), crowd, QUEUE_EVENTS.sum(), STOCK_EVENTS.sum()));
    }
    out.append("  other answers          ").append(OTHER.summary()).append('\n');
    out.append("  load generator GC      ").append(GeneratorPauses.tally().format(1, Math.max(1, (LAST_CONFIRM.get() - startMicros) / 1e6))).append('\n');
    Targets.writeReport(report, out);
  }
}
