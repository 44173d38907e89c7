package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;
import static io.pulse.load.ChatStats.nowMicros;
import static io.pulse.load.ChatStats.percentiles;
import static io.pulse.load.ChatStats.record;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
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
 * Ride-hailing location at scale (issue 20's figures). {@code fleets} fleet-gateway sockets (the
 * {@code fleet} role: one socket relays many vehicles, docs/protocol.md "Drivers and trips") each bring
 * {@code perFleet} drivers online and send each driver's fix every {@code fixEvery} seconds, in
 * {@code driver.fixes} batches of {@code batch}, spread evenly over the interval. Drivers start at random
 * points of a {@code areaKm} × {@code areaKm} square around Berlin and drive straight at 10 m/s,
 * turning back at its edge. With {@code fixEvery=0} each driver sends one fix and then none, so the
 * index stays full (start the node with a long {@code offline-after}) while only searches run.
 *
 * <p>{@code watchers} rider sockets each watch a 500 m circle ({@code region:}) at a random point and
 * time every {@code driver_moved} from the fix's {@code at} (the load generator's clock, when it built
 * the batch) to its receipt: fix-to-watcher latency. {@code searchers} sockets send {@code
 * driver.nearby} (a random point, {@code radius} m, the 10 nearest) in a closed loop.
 *
 * <p>Measured inside the window ({@code ramp + settle} s after the start, for {@code duration} s):
 * accepted fixes/s and the batch ack latency, fix-to-watcher latency, nearby queries/s and latency.
 * Results go to stdout and {@code target/drivers-<fleets x perFleet>.txt}.
 *
 * <pre>
 * bench/drivers.sh fixes      # 100,000 drivers, a fix each every 4 s, 50 watchers
 * bench/drivers.sh nearby     # 100,000 drivers indexed, 50 searchers
 * </pre>
 */
public class DriverSimulation extends Simulation {
  private final int fleets = Targets.intProp("fleets", 200);
  private final int perFleet = Targets.intProp("perFleet", 500);
  private final int batch = Targets.intProp("batch", 250);
  private final int fixEvery = Targets.intProp("fixEvery", 4);
  private final int watchers = Targets.intProp("watchers", 50);
  private final int searchers = Targets.intProp("searchers", 0);
  private final int radius = Targets.intProp("radius", 1000);
  private final double areaKm = Targets.doubleProp("areaKm", 30);
  private final int duration = Targets.intProp("duration", 60);
  private final int ramp = Targets.intProp("ramp", 60);
  private final int settle = Targets.intProp("settle", 10);
  private final int replyTimeout = Targets.intProp("replyTimeout", 60);
  private final String run = System.getProperty("run", Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36));
  private final String report = System.getProperty("report", "drivers-" + fleets + "x" + perFleet + ".txt");

  static final double LAT0 = 52.52;
  static final double LNG0 = 13.405;
  static final double SPEED_MPS = 10;
  private static final long MAX_MICROS = 3_600_000_000L;
  static final Histogram BATCH_ACK = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram FIX_TO_WATCHER = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram NEARBY = new ConcurrentHistogram(MAX_MICROS, 3);
  static final LongAdder ACCEPTED = new LongAdder();
  static final LongAdder SENT = new LongAdder();
  static final LongAdder REFUSED = new LongAdder();
  static final LongAdder ONLINE = new LongAdder();
  static final LongAdder ONLINE_RETRIES = new LongAdder();
  static final java.util.concurrent.atomic.LongAccumulator ALL_ONLINE_AT = new java.util.concurrent.atomic.LongAccumulator(Math::max, 0);
  private volatile long startMicros;
  static final LongAdder MOVES = new LongAdder();
  static final LongAdder QUERIES = new LongAdder();
  static final LongAdder FOUND = new LongAdder();
  static final OtherAnswers OTHER = new OtherAnswers();

  private volatile long windowStart;
  private volatile long windowEnd;

  /** One fleet's vehicles: positions in metres from the area's south-west corner, headings, last fix time. */
  static final class Fleet {
    final String id;
    final double[] x;
    final double[] y;
    final double[] dx;
    final double[] dy;
    final SplittableRandom random;
    int next; // the first vehicle of the next batch
    long lastAt;
    long sentMicros;
    int sentCount; // whole rounds sent
    int batchSize; // of the batch in flight
    long allOnlineMicros;
    boolean lastRefused;
    /** Vehicles not yet online (a refused or timed-out driver.online is sent again). */
    final java.util.ArrayDeque<Integer> offline = new java.util.ArrayDeque<>();
    List<Integer> asked = List.of();

    Fleet(String id, int n, double sideMeters, long seed) {
      this.id = id;
      random = new SplittableRandom(seed);
      x = new double[n];
      y = new double[n];
      dx = new double[n];
      dy = new double[n];
      for (int i = 0; i < n; i++) {
        offline.add(i);
        x[i] = random.nextDouble() * sideMeters;
        y[i] = random.nextDouble() * sideMeters;
        double heading = random.nextDouble() * 2 * Math.PI;
        dx[i] = Math.sin(heading);
        dy[i] = Math.cos(heading);
      }
    }
  }

  private static final Map<String, Fleet> FLEETS = new ConcurrentHashMap<>();

  private Fleet fleet(Session s) {
    return FLEETS.computeIfAbsent(s.getString("userId"), k -> new Fleet(k, perFleet, areaKm * 1000, k.hashCode()));
  }

  private boolean inWindow(long micros) {
    return micros >= windowStart && micros < windowEnd;
  }

  static double lat(double yMeters) {
    return LAT0 + yMeters / 111_320.0;
  }

  static double lng(double xMeters) {
    return LNG0 + xMeters / (111_320.0 * Math.cos(Math.toRadians(LAT0)));
  }

  private String onlineFrame(Session s) {
    Fleet f = fleet(s);
    StringBuilder b = new StringBuilder(batch * 16).append("{\"type\":\"driver.online\",\"ref\":\"on\",\"driverIds\":[");
    List<Integer> asked = new ArrayList<>(batch);
    while (asked.size() < batch && !f.offline.isEmpty()) asked.add(f.offline.pollFirst());
    for (int k = 0; k < asked.size(); k++) b.append(k == 0 ? "" : ",").append('"').append(f.id).append('.').append(asked.get(k)).append('"');
    f.asked = asked;
    return b.append("]}").toString();
  }

  private static final java.util.regex.Pattern REJECTED_ID = java.util.regex.Pattern.compile("\"driverId\":\"[^\"]*\\.(\\d+)\"");

  /** The next batch: each vehicle moves on from its last fix at 10 m/s and reports where it is now. */
  private String fixesFrame(Session s) {
    Fleet f = fleet(s);
    long at = Math.max(System.currentTimeMillis(), f.lastAt + 1);
    f.lastAt = at;
    double side = areaKm * 1000;
    double step = SPEED_MPS * Math.max(fixEvery, 1);
    int from = f.next;
    int to = Math.min(perFleet, from + batch);
    f.next = to == perFleet ? 0 : to;
    StringBuilder b = new StringBuilder((to - from) * 90).append("{\"type\":\"driver.fixes\",\"ref\":\"fx\",\"fixes\":[");
    for (int i = from; i < to; i++) {
      if (f.sentCount > 0) { // the first round reports where each vehicle starts
        double nx = f.x[i] + f.dx[i] * step;
        double ny = f.y[i] + f.dy[i] * step;
        if (nx < 0 || nx > side) f.dx[i] = -f.dx[i];
        if (ny < 0 || ny > side) f.dy[i] = -f.dy[i];
        f.x[i] += f.dx[i] * step;
        f.y[i] += f.dy[i] * step;
      }
      double heading = (Math.toDegrees(Math.atan2(f.dx[i], f.dy[i])) + 360) % 360;
      b.append(i == from ? "" : ",")
          .append(String.format(Locale.ROOT, "{\"driverId\":\"%s.%d\",\"lat\":%.6f,\"lng\":%.6f,\"heading\":%.0f,\"speed\":10,\"at\":%d}",
              f.id, i, lat(f.y[i]), lng(f.x[i]), heading, at));
    }
    if (to == perFleet) f.sentCount++;
    f.sentMicros = nowMicros();
    f.batchSize = to - from;
    return b.append("]}").toString();
  }

  private boolean onOnline(String text, Session s) {
    if (!text.contains("\"type\":\"reply\"")) {
      OTHER.count("online " + AuctionSimulation.field(text, "code"), text);
      return false;
    }
    Fleet f = fleet(s);
    ONLINE.add(MarketSimulation.longField(text, "online"));
    java.util.Set<Integer> refused = new java.util.HashSet<>();
    java.util.regex.Matcher m = REJECTED_ID.matcher(text);
    while (m.find()) refused.add(Integer.parseInt(m.group(1)));
    if (!refused.isEmpty()) ONLINE_RETRIES.add(refused.size());
    for (int i : f.asked) if (refused.contains(i)) f.offline.addLast(i);
    f.lastRefused = !refused.isEmpty();
    if (f.offline.isEmpty() && f.allOnlineMicros == 0) {
      f.allOnlineMicros = nowMicros();
      ALL_ONLINE_AT.accumulate(f.allOnlineMicros);
    }
    return true;
  }

  private boolean onFixes(String text, Session s) {
    Fleet f = fleet(s);
    long now = nowMicros();
    if (!text.contains("\"type\":\"reply\"")) {
      OTHER.count("fixes " + AuctionSimulation.field(text, "code"), text);
      return false;
    }
    if (inWindow(f.sentMicros)) {
      long accepted = MarketSimulation.longField(text, "accepted");
      ACCEPTED.add(accepted);
      SENT.add(f.batchSize);
      if (!text.contains("\"rejected\":[]")) {
        REFUSED.increment();
        OTHER.count("fix refused " + AuctionSimulation.field(text, "code"), text);
      }
      record(BATCH_ACK, now - f.sentMicros);
    }
    return true;
  }

  private final ScenarioBuilder fleet =
      scenario("fleet")
          .exec(s -> s.set("userId", "f" + run + "-" + s.userId()))
          .exec(Targets.connect(replyTimeout, "fleet"))
          .asLongAs(s -> !fleet(s).offline.isEmpty() && nowMicros() < windowEnd)
          .on(exec(ws("driver.online")
              .sendText(this::onlineFrame)
              .await(replyTimeout)
              .on(ws.checkTextMessage("online answer")
                  .matching(bodyString().transform(t -> t.contains("\"type\":\"reply\"") || t.contains("\"type\":\"error\"")).is(true))
                  .check(bodyString().transformWithSession(this::onOnline).is(true))))
              // the node said some drivers did not answer in time: back off before asking again
              .doIf(s -> fleet(s).lastRefused).then(pause(Duration.ofSeconds(1))))
          .doIfOrElse(s -> fixEvery > 0)
          .then(asLongAs(s -> nowMicros() < windowEnd)
              .on(pace(Duration.ofMillis(1000L * fixEvery * batch / perFleet)).exec(sendFixes())))
          .orElse(repeat(s -> (perFleet + batch - 1) / batch).on(sendFixes())
              .asLongAs(s -> nowMicros() < windowEnd).on(pause(Duration.ofSeconds(1))))
          .exec(ws("close").close());

  private ChainBuilder sendFixes() {
    return exec(ws("driver.fixes")
        .sendText(this::fixesFrame)
        .await(replyTimeout)
        .on(ws.checkTextMessage("fixes answer")
            .matching(bodyString().transform(t -> t.contains("\"type\":\"reply\"") || t.contains("\"type\":\"error\"")).is(true))
            .check(bodyString().transformWithSession(this::onFixes).is(true))));
  }

  /** Reads a watcher's buffered region events: every move aged from its fix's time. */
  private Session onRegion(List<WsInboundMessage> frames, Session s) {
    for (WsInboundMessage f : frames) {
      if (!(f instanceof WsInboundMessage.Text t)) continue;
      long receivedMs = t.timestamp();
      if (!inWindow(receivedMs * 1000)) continue;
      String text = t.message();
      if (!text.contains("\"event\":\"driver_moved\"")) continue;
      long at = MarketSimulation.longField(text, "at");
      if (at <= 0) continue;
      record(FIX_TO_WATCHER, (receivedMs - at) * 1000 + 500); // Gatling stamps whole ms: the middle of it
      MOVES.increment();
    }
    return s;
  }

  private String regionSubscribe(Session s) {
    SplittableRandom r = new SplittableRandom(s.userId());
    double side = areaKm * 1000;
    return String.format(Locale.ROOT, "{\"type\":\"subscribe\",\"ref\":\"region\",\"topic\":\"region:w%d\",\"region\":{\"lat\":%.6f,\"lng\":%.6f,\"radius\":500}}",
        s.userId(), lat(r.nextDouble() * side), lng(r.nextDouble() * side));
  }

  private final ScenarioBuilder watch =
      scenario("watcher")
          .exec(s -> s.set("userId", "w" + run + "-" + s.userId()))
          .exec(Targets.connect(replyTimeout))
          .exec(ws("subscribe region")
              .sendText(this::regionSubscribe)
              .await(replyTimeout)
              .on(ws.checkTextMessage("region reply").matching(jsonPath("$.ref").is("region")).check(bodyString().transform(MarketSimulation::subscribed).is(true))))
          .asLongAs(s -> nowMicros() < windowEnd)
          .on(pause(Duration.ofMillis(100)).exec(ws.processUnmatchedMessages(this::onRegion)))
          .exec(ws("close").close());

  private final Map<Long, SplittableRandom> searchRandoms = new ConcurrentHashMap<>();

  private String nearbyFrame(Session s) {
    SplittableRandom r = searchRandoms.computeIfAbsent(s.userId(), SplittableRandom::new);
    double side = areaKm * 1000;
    return String.format(Locale.ROOT, "{\"type\":\"driver.nearby\",\"ref\":\"n\",\"lat\":%.6f,\"lng\":%.6f,\"radius\":%d,\"limit\":10}",
        lat(r.nextDouble() * side), lng(r.nextDouble() * side), radius);
  }

  private boolean onNearby(String text, Session s) {
    long sent = s.getLong("sentMicros");
    if (!text.contains("\"type\":\"reply\"")) {
      OTHER.count("nearby " + AuctionSimulation.field(text, "code"), text);
      return false;
    }
    if (inWindow(sent)) {
      QUERIES.increment();
      record(NEARBY, nowMicros() - sent);
      int found = 0;
      for (int i = text.indexOf("\"driverId\""); i >= 0; i = text.indexOf("\"driverId\"", i + 1)) found++;
      FOUND.add(found);
    }
    return true;
  }

  private final ScenarioBuilder search =
      scenario("searcher")
          .exec(s -> s.set("userId", "s" + run + "-" + s.userId()))
          .exec(Targets.connect(replyTimeout))
          .asLongAs(s -> nowMicros() < windowEnd)
          .on(exec(s -> s.set("sentMicros", nowMicros()))
              .exec(ws("driver.nearby")
                  .sendText(this::nearbyFrame)
                  .await(replyTimeout)
                  .on(ws.checkTextMessage("nearby answer")
                      .matching(bodyString().transform(t -> t.contains("\"type\":\"reply\"") || t.contains("\"type\":\"error\"")).is(true))
                      .check(bodyString().transformWithSession(this::onNearby).is(true)))))
          .exec(ws("close").close());

  {
    List<PopulationBuilder> populations = new ArrayList<>();
    populations.add(fleet.injectOpen(rampUsers(fleets).during(Duration.ofSeconds(Math.max(1, ramp / 2)))));
    if (watchers > 0) populations.add(watch.injectOpen(nothingFor(Duration.ofSeconds(ramp)), rampUsers(watchers).during(Duration.ofSeconds(2))));
    if (searchers > 0) populations.add(search.injectOpen(nothingFor(Duration.ofSeconds(ramp)), rampUsers(searchers).during(Duration.ofSeconds(2))));
    setUp(populations)
        .protocols(Targets.protocol().wsUnmatchedInboundMessageBufferSize(100_000))
        .maxDuration(Duration.ofSeconds(ramp + settle + duration + 2L * replyTimeout + 30));
  }

  @Override
  public void before() {
    long start = nowMicros();
    startMicros = start;
    windowStart = start + (ramp + settle) * 1_000_000L;
    windowEnd = windowStart + duration * 1_000_000L;
    ChatStats.windowStartMicros = windowStart;
    ChatStats.windowEndMicros = windowEnd;
    GeneratorPauses.install();
    System.out.printf("drivers: run %s, %d fleets x %d drivers (%s), %d watchers, %d searchers (radius %d m), %.0f km square, window from +%ds for %ds%n",
        run, fleets, perFleet, fixEvery > 0 ? "a fix every " + fixEvery + " s" : "one fix each", watchers, searchers, radius, areaKm, ramp + settle, duration);
  }

  @Override
  public void after() {
    int drivers = fleets * perFleet;
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "drivers: %d fleets x %d = %d drivers (%s, batches of %d), %d watchers, %d searchers, %d s window, run %s%n",
        fleets, perFleet, drivers, fixEvery > 0 ? "a fix every " + fixEvery + " s" : "one fix each", batch, watchers, searchers, duration, run));
    long allOnline = ALL_ONLINE_AT.get();
    out.append(String.format(Locale.ROOT, "  online                 %d of %d, all by +%s s (%d driver.online refusals sent again)%n",
        ONLINE.sum(), drivers, allOnline == 0 || ONLINE.sum() < drivers ? "never" : String.format(Locale.ROOT, "%.1f", (allOnline - startMicros) / 1e6), ONLINE_RETRIES.sum()));
    out.append(String.format(Locale.ROOT, "  fixes/s                %.0f accepted of %.0f sent (offered %.0f/s); %d batches with refusals%n",
        ACCEPTED.sum() / (double) duration, SENT.sum() / (double) duration, fixEvery > 0 ? drivers / (double) fixEvery : 0.0, REFUSED.sum()));
    out.append("  batch ack ms           ").append(percentiles(BATCH_ACK)).append('\n');
    out.append(String.format(Locale.ROOT, "  fix-to-watcher ms      %s (%d moves, %.0f/s)%n", percentiles(FIX_TO_WATCHER), MOVES.sum(), MOVES.sum() / (double) duration));
    out.append(String.format(Locale.ROOT, "  nearby queries/s       %.0f (%.1f drivers found per query)%n",
        QUERIES.sum() / (double) duration, QUERIES.sum() == 0 ? 0 : FOUND.sum() / (double) QUERIES.sum()));
    out.append("  nearby ms              ").append(percentiles(NEARBY)).append('\n');
    out.append("  other answers          ").append(OTHER.summary()).append('\n');
    out.append(String.format(Locale.ROOT, "  load generator GC      %s%n", GeneratorPauses.tally().format(1, duration)));
    Targets.writeReport(report, out);
  }
}
