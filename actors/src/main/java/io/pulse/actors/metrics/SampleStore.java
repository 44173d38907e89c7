package io.pulse.actors.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.pekko.Done;

/** Where series keep their samples and downsampled windows: Cassandra ({@link CassandraSampleStore}) or memory (tests). */
public interface SampleStore {
  record RawRow(String series, long ts, double value) {}

  record RollupRow(String series, Resolution resolution, Agg agg) {}

  /** Writes all rows grouped (never one write per row); completes when all are durable. */
  CompletionStage<Done> write(List<RawRow> raw, List<RollupRow> rollups);

  /** The series' raw samples with {@code ts} in {@code [from, to)}, oldest first. */
  CompletionStage<List<Sample>> readRaw(String series, long from, long to);

  /** The series' downsampled windows at {@code r} starting in {@code [from, to)}, oldest first. */
  CompletionStage<List<Agg>> readRollups(String series, Resolution r, long from, long to);

  /** A store in memory, for tests of the entities alone. */
  static InMemory inMemory() {
    return new InMemory();
  }

  final class InMemory implements SampleStore {
    private final Map<String, NavigableMap<Long, Double>> raw = new ConcurrentHashMap<>();
    private final Map<String, NavigableMap<Long, Agg>> rollups = new ConcurrentHashMap<>();
    public volatile int writes;

    @Override
    public CompletionStage<Done> write(List<RawRow> rawRows, List<RollupRow> rollupRows) {
      writes++;
      for (RawRow r : rawRows) raw.computeIfAbsent(r.series(), k -> new ConcurrentSkipListMap<>()).put(r.ts(), r.value());
      for (RollupRow r : rollupRows) rollups.computeIfAbsent(r.series() + "/" + r.resolution().label, k -> new ConcurrentSkipListMap<>()).put(r.agg().start(), r.agg());
      return CompletableFuture.completedFuture(Done.getInstance());
    }

    @Override
    public CompletionStage<List<Sample>> readRaw(String series, long from, long to) {
      List<Sample> out = new ArrayList<>();
      NavigableMap<Long, Double> m = raw.get(series);
      if (m != null && from < to) m.subMap(from, true, to, false).forEach((ts, v) -> out.add(new Sample(ts, v)));
      return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletionStage<List<Agg>> readRollups(String series, Resolution r, long from, long to) {
      NavigableMap<Long, Agg> m = rollups.get(series + "/" + r.label);
      if (m == null || from >= to) return CompletableFuture.completedFuture(List.of());
      return CompletableFuture.completedFuture(new ArrayList<>(m.subMap(from, true, to, false).values()));
    }
  }
}
