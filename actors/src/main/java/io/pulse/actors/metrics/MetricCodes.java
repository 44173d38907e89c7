package io.pulse.actors.metrics;

/** The stable error codes of the metrics use case (docs/protocol.md, "Live metrics"). */
public final class MetricCodes {
  private MetricCodes() {}

  /** A line that is not the format's syntax. */
  public static final String MALFORMED_LINE = "malformed_line";
  /** A metric name outside {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
  public static final String INVALID_METRIC_NAME = "invalid_metric_name";
  /** A label name outside {@code [a-zA-Z_][a-zA-Z0-9_]*}, or one starting with the reserved {@code __}. */
  public static final String INVALID_LABEL_NAME = "invalid_label_name";
  public static final String DUPLICATE_LABEL = "duplicate_label";
  /** More labels than {@code pulse.metrics.max-labels}, or a label value longer than {@code max-label-value-length}. */
  public static final String TOO_MANY_LABELS = "too_many_labels";
  public static final String LABEL_VALUE_TOO_LONG = "label_value_too_long";
  /** NaN, ±Inf, or a value that is no number. */
  public static final String INVALID_VALUE = "invalid_value";
  /** A string field in line protocol: Pulse keeps numbers only. */
  public static final String UNSUPPORTED_VALUE = "unsupported_value";
  public static final String INVALID_TIMESTAMP = "invalid_timestamp";
  /** Older than {@code pulse.metrics.max-sample-age}. */
  public static final String TIMESTAMP_TOO_OLD = "timestamp_too_old";
  /** Further ahead than {@code pulse.metrics.max-future}. */
  public static final String TIMESTAMP_IN_FUTURE = "timestamp_in_future";
  /** The whole batch refused: more lines or bytes than allowed. Nothing of it is written. */
  public static final String BATCH_TOO_LARGE = "batch_too_large";
  /** A new series refused: its tenant or its metric name holds as many series as allowed. */
  public static final String CARDINALITY_EXCEEDED = "cardinality_exceeded";
  /** A query that does not parse or names an unknown function. */
  public static final String INVALID_QUERY = "invalid_query";
  /** The series or the store did not answer in time; the lines may be sent again. */
  public static final String UNAVAILABLE = "unavailable";
}
