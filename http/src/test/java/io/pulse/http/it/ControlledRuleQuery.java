package io.pulse.http.it;

import io.pulse.actors.alerting.LabeledValue;
import io.pulse.actors.alerting.RuleQuery;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The query engine of AlertingIT's node (pulse.alerting.rule-query-class): each query answers what the test set for
 * it, so the test decides when a rule's condition holds. Static, because the node builds it from its class name.
 */
public final class ControlledRuleQuery implements RuleQuery {
  static final Map<String, List<LabeledValue>> VALUES = new ConcurrentHashMap<>();

  public ControlledRuleQuery() {}

  static void set(String query, LabeledValue... values) {
    VALUES.put(query, List.of(values));
  }

  @Override
  public CompletionStage<List<LabeledValue>> evaluate(String query, long atMillis) {
    return CompletableFuture.completedFuture(VALUES.getOrDefault(query, List.of()));
  }
}
