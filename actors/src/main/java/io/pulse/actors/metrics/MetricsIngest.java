package io.pulse.actors.metrics;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.Rejection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * Writes a parsed batch: its samples grouped by series, one {@link Series.Append} per series, all at once. The answer
 * counts the samples that are durable and lists every line that failed, the parser's and the series' refusals
 * ({@code cardinality_exceeded}, {@code unavailable}) together, by line number.
 */
public final class MetricsIngest {
  public record WriteResult(int accepted, List<ParsedBatch.LineError> failed) {}

  private final Function<String, RecipientRef<Series.Command>> series;
  private final Scheduler scheduler;
  private final Duration timeout;

  public MetricsIngest(Function<String, RecipientRef<Series.Command>> series, Scheduler scheduler, Duration timeout) {
    this.series = series;
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  private record Group(List<Integer> lines, List<Sample> samples) {}

  public CompletionStage<WriteResult> write(String tenant, ParsedBatch batch) {
    Map<String, Group> groups = new LinkedHashMap<>();
    for (ParsedBatch.Line l : batch.samples()) {
      Group g = groups.computeIfAbsent(Labels.canonical(l.name(), l.labels()), k -> new Group(new ArrayList<>(), new ArrayList<>()));
      g.lines().add(l.line());
      g.samples().add(new Sample(l.timestampMs(), l.value()));
    }
    List<CompletableFuture<List<ParsedBatch.LineError>>> asks = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (Map.Entry<String, Group> e : groups.entrySet()) {
      Group g = e.getValue();
      sizes.add(g.samples().size());
      asks.add(
          onCompletingThread(
                  AskPattern.<Series.Command, Done>askWithStatus(
                      series.apply(Series.entityId(tenant, e.getKey())), r -> new Series.Append(List.copyOf(g.samples()), r), timeout, scheduler))
              .handle((ok, failure) -> failure == null ? List.<ParsedBatch.LineError>of() : errors(g.lines(), failure))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(v -> {
          int accepted = 0;
          TreeMap<Integer, ParsedBatch.LineError> failed = new TreeMap<>();
          for (ParsedBatch.LineError e : batch.errors()) failed.putIfAbsent(e.line(), e);
          for (int i = 0; i < asks.size(); i++) {
            List<ParsedBatch.LineError> errs = asks.get(i).join();
            if (errs.isEmpty()) accepted += sizes.get(i);
            for (ParsedBatch.LineError e : errs) failed.putIfAbsent(e.line(), e);
          }
          List<ParsedBatch.LineError> list = new ArrayList<>(failed.values());
          list.sort(Comparator.comparingInt(ParsedBatch.LineError::line));
          return new WriteResult(accepted, list);
        });
  }

  private static List<ParsedBatch.LineError> errors(List<Integer> lines, Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    String code;
    String message;
    if (cause instanceof StatusReply.ErrorMessage) {
      Rejection r = Rejection.of(cause);
      code = r.code();
      message = r.message();
    } else if (cause instanceof TimeoutException) {
      code = MetricCodes.UNAVAILABLE;
      message = "the series did not answer in time; send the line again";
    } else {
      code = MetricCodes.UNAVAILABLE;
      message = String.valueOf(cause.getMessage());
    }
    List<ParsedBatch.LineError> out = new ArrayList<>();
    for (int line : new java.util.TreeSet<>(lines)) out.add(new ParsedBatch.LineError(line, code, message));
    return out;
  }
}
