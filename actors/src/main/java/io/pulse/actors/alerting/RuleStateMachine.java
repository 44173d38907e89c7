package io.pulse.actors.alerting;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rule state machine, without actors: one evaluation's result against the alerts a rule holds gives the
 * transitions to persist. Per label set: the condition holding moves inactive/resolved → pending (straight to
 * firing when {@code for} is 0), pending → firing once it has held for {@code for}; it clearing (or the label set
 * vanishing from the result) moves pending → inactive (never notified) and firing → resolved. Only →firing and
 * →resolved notify. Resolved alerts are forgotten {@code keepResolved} after resolving.
 */
public final class RuleStateMachine {
  private RuleStateMachine() {}

  /** One alert's change; {@code after} is its state once applied. */
  public record Transition(String key, AlertStatus from, AlertState after) {
    public boolean notifies() {
      return after.status() == AlertStatus.FIRING || (after.status() == AlertStatus.RESOLVED && from == AlertStatus.FIRING);
    }
  }

  /** What one evaluation changes: the transitions (in label-key order, so replays are deterministic) and the keys forgotten. */
  public record Outcome(List<Transition> transitions, List<String> forgotten) {}

  public static Outcome evaluate(
      Map<String, AlertState> alerts, List<LabeledValue> result, Comparison comparison, double threshold, long forMillis, long keepResolvedMillis, long now) {
    Map<String, LabeledValue> holding = new TreeMap<>();
    for (LabeledValue v : result) {
      if (comparison.holds(v.value(), threshold)) holding.put(LabeledValue.Labels.key(v.labels()), v);
    }
    Map<String, Double> seen = new HashMap<>();
    for (LabeledValue v : result) seen.put(LabeledValue.Labels.key(v.labels()), v.value());

    List<Transition> out = new ArrayList<>();
    List<String> forgotten = new ArrayList<>();
    // conditions that hold
    for (Map.Entry<String, LabeledValue> e : holding.entrySet()) {
      AlertState a = alerts.get(e.getKey());
      LabeledValue v = e.getValue();
      if (a == null || a.status() == AlertStatus.INACTIVE || a.status() == AlertStatus.RESOLVED) {
        AlertStatus from = a == null ? AlertStatus.INACTIVE : a.status();
        if (forMillis <= 0) out.add(new Transition(e.getKey(), from, new AlertState(v.labels(), AlertStatus.FIRING, now, now, 0, v.value())));
        else out.add(new Transition(e.getKey(), from, new AlertState(v.labels(), AlertStatus.PENDING, now, 0, 0, v.value())));
      } else if (a.status() == AlertStatus.PENDING && now - a.activeSince() >= forMillis) {
        out.add(new Transition(e.getKey(), AlertStatus.PENDING, new AlertState(a.labels(), AlertStatus.FIRING, a.activeSince(), now, 0, v.value())));
      }
    }
    // conditions that do not (any more)
    for (Map.Entry<String, AlertState> e : new TreeMap<>(alerts).entrySet()) {
      if (holding.containsKey(e.getKey())) continue;
      AlertState a = e.getValue();
      double value = seen.getOrDefault(e.getKey(), Double.NaN);
      if (a.status() == AlertStatus.PENDING) {
        out.add(new Transition(e.getKey(), AlertStatus.PENDING, new AlertState(a.labels(), AlertStatus.INACTIVE, 0, 0, 0, value)));
      } else if (a.status() == AlertStatus.FIRING) {
        out.add(new Transition(e.getKey(), AlertStatus.FIRING, new AlertState(a.labels(), AlertStatus.RESOLVED, a.activeSince(), a.firedAt(), now, value)));
      } else if (a.status() == AlertStatus.INACTIVE || (a.status() == AlertStatus.RESOLVED && now - a.resolvedAt() >= keepResolvedMillis)) {
        forgotten.add(e.getKey());
      }
    }
    out.sort(java.util.Comparator.comparing(Transition::key));
    return new Outcome(List.copyOf(out), List.copyOf(forgotten));
  }

  /**
   * When the next evaluation is due: one interval after this one, or sooner when a pending alert's {@code for}
   * ends before that, so it fires on time rather than up to an interval late.
   */
  public static long nextEvaluation(Map<String, AlertState> alerts, long forMillis, long intervalMillis, long now) {
    long next = now + intervalMillis;
    for (AlertState a : alerts.values()) {
      if (a.status() == AlertStatus.PENDING) next = Math.min(next, Math.max(now, a.activeSince() + forMillis));
    }
    return next;
  }
}
