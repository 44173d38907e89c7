package io.pulse.actors.driver;

/**
 * A trip's life: requested → offered (to one driver at a time, nearest first) → accepted (the driver
 * drives to the pickup) → arriving (the driver is at or about to reach the pickup) → in_progress (the
 * rider is aboard) → completed; or cancelled, by the rider or the driver with a reason, or by the system
 * when no driver takes it ({@code no_driver_available}).
 */
public enum TripStatus {
  REQUESTED,
  OFFERED,
  ACCEPTED,
  ARRIVING,
  IN_PROGRESS,
  COMPLETED,
  CANCELLED;

  public boolean ended() {
    return this == COMPLETED || this == CANCELLED;
  }

  /** A driver holds the trip: its fixes feed the ETA and the track. */
  public boolean assigned() {
    return this == ACCEPTED || this == ARRIVING || this == IN_PROGRESS;
  }
}
