package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** NearestMerge against brute force over random drivers grouped by their real H3 cells. */
class GeoMergeTest {
  private final GeoCells cells = new GeoCells(GeoCells.DEFAULT_RESOLUTION);

  @Test
  void mergingTheCoveringCellsEqualsBruteForce() {
    Random random = new Random(42);
    for (int round = 0; round < 40; round++) {
      Position city = round % 2 == 0 ? GeoPoints.BERLIN : GeoPoints.SAO_PAULO;
      List<Candidate> all = new ArrayList<>();
      Map<Long, List<Candidate>> byCell = new HashMap<>();
      for (int i = 0; i < 500; i++) {
        Position p = GeoPoints.within(random, city, 6000);
        Candidate c = new Candidate("d" + i, p.lat(), p.lng(), 0, 1, 1);
        all.add(c);
        byCell.computeIfAbsent(cells.cellOf(p.lat(), p.lng()), x -> new ArrayList<>()).add(c);
      }
      Position q = GeoPoints.within(random, city, 4000);
      double radius = 200 + random.nextDouble() * 2800;
      int limit = 1 + random.nextInt(30);
      List<List<Candidate>> asked = new ArrayList<>();
      for (long cell : cells.cellsCovering(q.lat(), q.lng(), radius)) asked.add(byCell.getOrDefault(cell, List.of()));

      List<NearestMerge.Match> merged = NearestMerge.merge(q.lat(), q.lng(), radius, limit, asked);
      List<String> brute =
          all.stream()
              .filter(c -> GeoCells.distanceMeters(q.lat(), q.lng(), c.lat(), c.lng()) <= radius)
              .sorted(Comparator.<Candidate>comparingDouble(c -> GeoCells.distanceMeters(q.lat(), q.lng(), c.lat(), c.lng())).thenComparing(Candidate::driverId))
              .limit(limit)
              .map(Candidate::driverId)
              .toList();
      assertThat(merged.stream().map(NearestMerge.Match::driverId).toList()).isEqualTo(brute);
      for (int i = 1; i < merged.size(); i++) assertThat(merged.get(i).distanceMeters()).isGreaterThanOrEqualTo(merged.get(i - 1).distanceMeters());
    }
  }

  @Test
  void aDriverSeenInTwoCellsCountsOnceAtItsNewestPosition() {
    Candidate old = new Candidate("d1", 52.5200, 13.4050, 0, 1, 5);
    Candidate moved = new Candidate("d1", 52.5210, 13.4050, 90, 2, 6);
    Candidate other = new Candidate("d2", 52.5205, 13.4050, 0, 1, 1);
    List<NearestMerge.Match> m = NearestMerge.merge(52.5200, 13.4050, 1000, 10, List.of(List.of(old, other), List.of(moved)));
    assertThat(m).extracting(NearestMerge.Match::driverId).containsExactly("d2", "d1");
    assertThat(m.get(1).heading()).isEqualTo(90);
  }

  @Test
  void limitAndRadiusBound() {
    Candidate near = new Candidate("a", 52.5201, 13.4050, 0, 1, 1);
    Candidate far = new Candidate("b", 52.5300, 13.4050, 0, 1, 1);
    assertThat(NearestMerge.merge(52.52, 13.405, 500, 10, List.of(List.of(near, far)))).extracting(NearestMerge.Match::driverId).containsExactly("a");
    assertThat(NearestMerge.merge(52.52, 13.405, 5000, 1, List.of(List.of(far, near)))).extracting(NearestMerge.Match::driverId).containsExactly("a");
    assertThat(NearestMerge.merge(52.52, 13.405, 5000, 5, List.of())).isEmpty();
  }
}
