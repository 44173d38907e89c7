package io.pulse.actors.driver;

/** What a driver chose (offline, available) or was given (a trip). Silence is shown as offline on top. */
public enum DriverStatus {
  OFFLINE,
  AVAILABLE,
  ON_TRIP
}
