package io.pulse.actors.driver;

import io.pulse.actors.Rejection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The trip state machine, pure: which transition each party may make from each status, and who gets
 * the next offer. Every check answers the refusal, or empty when the transition may go ahead.
 *
 * <table>
 *   <caption>transitions</caption>
 *   <tr><th>from</th><th>to</th><th>by</th></tr>
 *   <tr><td>requested</td><td>offered</td><td>the trip, to the nearest untried candidate</td></tr>
 *   <tr><td>offered</td><td>offered (next) or cancelled (no_driver_available)</td><td>the offered driver declining, or the offer timing out</td></tr>
 *   <tr><td>offered</td><td>accepted</td><td>the offered driver</td></tr>
 *   <tr><td>accepted</td><td>arriving</td><td>the assigned driver</td></tr>
 *   <tr><td>arriving</td><td>in_progress</td><td>the assigned driver (rider aboard)</td></tr>
 *   <tr><td>in_progress</td><td>completed</td><td>the assigned driver</td></tr>
 *   <tr><td>requested, offered, accepted, arriving</td><td>cancelled</td><td>the rider, or the assigned driver, with a reason</td></tr>
 * </table>
 *
 * A trip in progress cannot be cancelled (it is completed, wherever the rider leaves the car).
 */
public final class TripRules {
  private TripRules() {}

  public static final String NOT_FOUND = "not_found";
  public static final String TRIP_EXISTS = "trip_exists";
  public static final String NOT_OFFERED_TO_YOU = "not_offered_to_you";
  public static final String NOT_YOUR_TRIP = "not_your_trip";
  public static final String INVALID_TRANSITION = "invalid_transition";
  public static final String NO_DRIVER_AVAILABLE = "no_driver_available";
  public static final String OFFER_EXPIRED = "offer_expired";
  public static final String INVALID_REASON = "invalid_reason";
  public static final String FORBIDDEN = "forbidden";

  public static final int MAX_REASON = 200;

  /** A decline's reasons as recorded on the event. */
  public static final String DECLINED = "declined";
  public static final String TIMED_OUT = "timeout";
  public static final String BUSY = "busy";

  private static Optional<Rejection> refuse(String code, String message) {
    return Optional.of(new Rejection(code, message));
  }

  public static Optional<Rejection> exists(TripStatus status) {
    return status == null ? refuse(NOT_FOUND, "no such trip") : Optional.empty();
  }

  public static Optional<Rejection> request(TripStatus status, Position pickup, Position dropoff) {
    if (status != null) return refuse(TRIP_EXISTS, "the trip was already requested");
    return FixRules.position(pickup.lat(), pickup.lng()).or(() -> FixRules.position(dropoff.lat(), dropoff.lng()));
  }

  /** Accepting or declining: only the driver the trip is offered to, only while it is offered. */
  public static Optional<Rejection> answerOffer(TripStatus status, String offeredTo, String driverId) {
    return exists(status).or(() -> {
      if (status == TripStatus.OFFERED && driverId.equals(offeredTo)) return Optional.empty();
      if (status == TripStatus.OFFERED || status == TripStatus.REQUESTED) return refuse(NOT_OFFERED_TO_YOU, "the trip is not offered to you");
      return refuse(INVALID_TRANSITION, "the trip is " + name(status) + ", not offered");
    });
  }

  /** The assigned driver moves the trip on: {@code to} is arriving, in_progress or completed. */
  public static Optional<Rejection> advance(TripStatus status, String assigned, String driverId, TripStatus to) {
    return exists(status).or(() -> {
      if (!driverId.equals(assigned)) return refuse(NOT_YOUR_TRIP, "you are not this trip's driver");
      TripStatus from = switch (to) {
        case ARRIVING -> TripStatus.ACCEPTED;
        case IN_PROGRESS -> TripStatus.ARRIVING;
        case COMPLETED -> TripStatus.IN_PROGRESS;
        default -> throw new IllegalArgumentException("not a driver's transition: " + to);
      };
      if (status != from) return refuse(INVALID_TRANSITION, "a trip goes " + name(from) + " → " + name(to) + "; it is " + name(status));
      return Optional.empty();
    });
  }

  public static Optional<Rejection> cancel(TripStatus status, String riderId, String assigned, String by, String reason) {
    return exists(status).or(() -> {
      boolean rider = by.equals(riderId);
      boolean driver = assigned != null && by.equals(assigned) && status.assigned();
      if (!rider && !driver) return refuse(NOT_YOUR_TRIP, "only the rider or the trip's driver may cancel it");
      if (status.ended() || status == TripStatus.IN_PROGRESS) return refuse(INVALID_TRANSITION, "a trip that is " + name(status) + " cannot be cancelled");
      if (reason == null || reason.isBlank() || reason.length() > MAX_REASON) {
        return refuse(INVALID_REASON, "a cancellation needs a reason of 1.." + MAX_REASON + " characters");
      }
      return Optional.empty();
    });
  }

  /** Who may read the trip and subscribe to it: its rider, its driver, the driver it is offered to. */
  public static Optional<Rejection> readable(TripStatus status, String riderId, String assigned, String offeredTo, String user) {
    return exists(status).or(() -> {
      if (user.equals(riderId) || user.equals(assigned) || status == TripStatus.OFFERED && user.equals(offeredTo)) return Optional.empty();
      return refuse(FORBIDDEN, "not your trip");
    });
  }

  /** The nearest candidate not tried yet ({@code candidates} nearest first), or empty when none is left. */
  public static Optional<String> nextCandidate(List<String> candidates, Set<String> tried) {
    return candidates.stream().filter(c -> !tried.contains(c)).findFirst();
  }

  public static String name(TripStatus status) {
    return status == null ? "not requested" : status.name().toLowerCase(java.util.Locale.ROOT);
  }
}
