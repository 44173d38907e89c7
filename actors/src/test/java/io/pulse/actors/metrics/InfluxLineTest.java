package io.pulse.actors.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.Map;
import org.junit.jupiter.api.Test;

class InfluxLineTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final ParsedBatch.Limits LIMITS = new ParsedBatch.Limits(NOW, 3_600_000L, 600_000L, 8, 64);

  @Test
  void eachNumericFieldIsASampleNamedAfterMeasurementAndField() {
    ParsedBatch b =
        InfluxLine.parse(
            """
            cpu,host=server01,region=us-west usage_idle=93.5,usage_user=2i,up=true 1699999999000000000
            # comment
            mem,host=a value=42u
            weather,loc=my\\ town\\,north temp=-3.5e1
            """,
            InfluxLine.Precision.NS,
            LIMITS);
    assertThat(b.errors()).isEmpty();
    assertThat(b.samples())
        .extracting(ParsedBatch.Line::line, ParsedBatch.Line::name, ParsedBatch.Line::value)
        .containsExactly(
            tuple(1, "cpu_usage_idle", 93.5), tuple(1, "cpu_usage_user", 2.0), tuple(1, "cpu_up", 1.0), tuple(3, "mem", 42.0), tuple(4, "weather_temp", -35.0));
    assertThat(b.samples().get(0).labels()).containsExactly(Map.entry("host", "server01"), Map.entry("region", "us-west"));
    assertThat(b.samples().get(0).timestampMs()).isEqualTo(1_699_999_999_000L);
    assertThat(b.samples().get(3).timestampMs()).isEqualTo(NOW);
    assertThat(b.samples().get(4).labels()).containsEntry("loc", "my town,north");
    // 1699999999 ns is 1.7 s after the epoch: too old
    assertThat(InfluxLine.parse("weather temp=1 1699999999", InfluxLine.Precision.NS, LIMITS).errors().get(0).code()).isEqualTo(MetricCodes.TIMESTAMP_TOO_OLD);
    assertThat(InfluxLine.parse("weather temp=1 1699999999", InfluxLine.Precision.S, LIMITS).samples().get(0).timestampMs()).isEqualTo(1_699_999_999_000L);
  }

  @Test
  void badLinesAreNamedAndGoodLinesKept() {
    ParsedBatch b =
        InfluxLine.parse(
            String.join(
                "\n",
                "ok value=1",
                "cpu",
                "cpu,host= value=1",
                "cpu,__host=a value=1",
                "cpu,host=a,host=b value=1",
                "cpu msg=\"hello world\"",
                "cpu value=abc",
                "cpu value=1 notatime",
                "cpu value=1 1 extra",
                "cpu-load value=1",
                "cpu,bad-tag=a value=1",
                "cpu value=NaN",
                "cpu value=1,value=2",
                "cpu value=-1u",
                "ok2,a=b x=2,y=3i"),
            InfluxLine.Precision.MS,
            LIMITS);
    assertThat(b.samples()).extracting(ParsedBatch.Line::line).containsExactly(1, 15, 15);
    assertThat(b.errors())
        .extracting(ParsedBatch.LineError::line, ParsedBatch.LineError::code)
        .containsExactly(
            tuple(2, MetricCodes.MALFORMED_LINE),
            tuple(3, MetricCodes.MALFORMED_LINE),
            tuple(4, MetricCodes.INVALID_LABEL_NAME),
            tuple(5, MetricCodes.DUPLICATE_LABEL),
            tuple(6, MetricCodes.UNSUPPORTED_VALUE),
            tuple(7, MetricCodes.INVALID_VALUE),
            tuple(8, MetricCodes.INVALID_TIMESTAMP),
            tuple(9, MetricCodes.MALFORMED_LINE),
            tuple(10, MetricCodes.INVALID_METRIC_NAME),
            tuple(11, MetricCodes.INVALID_LABEL_NAME),
            tuple(12, MetricCodes.INVALID_VALUE),
            tuple(13, MetricCodes.DUPLICATE_LABEL),
            tuple(14, MetricCodes.INVALID_VALUE));
  }

  @Test
  void precisionNames() {
    assertThat(InfluxLine.Precision.parse(null)).isEqualTo(InfluxLine.Precision.NS);
    assertThat(InfluxLine.Precision.parse("ms")).isEqualTo(InfluxLine.Precision.MS);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> InfluxLine.Precision.parse("h")).isInstanceOf(IllegalArgumentException.class);
  }
}
