package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live metrics against a real node and Cassandra with real HTTP, SSE and WebSocket clients (docs/protocol.md, "Live
 * metrics"). Every expected aggregate is computed here from the samples the test sent.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String CONFIG =
      """
      pulse.metrics {
        max-series-per-metric = 3
        max-batch-lines = 2000
        max-sample-age = 3 h
        memory { 10s = 1 m, 1m = 10 m }
        self-scrape.enabled = false
      }
      """;
  private PulseNode node;

  @BeforeAll
  void start() {
    node = TestNodes.start(CONFIG);
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  private int port() {
    return node.httpPort();
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (Exception e) {
      throw new AssertionError(body, e);
    }
  }

  private HttpResponse<String> write(String token, String contentType, String query, String body) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/api/metrics/write" + query))
              .header("Authorization", "Bearer " + token)
              .header("Content-Type", contentType)
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private JsonNode query(String token, String q, long start, long end, String step) {
    HttpResponse<String> r =
        TestNodes.get(port(), "/api/metrics/query?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&start=" + start + "&end=" + end + "&step=" + step, token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r.body());
  }

  /** The value at {@code t} of the result series whose labels include {@code labels}. */
  private static double value(JsonNode result, Map<String, String> labels, long t) {
    for (JsonNode s : result.get("series")) {
      boolean match = labels.entrySet().stream().allMatch(e -> e.getValue().equals(s.get("labels").path(e.getKey()).asText(null)));
      if (!match) continue;
      for (JsonNode p : s.get("points")) if (p.get(0).asLong() == t) return p.get(1).asDouble();
      throw new AssertionError("no point at " + t + " in " + s);
    }
    throw new AssertionError("no series " + labels + " in " + result);
  }

  private static final long S10 = 10_000;

  /** A 10 s boundary a minute ago: its six windows are closed. */
  private static long base() {
    long now = System.currentTimeMillis();
    return now - now % S10 - 70_000;
  }

  @Test
  void bothFormatsWriteTheirGoodLinesNameTheBadOnesAndQueriesAggregateThem() {
    String tenant = TestNodes.uniqueUser("m-fmt");
    String token = TestNodes.devToken(port(), tenant);
    long base = base();
    // it_cpu: host a and b, dc x; values i and 2i at base + i*2s, i = 0..29 (60 s, six 10 s windows)
    StringBuilder prom = new StringBuilder("# HELP it_cpu cpu\n# TYPE it_cpu gauge\n");
    Map<String, List<double[]>> sent = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      long ts = base + i * 2_000L;
      prom.append("it_cpu{host=\"a\",dc=\"x\"} ").append(i).append(' ').append(ts).append('\n');
      prom.append("it_cpu{dc=\"x\",host=\"b\"} ").append(2 * i).append(' ').append(ts).append('\n');
      sent.computeIfAbsent("a", k -> new ArrayList<>()).add(new double[] {ts, i});
      sent.computeIfAbsent("b", k -> new ArrayList<>()).add(new double[] {ts, 2 * i});
    }
    prom.append("it_cpu{host=\"a\"} NaN\n"); // line 63
    prom.append("it_cpu{__bad=\"x\"} 1\n"); // line 64
    prom.append("it_cpu{host=\"a\" 1\n"); // line 65
    prom.append("it_cpu{host=\"a\"} 1 ").append(System.currentTimeMillis() + 3_600_000L).append('\n'); // line 66
    HttpResponse<String> r = write(token, "text/plain; version=0.0.4", "", prom.toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
    JsonNode body = json(r.body());
    assertThat(body.get("accepted").asInt()).isEqualTo(60);
    List<String> failures = new ArrayList<>();
    body.get("failed").forEach(f -> failures.add(f.get("line").asInt() + ":" + f.get("code").asText()));
    assertThat(failures).containsExactly("63:invalid_value", "64:invalid_label_name", "65:malformed_line", "66:timestamp_in_future");

    // it_net in line protocol, ms precision: rx and tx fields of host a; a string field and a bad tag fail their lines
    StringBuilder influx = new StringBuilder();
    double[] rx = new double[30];
    for (int i = 0; i < 30; i++) {
      rx[i] = (i * 37) % 11;
      influx.append("it_net,host=a rx=").append(rx[i]).append(",tx=").append(i).append("i ").append(base + i * 2_000L).append('\n');
    }
    influx.append("it_net,host=a note=\"hi\" ").append(base).append('\n'); // line 31
    influx.append("it_net,ho-st=a rx=1 ").append(base).append('\n'); // line 32
    r = write(token, "text/plain", "?precision=ms", influx.toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
    body = json(r.body());
    assertThat(body.get("accepted").asInt()).isEqualTo(60);
    failures.clear();
    body.get("failed").forEach(f -> failures.add(f.get("line").asInt() + ":" + f.get("code").asText()));
    assertThat(failures).containsExactly("31:unsupported_value", "32:invalid_label_name");

    long end = base + 60_000;
    // per series, per 10 s window: max and mean, computed from what was sent
    JsonNode max = query(token, "max(it_cpu)", base, end, "10s");
    JsonNode sum = query(token, "sum by (dc) (mean(it_cpu))", base, end, "10s");
    JsonNode wide = query(token, "max(max(it_cpu))", base, end, "30s");
    for (int w = 0; w < 6; w++) {
      long t = base + w * S10;
      double maxA = Double.NEGATIVE_INFINITY, meanA = 0, meanB = 0;
      int n = 0;
      for (int k = 0; k < 30; k++) {
        double[] a = sent.get("a").get(k);
        if (a[0] >= t && a[0] < t + S10) {
          maxA = Math.max(maxA, a[1]);
          meanA += a[1];
          meanB += sent.get("b").get(k)[1];
          n++;
        }
      }
      assertThat(value(max, Map.of("host", "a"), t)).as("max of a at window %d", w).isEqualTo(maxA);
      assertThat(value(sum, Map.of("dc", "x"), t)).as("sum of means at window %d", w).isCloseTo(meanA / n + meanB / n, within(1e-9));
    }
    long last = base + 58_000; // b's last and largest sample, 58
    assertThat(value(wide, Map.of(), last - Math.floorMod(last, 30_000L))).as("max across series over 30 s").isEqualTo(2 * 29);
    assertThat(max.get("series")).hasSize(2);
    assertThat(query(token, "max(it_cpu{host!=\"a\"})", base, end, "1m").get("series")).hasSize(1);
    JsonNode counts = query(token, "count(it_cpu{host=~\"a|b\"})", base, end, "1m");
    assertThat(counts.get("series")).hasSize(2);
    for (JsonNode series : counts.get("series")) {
      int total = 0;
      for (JsonNode p : series.get("points")) total += p.get(1).asInt();
      assertThat(total).as("samples of %s over the minutes", series.get("labels")).isEqualTo(30);
    }

    // the counter tx grows 1 per 2 s: rate over each minute's windows; p50 of rx against the sorted values
    JsonNode rate = query(token, "rate(it_net_tx)", base, end, "1m");
    double[] sortedRx = java.util.Arrays.stream(rx).sorted().toArray();
    JsonNode p50 = query(token, "p50(it_net_rx)", base, end, "1m");
    long minute = base - Math.floorMod(base, 60_000);
    // the first minute window holds the samples from base to its end
    int inFirst = (int) ((minute + 60_000 - base + 1_999) / 2_000);
    assertThat(value(rate, Map.of("host", "a"), minute)).isCloseTo((inFirst - 1) / 60.0, within(1e-9));
    double median = value(p50, Map.of("host", "a"), minute);
    double[] firstRx = java.util.Arrays.copyOf(rx, inFirst);
    java.util.Arrays.sort(firstRx);
    assertThat(median).isBetween(firstRx[(inFirst - 1) / 2] - 1, firstRx[inFirst / 2] + 1);
    assertThat(sortedRx).isNotEmpty();

    // bad queries have a code
    HttpResponse<String> bad = TestNodes.get(port(), "/api/metrics/query?query=" + URLEncoder.encode("median(it_cpu)", StandardCharsets.UTF_8), token);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad.body()).get("error").asText()).isEqualTo("invalid_query");
    HttpResponse<String> badStep = TestNodes.get(port(), "/api/metrics/query?query=it_cpu&step=7s", token);
    assertThat(json(badStep.body()).get("error").asText()).isEqualTo("invalid_query");
    // another tenant sees none of it
    String other = TestNodes.devToken(port(), TestNodes.uniqueUser("m-other"));
    assertThat(query(other, "max(it_cpu)", base, end, "10s").get("series")).isEmpty();
    // no token, no write
    assertThat(write("nope", "text/plain", "", "x 1").statusCode()).isEqualTo(401);
  }

  @Test
  void newSeriesBeyondTheLimitAreRefusedWithTheirLinesAndOversizedBatchesWhole() {
    String tenant = TestNodes.uniqueUser("m-card");
    String token = TestNodes.devToken(port(), tenant);
    long ts = System.currentTimeMillis() - 5_000;
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= 5; i++) b.append("it_card{i=\"").append(i).append("\"} ").append(i).append(' ').append(ts).append('\n');
    // one series at a time, so which three are admitted is known
    for (String line : b.toString().split("\n")) write(token, "text/plain; version=0.0.4", "", line);
    HttpResponse<String> r = write(token, "text/plain; version=0.0.4", "", b.toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
    JsonNode body = json(r.body());
    assertThat(body.get("accepted").asInt()).isEqualTo(3);
    List<String> failures = new ArrayList<>();
    body.get("failed").forEach(f -> failures.add(f.get("line").asInt() + ":" + f.get("code").asText()));
    assertThat(failures).containsExactly("4:cardinality_exceeded", "5:cardinality_exceeded");
    assertThat(body.get("failed").get(0).get("message").asText()).contains("it_card");

    HttpResponse<String> big = write(token, "text/plain; version=0.0.4", "", "it_big 1\n".repeat(2_001));
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(json(big.body()).get("error").asText()).isEqualTo("batch_too_large");
    assertThat(query(token, "count(it_big)", ts - 60_000, System.currentTimeMillis() + 10_000, "10s").get("series")).isEmpty();
  }

  @Test
  void aSocketDashboardAndAnSseDashboardGetEachNewPointWithoutPolling() {
    String tenant = TestNodes.uniqueUser("m-live");
    String token = TestNodes.devToken(port(), tenant);
    String q = "max(it_live)";
    String topic = "metrics:" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "@10s";
    try (WsClient ws = TestNodes.connect(port(), tenant);
        SseClient sse = SseClient.open(port(), "/sse/metrics?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8), token, null)) {
      assertThat(sse.status).isEqualTo(200);
      JsonNode sub = ws.ok("{\"type\":\"subscribe\",\"topic\":\"" + topic + "\"}", WAIT);
      assertThat(sub.path("step").asLong()).isEqualTo(10_000);
      long now = System.currentTimeMillis();
      long window = now - now % S10;
      // written over the socket, as a batch; the window closes ~10 s later and both dashboards are pushed its max
      JsonNode written =
          ws.ok("{\"type\":\"metrics.write\",\"format\":\"influx\",\"precision\":\"ms\",\"data\":\"it_live value=41 " + now + "\\nit_live value=42 " + (now + 1) + "\\nit_live value=oops\"}", WAIT);
      assertThat(written.path("accepted").asInt()).isEqualTo(2);
      assertThat(written.path("failed").get(0).path("code").asText()).isEqualTo("invalid_value");
      JsonNode point =
          ws.nextMatching(
              f -> "event".equals(f.path("type").asText()) && topic.equals(f.path("topic").asText()) && f.path("data").path("t").asLong() == window, WAIT);
      assertThat(point.path("event").asText()).isEqualTo("point");
      assertThat(point.path("data").path("series").get(0).path("value").asDouble()).isEqualTo(42);
      assertThat(point.path("data").path("series").get(0).path("labels").path("__name__").asText()).isEqualTo("it_live");
      SseClient.Event e;
      do {
        e = sse.next("point", WAIT);
      } while (e.data().path("t").asLong() < window);
      assertThat(e.data().path("t").asLong()).isEqualTo(window);
      assertThat(e.data().path("series").get(0).path("value").asDouble()).isEqualTo(42);
      // a bad query is refused at subscribe with its code
      JsonNode refused = ws.call("{\"type\":\"subscribe\",\"topic\":\"metrics:median%28x%29\"}", WAIT);
      assertThat(refused.path("code").asText()).isEqualTo("invalid_query");
    }
  }

  @Test
  void windowsOlderThanMemoryAreReadBackFromCassandraAfterARestart() throws Exception {
    String tenant = TestNodes.uniqueUser("m-old");
    String token = TestNodes.devToken(port(), tenant);
    long now = System.currentTimeMillis();
    long hour = now - now % 3_600_000L;
    long t0 = hour - 30 * 60_000L; // in the previous hour: after a restart, older than what the series reloads
    StringBuilder b = new StringBuilder();
    double[] sums = new double[3]; // per minute
    double[] s10 = new double[6]; // per 10 s of the first minute
    for (int i = 0; i < 90; i++) {
      long ts = t0 + i * 2_000L;
      double v = (i * 13) % 7;
      b.append("it_old{job=\"j\"} ").append(v).append(' ').append(ts).append('\n');
      sums[i / 30] += v;
      if (i < 30) s10[i / 5] += v;
    }
    assertThat(write(token, "text/plain; version=0.0.4", "", b.toString()).statusCode()).isEqualTo(200);
    // the closed minutes reach the downsampled table (the series writes each one after it closes)
    String series = tenant + "|it_old{job=\"j\"}";
    try (CqlSession cql = CassandraExtension.openSession()) {
      TestNodes.awaitCondition(
          () ->
              cql.execute(
                      "SELECT count(*) FROM " + CassandraExtension.KEYSPACE + ".metric_rollups WHERE series = ? AND resolution = '1m' AND bucket = ?",
                      series,
                      t0 - Math.floorMod(t0, 86_400_000L))
                  .one()
                  .getLong(0)
                  >= 3,
          WAIT,
          "three 1 min rows of it_old");
    }

    node.close();
    node = TestNodes.start(CONFIG);
    String token2 = TestNodes.devToken(port(), tenant);
    JsonNode minutes = query(token2, "sum(it_old)", t0, t0 + 180_000, "1m");
    for (int m = 0; m < 3; m++) assertThat(value(minutes, Map.of("job", "j"), t0 + m * 60_000L)).isEqualTo(sums[m]);
    JsonNode tens = query(token2, "sum(it_old)", t0, t0 + 60_000, "10s");
    for (int w = 0; w < 6; w++) assertThat(value(tens, Map.of("job", "j"), t0 + w * S10)).as("10 s window %d from raw samples", w).isEqualTo(s10[w]);
    // and it keeps writing after the restart
    assertThat(write(token2, "text/plain; version=0.0.4", "", "it_old{job=\"j\"} 5 " + (System.currentTimeMillis() - 1_000)).statusCode()).isEqualTo(200);
  }
}
