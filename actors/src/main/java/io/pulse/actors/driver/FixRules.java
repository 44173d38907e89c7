package io.pulse.actors.driver;

import io.pulse.actors.Rejection;
import java.util.Optional;

/**
 * Which location fixes a driver's entity accepts. Pure. A refused fix is not applied: the driver keeps
 * its last accepted fix and the client gets the code.
 *
 * <ul>
 *   <li>{@code invalid_position}: latitude outside ±90, longitude outside ±180, NaN or infinite values,
 *       a heading outside 0..360 or a negative speed;
 *   <li>{@code stale_fix}: not newer than the last accepted fix (a resend, or a late packet);
 *   <li>{@code future_fix}: stamped more than the allowed clock skew ahead of the server's clock (it
 *       would otherwise make every later honest fix look stale);
 *   <li>{@code implausible_speed}: reaching it from the last fix needs more than the plausible speed,
 *       beyond a GPS jitter allowance.
 * </ul>
 */
public final class FixRules {
  private FixRules() {}

  public static final String INVALID_POSITION = "invalid_position";
  public static final String STALE_FIX = "stale_fix";
  public static final String FUTURE_FIX = "future_fix";
  public static final String IMPLAUSIBLE_SPEED = "implausible_speed";

  /**
   * @param maxSpeedMps fastest plausible movement between two fixes (e.g. 70 m/s = 252 km/h)
   * @param jitterMeters a jump this short is never implausible (GPS noise between close fixes)
   * @param maxSkewMillis how far ahead of the server's clock a device's time may be
   */
  public record Limits(double maxSpeedMps, double jitterMeters, long maxSkewMillis) {}

  public static Optional<Rejection> position(double lat, double lng) {
    if (!GeoCells.validPosition(lat, lng)) {
      return refuse(INVALID_POSITION, "latitude must be within ±90 and longitude within ±180 (got " + lat + ", " + lng + ")");
    }
    return Optional.empty();
  }

  /** {@code last}: the last accepted fix, or null for a driver's first. */
  public static Optional<Rejection> check(Fix last, Fix next, long now, Limits limits) {
    Optional<Rejection> invalid = position(next.lat(), next.lng());
    if (invalid.isPresent()) return invalid;
    if (!Double.isFinite(next.heading()) || next.heading() < 0 || next.heading() > 360) {
      return refuse(INVALID_POSITION, "heading must be within 0..360 degrees");
    }
    if (!Double.isFinite(next.speed()) || next.speed() < 0) return refuse(INVALID_POSITION, "speed must be a non-negative number of m/s");
    if (next.at() > now + limits.maxSkewMillis()) return refuse(FUTURE_FIX, "the fix is stamped " + (next.at() - now) + " ms ahead of the server's clock");
    if (last == null) return Optional.empty();
    if (next.at() <= last.at()) return refuse(STALE_FIX, "the fix is not newer than the last accepted one (" + last.at() + ")");
    double meters = GeoCells.distanceMeters(last.lat(), last.lng(), next.lat(), next.lng());
    double seconds = (next.at() - last.at()) / 1000.0;
    if (meters > limits.jitterMeters() && meters / seconds > limits.maxSpeedMps()) {
      return refuse(IMPLAUSIBLE_SPEED, String.format("moving %.0f m in %.1f s exceeds %.0f m/s", meters, seconds, limits.maxSpeedMps()));
    }
    return Optional.empty();
  }

  private static Optional<Rejection> refuse(String code, String message) {
    return Optional.of(new Rejection(code, message));
  }
}
