package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeoCellsTest {
  private final GeoCells cells = new GeoCells(GeoCells.DEFAULT_RESOLUTION);

  @Test
  void resolutionEightHasHalfKilometreEdges() {
    assertThat(cells.averageEdgeMeters()).isBetween(440.0, 480.0);
    String id = cells.cellIdOf(GeoPoints.BERLIN.lat(), GeoPoints.BERLIN.lng());
    assertThat(cells.isCell(id)).isTrue();
    assertThat(new GeoCells(7).isCell(id)).as("another resolution's cell").isFalse();
    assertThat(cells.isCell("not-a-cell")).isFalse();
    assertThat(GeoCells.address(GeoCells.index(id))).isEqualTo(id);
  }

  @Test
  void aPointBelongsToExactlyTheCellH3Names() {
    Position p = GeoPoints.BERLIN;
    long cell = cells.cellOf(p.lat(), p.lng());
    Position centre = cells.centre(cell);
    assertThat(cells.cellOf(centre.lat(), centre.lng())).isEqualTo(cell);
    assertThat(GeoCells.distanceMeters(p, centre)).isLessThan(cells.averageEdgeMeters() * 1.2);
  }

  @Test
  void haversineMatchesKnownDistances() {
    // Berlin – Paris is about 878 km; a degree of latitude about 111.2 km
    assertThat(GeoCells.distanceMeters(52.5200, 13.4050, 48.8566, 2.3522)).isBetween(875_000.0, 881_000.0);
    assertThat(GeoCells.distanceMeters(0, 0, 1, 0)).isBetween(111_100.0, 111_300.0);
    assertThat(GeoCells.distanceMeters(10, 20, 10, 20)).isZero();
    assertThat(GeoCells.distanceMeters(0, 179.9, 0, -179.9)).isBetween(22_000.0, 22_400.0);
  }

  @Test
  void kGrowsWithTheRadiusAndStaysNearTheHexagonEstimate() {
    long cell = cells.cellOf(GeoPoints.BERLIN.lat(), GeoPoints.BERLIN.lng());
    Position c = cells.centre(cell);
    assertThat(cells.kRingFor(c.lat(), c.lng(), 0)).isZero();
    assertThat(cells.kRingFor(c.lat(), c.lng(), 100)).as("inside its own cell").isZero();
    int previous = 0;
    for (int r = 250; r <= 5000; r += 250) {
      int k = cells.kRingFor(c.lat(), c.lng(), r);
      assertThat(k).isGreaterThanOrEqualTo(previous);
      // a regular hexagon grid of 0.46 km edges needs about R / (1.5 · 0.46 km) rings; allow the distortion
      assertThat(k).as("k for %d m", r).isBetween((int) (r / (1.5 * 530)), (int) Math.ceil(r / (1.5 * 400)) + 2);
      previous = k;
    }
    int k = cells.kRingFor(GeoPoints.BERLIN.lat(), GeoPoints.BERLIN.lng(), 2000);
    assertThat(cells.ring(GeoPoints.BERLIN.lat(), GeoPoints.BERLIN.lng(), k)).hasSize(3 * k * (k + 1) + 1);
  }

  /** Every point within R of the centre lies in a cell the search asks: random centres, radii, points. */
  @Test
  void theCoveringCellsHoldEveryPointWithinTheRadius() {
    Random random = new Random(20);
    List<Position> centres = List.of(GeoPoints.BERLIN, GeoPoints.SAO_PAULO, GeoPoints.SINGAPORE, GeoPoints.REYKJAVIK);
    for (int round = 0; round < 60; round++) {
      Position centre = round < 4 ? centres.get(round) : GeoPoints.anywhere(random);
      double radius = 50 + random.nextDouble() * 4950;
      Set<Long> covering = new HashSet<>(cells.cellsCovering(centre.lat(), centre.lng(), radius));
      Set<Long> ring = new HashSet<>(cells.ring(centre.lat(), centre.lng(), cells.kRingFor(centre.lat(), centre.lng(), radius)));
      assertThat(ring).containsAll(covering);
      assertThat(cells.cellsCovering(centre.lat(), centre.lng(), radius).get(0)).isEqualTo(cells.cellOf(centre.lat(), centre.lng()));
      for (int i = 0; i < 400; i++) {
        // half of them near the rim, where coverage is tight
        Position p = i % 2 == 0 ? GeoPoints.within(random, centre, radius) : rim(random, centre, radius);
        assertThat(covering).as("point %s at %.0f m of %s (R = %.0f)", p, GeoCells.distanceMeters(centre, p), centre, radius)
            .contains(cells.cellOf(p.lat(), p.lng()));
      }
    }
  }

  @Test
  void pruningKeepsTheSearchSmall() {
    Position c = GeoPoints.BERLIN;
    int k = cells.kRingFor(c.lat(), c.lng(), 1500);
    int ring = 3 * k * (k + 1) + 1;
    assertThat(cells.cellsCovering(c.lat(), c.lng(), 1500).size()).isLessThan(ring).isGreaterThan(7);
    assertThat(cells.cellsCovering(c.lat(), c.lng(), 0)).hasSize(1);
  }

  @Test
  void positionsAreValidatedOnTheirRanges() {
    assertThat(GeoCells.validPosition(90, 180)).isTrue();
    assertThat(GeoCells.validPosition(-90, -180)).isTrue();
    assertThat(GeoCells.validPosition(90.0001, 0)).isFalse();
    assertThat(GeoCells.validPosition(0, -180.0001)).isFalse();
    assertThat(GeoCells.validPosition(Double.NaN, 0)).isFalse();
    assertThat(GeoCells.validPosition(0, Double.POSITIVE_INFINITY)).isFalse();
  }

  private static Position rim(Random random, Position centre, double radius) {
    while (true) {
      Position p = GeoPoints.within(random, centre, radius);
      if (GeoCells.distanceMeters(centre, p) >= radius * 0.9) return p;
    }
  }
}
