package io.pulse.actors.alerting;

import io.pulse.persistence.CborSerializable;
import java.util.SortedMap;

/**
 * One notifying transition of one alert, as a receiver is told of it: {@code status} firing or resolved;
 * {@code seq} the rule's notifying-transition number (its idempotency key with the rule id, {@link #id()});
 * {@code labels}: the alert's labels (series, rule, alertname); {@code endsAt} 0 while firing; {@code value} NaN
 * when the series vanished.
 */
public record AlertNotice(
    String ruleId,
    long seq,
    String receiver,
    String status,
    SortedMap<String, String> labels,
    SortedMap<String, String> annotations,
    double value,
    long startsAt,
    long endsAt,
    long at)
    implements CborSerializable {
  public AlertNotice {
    labels = LabeledValue.Labels.sorted(labels);
    annotations = LabeledValue.Labels.sorted(annotations);
  }

  public String id() {
    return NotificationIds.transition(ruleId, seq);
  }
}
