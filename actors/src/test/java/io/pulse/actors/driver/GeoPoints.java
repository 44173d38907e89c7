package io.pulse.actors.driver;

import java.util.Random;

/** Random test points (test code only: a bounding box in degrees, then rejection by true distance). */
final class GeoPoints {
  private GeoPoints() {}

  static final Position BERLIN = new Position(52.5200, 13.4050);
  static final Position SAO_PAULO = new Position(-23.5505, -46.6333);
  static final Position SINGAPORE = new Position(1.3521, 103.8198);
  static final Position REYKJAVIK = new Position(64.1466, -21.9426);

  /** A uniformly random point within {@code radius} metres of {@code centre}. */
  static Position within(Random random, Position centre, double radius) {
    double dLat = radius / 111_000.0 * 1.05;
    double dLng = dLat / Math.cos(Math.toRadians(centre.lat()));
    while (true) {
      Position p = new Position(centre.lat() + (random.nextDouble() * 2 - 1) * dLat, centre.lng() + (random.nextDouble() * 2 - 1) * dLng);
      if (GeoCells.distanceMeters(centre, p) <= radius) return p;
    }
  }

  /** A random point within ±60° latitude (where people drive) anywhere in longitude. */
  static Position anywhere(Random random) {
    return new Position(random.nextDouble() * 120 - 60, random.nextDouble() * 360 - 180);
  }
}
