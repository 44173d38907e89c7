package io.pulse.config;

import com.typesafe.config.Config;
import java.time.Duration;

/** Live metrics (pulse.metrics, metrics.conf): ingest limits, windows, retention and self-ingest. */
public record MetricsSettings(
    int maxBatchLines,
    long maxBatchBytes,
    Duration maxSampleAge,
    Duration maxFuture,
    int maxLabels,
    int maxLabelValueLength,
    int maxSeriesPerTenant,
    int maxSeriesPerMetric,
    Duration memory10s,
    Duration memory1m,
    Duration memory1h,
    Duration closeGrace,
    Duration retentionRaw,
    Duration retention1m,
    Duration retention1h,
    int writeMaxRows,
    int writeParallelism,
    int batchRows,
    int maxQuerySeries,
    int maxPoints,
    Duration watchStep,
    int sseBuffer,
    boolean selfScrape,
    Duration selfScrapeInterval,
    String selfTenant,
    String selfScrapeUrl) {

  public static MetricsSettings from(Config root) {
    Config c = root.getConfig("pulse.metrics");
    return new MetricsSettings(
        c.getInt("max-batch-lines"),
        c.getBytes("max-batch-bytes"),
        c.getDuration("max-sample-age"),
        c.getDuration("max-future"),
        c.getInt("max-labels"),
        c.getInt("max-label-value-length"),
        c.getInt("max-series-per-tenant"),
        c.getInt("max-series-per-metric"),
        c.getDuration("memory.10s"),
        c.getDuration("memory.1m"),
        c.getDuration("memory.1h"),
        c.getDuration("close-grace"),
        c.getDuration("retention.raw"),
        c.getDuration("retention.1m"),
        c.getDuration("retention.1h"),
        c.getInt("write-max-rows"),
        c.getInt("write-parallelism"),
        c.getInt("batch-rows"),
        c.getInt("max-query-series"),
        c.getInt("max-points"),
        c.getDuration("watch-step"),
        c.getInt("sse-buffer"),
        c.getBoolean("self-scrape.enabled"),
        c.getDuration("self-scrape.interval"),
        c.getString("self-scrape.tenant"),
        c.getString("self-scrape.url"));
  }
}
