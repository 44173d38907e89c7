package io.pulse.actors.driver;

import io.pulse.persistence.CborSerializable;
import java.util.List;

/**
 * Estimated time of arrival: the straight-line (great-circle) distance to the target divided by the
 * driver's average speed over its recent fixes (distance travelled over time taken), never below a
 * floor speed so a driver waiting at a light does not get an ETA of hours. This is a model, not
 * routing: roads, traffic and turns are out of scope, so the ETA is a lower bound that the real one
 * approaches as the driver nears the target.
 */
public final class Eta {
  private Eta() {}

  /** {@code target}: pickup or dropoff. */
  public record Estimate(String target, double distanceMeters, double speedMps, long seconds) implements CborSerializable {}

  /** Average speed in m/s over consecutive fixes (oldest first), or {@code floor} when it is lower or unknown. */
  public static double averageSpeed(List<Fix> recent, double floorMps) {
    if (recent.size() < 2) return floorMps;
    double meters = 0;
    for (int i = 1; i < recent.size(); i++) {
      Fix a = recent.get(i - 1);
      Fix b = recent.get(i);
      meters += GeoCells.distanceMeters(a.lat(), a.lng(), b.lat(), b.lng());
    }
    double seconds = (recent.get(recent.size() - 1).at() - recent.get(0).at()) / 1000.0;
    if (seconds <= 0) return floorMps;
    return Math.max(floorMps, meters / seconds);
  }

  /** The estimate from the newest of {@code recent} (oldest first, not empty) to {@code to}. */
  public static Estimate estimate(String target, List<Fix> recent, Position to, double floorMps) {
    Fix now = recent.get(recent.size() - 1);
    double meters = GeoCells.distanceMeters(now.lat(), now.lng(), to.lat(), to.lng());
    double speed = averageSpeed(recent, floorMps);
    return new Estimate(target, meters, speed, Math.round(meters / speed));
  }

  /**
   * Whether {@code next} is worth pushing after {@code last} (null: nothing pushed yet): another target,
   * or a change of at least {@code thresholdSeconds}, or the arrival itself (0 s) once.
   */
  public static boolean changed(Estimate last, Estimate next, long thresholdSeconds) {
    if (last == null || !last.target().equals(next.target())) return true;
    if (next.seconds() == 0 && last.seconds() != 0) return true;
    return Math.abs(next.seconds() - last.seconds()) >= thresholdSeconds;
  }
}
