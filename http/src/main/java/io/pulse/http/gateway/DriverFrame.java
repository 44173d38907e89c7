package io.pulse.http.gateway;

import io.pulse.actors.driver.Fix;
import io.pulse.actors.driver.Position;
import java.util.List;

/**
 * The {@code driver.*} and {@code trip.*} frames (docs/protocol.md, "Drivers and trips"). A {@code
 * driverId} left out means the caller itself.
 */
public sealed interface DriverFrame extends ClientFrame {

  /** {@code driverIds}: several drivers at once, for a fleet connection; null: just {@code driverId}. */
  record DriverOnline(String ref, String driverId, List<String> driverIds) implements DriverFrame {}

  record DriverOffline(String ref, String driverId) implements DriverFrame {}

  record DriverFix(String ref, String driverId, Fix fix) implements DriverFrame {}

  /** One fix of a fleet batch. */
  record FleetFix(String driverId, Fix fix) {}

  /** Many drivers' fixes in one frame, answered by one reply: the fleet client mode. */
  record DriverFixes(String ref, List<FleetFix> fixes) implements DriverFrame {}

  record DriverGet(String ref, String driverId) implements DriverFrame {}

  /** {@code limit} null: the configured maximum. */
  record DriverNearby(String ref, double lat, double lng, double radiusMeters, Integer limit) implements DriverFrame {}

  record TripRequest(String ref, Position pickup, Position dropoff) implements DriverFrame {}

  /** accept, decline, arrive, start, complete and get: one trip, one verb. */
  record TripAction(String ref, String action, String tripId) implements DriverFrame {}

  record TripCancel(String ref, String tripId, String reason) implements DriverFrame {}
}
