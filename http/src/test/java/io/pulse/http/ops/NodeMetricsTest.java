package io.pulse.http.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeMetricsTest {

  @Test
  void gatewayCountsAppearUnderTheirNamesAndLabels() {
    NodeMetrics m = new NodeMetrics();
    m.frameIn("ConvSend");
    m.frameIn("ConvSend");
    m.frameIn("Ping");
    m.frameOut();
    m.outboundOverflow(true);
    m.outboundOverflow(false);
    m.outboundOverflow(false);
    m.rateLimited();
    m.error("rate_limited");
    m.error("not_a_member");
    m.error("not_a_member");

    Map<String, Double> s = PromText.parse(m.scrape());
    assertThat(s).containsEntry("pulse_frames_in_total{kind=\"ConvSend\"}", 2.0).containsEntry("pulse_frames_in_total{kind=\"Ping\"}", 1.0);
    assertThat(s).containsEntry("pulse_frames_out_total", 1.0);
    assertThat(s)
        .containsEntry("pulse_outbound_overflows_total{kind=\"durable\"}", 1.0)
        .containsEntry("pulse_outbound_overflows_total{kind=\"ephemeral\"}", 2.0);
    assertThat(s).containsEntry("pulse_rate_limit_rejections_total", 1.0);
    assertThat(s).containsEntry("pulse_errors_total{code=\"not_a_member\"}", 2.0).containsEntry("pulse_errors_total{code=\"rate_limited\"}", 1.0);
    assertThat(m.framesInTotal()).isEqualTo(3);
    assertThat(m.framesOutTotal()).isEqualTo(1);
  }

  @Test
  void gaugesReadTheirSourcesAtEachScrape() {
    NodeMetrics m = new NodeMetrics();
    int[] open = {3};
    m.connectionsFrom(() -> open[0]);
    m.regions(Map.of("Conversation", 12, "User", 4), Map.of("Conversation", 40, "User", 9));
    assertThat(PromText.parse(m.scrape()))
        .containsEntry("pulse_connections_open", 3.0)
        .containsEntry("pulse_shards{type=\"Conversation\"}", 12.0)
        .containsEntry("pulse_shards{type=\"User\"}", 4.0)
        .containsEntry("pulse_entities{type=\"Conversation\"}", 40.0)
        .containsEntry("pulse_entities{type=\"User\"}", 9.0);
    open[0] = 1;
    m.regions(Map.of("User", 5), Map.of("User", 6));
    Map<String, Double> after = PromText.parse(m.scrape());
    assertThat(after).containsEntry("pulse_connections_open", 1.0).containsEntry("pulse_shards{type=\"User\"}", 5.0);
    // a type no longer hosted is no longer reported, rather than stuck at its last value
    assertThat(after).doesNotContainKey("pulse_shards{type=\"Conversation\"}");
  }

  @Test
  void journalWritesAreAHistogramWithCumulativeBuckets() {
    NodeMetrics m = new NodeMetrics();
    m.journalWrite(0.004);
    m.journalWrite(0.004);
    m.journalWrite(0.2);
    Map<String, Double> s = PromText.parse(m.scrape());
    assertThat(s).containsEntry("pulse_journal_write_seconds_count", 3.0);
    assertThat(s.get("pulse_journal_write_seconds_sum")).isCloseTo(0.208, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(s).containsEntry("pulse_journal_write_seconds_bucket{le=\"0.005\"}", 2.0);
    assertThat(s).containsEntry("pulse_journal_write_seconds_bucket{le=\"0.1\"}", 2.0);
    assertThat(s).containsEntry("pulse_journal_write_seconds_bucket{le=\"0.25\"}", 3.0);
    assertThat(s).containsEntry("pulse_journal_write_seconds_bucket{le=\"+Inf\"}", 3.0);
  }

  @Test
  void alertEvaluationLagsAreAHistogram() {
    NodeMetrics m = new NodeMetrics();
    m.alertEvaluationLag(0.0);
    m.alertEvaluationLag(3.0);
    Map<String, Double> s = PromText.parse(m.scrape());
    assertThat(s).containsEntry("pulse_alert_evaluation_lag_seconds_count", 2.0);
    assertThat(s).containsEntry("pulse_alert_evaluation_lag_seconds_bucket{le=\"0.005\"}", 1.0);
    assertThat(s).containsEntry("pulse_alert_evaluation_lag_seconds_bucket{le=\"2.5\"}", 1.0);
    assertThat(s).containsEntry("pulse_alert_evaluation_lag_seconds_bucket{le=\"5.0\"}", 2.0);
  }

  @Test
  void jvmMetricsAreIncludedAndEachNodeHasItsOwnRegistry() {
    NodeMetrics a = new NodeMetrics();
    NodeMetrics b = new NodeMetrics(); // a second node in the same JVM: no "already registered"
    a.frameOut();
    String text = a.scrape();
    assertThat(text).contains("jvm_memory_used_bytes{area=\"heap\"}").contains("jvm_gc_collection_seconds_count").contains("jvm_threads_current");
    assertThat(PromText.parse(b.scrape())).containsEntry("pulse_frames_out_total", 0.0);
    assertThat(text).contains("# TYPE pulse_journal_write_seconds histogram").contains("# TYPE pulse_connections_open gauge");
  }
}
