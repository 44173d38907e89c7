package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;
import static io.pulse.load.ChatStats.nowMicros;
import static io.pulse.load.ChatStats.percentiles;
import static io.pulse.load.ChatStats.record;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Live metrics (issue 22's figures). {@code writers} HTTP clients of one tenant each post batches of {@code batch}
 * Prometheus-text lines in a closed loop, one sample each of {@code series} series in all (each writer its own
 * slice, cycling), timestamped now; {@code dashboards} sockets subscribe to {@code query} and receive a point per
 * closed 10 s window.
 *
 * <p>Measured inside the window ({@code ramp + settle} s after the start, for {@code duration} s): samples/s
 * accepted (answered only once durable in Cassandra), write latency (post to durable answer), and each point's
 * latency from its window's end to its receipt (the node waits {@code close-grace}, 2 s, after a window's end before
 * it evaluates, so that is in it). Results go to stdout and {@code target/metrics-<series>-<dashboards>.txt}.
 *
 * <pre>
 * bench/metrics.sh 1 -Dseries=10000 -Dwriters=8 -Dbatch=1000 -Ddashboards=100
 * </pre>
 */
public class MetricsSimulation extends Simulation {
  private final int series = Targets.intProp("series", 10_000);
  private final int writers = Targets.intProp("writers", 8);
  private final int batch = Targets.intProp("batch", 1000);
  private final int dashboards = Targets.intProp("dashboards", 100);
  private final String query = System.getProperty("query", "max(bench_load{s=~\"1.?\"})");
  private final int duration = Targets.intProp("duration", 30);
  private final int ramp = Targets.intProp("ramp", 20);
  private final int settle = Targets.intProp("settle", 5);
  private final String run = System.getProperty("run", Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36));
  private final String tenant = Targets.USER_PREFIX + "-" + run + "-metrics";
  private final String report = System.getProperty("report", "metrics-" + series + "-" + dashboards + ".txt");

  private static final long MAX_MICROS = 3_600_000_000L;
  static final Histogram WRITE = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram POINT = new ConcurrentHistogram(MAX_MICROS, 3);
  static final LongAdder ACCEPTED = new LongAdder();
  static final LongAdder FAILED_LINES = new LongAdder();
  static final LongAdder POINTS = new LongAdder();
  static final OtherAnswers OTHER = new OtherAnswers();

  private volatile long windowStart;
  private volatile long windowEnd;

  private boolean inWindow(long micros) {
    return micros >= windowStart && micros < windowEnd;
  }

  private String body(Session s) {
    int w = (int) (s.userId() - 1) % writers;
    int per = Math.max(1, series / writers);
    long n = s.contains("n") ? s.getLong("n") : 0;
    SplittableRandom random = new SplittableRandom(n * 31 + w);
    long now = System.currentTimeMillis();
    StringBuilder b = new StringBuilder(batch * 40);
    for (int i = 0; i < batch; i++) {
      long k = w * (long) per + (n * batch + i) % per;
      b.append("bench_load{s=\"").append(k).append("\"} ").append(random.nextInt(1000)).append(' ').append(now).append('\n');
    }
    return b.toString();
  }

  private boolean onWritten(String text, Session s) {
    long sent = s.getLong("sent");
    if (!inWindow(sent)) return true;
    record(WRITE, nowMicros() - sent);
    long accepted = MarketSimulation.longField(text, "accepted");
    if (accepted >= 0) ACCEPTED.add(accepted);
    int failed = text.split("\"code\"", -1).length - 1;
    if (failed > 0) {
      FAILED_LINES.add(failed);
      OTHER.count("line " + AuctionSimulation.field(text, "code"), text);
    }
    return accepted >= 0;
  }

  private final ScenarioBuilder write =
      scenario("writer")
          .exec(s -> s.set("userId", tenant).set("n", 0L))
          .exec(Targets.devToken())
          .asLongAs(s -> nowMicros() < windowEnd)
          .on(exec(s -> s.set("sent", nowMicros()).set("payload", body(s)).set("n", s.getLong("n") + 1))
              .exec(http("metrics.write")
                  .post("/api/metrics/write")
                  .header("Authorization", "Bearer #{token}")
                  .header("Content-Type", "text/plain; version=0.0.4")
                  .body(StringBody("#{payload}"))
                  .check(bodyString().transformWithSession(this::onWritten).is(true))));

  private Session onFrames(List<WsInboundMessage> frames, Session s) {
    for (WsInboundMessage f : frames) {
      if (!(f instanceof WsInboundMessage.Text t)) continue;
      String text = t.message();
      if (!text.contains("\"event\":\"point\"")) continue;
      long received = t.timestamp();
      if (!inWindow(received * 1000)) continue;
      long windowClosed = MarketSimulation.longField(text, "t") + MarketSimulation.longField(text, "step");
      record(POINT, (received - windowClosed) * 1000 + 500);
      POINTS.increment();
    }
    return s;
  }

  private final ScenarioBuilder watch =
      scenario("dashboard")
          .exec(s -> s.set("userId", tenant))
          .exec(Targets.connect(30))
          .exec(ws("subscribe metrics")
              .sendText("{\"type\":\"subscribe\",\"ref\":\"m\",\"topic\":\"metrics:" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "@10s\"}")
              .await(30)
              .on(ws.checkTextMessage("metrics reply").matching(jsonPath("$.ref").is("m")).check(bodyString().transform(MarketSimulation::subscribed).is(true))))
          .asLongAs(s -> nowMicros() < windowEnd)
          .on(pause(Duration.ofMillis(200)).exec(ws.processUnmatchedMessages(this::onFrames)))
          .exec(ws("close").close());

  {
    setUp(
            write.injectOpen(rampUsers(writers).during(Duration.ofSeconds(3))),
            watch.injectOpen(rampUsers(dashboards).during(Duration.ofSeconds(Math.max(1, ramp)))))
        .protocols(Targets.protocol().wsUnmatchedInboundMessageBufferSize(10_000))
        .maxDuration(Duration.ofSeconds(ramp + settle + duration + 90));
  }

  @Override
  public void before() {
    long start = nowMicros();
    windowStart = start + (ramp + settle) * 1_000_000L;
    windowEnd = windowStart + duration * 1_000_000L;
    ChatStats.windowStartMicros = windowStart;
    ChatStats.windowEndMicros = windowEnd;
    GeneratorPauses.install();
    System.out.printf("metrics: run %s, %d series, %d writers x %d lines, %d dashboards on %s, window from +%ds for %ds%n",
        run, series, writers, batch, dashboards, query, ramp + settle, duration);
  }

  @Override
  public void after() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "metrics: %d series, %d writers x %d-line batches (closed loop), %d dashboards on %s, %d s window, run %s%n",
        series, writers, batch, dashboards, query, duration, run));
    out.append(String.format(Locale.ROOT, "  samples/s accepted     %.0f (durable when answered; %d lines refused)%n", ACCEPTED.sum() / (double) duration, FAILED_LINES.sum()));
    out.append("  write ms               ").append(percentiles(WRITE)).append('\n');
    out.append("  point latency ms       ").append(percentiles(POINT)).append("  (window end -> receipt, 2 s grace included)\n");
    out.append(String.format(Locale.ROOT, "  points received        %d (%.1f per dashboard per 10 s)%n", POINTS.sum(), dashboards == 0 ? 0 : POINTS.sum() / (double) dashboards / (duration / 10.0)));
    out.append("  other answers          ").append(OTHER.summary()).append('\n');
    out.append(String.format(Locale.ROOT, "  load generator GC      %s%n", GeneratorPauses.tally().format(1, duration)));
    Targets.writeReport(report, out);
  }
}
