package io.pulse.actors.alerting;

import io.pulse.actors.metrics.MetricQueries;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Alert rules evaluated by the node's own metrics query engine: a rule's query is a metrics query
 * (docs/protocol.md, "Query syntax"), evaluated over the window ending at the last 10 s boundary at or
 * before the evaluation time, in one metrics tenant. A failed query (unparsable, or the engine timed
 * out) fails the evaluation, so the rule keeps its alerts as they are and reports {@code lastError}.
 */
public final class MetricRuleQuery implements RuleQuery {
  private final MetricQueries queries;
  private final String tenant;

  public MetricRuleQuery(MetricQueries queries, String tenant) {
    this.queries = queries;
    this.tenant = tenant;
  }

  @Override
  public CompletionStage<List<LabeledValue>> evaluate(String query, long atMillis) {
    return queries
        .instant(tenant, query, Instant.ofEpochMilli(atMillis))
        .thenApply(values -> values.stream().map(v -> LabeledValue.of(v.labels(), v.value())).toList());
  }
}
