package io.pulse.actors.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RulesTest {
  private static Rules.RuleSpec spec(String query, Comparison c, double threshold, long forMs, Map<String, String> labels, String receiver) {
    return new Rules.RuleSpec(query, c, threshold, forMs, 10_000, new TreeMap<>(labels), new TreeMap<>(Map.of("summary", "x")), receiver);
  }

  private static String code(String id, Rules.RuleSpec s) {
    return Rules.problem(id, s, Set.of("ops"), 1_000).map(Rejection::code).orElse("ok");
  }

  @Test
  void aGoodDefinitionPassesAndEachBadOneHasItsCode() {
    assertThat(code("cpu", spec("q", Comparison.GT, 1, 0, Map.of(), "ops"))).isEqualTo("ok");
    assertThat(code("bad id", spec("q", Comparison.GT, 1, 0, Map.of(), "ops"))).isEqualTo(Rules.INVALID_ID);
    assertThat(code("cpu", spec(" ", Comparison.GT, 1, 0, Map.of(), "ops"))).isEqualTo(Rules.MISSING_FIELD);
    assertThat(code("cpu", spec("q".repeat(5000), Comparison.GT, 1, 0, Map.of(), "ops"))).isEqualTo(Rules.INVALID_QUERY);
    assertThat(code("cpu", spec("q", null, 1, 0, Map.of(), "ops"))).isEqualTo(Rules.INVALID_COMPARISON);
    assertThat(code("cpu", spec("q", Comparison.GT, Double.NaN, 0, Map.of(), "ops"))).isEqualTo(Rules.INVALID_THRESHOLD);
    assertThat(code("cpu", spec("q", Comparison.GT, Double.POSITIVE_INFINITY, 0, Map.of(), "ops"))).isEqualTo(Rules.INVALID_THRESHOLD);
    assertThat(code("cpu", spec("q", Comparison.GT, 1, -1, Map.of(), "ops"))).isEqualTo(Rules.INVALID_DURATION);
    assertThat(code("cpu", spec("q", Comparison.GT, 1, 0, Map.of(), "nobody"))).isEqualTo(Rules.UNKNOWN_RECEIVER);
    assertThat(code("cpu", spec("q", Comparison.GT, 1, 0, Map.of("1bad", "x"), "ops"))).isEqualTo(Rules.INVALID_LABEL);
    assertThat(code("cpu", spec("q", Comparison.GT, 1, 0, Map.of("__name__", "x"), "ops"))).isEqualTo(Rules.INVALID_LABEL);
    assertThat(code("cpu", spec("q", Comparison.GT, 1, 0, Map.of("alertname", "x"), "ops"))).isEqualTo(Rules.INVALID_LABEL);
    Rules.RuleSpec fast = new Rules.RuleSpec("q", Comparison.GT, 1, 0, 10, new TreeMap<>(), new TreeMap<>(), "ops");
    assertThat(code("cpu", fast)).isEqualTo(Rules.INVALID_DURATION);
  }

  @Test
  void alertLabelsAreSeriesThenRuleThenAlertname() {
    Rules.RuleSpec s = spec("q", Comparison.GT, 1, 0, Map.of("severity", "page", "host", "rule-wins"), "ops");
    assertThat(Rules.alertLabels("cpu", s, Map.of("host", "web-1", "dc", "x")))
        .containsExactly(Map.entry("alertname", "cpu"), Map.entry("dc", "x"), Map.entry("host", "rule-wins"), Map.entry("severity", "page"));
  }
}
