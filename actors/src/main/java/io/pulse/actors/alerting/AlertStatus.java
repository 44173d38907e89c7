package io.pulse.actors.alerting;

/** The life of one alert (a rule's label set): inactive → pending → firing → resolved. */
public enum AlertStatus {
  INACTIVE,
  /** The condition holds, not yet for the rule's {@code for}. */
  PENDING,
  FIRING,
  /** Was firing; the condition cleared. */
  RESOLVED;

  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
