package io.pulse.actors.market;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.pulse.persistence.Continuations;
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
 * Candles in Cassandra's {@code candles} table (persistence/src/main/resources/pulse/schema.cql), through the journal
 * plugin's own session. A partition holds one symbol's candles of one interval over one bucket of time (an hour of
 * 1 s candles, a day of 1 min candles, 30 days of 1 h candles: 720 to 3,600 rows each), so a range read touches few
 * partitions and no partition grows without bound. One write is an unlogged batch per partition.
 */
public final class CassandraCandleStore implements CandleStore {
  private final CassandraSession session;
  private final String table;
  private final CompletionStage<PreparedStatement> insert;
  private final CompletionStage<PreparedStatement> select;

  public CassandraCandleStore(ActorSystem<?> system, String pluginPath, String keyspace) {
    this.session = CassandraSessionRegistry.get(system).sessionFor(pluginPath);
    this.table = keyspace + ".candles";
    this.insert =
        session.prepare(
            "INSERT INTO " + table + " (symbol, interval, bucket, start, open, high, low, close, volume, trades) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    this.select =
        session.prepare(
            "SELECT start, open, high, low, close, volume, trades FROM " + table
                + " WHERE symbol = ? AND interval = ? AND bucket = ? AND start >= ? AND start < ? LIMIT ?");
  }

  /** The span of time one partition covers, per interval. */
  static long bucketSpan(String interval) {
    return switch (interval) {
      case "1s" -> 3_600_000L;
      case "1m" -> 86_400_000L;
      default -> 30L * 86_400_000L;
    };
  }

  static long bucketOf(String interval, long start) {
    long span = bucketSpan(interval);
    return Math.floorDiv(start, span) * span;
  }

  @Override
  public CompletionStage<Done> write(List<Candle> candles) {
    if (candles.isEmpty()) return CompletableFuture.completedFuture(Done.getInstance());
    return insert.thenCompose(
        ps -> {
          Map<String, BatchStatementBuilder> batches = new LinkedHashMap<>();
          for (Candle c : candles) {
            long bucket = bucketOf(c.interval(), c.start());
            batches
                .computeIfAbsent(c.symbol() + "|" + c.interval() + "|" + bucket, k -> BatchStatement.builder(BatchType.UNLOGGED))
                .addStatement(
                    ps.bind(c.symbol(), c.interval(), bucket, c.start(), c.open(), c.high(), c.low(), c.close(), c.volume(), c.trades()));
          }
          List<CompletableFuture<Done>> writes = new ArrayList<>();
          for (BatchStatementBuilder b : batches.values()) writes.add(session.executeWriteBatch(b.build()).toCompletableFuture());
          return Continuations.onCompletingThread(
              CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance()));
        });
  }

  @Override
  public CompletionStage<List<Candle>> read(String symbol, String interval, long from, long to, int limit) {
    List<Candle> out = new ArrayList<>();
    return Continuations.onCompletingThread(select.thenCompose(ps -> readFrom(ps, symbol, interval, bucketOf(interval, from), from, to, limit, out)));
  }

  /** Partition by partition, oldest first, until the range or the limit is done. */
  private CompletionStage<List<Candle>> readFrom(
      PreparedStatement ps, String symbol, String interval, long bucket, long from, long to, int limit, List<Candle> out) {
    if (bucket >= to || out.size() >= limit) return CompletableFuture.completedFuture(out);
    long next = bucket + bucketSpan(interval);
    return session
        .selectAll(ps.bind(symbol, interval, bucket, Math.max(from, bucket), Math.min(to, next), limit - out.size()))
        .thenCompose(
            rows -> {
              for (Row r : rows) {
                out.add(
                    new Candle(
                        symbol, interval, r.getLong("start"), r.getLong("open"), r.getLong("high"), r.getLong("low"), r.getLong("close"),
                        r.getLong("volume"), r.getInt("trades")));
              }
              return readFrom(ps, symbol, interval, next, from, to, limit, out);
            });
  }
}
