package io.pulse.actors.driver;

import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the candidates of several cells into the K nearest within R of a point, by true great-circle
 * distance (a cell's position in the ring says nothing about how near its drivers are). A driver seen
 * in two cells (a boundary crossing whose leave and join are both in flight) counts once, at its newest
 * membership. Ties on distance go to the smaller driver id, so the answer is deterministic.
 */
public final class NearestMerge {
  private NearestMerge() {}

  /** One answer row: the driver, where it is and how far from the query point, in metres. */
  public record Match(String driverId, double lat, double lng, double heading, long at, double distanceMeters) implements CborSerializable {}

  static final Comparator<Match> NEAREST = Comparator.comparingDouble(Match::distanceMeters).thenComparing(Match::driverId);

  public static List<Match> merge(double lat, double lng, double radiusMeters, int limit, Collection<? extends Collection<Candidate>> perCell) {
    Map<String, Candidate> newest = new HashMap<>();
    for (Collection<Candidate> cell : perCell) {
      for (Candidate c : cell) newest.merge(c.driverId(), c, (a, b) -> b.seq() > a.seq() ? b : a);
    }
    return nearest(lat, lng, radiusMeters, limit, newest.values());
  }

  /** The {@code limit} nearest of {@code candidates} within the radius, nearest first. */
  public static List<Match> nearest(double lat, double lng, double radiusMeters, int limit, Collection<Candidate> candidates) {
    List<Match> within = new ArrayList<>();
    for (Candidate c : candidates) {
      double d = GeoCells.distanceMeters(lat, lng, c.lat(), c.lng());
      if (d <= radiusMeters) within.add(new Match(c.driverId(), c.lat(), c.lng(), c.heading(), c.at(), d));
    }
    within.sort(NEAREST);
    return within.size() <= limit ? within : new ArrayList<>(within.subList(0, limit));
  }
}
