package io.pulse.actors.metrics;

import java.util.List;
import java.util.SortedMap;

/** What a parser made of a body: the good samples and, for every bad line, why (a bad line adds no sample). */
public record ParsedBatch(List<Line> samples, List<LineError> errors) {
  public ParsedBatch {
    samples = List.copyOf(samples);
    errors = List.copyOf(errors);
  }

  /** One sample and the line (1-based) it came from; an influx line with several fields gives several. */
  public record Line(int line, String name, SortedMap<String, String> labels, long timestampMs, double value) {}

  /** {@code line} is 1-based; {@code code} one of {@link MetricCodes}. */
  public record LineError(int line, String code, String message) implements io.pulse.persistence.CborSerializable {}

  /** What every parser checks besides syntax. */
  public record Limits(long nowMs, long maxAgeMs, long maxFutureMs, int maxLabels, int maxLabelValueLength) {
    public static Limits lenient(long nowMs) {
      return new Limits(nowMs, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, 64, 4096);
    }

    /** The code of a timestamp outside what is kept, or null. */
    String timestampViolation(long ts) {
      if (ts < nowMs - maxAgeMs) return MetricCodes.TIMESTAMP_TOO_OLD;
      if (ts > nowMs + maxFutureMs) return MetricCodes.TIMESTAMP_IN_FUTURE;
      return null;
    }
  }

  /** Thrown inside a parser for the line being parsed. */
  static final class BadLine extends Exception {
    final String code;

    BadLine(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** Checks a sample's name, labels and value the same way for every format. */
  static void check(String name, SortedMap<String, String> labels, double value, Limits limits) throws BadLine {
    if (!Labels.isMetricName(name)) throw new BadLine(MetricCodes.INVALID_METRIC_NAME, "metric name '" + name + "' is not [a-zA-Z_:][a-zA-Z0-9_:]*");
    if (labels.size() > limits.maxLabels()) throw new BadLine(MetricCodes.TOO_MANY_LABELS, labels.size() + " labels; at most " + limits.maxLabels());
    for (var e : labels.entrySet()) {
      if (e.getValue().length() > limits.maxLabelValueLength()) {
        throw new BadLine(MetricCodes.LABEL_VALUE_TOO_LONG, "label '" + e.getKey() + "' is longer than " + limits.maxLabelValueLength() + " characters");
      }
    }
    if (Double.isNaN(value) || Double.isInfinite(value)) throw new BadLine(MetricCodes.INVALID_VALUE, "NaN and Inf are not stored");
  }
}
