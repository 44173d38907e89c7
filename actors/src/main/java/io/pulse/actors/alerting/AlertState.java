package io.pulse.actors.alerting;

import io.pulse.persistence.CborSerializable;
import java.util.SortedMap;

/**
 * One alert of a rule, per label set of the query's result. {@code activeSince}: when the condition began to hold
 * (0 when it does not); {@code firedAt}/{@code resolvedAt}: 0 until then; {@code value}: the last value seen.
 */
public record AlertState(SortedMap<String, String> labels, AlertStatus status, long activeSince, long firedAt, long resolvedAt, double value)
    implements CborSerializable {
  public AlertState {
    labels = LabeledValue.Labels.sorted(labels);
  }

  public String key() {
    return LabeledValue.Labels.key(labels);
  }
}
