package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pulse.actors.metrics.MetricCodes;
import io.pulse.actors.metrics.MetricQuery;
import io.pulse.actors.metrics.ParsedBatch;
import io.pulse.config.MetricsSettings;
import io.pulse.config.PulseConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetricsCodecTest {
  private static final MetricsSettings SETTINGS = MetricsSettings.from(PulseConfig.load("pulse.metrics.max-batch-lines = 3\npulse.metrics.max-batch-bytes = 100"));

  @Test
  void metricsWriteFramesParseWithTheirFormat() {
    FrameCodec.Parsed p = FrameCodec.parse("{\"type\":\"metrics.write\",\"ref\":\"w1\",\"format\":\"influx\",\"precision\":\"ms\",\"data\":\"cpu value=1\"}");
    assertThat(p).isInstanceOf(FrameCodec.Ok.class);
    MetricsFrame.Write w = (MetricsFrame.Write) ((FrameCodec.Ok) p).frame();
    assertThat(w.format()).isEqualTo("influx");
    assertThat(w.precision()).isEqualTo("ms");
    assertThat(((MetricsFrame.Write) ((FrameCodec.Ok) FrameCodec.parse("{\"type\":\"metrics.write\",\"data\":\"up 1\"}")).frame()).format()).isEqualTo("prometheus");
    FrameCodec.Failed bad = (FrameCodec.Failed) FrameCodec.parse("{\"type\":\"metrics.write\",\"ref\":\"w2\",\"format\":\"csv\",\"data\":\"x\"}");
    assertThat(bad.error().code()).isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(bad.error().ref()).isEqualTo("w2");
    assertThat(((FrameCodec.Failed) FrameCodec.parse("{\"type\":\"metrics.write\"}")).error().code()).isEqualTo(ErrorCode.MISSING_FIELD);
    assertThat(((FrameCodec.Failed) FrameCodec.parse("{\"type\":\"metrics.read\"}")).error().code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
  }

  @Test
  void metricsTopicsCarryAnEncodedQueryAndAStep() throws Exception {
    String q = "sum by (host) (rate(reqs{code=~\"5..\"}))";
    Topic t = Topic.parse("metrics:" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "@1m");
    assertThat(t.kind()).isEqualTo("metrics");
    MetricsTopics.Spec spec = MetricsTopics.spec(t.id(), 10_000);
    assertThat(spec.stepMs()).isEqualTo(60_000);
    assertThat(spec.query().aggregation()).isEqualTo("sum");
    assertThat(MetricsTopics.spec(URLEncoder.encode("cpu", StandardCharsets.UTF_8), 10_000).stepMs()).isEqualTo(10_000);
    assertThatThrownBy(() -> Topic.parse("metrics:cpu{a=\"b\"}")).isInstanceOf(ProtocolError.Invalid.class);
    assertThatThrownBy(() -> MetricsTopics.spec("nope%28", 10_000)).isInstanceOf(MetricQuery.Invalid.class);
    assertThatThrownBy(() -> MetricsTopics.spec("cpu@7s", 10_000)).isInstanceOf(MetricQuery.Invalid.class);
  }

  @Test
  void batchesOverTheLimitsAreRefusedWhole() throws Exception {
    assertThatThrownBy(() -> MetricsWire.parse("a 1\nb 1\nc 1\nd 1", "prometheus", null, SETTINGS, 0))
        .isInstanceOfSatisfying(MetricsWire.Refused.class, r -> assertThat(r.code).isEqualTo(MetricCodes.BATCH_TOO_LARGE));
    assertThatThrownBy(() -> MetricsWire.parse("a 1 ".repeat(40), "prometheus", null, SETTINGS, 0))
        .isInstanceOfSatisfying(MetricsWire.Refused.class, r -> assertThat(r.code).isEqualTo(MetricCodes.BATCH_TOO_LARGE));
    assertThatThrownBy(() -> MetricsWire.parse("a value=1", "influx", "h", SETTINGS, 0))
        .isInstanceOfSatisfying(MetricsWire.Refused.class, r -> assertThat(r.code).isEqualTo(ErrorCode.INVALID_FIELD));
    ParsedBatch ok = MetricsWire.parse("a value=1 5", "influx", "s", SETTINGS, 10_000);
    assertThat(ok.samples().get(0).timestampMs()).isEqualTo(5_000);
  }
}
