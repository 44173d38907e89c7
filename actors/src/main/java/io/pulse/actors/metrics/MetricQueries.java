package io.pulse.actors.metrics;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The query entry point for other parts of the node (alert rules): a query's value per series (or per group) at an
 * instant. The window is the selector's {@code [range]} (default 1m) ending at the last 10 s boundary at or before
 * {@code at}; see {@link MetricQuery} for the syntax. A query that does not parse fails the stage with a {@link
 * QueryFailed} whose code is {@code invalid_query}; series with no sample in the window are absent from the list.
 */
public interface MetricQueries {
  /** One series' (or one group's) value; {@code labels} holds {@code __name__} for an unaggregated series. */
  record LabeledValue(Map<String, String> labels, double value) {}

  CompletionStage<List<LabeledValue>> instant(String tenant, String query, Instant at);

  /** A query refused, with its code ({@link MetricCodes}). */
  final class QueryFailed extends RuntimeException {
    public final String code;

    public QueryFailed(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }
}
