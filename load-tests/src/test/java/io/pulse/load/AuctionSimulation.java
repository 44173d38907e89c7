package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;
import static io.pulse.load.ChatStats.nowMicros;
import static io.pulse.load.ChatStats.percentiles;
import static io.pulse.load.ChatStats.record;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * One hot auction (issue 19's figures): {@code bidders} closed-loop bidders, each with one socket,
 * sending its next {@code auction.bid} as soon as the previous one is answered. An accepted bid (a
 * reply, persisted before it is sent) and a {@code bid_too_low} refusal both count as answered and are
 * counted apart; anything else fails the request.
 *
 * <p>Each bid is a maximum with a unique idempotency key. The amount is the larger of the lowest
 * acceptable bid the bidder last heard of (the reply's {@code minimumBid}, or the refusal's
 * {@code minimumAmount}) and a price that rises with the clock ({@code centsPerMs}, 100 by default).
 * The reply's minimum alone is stale under concurrency: by the time a bidder's next bid arrives, the
 * other bidders' bids have moved the price, and in proxy bidding a bid is refused unless it beats the
 * second-highest maximum by an increment, so bidding exactly the last minimum heard gets most bids
 * refused. The clock term makes bids arrive roughly in rising order, so most are accepted
 * ({@code -DcentsPerMs=0} bids the heard minimum only).
 *
 * <p>The seller's {@code auction.create} and the final {@code auction.get} run outside the load
 * ({@link SetupClient}). Counted: bids sent inside the window ({@code ramp + settle} s after the start,
 * for {@code duration} s) and answered; ack latency is send to answer. Results go to stdout and
 * {@code target/auction-<bidders>.txt}.
 *
 * <pre>
 * mvn -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.AuctionSimulation \
 *   -Dpulse.url=http://127.0.0.1:8080 -Dbidders=32 -Dduration=30
 * bench/auctions.sh 3 "32 128"      # starts its own node
 * </pre>
 *
 * Closed-loop bidders exceed a stock node's 50 frames/s per connection: run against a node with a
 * raised {@code pulse.gateway.rate-limit} (bench/auctions.sh does). Dev tokens only.
 */
public class AuctionSimulation extends Simulation {
  private final int bidders = Targets.intProp("bidders", 32);
  private final int duration = Targets.intProp("duration", 30);
  private final int ramp = Targets.intProp("ramp", 3);
  private final int settle = Targets.intProp("settle", 5);
  private final int replyTimeout = Targets.intProp("replyTimeout", 30);
  private final long centsPerMs = Targets.intProp("centsPerMs", 100);
  private final String run =
      System.getProperty("run", Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36));
  private final String report = System.getProperty("report", "auction-" + bidders + ".txt");

  private static final long MAX_MICROS = 3_600_000_000L;
  static final Histogram ACK = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram ACCEPTED_ACK = new ConcurrentHistogram(MAX_MICROS, 3);
  static final LongAdder SENT = new LongAdder();
  static final LongAdder ACCEPTED = new LongAdder(); // inside the window
  static final LongAdder REFUSED = new LongAdder(); // bid_too_low, inside the window
  static final LongAdder ACCEPTED_ALL = new LongAdder();
  static final LongAdder DUPLICATES = new LongAdder();
  static final OtherAnswers OTHER = new OtherAnswers();

  private volatile String auctionId;
  private volatile long startMicros;
  private volatile long windowStart;
  private volatile long windowEnd;

  /** A bidder's own state (Gatling's session is immutable; one virtual user is one bidder). */
  static final class Bidder {
    long minimumCents;
    long sentMicros;
    int n;
  }

  private static final Map<String, Bidder> BIDDERS = new ConcurrentHashMap<>();

  private static Bidder bidder(Session s) {
    return BIDDERS.computeIfAbsent(s.getString("userId"), k -> new Bidder());
  }

  static String amount(long cents) {
    return (cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + (cents % 100);
  }

  static long cents(String amount) {
    int dot = amount.indexOf('.');
    if (dot < 0) return Long.parseLong(amount) * 100;
    String frac = (amount.substring(dot + 1) + "00").substring(0, 2);
    return Long.parseLong(amount.substring(0, dot)) * 100 + Long.parseLong(frac);
  }

  /** The string value of {@code "name":"…"} in a flat frame, or null (no JSON parse per answer). */
  static String field(String text, String name) {
    String key = "\"" + name + "\":\"";
    int i = text.indexOf(key);
    if (i < 0) return null;
    int from = i + key.length();
    int to = text.indexOf('"', from);
    return to < 0 ? null : text.substring(from, to);
  }

  private String bidFrame(Session s) {
    Bidder b = bidder(s);
    long now = nowMicros();
    long byClock = 100 + (now - startMicros) * centsPerMs / 1000;
    long cents = Math.max(b.minimumCents, byClock);
    b.n++;
    b.sentMicros = now;
    if (now >= windowStart && now < windowEnd) SENT.increment();
    return "{\"type\":\"auction.bid\",\"ref\":\"b" + b.n + "\",\"auctionId\":\"" + auctionId + "\",\"maximum\":\""
        + amount(cents) + "\",\"idempotencyKey\":\"" + s.getString("userId") + "-" + b.n + "\"}";
  }

  /** Records one answer; false (a failed request) unless it is an accepted bid or bid_too_low. */
  private boolean onAnswer(String text, Session s) {
    Bidder b = bidder(s);
    long now = nowMicros();
    boolean inWindow = b.sentMicros >= windowStart && b.sentMicros < windowEnd;
    if (text.contains("\"type\":\"reply\"")) {
      String min = field(text, "minimumBid");
      if (min != null) b.minimumCents = Math.max(b.minimumCents, cents(min));
      if (text.contains("\"duplicate\":true")) DUPLICATES.increment();
      ACCEPTED_ALL.increment();
      if (inWindow) {
        ACCEPTED.increment();
        record(ACK, now - b.sentMicros);
        record(ACCEPTED_ACK, now - b.sentMicros);
      }
      return true;
    }
    String code = text.contains("\"type\":\"error\"") ? field(text, "code") : null;
    if ("bid_too_low".equals(code)) {
      String min = field(text, "minimumAmount");
      if (min != null) b.minimumCents = Math.max(b.minimumCents, cents(min));
      if (inWindow) {
        REFUSED.increment();
        record(ACK, now - b.sentMicros);
      }
      return true;
    }
    String key = code == null ? "unexpected frame" : code;
    OTHER.count(key, text);
    return false;
  }

  private final ScenarioBuilder bid =
      scenario("bidder")
          .exec(s -> s.set("userId", Targets.USER_PREFIX + "-" + run + "-bidder" + s.userId()))
          .exec(Targets.devToken())
          .exitHereIfFailed()
          .exec(ws("connect")
              .connect("/ws?access_token=#{token}")
              .subprotocol("pulse.v1")
              .await(replyTimeout)
              .on(ws.checkTextMessage("welcome").check(jsonPath("$.type").is("welcome"))))
          .exitHereIfFailed()
          .asLongAs(s -> nowMicros() < windowEnd)
          .on(exec(ws("auction.bid")
              .sendText(this::bidFrame)
              .await(replyTimeout)
              .on(ws.checkTextMessage("bid answer")
                  .check(bodyString().transformWithSession(this::onAnswer).is(true)))))
          .exec(ws("close").close());

  {
    setUp(bid.injectOpen(rampUsers(bidders).during(Duration.ofSeconds(ramp))))
        .protocols(Targets.protocol())
        .maxDuration(Duration.ofSeconds(ramp + settle + duration + 2L * replyTimeout + 30))
        .assertions(global().failedRequests().count().is(0L));
  }

  @Override
  public void before() {
    startMicros = nowMicros();
    windowStart = startMicros + (ramp + settle) * 1_000_000L;
    windowEnd = windowStart + duration * 1_000_000L;
    ChatStats.windowStartMicros = windowStart; // the window GeneratorPauses counts in
    ChatStats.windowEndMicros = windowEnd;
    GeneratorPauses.install();
    try (SetupClient seller = new SetupClient(Targets.USER_PREFIX + "-" + run + "-seller")) {
      JsonNode a = seller.reply("{\"type\":\"auction.create\",\"item\":\"load " + run
          + "\",\"startingPrice\":\"1.00\",\"increment\":\"0.01\",\"durationMs\":3600000}");
      auctionId = a.get("auctionId").asText();
    }
    System.out.printf("auction: run %s, %s, %d bidders, window from +%ds for %ds%n",
        run, auctionId, bidders, ramp + settle, duration);
  }

  @Override
  public void after() {
    String server;
    try (SetupClient reader = new SetupClient(Targets.USER_PREFIX + "-" + run + "-reader")) {
      JsonNode a = reader.reply("{\"type\":\"auction.get\",\"auctionId\":\"" + auctionId + "\"}");
      server = String.format(Locale.ROOT, "%d bids persisted, price %s, status %s (accepted acks seen: %d)",
          a.path("bids").asLong(), a.path("price").asText(), a.path("status").asText(), ACCEPTED_ALL.sum());
    } catch (RuntimeException e) {
      server = "auction.get failed: " + e.getMessage();
    }
    long answered = ACCEPTED.sum() + REFUSED.sum();
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "auction %s: %d bidders, %d s window, run %s%n", auctionId, bidders, duration, run));
    out.append(String.format(Locale.ROOT, "  accepted bids/s        %.0f (%d accepted, %d refused bid_too_low = %.1f%% of %d answered; %d sent)%n",
        ACCEPTED.sum() / (double) duration, ACCEPTED.sum(), REFUSED.sum(),
        answered == 0 ? 0 : 100.0 * REFUSED.sum() / answered, answered, SENT.sum()));
    out.append(String.format(Locale.ROOT, "  answers/s              %.0f%n", answered / (double) duration));
    out.append("  ack ms, all answers    ").append(percentiles(ACK)).append('\n');
    out.append("  ack ms, accepted       ").append(percentiles(ACCEPTED_ACK)).append('\n');
    out.append("  duplicates             ").append(DUPLICATES.sum()).append('\n');
    out.append("  other answers          ").append(OTHER.summary()).append('\n');
    out.append("  server                 ").append(server).append('\n');
    out.append(String.format(Locale.ROOT, "  load generator GC      %s%n", GeneratorPauses.tally().format(1, duration)));
    Targets.writeReport(report, out);
  }
}
