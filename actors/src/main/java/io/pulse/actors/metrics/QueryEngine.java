package io.pulse.actors.metrics;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Evaluates queries: finds the series of the metric in its {@link SeriesRegistry}, keeps those the matchers accept,
 * reads each one's windows — from the series entity for the range its memory holds, from Cassandra before that (raw
 * samples rebuilt into 10 s windows, or the 1 min / 1 h downsampled rows) — merges them into the step's windows,
 * applies the function, then the aggregation.
 */
public final class QueryEngine implements MetricQueries {
  /** One result series: its labels (with {@code __name__} when not aggregated) and its points, oldest first. */
  public record Result(SortedMap<String, String> labels, List<Point> points) implements CborSerializable {}

  public record Point(long t, double v) implements CborSerializable {}

  private final Function<String, RecipientRef<SeriesRegistry.Command>> registries;
  private final Function<String, RecipientRef<Series.Command>> series;
  private final SampleStore store;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final int maxSeries;
  private final int maxPoints;

  public QueryEngine(
      Function<String, RecipientRef<SeriesRegistry.Command>> registries,
      Function<String, RecipientRef<Series.Command>> series,
      SampleStore store,
      Scheduler scheduler,
      Duration timeout,
      int maxSeries,
      int maxPoints) {
    this.registries = registries;
    this.series = series;
    this.store = store;
    this.scheduler = scheduler;
    this.timeout = timeout;
    this.maxSeries = maxSeries;
    this.maxPoints = maxPoints;
  }

  /** Points at {@code t = start, start+step, …} below {@code end}, each the window {@code [t, t+step)}; start is aligned down to the step. */
  public CompletionStage<List<Result>> range(String tenant, MetricQuery q, long start, long end, long stepMs) {
    if (stepMs <= 0 || stepMs % Resolution.S10.millis != 0) return failed("step must be a positive multiple of 10s");
    long from = Math.floorDiv(start, stepMs) * stepMs;
    if (end <= from) return failed("end must be after start");
    if ((end - from) / stepMs > maxPoints) return failed("more than " + maxPoints + " points per series; use a larger step");
    return evaluate(tenant, q, from, end, stepMs, Resolution.forStep(stepMs));
  }

  @Override
  public CompletionStage<List<LabeledValue>> instant(String tenant, String query, Instant at) {
    MetricQuery q;
    try {
      q = MetricQuery.parse(query);
    } catch (MetricQuery.Invalid e) {
      return CompletableFuture.failedFuture(new QueryFailed(MetricCodes.INVALID_QUERY, e.getMessage()));
    }
    Resolution r = q.rangeMs() <= 3_600_000L ? Resolution.S10 : Resolution.M1;
    long to = r.start(at.toEpochMilli());
    long range = Math.max(r.millis, q.rangeMs() / r.millis * r.millis);
    return evaluate(tenant, q, to - range, to, range, r)
        .thenApply(results -> {
          List<LabeledValue> out = new ArrayList<>();
          for (Result res : results) if (!res.points().isEmpty()) out.add(new LabeledValue(res.labels(), res.points().get(res.points().size() - 1).v()));
          return out;
        });
  }

  private static <T> CompletionStage<T> failed(String message) {
    return CompletableFuture.failedFuture(new QueryFailed(MetricCodes.INVALID_QUERY, message));
  }

  private CompletionStage<List<Result>> evaluate(String tenant, MetricQuery q, long from, long to, long step, Resolution r) {
    return onCompletingThread(
            AskPattern.<SeriesRegistry.Command, SeriesRegistry.SeriesList>askWithStatus(
                registries.apply(tenant + "|" + q.metric()), SeriesRegistry.ListSeries::new, timeout, scheduler))
        .thenCompose(list -> {
          List<SortedMap<String, String>> labelSets = new ArrayList<>();
          List<String> ids = new ArrayList<>();
          for (String canonical : list.series()) {
            SortedMap<String, String> labels = labelsOf(canonical);
            if (labels != null && q.matches(labels)) {
              labelSets.add(labels);
              ids.add(Series.entityId(tenant, canonical));
            }
          }
          if (ids.size() > maxSeries) return failed("the query matches " + ids.size() + " series; at most " + maxSeries);
          List<CompletableFuture<List<Agg>>> reads = new ArrayList<>();
          for (String id : ids) reads.add(windows(id, r, from, to).toCompletableFuture());
          return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
              .thenApply(v -> {
                List<Result> perSeries = new ArrayList<>();
                for (int i = 0; i < ids.size(); i++) {
                  SortedMap<String, String> labels = new TreeMap<>(labelSets.get(i));
                  labels.put("__name__", q.metric());
                  perSeries.add(new Result(labels, points(q, reads.get(i).join(), from, to, step)));
                }
                return q.aggregation() == null ? perSeries.stream().filter(s -> !s.points().isEmpty()).toList() : aggregate(q, perSeries);
              });
        });
  }

  /** The series' windows of {@code r} in {@code [from, to)}: Cassandra before the entity's memory, memory after. */
  CompletionStage<List<Agg>> windows(String id, Resolution r, long from, long to) {
    return onCompletingThread(
            AskPattern.<Series.Command, Series.Windows>askWithStatus(series.apply(id), reply -> new Series.Read(r, from, to, reply), timeout, scheduler))
        .thenCompose(mem -> {
          long split = Math.min(to, Math.max(from, mem.memoryFrom()));
          if (split <= from) return CompletableFuture.completedFuture(mem.windows());
          CompletionStage<List<Agg>> older =
              r == Resolution.S10
                  ? store.readRaw(id, from, split).thenApply(samples -> SeriesWindows.fromSamples(r, samples))
                  : store.readRollups(id, r, from, split);
          return older.thenApply(old -> {
            List<Agg> all = new ArrayList<>(old);
            for (Agg a : mem.windows()) if (a.start() >= split) all.add(a);
            return all;
          });
        });
  }

  static List<Point> points(MetricQuery q, List<Agg> windows, long from, long to, long step) {
    Map<Long, List<Agg>> byStep = new TreeMap<>();
    for (Agg a : windows) {
      if (a.start() < from || a.start() >= to) continue;
      long t = from + Math.floorDiv(a.start() - from, step) * step;
      byStep.computeIfAbsent(t, k -> new ArrayList<>()).add(a);
    }
    List<Point> out = new ArrayList<>(byStep.size());
    byStep.forEach((t, list) -> {
      Agg merged = list.size() == 1 ? list.get(0) : Agg.merge(list, t);
      double v = q.value(merged, step);
      if (!Double.isNaN(v)) out.add(new Point(t, v));
    });
    return out;
  }

  static List<Result> aggregate(MetricQuery q, List<Result> perSeries) {
    Map<SortedMap<String, String>, TreeMap<Long, double[]>> groups = new LinkedHashMap<>();
    for (Result s : perSeries) {
      SortedMap<String, String> key = new TreeMap<>();
      for (String l : q.by()) {
        String v = s.labels().get(l);
        if (v != null) key.put(l, v);
      }
      TreeMap<Long, double[]> acc = groups.computeIfAbsent(key, k -> new TreeMap<>());
      for (Point p : s.points()) {
        // {sum, count, max, min}
        double[] a = acc.computeIfAbsent(p.t(), k -> new double[] {0, 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY});
        a[0] += p.v();
        a[1] += 1;
        a[2] = Math.max(a[2], p.v());
        a[3] = Math.min(a[3], p.v());
      }
    }
    List<Result> out = new ArrayList<>();
    groups.forEach((key, acc) -> {
      List<Point> points = new ArrayList<>();
      acc.forEach((t, a) -> points.add(new Point(t, switch (q.aggregation()) {
        case "sum" -> a[0];
        case "avg" -> a[0] / a[1];
        case "max" -> a[2];
        case "min" -> a[3];
        default -> a[1];
      })));
      if (!points.isEmpty()) out.add(new Result(key, points));
    });
    return out;
  }

  /** The labels of a canonical series text, or null if it does not read back (it always should). */
  static SortedMap<String, String> labelsOf(String canonical) {
    try {
      ParsedBatch.Line line = PrometheusText.parseLine(canonical + " 0 0", 0, ParsedBatch.Limits.lenient(0));
      return line == null ? null : line.labels();
    } catch (ParsedBatch.BadLine e) {
      return null;
    }
  }
}
