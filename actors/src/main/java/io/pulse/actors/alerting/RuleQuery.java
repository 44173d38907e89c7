package io.pulse.actors.alerting;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The seam between alerting and the metrics query engine: evaluates a rule's query (opaque text to
 * alerting) at an instant and answers one value per label set. A failed stage is an evaluation error:
 * the rule keeps its alerts as they are (an engine outage must not resolve everything).
 */
public interface RuleQuery {
  CompletionStage<List<LabeledValue>> evaluate(String query, long atMillis);

  /** The default until a query engine is wired: every evaluation fails, so no rule changes state. */
  RuleQuery NONE =
      (query, at) -> java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("no query engine is wired to alerting"));
}
