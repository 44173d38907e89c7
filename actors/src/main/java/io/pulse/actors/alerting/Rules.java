package io.pulse.actors.alerting;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Pattern;

/** A rule's definition and its validation (the codes of docs/protocol.md, "Alerting"). */
public final class Rules {
  private Rules() {}

  public static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  /** The label every alert carries: its rule's id (as Prometheus' alertname), the default group. */
  public static final String ALERTNAME = "alertname";

  public static final String INVALID_ID = "invalid_id";
  public static final String MISSING_FIELD = "missing_field";
  public static final String INVALID_COMPARISON = "invalid_comparison";
  public static final String INVALID_THRESHOLD = "invalid_threshold";
  public static final String INVALID_DURATION = "invalid_duration";
  public static final String INVALID_LABEL = "invalid_label";
  public static final String UNKNOWN_RECEIVER = "unknown_receiver";
  public static final String INVALID_QUERY = "invalid_query";

  public static final int MAX_QUERY = 4096;
  public static final int MAX_LABELS = 32;
  public static final int MAX_VALUE = 1024;

  /**
   * {@code query}: opaque to alerting, handed to the {@link RuleQuery}; {@code labels} are added to every alert's
   * labels; {@code intervalMillis}: how often it is evaluated.
   */
  public record RuleSpec(
      String query,
      Comparison comparison,
      double threshold,
      long forMillis,
      long intervalMillis,
      SortedMap<String, String> labels,
      SortedMap<String, String> annotations,
      String receiver)
      implements CborSerializable {
    public RuleSpec {
      labels = LabeledValue.Labels.sorted(labels);
      annotations = LabeledValue.Labels.sorted(annotations);
    }
  }

  /** Why a definition is refused, or empty. {@code minInterval} guards the node from a rule evaluated every millisecond. */
  public static Optional<Rejection> problem(String ruleId, RuleSpec s, Set<String> receivers, long minIntervalMillis) {
    if (ruleId == null || !ID.matcher(ruleId).matches()) return reject(INVALID_ID, "a rule id is 1-64 of [A-Za-z0-9_.-]");
    if (s.query() == null || s.query().isBlank()) return reject(MISSING_FIELD, "query is required");
    if (s.query().length() > MAX_QUERY) return reject(INVALID_QUERY, "query is longer than " + MAX_QUERY + " characters");
    if (s.comparison() == null) return reject(INVALID_COMPARISON, "comparison must be one of >, >=, <, <=, ==, !=");
    if (!Double.isFinite(s.threshold())) return reject(INVALID_THRESHOLD, "threshold must be a finite number");
    if (s.forMillis() < 0) return reject(INVALID_DURATION, "for must not be negative");
    if (s.intervalMillis() < minIntervalMillis) return reject(INVALID_DURATION, "interval must be at least " + minIntervalMillis + " ms");
    if (s.receiver() == null || s.receiver().isBlank()) return reject(MISSING_FIELD, "receiver is required");
    if (!receivers.contains(s.receiver())) return reject(UNKNOWN_RECEIVER, "no receiver '" + s.receiver() + "' is configured");
    Optional<Rejection> labels = labelProblem(s.labels(), "labels");
    if (labels.isPresent()) return labels;
    if (s.labels().containsKey(ALERTNAME)) return reject(INVALID_LABEL, "alertname is set by Pulse to the rule id");
    return labelProblem(s.annotations(), "annotations");
  }

  private static Optional<Rejection> labelProblem(Map<String, String> labels, String what) {
    if (labels.size() > MAX_LABELS) return reject(INVALID_LABEL, what + ": at most " + MAX_LABELS);
    for (Map.Entry<String, String> e : labels.entrySet()) {
      if (!LABEL_NAME.matcher(e.getKey()).matches() || e.getKey().startsWith("__")) {
        return reject(INVALID_LABEL, what + ": name '" + e.getKey() + "' must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __");
      }
      if (e.getValue() == null || e.getValue().length() > MAX_VALUE) return reject(INVALID_LABEL, what + ": '" + e.getKey() + "' needs a value of at most " + MAX_VALUE + " characters");
    }
    return Optional.empty();
  }

  private static Optional<Rejection> reject(String code, String message) {
    return Optional.of(new Rejection(code, message));
  }

  /** An alert's labels: the series' labels, then the rule's labels over them, then alertname. */
  public static SortedMap<String, String> alertLabels(String ruleId, RuleSpec spec, Map<String, String> seriesLabels) {
    java.util.TreeMap<String, String> all = new java.util.TreeMap<>(seriesLabels);
    all.putAll(spec.labels());
    all.put(ALERTNAME, ruleId);
    return LabeledValue.Labels.sorted(all);
  }
}
