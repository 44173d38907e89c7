package io.pulse.actors.metrics;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.pulse.persistence.Continuations;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * Samples and downsampled windows in Cassandra's {@code metric_samples} and {@code metric_rollups} tables
 * (persistence/src/main/resources/pulse/schema.cql), through the journal plugin's own session. Raw partitions hold a
 * series' hour, 1 min partitions its day, 1 h partitions 30 days; a write is one unlogged batch per partition (at most
 * {@code batchRows} statements each), all sent at once; each row carries its resolution's TTL.
 */
public final class CassandraSampleStore implements SampleStore {
  static final long RAW_SPAN = 3_600_000L;

  private final CassandraSession session;
  private final int batchRows;
  private final int rawTtl;
  private final int m1Ttl;
  private final int h1Ttl;
  private final CompletionStage<PreparedStatement> insertRaw;
  private final CompletionStage<PreparedStatement> insertRollup;
  private final CompletionStage<PreparedStatement> selectRaw;
  private final CompletionStage<PreparedStatement> selectRollup;

  public CassandraSampleStore(
      ActorSystem<?> system, String pluginPath, String keyspace, int batchRows, Duration rawRetention, Duration m1Retention, Duration h1Retention) {
    this.session = CassandraSessionRegistry.get(system).sessionFor(pluginPath);
    this.batchRows = batchRows;
    this.rawTtl = (int) rawRetention.toSeconds();
    this.m1Ttl = (int) m1Retention.toSeconds();
    this.h1Ttl = (int) h1Retention.toSeconds();
    this.insertRaw = session.prepare("INSERT INTO " + keyspace + ".metric_samples (series, bucket, ts, value) VALUES (?, ?, ?, ?) USING TTL ?");
    this.insertRollup =
        session.prepare(
            "INSERT INTO " + keyspace + ".metric_rollups (series, resolution, bucket, start, count, sum, min, max, last, last_ts, increase, sketch)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?");
    this.selectRaw = session.prepare("SELECT ts, value FROM " + keyspace + ".metric_samples WHERE series = ? AND bucket = ? AND ts >= ? AND ts < ?");
    this.selectRollup =
        session.prepare(
            "SELECT start, count, sum, min, max, last, last_ts, increase, sketch FROM " + keyspace
                + ".metric_rollups WHERE series = ? AND resolution = ? AND bucket = ? AND start >= ? AND start < ?");
  }

  static long span(Resolution r) {
    return switch (r) {
      case S10 -> RAW_SPAN;
      case M1 -> 86_400_000L;
      case H1 -> 30L * 86_400_000L;
    };
  }

  static long bucketOf(long span, long ts) {
    return Math.floorDiv(ts, span) * span;
  }

  @Override
  public CompletionStage<Done> write(List<RawRow> raw, List<RollupRow> rollups) {
    if (raw.isEmpty() && rollups.isEmpty()) return CompletableFuture.completedFuture(Done.getInstance());
    return Continuations.onCompletingThread(
        insertRaw.thenCombine(insertRollup, (rawPs, rollupPs) -> {
              Map<String, List<BoundStatement>> partitions = new LinkedHashMap<>();
              for (RawRow r : raw) {
                long bucket = bucketOf(RAW_SPAN, r.ts());
                partitions.computeIfAbsent("r|" + r.series() + "|" + bucket, k -> new ArrayList<>()).add(rawPs.bind(r.series(), bucket, r.ts(), r.value(), rawTtl));
              }
              for (RollupRow r : rollups) {
                Agg a = r.agg();
                long bucket = bucketOf(span(r.resolution()), a.start());
                partitions
                    .computeIfAbsent("a|" + r.series() + "|" + r.resolution().label + "|" + bucket, k -> new ArrayList<>())
                    .add(
                        rollupPs.bind(
                            r.series(), r.resolution().label, bucket, a.start(), a.count(), a.sum(), a.min(), a.max(), a.last(), a.lastTs(), a.increase(),
                            ByteBuffer.wrap(a.sketch()), r.resolution() == Resolution.H1 ? h1Ttl : m1Ttl));
              }
              List<java.util.function.Supplier<CompletionStage<Done>>> writes = new ArrayList<>();
              for (List<BoundStatement> statements : partitions.values()) {
                for (int i = 0; i < statements.size(); i += batchRows) {
                  List<BoundStatement> chunk = statements.subList(i, Math.min(statements.size(), i + batchRows));
                  if (chunk.size() == 1) {
                    writes.add(() -> session.executeWrite(chunk.get(0)));
                  } else {
                    BatchStatementBuilder b = BatchStatement.builder(BatchType.UNLOGGED);
                    for (BoundStatement s : chunk) b.addStatement(s);
                    BatchStatement batch = b.build();
                    writes.add(() -> session.executeWriteBatch(batch));
                  }
                }
              }
              return bounded(writes);
            })
            .thenCompose(f -> f));
  }

  /**
   * Runs the writes with at most {@link #MAX_IN_FLIGHT} outstanding: a write of many series' rows is one statement
   * per partition, and thousands sent at once overflow the driver's connection (AllNodesFailedException, busy).
   */
  private static CompletionStage<Done> bounded(List<java.util.function.Supplier<CompletionStage<Done>>> writes) {
    CompletableFuture<Done> all = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
    int lanes = Math.min(MAX_IN_FLIGHT, writes.size());
    for (int l = 0; l < lanes; l++) lane(writes, next, done, all);
    return all;
  }

  private static void lane(
      List<java.util.function.Supplier<CompletionStage<Done>>> writes,
      java.util.concurrent.atomic.AtomicInteger next,
      java.util.concurrent.atomic.AtomicInteger done,
      CompletableFuture<Done> all) {
    int i = next.getAndIncrement();
    if (i >= writes.size() || all.isDone()) return;
    writes.get(i).get().whenComplete((d, e) -> {
      if (e != null) all.completeExceptionally(e);
      else if (done.incrementAndGet() == writes.size()) all.complete(Done.getInstance());
      else lane(writes, next, done, all);
    });
  }

  static final int MAX_IN_FLIGHT = 512;

  @Override
  public CompletionStage<List<Sample>> readRaw(String series, long from, long to) {
    List<Sample> out = new ArrayList<>();
    return Continuations.onCompletingThread(selectRaw.thenCompose(ps -> readRaw(ps, series, bucketOf(RAW_SPAN, from), from, to, out)));
  }

  private CompletionStage<List<Sample>> readRaw(PreparedStatement ps, String series, long bucket, long from, long to, List<Sample> out) {
    if (bucket >= to) return CompletableFuture.completedFuture(out);
    return session
        .selectAll(ps.bind(series, bucket, Math.max(from, bucket), Math.min(to, bucket + RAW_SPAN)))
        .thenCompose(rows -> {
          for (Row r : rows) out.add(new Sample(r.getLong("ts"), r.getDouble("value")));
          return readRaw(ps, series, bucket + RAW_SPAN, from, to, out);
        });
  }

  @Override
  public CompletionStage<List<Agg>> readRollups(String series, Resolution r, long from, long to) {
    if (r == Resolution.S10) throw new IllegalArgumentException("10 s windows are built from raw samples");
    List<Agg> out = new ArrayList<>();
    return Continuations.onCompletingThread(selectRollup.thenCompose(ps -> readRollups(ps, series, r, bucketOf(span(r), from), from, to, out)));
  }

  private CompletionStage<List<Agg>> readRollups(PreparedStatement ps, String series, Resolution r, long bucket, long from, long to, List<Agg> out) {
    if (bucket >= to) return CompletableFuture.completedFuture(out);
    long next = bucket + span(r);
    return session
        .selectAll(ps.bind(series, r.label, bucket, Math.max(from, bucket), Math.min(to, next)))
        .thenCompose(rows -> {
          for (Row row : rows) {
            ByteBuffer sketch = row.getByteBuffer("sketch");
            byte[] bytes = new byte[sketch == null ? 0 : sketch.remaining()];
            if (sketch != null) sketch.duplicate().get(bytes);
            out.add(
                new Agg(
                    row.getLong("start"), row.getLong("count"), row.getDouble("sum"), row.getDouble("min"), row.getDouble("max"), row.getDouble("last"),
                    row.getLong("last_ts"), row.getDouble("increase"), bytes));
          }
          return readRollups(ps, series, r, next, from, to, out);
        });
  }
}
