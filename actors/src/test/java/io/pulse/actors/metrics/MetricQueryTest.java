package io.pulse.actors.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MetricQueryTest {
  @Test
  void selectorsFunctionsAndAggregationsParse() throws Exception {
    MetricQuery plain = MetricQuery.parse("http_requests_total");
    assertThat(plain.metric()).isEqualTo("http_requests_total");
    assertThat(plain.function()).isEqualTo("mean");
    assertThat(plain.aggregation()).isNull();

    MetricQuery q = MetricQuery.parse("sum by (code, method) (rate(http_requests_total{job=\"api\", code!=\"500\", path=~\"/v1/.*\", env!~\"dev|test\"}[5m]))");
    assertThat(q.aggregation()).isEqualTo("sum");
    assertThat(q.by()).containsExactly("code", "method");
    assertThat(q.function()).isEqualTo("rate");
    assertThat(q.rangeMs()).isEqualTo(300_000);
    assertThat(q.matchers()).extracting(MetricQuery.Matcher::op).containsExactly(MetricQuery.Op.EQ, MetricQuery.Op.NE, MetricQuery.Op.RE, MetricQuery.Op.NRE);
    assertThat(q.matches(Map.of("job", "api", "code", "200", "path", "/v1/x", "env", "prod"))).isTrue();
    assertThat(q.matches(Map.of("job", "api", "code", "500", "path", "/v1/x", "env", "prod"))).isFalse();
    assertThat(q.matches(Map.of("job", "api", "code", "200", "path", "/v2/x", "env", "prod"))).as("regexes are anchored").isFalse();
    assertThat(q.matches(Map.of("job", "api", "code", "200", "path", "/v1/x", "env", "dev"))).isFalse();

    assertThat(MetricQuery.parse("max(cpu)").aggregation()).as("a function over a selector").isNull();
    assertThat(MetricQuery.parse("max(cpu)").function()).isEqualTo("max");
    MetricQuery agg = MetricQuery.parse("max(p99(latency))");
    assertThat(agg.aggregation()).isEqualTo("max");
    assertThat(agg.function()).isEqualTo("p99");
    assertThat(MetricQuery.parse("avg by (host) (cpu)").function()).isEqualTo("mean");
  }

  @Test
  void badQueriesAreRefusedWithAReason() {
    for (String bad : List.of("", "9cpu", "cpu{host=a}", "cpu{host=\"a\"", "median(cpu)", "avg(cpu)", "cpu[7s]", "cpu{p=~\"(\"}", "sum by host (cpu)", "cpu extra")) {
      assertThatThrownBy(() -> MetricQuery.parse(bad)).as(bad).isInstanceOf(MetricQuery.Invalid.class).hasMessageNotContaining("null");
    }
  }

  @Test
  void stepsMergeWindowsAndAggregationGroupsByLabels() throws Exception {
    SeriesWindows a = new SeriesWindows(Map.of(Resolution.S10, 600_000L, Resolution.M1, 600_000L, Resolution.H1, 600_000L), 0);
    SeriesWindows b = new SeriesWindows(Map.of(Resolution.S10, 600_000L, Resolution.M1, 600_000L, Resolution.H1, 600_000L), 0);
    for (int i = 0; i < 6; i++) {
      a.add(i * 10_000L + 1, i, 100_000);
      b.add(i * 10_000L + 1, 10 * i, 100_000);
    }
    MetricQuery max = MetricQuery.parse("max(cpu)");
    List<QueryEngine.Point> pa = QueryEngine.points(max, a.read(Resolution.S10, 0, 60_000), 0, 60_000, 30_000);
    assertThat(pa).containsExactly(new QueryEngine.Point(0, 2), new QueryEngine.Point(30_000, 5));
    MetricQuery rate = MetricQuery.parse("rate(cpu)");
    assertThat(QueryEngine.points(rate, a.read(Resolution.S10, 0, 60_000), 0, 60_000, 60_000)).containsExactly(new QueryEngine.Point(0, 5 / 60.0));

    TreeMap<String, String> la = new TreeMap<>(Map.of("host", "a", "dc", "x"));
    TreeMap<String, String> lb = new TreeMap<>(Map.of("host", "b", "dc", "x"));
    List<QueryEngine.Result> series =
        List.of(
            new QueryEngine.Result(la, QueryEngine.points(max, a.read(Resolution.S10, 0, 60_000), 0, 60_000, 30_000)),
            new QueryEngine.Result(lb, QueryEngine.points(max, b.read(Resolution.S10, 0, 60_000), 0, 60_000, 30_000)));
    List<QueryEngine.Result> summed = QueryEngine.aggregate(MetricQuery.parse("sum by (dc) (max(cpu))"), series);
    assertThat(summed).hasSize(1);
    assertThat(summed.get(0).labels()).containsExactly(Map.entry("dc", "x"));
    assertThat(summed.get(0).points()).containsExactly(new QueryEngine.Point(0, 22), new QueryEngine.Point(30_000, 55));
    assertThat(QueryEngine.aggregate(MetricQuery.parse("avg by (host) (max(cpu))"), series)).hasSize(2);
    assertThat(QueryEngine.aggregate(MetricQuery.parse("max(max(cpu))"), series).get(0).points()).containsExactly(new QueryEngine.Point(0, 20), new QueryEngine.Point(30_000, 50));
    assertThat(QueryEngine.labelsOf("cpu{dc=\"x\",host=\"a \\\"q\\\"\"}")).containsEntry("host", "a \"q\"");
  }
}
