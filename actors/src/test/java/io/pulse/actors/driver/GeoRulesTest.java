package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** FixRules, Eta and TripRules. */
class GeoRulesTest {
  private static final FixRules.Limits LIMITS = new FixRules.Limits(70, 30, 30_000);
  private static final long NOW = 1_700_000_000_000L;

  private static String code(Optional<Rejection> r) {
    return r.map(Rejection::code).orElse(null);
  }

  private static Fix fix(double lat, double lng, long at) {
    return new Fix(lat, lng, 0, 10, at);
  }

  // ---- fixes ----

  @Test
  void aFirstValidFixIsAccepted() {
    assertThat(FixRules.check(null, fix(52.52, 13.405, NOW), NOW, LIMITS)).isEmpty();
  }

  @Test
  void outOfRangeOrNonFiniteValuesAreInvalidPositions() {
    for (Fix f : List.of(fix(90.1, 0, NOW), fix(-91, 0, NOW), fix(0, 180.5, NOW), fix(0, -181, NOW), fix(Double.NaN, 0, NOW), fix(0, Double.NEGATIVE_INFINITY, NOW),
        new Fix(0, 0, 361, 1, NOW), new Fix(0, 0, Double.NaN, 1, NOW), new Fix(0, 0, 10, -1, NOW))) {
      assertThat(code(FixRules.check(null, f, NOW, LIMITS))).as("%s", f).isEqualTo(FixRules.INVALID_POSITION);
    }
  }

  @Test
  void aFixNotNewerThanTheLastIsStale() {
    Fix last = fix(52.52, 13.405, NOW);
    assertThat(code(FixRules.check(last, fix(52.52, 13.405, NOW), NOW, LIMITS))).isEqualTo(FixRules.STALE_FIX);
    assertThat(code(FixRules.check(last, fix(52.52, 13.405, NOW - 1), NOW, LIMITS))).isEqualTo(FixRules.STALE_FIX);
    assertThat(code(FixRules.check(last, fix(52.52, 13.405, NOW + 31_000), NOW, LIMITS))).isEqualTo(FixRules.FUTURE_FIX);
  }

  @Test
  void aJumpFasterThanPlausibleIsRejectedButJitterIsNot() {
    Fix last = fix(52.52, 13.405, NOW);
    // 1 km in 10 s = 100 m/s
    assertThat(code(FixRules.check(last, fix(52.529, 13.405, NOW + 10_000), NOW + 10_000, LIMITS))).isEqualTo(FixRules.IMPLAUSIBLE_SPEED);
    // 1 km in 20 s = 50 m/s
    assertThat(FixRules.check(last, fix(52.529, 13.405, NOW + 20_000), NOW + 20_000, LIMITS)).isEmpty();
    // 20 m in 100 ms is 200 m/s, but within GPS jitter
    assertThat(FixRules.check(last, fix(52.52018, 13.405, NOW + 100), NOW + 100, LIMITS)).isEmpty();
  }

  // ---- ETA ----

  @Test
  void theEtaIsDistanceOverAverageSpeedWithAFloor() {
    // 0.001° latitude ≈ 111 m every 10 s ≈ 11.1 m/s
    List<Fix> recent = List.of(fix(52.500, 13.4, NOW), fix(52.501, 13.4, NOW + 10_000), fix(52.502, 13.4, NOW + 20_000));
    assertThat(Eta.averageSpeed(recent, 2)).isBetween(11.0, 11.3);
    Position target = new Position(52.512, 13.4); // ≈ 1,112 m ahead
    Eta.Estimate e = Eta.estimate("pickup", recent, target, 2);
    assertThat(e.distanceMeters()).isBetween(1100.0, 1125.0);
    assertThat(e.seconds()).isBetween(98L, 102L);

    List<Fix> standing = List.of(fix(52.5, 13.4, NOW), fix(52.5, 13.4, NOW + 10_000));
    assertThat(Eta.averageSpeed(standing, 2)).isEqualTo(2);
    assertThat(Eta.averageSpeed(List.of(fix(52.5, 13.4, NOW)), 3)).isEqualTo(3);
    assertThat(Eta.estimate("dropoff", standing, new Position(52.5, 13.4), 2).seconds()).isZero();
  }

  @Test
  void anEtaIsPushedWhenItChangesEnoughOrTheTargetChanges() {
    Eta.Estimate a = new Eta.Estimate("pickup", 1000, 10, 100);
    assertThat(Eta.changed(null, a, 30)).isTrue();
    assertThat(Eta.changed(a, new Eta.Estimate("pickup", 900, 10, 90), 30)).isFalse();
    assertThat(Eta.changed(a, new Eta.Estimate("pickup", 700, 10, 70), 30)).isTrue();
    assertThat(Eta.changed(a, new Eta.Estimate("pickup", 1300, 10, 130), 30)).isTrue();
    assertThat(Eta.changed(a, new Eta.Estimate("dropoff", 1000, 10, 100), 30)).isTrue();
    assertThat(Eta.changed(new Eta.Estimate("pickup", 10, 10, 1), new Eta.Estimate("pickup", 0, 10, 0), 30)).isTrue();
  }

  // ---- trips ----

  private static final Position P = new Position(52.52, 13.405);

  @Test
  void aTripIsRequestedOnceWithValidPoints() {
    assertThat(TripRules.request(null, P, P)).isEmpty();
    assertThat(code(TripRules.request(TripStatus.REQUESTED, P, P))).isEqualTo(TripRules.TRIP_EXISTS);
    assertThat(code(TripRules.request(null, new Position(91, 0), P))).isEqualTo(FixRules.INVALID_POSITION);
    assertThat(code(TripRules.request(null, P, new Position(0, Double.NaN)))).isEqualTo(FixRules.INVALID_POSITION);
  }

  @Test
  void onlyTheOfferedDriverAnswersAnOffer() {
    assertThat(TripRules.answerOffer(TripStatus.OFFERED, "d1", "d1")).isEmpty();
    assertThat(code(TripRules.answerOffer(TripStatus.OFFERED, "d1", "d2"))).isEqualTo(TripRules.NOT_OFFERED_TO_YOU);
    assertThat(code(TripRules.answerOffer(TripStatus.REQUESTED, null, "d2"))).isEqualTo(TripRules.NOT_OFFERED_TO_YOU);
    assertThat(code(TripRules.answerOffer(TripStatus.ACCEPTED, null, "d1"))).isEqualTo(TripRules.INVALID_TRANSITION);
    assertThat(code(TripRules.answerOffer(null, null, "d1"))).isEqualTo(TripRules.NOT_FOUND);
  }

  @Test
  void theAssignedDriverAdvancesTheTripOneStepAtATime() {
    assertThat(TripRules.advance(TripStatus.ACCEPTED, "d1", "d1", TripStatus.ARRIVING)).isEmpty();
    assertThat(TripRules.advance(TripStatus.ARRIVING, "d1", "d1", TripStatus.IN_PROGRESS)).isEmpty();
    assertThat(TripRules.advance(TripStatus.IN_PROGRESS, "d1", "d1", TripStatus.COMPLETED)).isEmpty();
    assertThat(code(TripRules.advance(TripStatus.ACCEPTED, "d1", "d1", TripStatus.IN_PROGRESS))).isEqualTo(TripRules.INVALID_TRANSITION);
    assertThat(code(TripRules.advance(TripStatus.ACCEPTED, "d1", "d1", TripStatus.COMPLETED))).isEqualTo(TripRules.INVALID_TRANSITION);
    assertThat(code(TripRules.advance(TripStatus.COMPLETED, "d1", "d1", TripStatus.COMPLETED))).isEqualTo(TripRules.INVALID_TRANSITION);
    assertThat(code(TripRules.advance(TripStatus.ACCEPTED, "d1", "d2", TripStatus.ARRIVING))).isEqualTo(TripRules.NOT_YOUR_TRIP);
    assertThat(code(TripRules.advance(TripStatus.OFFERED, null, "d1", TripStatus.ARRIVING))).isEqualTo(TripRules.NOT_YOUR_TRIP);
  }

  @Test
  void riderOrDriverCancelWithAReasonBeforeThePickup() {
    for (TripStatus s : List.of(TripStatus.REQUESTED, TripStatus.OFFERED)) assertThat(TripRules.cancel(s, "r1", null, "r1", "changed my mind")).isEmpty();
    for (TripStatus s : List.of(TripStatus.ACCEPTED, TripStatus.ARRIVING)) {
      assertThat(TripRules.cancel(s, "r1", "d1", "r1", "too slow")).isEmpty();
      assertThat(TripRules.cancel(s, "r1", "d1", "d1", "flat tyre")).isEmpty();
    }
    assertThat(code(TripRules.cancel(TripStatus.OFFERED, "r1", null, "d1", "no"))).isEqualTo(TripRules.NOT_YOUR_TRIP);
    assertThat(code(TripRules.cancel(TripStatus.IN_PROGRESS, "r1", "d1", "r1", "stop"))).isEqualTo(TripRules.INVALID_TRANSITION);
    assertThat(code(TripRules.cancel(TripStatus.CANCELLED, "r1", null, "r1", "again"))).isEqualTo(TripRules.INVALID_TRANSITION);
    assertThat(code(TripRules.cancel(TripStatus.ACCEPTED, "r1", "d1", "r1", " "))).isEqualTo(TripRules.INVALID_REASON);
    assertThat(code(TripRules.cancel(TripStatus.ACCEPTED, "r1", "d1", "r1", "x".repeat(201)))).isEqualTo(TripRules.INVALID_REASON);
  }

  @Test
  void offersGoNearestFirstToThoseNotTried() {
    List<String> candidates = List.of("near", "mid", "far");
    assertThat(TripRules.nextCandidate(candidates, Set.of())).contains("near");
    assertThat(TripRules.nextCandidate(candidates, Set.of("near"))).contains("mid");
    assertThat(TripRules.nextCandidate(candidates, Set.of("near", "mid", "far"))).isEmpty();
  }

  @Test
  void readersAreTheRiderTheDriverAndTheOfferedDriver() {
    assertThat(TripRules.readable(TripStatus.OFFERED, "r1", null, "d1", "r1")).isEmpty();
    assertThat(TripRules.readable(TripStatus.OFFERED, "r1", null, "d1", "d1")).isEmpty();
    assertThat(code(TripRules.readable(TripStatus.OFFERED, "r1", null, "d1", "d2"))).isEqualTo(TripRules.FORBIDDEN);
    assertThat(TripRules.readable(TripStatus.ACCEPTED, "r1", "d1", null, "d1")).isEmpty();
    assertThat(code(TripRules.readable(null, null, null, null, "r1"))).isEqualTo(TripRules.NOT_FOUND);
  }
}
