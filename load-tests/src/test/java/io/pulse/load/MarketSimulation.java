package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;
import static io.pulse.load.ChatStats.nowMicros;
import static io.pulse.load.ChatStats.percentiles;
import static io.pulse.load.ChatStats.record;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.http.action.ws.WsInboundMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * One hot instrument (issue 21's figures). {@code traders} sockets place limit orders on {@code symbol}
 * at {@code rate} orders/s in all (0: each in a closed loop, sending the next as soon as one is
 * answered), and {@code subscribers} sockets follow its book ({@code depth} levels, at most {@code
 * maxRate} diffs/s each; 0 = every change) and, with {@code -Dtrades=true} (the default), its trades.
 *
 * <p>Orders are GTC limits of 1-5 lots around a fixed mid ({@code mid}, ±5 ticks, buys a tick above
 * and sells a tick below it at most), so about a third cross and trade and the book stays a few levels
 * deep; a trader with {@code maxOpen} resting orders cancels its oldest before it places again (a
 * cancel counts as an order answered, not as one placed). Every order is persisted before its ack.
 *
 * <p>Measured inside the window ({@code ramp + settle} s after the start, for {@code duration} s):
 * accepted orders/s and their ack latency; for subscribers, each diff's age at receipt ({@code at},
 * when the node published its newest change, after the write) and each trade's ({@code at}: when it
 * matched, before the write), frames and bytes received per second (the node's payload bytes sent to
 * them), and how many subscribers stopped receiving (closed as slow consumers: a durable stream never
 * drops, it closes with 4008). Results go to stdout and {@code target/market-<subscribers>-<maxRate>.txt}.
 *
 * <pre>
 * bench/markets.sh 1 "0 10" -Dsubscribers=5000 -Drate=2000        # starts its own node
 * bench/markets.sh 3 0 -Dsubscribers=0 -Drate=0 -Dtraders=32      # the hot instrument alone
 * </pre>
 */
public class MarketSimulation extends Simulation {
  private final String symbol = System.getProperty("symbol", "BTC-USD");
  private final int subscribers = Targets.intProp("subscribers", 5000);
  private final int traders = Targets.intProp("traders", 16);
  private final int rate = Targets.intProp("rate", 2000);
  private final int maxRate = Targets.intProp("maxRate", 0);
  private final int depth = Targets.intProp("depth", 10);
  private final boolean trades = Boolean.parseBoolean(System.getProperty("trades", "true"));
  private final int duration = Targets.intProp("duration", 30);
  private final int ramp = Targets.intProp("ramp", 30);
  private final int settle = Targets.intProp("settle", 5);
  private final int replyTimeout = Targets.intProp("replyTimeout", 30);
  private final long mid = Targets.intProp("mid", 10_000);
  private final int maxOpen = Targets.intProp("maxOpen", 150);
  private final String run =
      System.getProperty("run", Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36));
  private final String report = System.getProperty("report", "market-" + subscribers + "-" + maxRate + ".txt");

  private static final long MAX_MICROS = 3_600_000_000L;
  static final Histogram ACK = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram DIFF_AGE = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram TRADE_AGE = new ConcurrentHistogram(MAX_MICROS, 3);
  static final LongAdder PLACED = new LongAdder(); // accepted place acks inside the window
  static final LongAdder CANCELS = new LongAdder(); // cancel answers inside the window
  static final LongAdder TRADED_ACKS = new LongAdder(); // place acks that traded at once (filled > 0)
  static final LongAdder DIFFS = new LongAdder();
  static final LongAdder TRADES = new LongAdder();
  static final LongAdder FRAMES = new LongAdder();
  static final LongAdder BYTES = new LongAdder();
  static final OtherAnswers OTHER = new OtherAnswers();

  private volatile long windowStart;
  private volatile long windowEnd;

  /** A trader's own state (one virtual user is one trader). */
  static final class Trader {
    final SplittableRandom random;
    final ArrayDeque<String> open = new ArrayDeque<>();
    long sentMicros;
    boolean cancelling;
    int n;

    Trader(long seed) {
      random = new SplittableRandom(seed);
    }
  }

  /** A subscriber's last receipt, to count those the node stopped sending to. */
  static final Map<String, Long> LAST_FRAME = new ConcurrentHashMap<>();

  private static final Map<String, Trader> TRADERS = new ConcurrentHashMap<>();

  private static Trader trader(Session s) {
    return TRADERS.computeIfAbsent(s.getString("userId"), k -> new Trader(k.hashCode()));
  }

  private boolean inWindow(long micros) {
    return micros >= windowStart && micros < windowEnd;
  }

  private String orderFrame(Session s) {
    Trader t = trader(s);
    t.n++;
    t.sentMicros = nowMicros();
    if (t.open.size() >= maxOpen) {
      t.cancelling = true;
      return "{\"type\":\"market.cancel\",\"ref\":\"c" + t.n + "\",\"symbol\":\"" + symbol + "\",\"orderId\":\"" + t.open.pollFirst() + "\"}";
    }
    t.cancelling = false;
    boolean buy = t.random.nextBoolean();
    // buys from 5 below to 1 above the mid, sells from 1 below to 5 above: the overlap trades
    long price = buy ? mid - 5 + t.random.nextInt(7) : mid - 1 + t.random.nextInt(7);
    int quantity = 1 + t.random.nextInt(5);
    return "{\"type\":\"market.place\",\"ref\":\"o" + t.n + "\",\"symbol\":\"" + symbol + "\",\"clientOrderId\":\"" + s.getString("userId")
        + "-" + t.n + "\",\"side\":\"" + (buy ? "buy" : "sell") + "\",\"price\":" + price + ",\"quantity\":" + quantity + "}";
  }

  /** Records one answer; false (a failed request) on anything but a reply or a cancel of a closed order. */
  private boolean onAnswer(String text, Session s) {
    Trader t = trader(s);
    long now = nowMicros();
    boolean counted = inWindow(t.sentMicros);
    if (text.contains("\"type\":\"reply\"")) {
      if (t.cancelling) {
        if (counted) CANCELS.increment();
        return true;
      }
      if (counted) {
        PLACED.increment();
        record(ACK, now - t.sentMicros);
        if (!text.contains("\"filled\":0,")) TRADED_ACKS.increment();
      }
      if (text.contains("\"status\":\"open\"")) t.open.addLast(AuctionSimulation.field(text, "orderId"));
      return true;
    }
    String code = text.contains("\"type\":\"error\"") ? AuctionSimulation.field(text, "code") : null;
    if (t.cancelling && ("order_filled".equals(code) || "unknown_order".equals(code))) {
      if (counted) CANCELS.increment();
      return true;
    }
    String key = code == null ? "unexpected frame" : code;
    OTHER.count(key, text);
    return false;
  }

  /** Reads what Gatling buffered for a subscriber: diffs and trades, aged at Gatling's receipt of each. */
  private Session onFrames(List<WsInboundMessage> frames, Session s) {
    if (!frames.isEmpty()) LAST_FRAME.put(s.getString("userId"), nowMicros());
    for (WsInboundMessage f : frames) {
      if (!(f instanceof WsInboundMessage.Text t)) continue;
      long receivedMs = t.timestamp();
      if (!inWindow(receivedMs * 1000)) continue;
      String text = t.message();
      FRAMES.increment();
      BYTES.add(text.length());
      boolean diff = text.contains("\"event\":\"diff\"");
      boolean trade = !diff && text.contains("\"event\":\"trade\"");
      if (!diff && !trade) continue;
      long at = longField(text, "at");
      if (at <= 0) continue;
      // Gatling stamps whole milliseconds: the middle of it
      record(diff ? DIFF_AGE : TRADE_AGE, (receivedMs - at) * 1000 + 500);
      (diff ? DIFFS : TRADES).increment();
    }
    return s;
  }

  /** Whether a subscribe was answered with a reply; a refusal is counted under its code. */
  static boolean subscribed(String text) {
    if (text.contains("\"type\":\"reply\"")) return true;
    OTHER.count("subscribe " + AuctionSimulation.field(text, "code"), text);
    return false;
  }

  /** The number after {@code "name":} in a flat frame, or -1. */
  static long longField(String text, String name) {
    String key = "\"" + name + "\":";
    int i = text.lastIndexOf(key);
    if (i < 0) return -1;
    int from = i + key.length();
    int to = from;
    while (to < text.length() && Character.isDigit(text.charAt(to))) to++;
    return to == from ? -1 : Long.parseLong(text.substring(from, to));
  }

  private String bookSubscribe() {
    return "{\"type\":\"subscribe\",\"ref\":\"book\",\"topic\":\"book:" + symbol + "\",\"depth\":" + depth
        + (maxRate > 0 ? ",\"maxRate\":" + maxRate : "") + "}";
  }

  private final ScenarioBuilder trade =
      scenario("trader")
          .exec(s -> s.set("userId", Targets.USER_PREFIX + "-" + run + "-trader" + s.userId()))
          .exec(Targets.connect(replyTimeout))
          .asLongAs(s -> nowMicros() < windowEnd)
          .on(rate == 0 ? placeOne() : pace(Duration.ofNanos(1_000_000_000L * traders / rate)).exec(placeOne()))
          .exec(ws("close").close());

  private ChainBuilder placeOne() {
    return exec(ws("market.order")
        .sendText(this::orderFrame)
        .await(replyTimeout)
        .on(ws.checkTextMessage("order answer")
            .matching(bodyString().transform(t -> t.contains("\"type\":\"reply\"") || t.contains("\"type\":\"error\"")).is(true))
            .check(bodyString().transformWithSession(this::onAnswer).is(true))));
  }

  private final ScenarioBuilder watch =
      scenario("subscriber")
          .exec(s -> s.set("userId", Targets.USER_PREFIX + "-" + run + "-sub" + s.userId()))
          .exec(Targets.connect(replyTimeout))
          .exec(ws("subscribe book")
              .sendText(s -> bookSubscribe())
              .await(replyTimeout)
              .on(ws.checkTextMessage("book reply").matching(jsonPath("$.ref").is("book")).check(bodyString().transform(MarketSimulation::subscribed).is(true))))
          .doIf(s -> trades)
          .then(exec(ws("subscribe trades")
              .sendText("{\"type\":\"subscribe\",\"ref\":\"trades\",\"topic\":\"trades:" + symbol + "\"}")
              .await(replyTimeout)
              .on(ws.checkTextMessage("trades reply").matching(jsonPath("$.ref").is("trades")).check(bodyString().transform(MarketSimulation::subscribed).is(true)))))
          .asLongAs(s -> nowMicros() < windowEnd)
          .on(pause(Duration.ofMillis(100)).exec(ws.processUnmatchedMessages(this::onFrames)))
          .exec(ws("close").close());

  {
    List<io.gatling.javaapi.core.PopulationBuilder> populations = new ArrayList<>();
    OpenInjectionStep tradersIn = rampUsers(traders).during(Duration.ofSeconds(3));
    populations.add(trade.injectOpen(nothingFor(Duration.ofSeconds(Math.max(0, ramp - 3))), tradersIn));
    if (subscribers > 0) populations.add(watch.injectOpen(rampUsers(subscribers).during(Duration.ofSeconds(ramp))));
    setUp(populations)
        .protocols(Targets.protocol().wsUnmatchedInboundMessageBufferSize(100_000))
        .maxDuration(Duration.ofSeconds(ramp + settle + duration + 2L * replyTimeout + 30));
  }

  @Override
  public void before() {
    long start = nowMicros();
    windowStart = start + (ramp + settle) * 1_000_000L;
    windowEnd = windowStart + duration * 1_000_000L;
    ChatStats.windowStartMicros = windowStart; // the window GeneratorPauses counts in
    ChatStats.windowEndMicros = windowEnd;
    GeneratorPauses.install();
    System.out.printf("market: run %s, %s, %d traders at %s, %d subscribers (depth %d, maxRate %s, trades %s), window from +%ds for %ds%n",
        run, symbol, traders, rate == 0 ? "closed loop" : rate + " orders/s", subscribers, depth, maxRate == 0 ? "none" : maxRate, trades,
        ramp + settle, duration);
  }

  @Override
  public void after() {
    long stalled = LAST_FRAME.values().stream().filter(t -> t < windowEnd - 3_000_000L).count();
    long silent = subscribers - LAST_FRAME.size();
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "market %s: %d traders (%s), %d subscribers (depth %d, maxRate %s, trades %s), %d s window, run %s%n",
        symbol, traders, rate == 0 ? "closed loop" : rate + "/s", subscribers, depth, maxRate == 0 ? "none" : maxRate, trades, duration, run));
    out.append(String.format(Locale.ROOT, "  accepted orders/s      %.0f (%d placed, %.0f%% traded at once; %d cancels)%n",
        PLACED.sum() / (double) duration, PLACED.sum(), PLACED.sum() == 0 ? 0 : 100.0 * TRADED_ACKS.sum() / PLACED.sum(), CANCELS.sum()));
    out.append("  order ack ms           ").append(percentiles(ACK)).append('\n');
    out.append("  diff age ms            ").append(percentiles(DIFF_AGE)).append('\n');
    out.append("  trade age ms           ").append(percentiles(TRADE_AGE)).append('\n');
    out.append(String.format(Locale.ROOT, "  to subscribers         %.0f frames/s (%.0f diffs/s, %.0f trades/s), %.2f MB/s payload, %.0f bytes/s per subscriber%n",
        FRAMES.sum() / (double) duration, DIFFS.sum() / (double) duration, TRADES.sum() / (double) duration,
        BYTES.sum() / (double) duration / 1e6, subscribers == 0 ? 0 : BYTES.sum() / (double) duration / subscribers));
    out.append(String.format(Locale.ROOT, "  subscribers stopped    %d stalled before the window's last 3 s, %d never received%n", stalled, silent));
    out.append("  other answers          ").append(OTHER.summary()).append('\n');
    out.append(String.format(Locale.ROOT, "  load generator GC      %s%n", GeneratorPauses.tally().format(1, duration)));
    Targets.writeReport(report, out);
  }
}
