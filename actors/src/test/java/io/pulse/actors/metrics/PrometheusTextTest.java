package io.pulse.actors.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final ParsedBatch.Limits LIMITS = new ParsedBatch.Limits(NOW, 3_600_000L, 600_000L, 8, 64);

  private static ParsedBatch parse(String text) {
    return PrometheusText.parse(text, LIMITS);
  }

  @Test
  void readsSamplesWithLabelsTimestampsAndComments() {
    ParsedBatch b =
        parse(
            """
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1699999999000
            http_requests_total{method="post",code="400"}    3 1699999999000

            # a comment
            metric_without_timestamp_and_labels 12.47
            escaped{path="C:\\\\DIR\\\\",msg="say \\"hi\\"\\n",} -1.5e3
            """);
    assertThat(b.errors()).isEmpty();
    assertThat(b.samples()).hasSize(4);
    ParsedBatch.Line first = b.samples().get(0);
    assertThat(first.line()).isEqualTo(3);
    assertThat(first.name()).isEqualTo("http_requests_total");
    assertThat(first.labels()).containsExactly(Map.entry("code", "200"), Map.entry("method", "post"));
    assertThat(first.timestampMs()).isEqualTo(1_699_999_999_000L);
    assertThat(first.value()).isEqualTo(1027);
    assertThat(b.samples().get(2).timestampMs()).as("no timestamp: arrival time").isEqualTo(NOW);
    assertThat(b.samples().get(2).labels()).isEmpty();
    ParsedBatch.Line escaped = b.samples().get(3);
    assertThat(escaped.labels()).containsEntry("path", "C:\\DIR\\").containsEntry("msg", "say \"hi\"\n");
    assertThat(escaped.value()).isEqualTo(-1500);
  }

  @Test
  void everyBadLineIsNamedWithItsCodeAndTheGoodOnesAreKept() {
    ParsedBatch b =
        parse(
            String.join(
                "\n",
                "good 1",
                "9bad_name 1",
                "m{__reserved=\"x\"} 1",
                "m{bad-label=\"x\"} 1",
                "m{a=\"1\",a=\"2\"} 1",
                "m{a=\"unterminated} 1",
                "m{a=x} 1",
                "m NaN",
                "m +Inf",
                "m 12abc",
                "m 1 12.5",
                "m 1 " + (NOW + 3_600_000L),
                "m 1 " + (NOW - 7_200_000L),
                "m{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\",f=\"6\",g=\"7\",h=\"8\",i=\"9\"} 1",
                "m{a=\"" + "x".repeat(65) + "\"} 1",
                "m",
                "# TYPE m flavour",
                "m 1 2 3",
                "also_good{le=\"0.5\"} 2"));
    assertThat(b.samples()).extracting(ParsedBatch.Line::line).containsExactly(1, 19);
    assertThat(b.errors())
        .extracting(ParsedBatch.LineError::line, ParsedBatch.LineError::code)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(2, MetricCodes.INVALID_METRIC_NAME),
            org.assertj.core.groups.Tuple.tuple(3, MetricCodes.INVALID_LABEL_NAME),
            org.assertj.core.groups.Tuple.tuple(4, MetricCodes.INVALID_LABEL_NAME),
            org.assertj.core.groups.Tuple.tuple(5, MetricCodes.DUPLICATE_LABEL),
            org.assertj.core.groups.Tuple.tuple(6, MetricCodes.MALFORMED_LINE),
            org.assertj.core.groups.Tuple.tuple(7, MetricCodes.MALFORMED_LINE),
            org.assertj.core.groups.Tuple.tuple(8, MetricCodes.INVALID_VALUE),
            org.assertj.core.groups.Tuple.tuple(9, MetricCodes.INVALID_VALUE),
            org.assertj.core.groups.Tuple.tuple(10, MetricCodes.INVALID_VALUE),
            org.assertj.core.groups.Tuple.tuple(11, MetricCodes.INVALID_TIMESTAMP),
            org.assertj.core.groups.Tuple.tuple(12, MetricCodes.TIMESTAMP_IN_FUTURE),
            org.assertj.core.groups.Tuple.tuple(13, MetricCodes.TIMESTAMP_TOO_OLD),
            org.assertj.core.groups.Tuple.tuple(14, MetricCodes.TOO_MANY_LABELS),
            org.assertj.core.groups.Tuple.tuple(15, MetricCodes.LABEL_VALUE_TOO_LONG),
            org.assertj.core.groups.Tuple.tuple(16, MetricCodes.MALFORMED_LINE),
            org.assertj.core.groups.Tuple.tuple(17, MetricCodes.MALFORMED_LINE),
            org.assertj.core.groups.Tuple.tuple(18, MetricCodes.MALFORMED_LINE));
    assertThat(b.errors()).allSatisfy(e -> assertThat(e.message()).isNotBlank());
  }

  @Test
  void emptyLabelValuesAreAbsentLabelsAndCrlfIsTolerated() {
    ParsedBatch b = parse("m{a=\"\",b=\"1\"} 2\r\nn{} 3\r\n");
    assertThat(b.errors()).isEmpty();
    assertThat(b.samples().get(0).labels()).containsExactly(Map.entry("b", "1"));
    assertThat(b.samples().get(1).labels()).isEmpty();
  }

  @Test
  void canonicalSeriesTextSortsLabelsAndEscapes() {
    assertThat(Labels.canonical("m", Map.of("b", "2", "a", "x\"y"))).isEqualTo("m{a=\"x\\\"y\",b=\"2\"}");
    assertThat(Labels.isMetricName("a:b_c9")).isTrue();
    assertThat(Labels.isMetricName("9a")).isFalse();
    assertThat(Labels.isLabelName("_ok")).isTrue();
    assertThat(Labels.isLabelName("__name__")).isFalse();
    assertThat(Labels.isLabelName("a:b")).isFalse();
  }
}
