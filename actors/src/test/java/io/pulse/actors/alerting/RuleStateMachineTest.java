package io.pulse.actors.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleStateMachineTest {
  private final Map<String, AlertState> alerts = new HashMap<>();

  private RuleStateMachine.Outcome eval(long now, long forMs, LabeledValue... values) {
    RuleStateMachine.Outcome o = RuleStateMachine.evaluate(alerts, List.of(values), Comparison.GT, 10, forMs, 60_000, now);
    for (RuleStateMachine.Transition t : o.transitions()) alerts.put(t.key(), t.after());
    for (String k : o.forgotten()) alerts.remove(k);
    return o;
  }

  private static LabeledValue host(String h, double v) {
    return LabeledValue.of(Map.of("host", h), v);
  }

  @Test
  void pendingThenFiringAfterForThenResolved() {
    var o = eval(1_000, 5_000, host("a", 11));
    assertThat(o.transitions()).singleElement().satisfies(t -> {
      assertThat(t.from()).isEqualTo(AlertStatus.INACTIVE);
      assertThat(t.after().status()).isEqualTo(AlertStatus.PENDING);
      assertThat(t.notifies()).isFalse();
    });
    assertThat(eval(5_999, 5_000, host("a", 12)).transitions()).as("for not yet over").isEmpty();
    o = eval(6_000, 5_000, host("a", 12));
    assertThat(o.transitions()).singleElement().satisfies(t -> {
      assertThat(t.after().status()).isEqualTo(AlertStatus.FIRING);
      assertThat(t.after().activeSince()).isEqualTo(1_000);
      assertThat(t.after().firedAt()).isEqualTo(6_000);
      assertThat(t.notifies()).isTrue();
    });
    assertThat(eval(7_000, 5_000, host("a", 13)).transitions()).as("still firing: no new transition").isEmpty();
    o = eval(8_000, 5_000, host("a", 9));
    assertThat(o.transitions()).singleElement().satisfies(t -> {
      assertThat(t.from()).isEqualTo(AlertStatus.FIRING);
      assertThat(t.after().status()).isEqualTo(AlertStatus.RESOLVED);
      assertThat(t.after().resolvedAt()).isEqualTo(8_000);
      assertThat(t.after().value()).isEqualTo(9);
      assertThat(t.notifies()).isTrue();
    });
  }

  @Test
  void pendingThatClearsGoesInactiveWithoutNotifyingAndIsForgotten() {
    eval(0, 5_000, host("a", 11));
    var o = eval(1_000, 5_000, host("a", 1));
    assertThat(o.transitions()).singleElement().satisfies(t -> {
      assertThat(t.after().status()).isEqualTo(AlertStatus.INACTIVE);
      assertThat(t.notifies()).isFalse();
    });
    assertThat(eval(2_000, 5_000).forgotten()).containsExactly("{host=\"a\"}");
    assertThat(alerts).isEmpty();
  }

  @Test
  void forZeroFiresAtOnceAndAVanishedSeriesResolves() {
    var o = eval(0, 0, host("a", 11), host("b", 5));
    assertThat(o.transitions()).singleElement().satisfies(t -> assertThat(t.after().status()).isEqualTo(AlertStatus.FIRING));
    o = eval(1_000, 0);
    assertThat(o.transitions()).singleElement().satisfies(t -> {
      assertThat(t.after().status()).isEqualTo(AlertStatus.RESOLVED);
      assertThat(Double.isNaN(t.after().value())).isTrue();
    });
  }

  @Test
  void eachLabelSetHasItsOwnStateInKeyOrder() {
    var o = eval(0, 0, host("b", 11), host("a", 11));
    assertThat(o.transitions()).extracting(RuleStateMachine.Transition::key).containsExactly("{host=\"a\"}", "{host=\"b\"}");
    o = eval(1_000, 0, host("a", 11), host("b", 0));
    assertThat(o.transitions()).singleElement().satisfies(t -> assertThat(t.key()).isEqualTo("{host=\"b\"}"));
    assertThat(alerts.get("{host=\"a\"}").status()).isEqualTo(AlertStatus.FIRING);
  }

  @Test
  void resolvedFiresAgainAndIsForgottenAfterKeepResolved() {
    eval(0, 0, host("a", 11));
    eval(1_000, 0, host("a", 0));
    var again = eval(2_000, 0, host("a", 11));
    assertThat(again.transitions()).singleElement().satisfies(t -> {
      assertThat(t.from()).isEqualTo(AlertStatus.RESOLVED);
      assertThat(t.after().status()).isEqualTo(AlertStatus.FIRING);
    });
    eval(3_000, 0);
    assertThat(eval(62_999, 0).forgotten()).isEmpty();
    assertThat(eval(63_000, 0).forgotten()).containsExactly("{host=\"a\"}");
  }

  @Test
  void everyComparisonAndNaN() {
    assertThat(Comparison.GT.holds(2, 1)).isTrue();
    assertThat(Comparison.GT.holds(1, 1)).isFalse();
    assertThat(Comparison.GE.holds(1, 1)).isTrue();
    assertThat(Comparison.LT.holds(0, 1)).isTrue();
    assertThat(Comparison.LT.holds(1, 1)).isFalse();
    assertThat(Comparison.LE.holds(1, 1)).isTrue();
    assertThat(Comparison.EQ.holds(1, 1)).isTrue();
    assertThat(Comparison.EQ.holds(1.5, 1)).isFalse();
    assertThat(Comparison.NE.holds(1.5, 1)).isTrue();
    for (Comparison c : Comparison.values()) assertThat(c.holds(Double.NaN, 1)).as(c.symbol).isFalse();
    assertThat(Comparison.parse(">=")).contains(Comparison.GE);
    assertThat(Comparison.parse("=>")).isEmpty();
  }

  @Test
  void nextEvaluationIsTheEarlierOfTheIntervalAndAPendingFor() {
    eval(1_000, 5_000, host("a", 11));
    assertThat(RuleStateMachine.nextEvaluation(alerts, 5_000, 10_000, 2_000)).isEqualTo(6_000);
    assertThat(RuleStateMachine.nextEvaluation(alerts, 5_000, 2_000, 2_000)).isEqualTo(4_000);
    assertThat(RuleStateMachine.nextEvaluation(Map.of(), 5_000, 10_000, 2_000)).isEqualTo(12_000);
  }
}
