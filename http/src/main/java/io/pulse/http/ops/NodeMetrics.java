package io.pulse.http.ops;

import io.pulse.http.gateway.GatewayMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The node's own metrics, in a registry of its own (several nodes may share a JVM in tests, so not the
 * client's default registry), created once per node. The gateway counts into it at the points where it
 * already decides ({@link GatewayMetrics}); GroupCommit times journal writes into it; shard and entity
 * counts are cached by {@link ShardCounts} so a scrape never waits for the cluster.
 */
public final class NodeMetrics implements GatewayMetrics {
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter framesIn;
  private final Counter framesOut;
  private final Counter overflows;
  private final Counter rejections;
  private final Counter errors;
  private final Histogram journalWrites;
  private final Histogram alertLags;
  private final CounterDataPoint framesOutPoint;
  private final CounterDataPoint durableOverflows;
  private final CounterDataPoint ephemeralOverflows;
  private final CounterDataPoint rejectionsPoint;
  // label values are a bounded set (FrameKinds, error codes): their data points are looked up once each
  private final Map<String, CounterDataPoint> framesInByKind = new ConcurrentHashMap<>();
  private final Map<String, CounterDataPoint> errorsByCode = new ConcurrentHashMap<>();
  /** Totals for the operator view's per-second rates. */
  private final LongAdder framesInTotal = new LongAdder();
  private final LongAdder framesOutTotal = new LongAdder();
  private volatile IntSupplier connections = () -> 0;
  private volatile Map<String, Integer> shards = Map.of();
  private volatile Map<String, Integer> entities = Map.of();

  public NodeMetrics() {
    GaugeWithCallback.builder()
        .name("pulse_connections_open")
        .help("WebSockets open on this node")
        .callback(cb -> cb.call(connections.getAsInt()))
        .register(registry);
    framesIn = Counter.builder().name("pulse_frames_in_total").help("Frames read from clients, by frame kind").labelNames("kind").register(registry);
    framesOut = Counter.builder().name("pulse_frames_out_total").help("Frames written to clients").register(registry);
    overflows =
        Counter.builder()
            .name("pulse_outbound_overflows_total")
            .help("Outbound buffer overflows: durable (the socket closed with 4008) or ephemeral (a conflated key dropped)")
            .labelNames("kind")
            .register(registry);
    rejections = Counter.builder().name("pulse_rate_limit_rejections_total").help("Frames refused with rate_limited").register(registry);
    errors = Counter.builder().name("pulse_errors_total").help("Error frames answered to clients, by code").labelNames("code").register(registry);
    journalWrites =
        Histogram.builder()
            .name("pulse_journal_write_seconds")
            .help("Group-commit journal writes: from the batch handed to its entity until its events are durable")
            .classicOnly()
            .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);
    alertLags =
        Histogram.builder()
            .name("pulse_alert_evaluation_lag_seconds")
            .help("Alert rule evaluations: how late each started against its scheduled time")
            .classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
            .register(registry);
    GaugeWithCallback.builder()
        .name("pulse_entities")
        .help("Entities running on this node, by entity type")
        .labelNames("type")
        .callback(cb -> entities.forEach((type, n) -> cb.call(n, type)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("pulse_shards")
        .help("Shards hosted by this node, by entity type")
        .labelNames("type")
        .callback(cb -> shards.forEach((type, n) -> cb.call(n, type)))
        .register(registry);
    JvmMetrics.builder().register(registry);
    framesOutPoint = framesOut.labelValues();
    durableOverflows = overflows.labelValues("durable");
    ephemeralOverflows = overflows.labelValues("ephemeral");
    rejectionsPoint = rejections.labelValues();
  }

  /** The open-socket count, read at each scrape. */
  public void connectionsFrom(IntSupplier open) {
    this.connections = open;
  }

  public int connections() {
    return connections.getAsInt();
  }

  @Override
  public void frameIn(String kind) {
    framesInByKind.computeIfAbsent(kind, framesIn::labelValues).inc();
    framesInTotal.increment();
  }

  @Override
  public void frameOut() {
    framesOutPoint.inc();
    framesOutTotal.increment();
  }

  @Override
  public void outboundOverflow(boolean durable) {
    (durable ? durableOverflows : ephemeralOverflows).inc();
  }

  @Override
  public void rateLimited() {
    rejectionsPoint.inc();
  }

  @Override
  public void error(String code) {
    errorsByCode.computeIfAbsent(code, errors::labelValues).inc();
  }

  public void journalWrite(double seconds) {
    journalWrites.observe(seconds);
  }

  public void alertEvaluationLag(double seconds) {
    alertLags.observe(seconds);
  }

  /** The latest shard and entity counts of this node's regions, by entity type. */
  public void regions(Map<String, Integer> shards, Map<String, Integer> entities) {
    this.shards = Map.copyOf(shards);
    this.entities = Map.copyOf(entities);
  }

  public Map<String, Integer> shards() {
    return shards;
  }

  public Map<String, Integer> entities() {
    return entities;
  }

  public long framesInTotal() {
    return framesInTotal.sum();
  }

  public long framesOutTotal() {
    return framesOutTotal.sum();
  }

  /** Every metric in the Prometheus text format (version 0.0.4). */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
