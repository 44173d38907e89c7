package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fences as H3 cells: what a polygon is refused for, and containment checked against the plain
 * rectangle test for points not within a cell's width of an edge (where either side is allowed).
 */
class FenceShapesTest {
  private static final FenceShapes SHAPES = new FenceShapes(11, 1000, 500);

  /** A lat/lng rectangle, as a polygon. */
  private static List<Position> box(double south, double west, double north, double east) {
    return List.of(new Position(south, west), new Position(south, east), new Position(north, east), new Position(north, west));
  }

  private static FenceIndex index(Map<String, List<Position>> fences) {
    Map<String, FenceDefinition> defs = new java.util.HashMap<>();
    Map<String, List<Long>> cells = new java.util.HashMap<>();
    fences.forEach((id, v) -> {
      defs.put(id, new FenceDefinition(id, id, v, 1));
      cells.put(id, SHAPES.cells(v));
    });
    return FenceIndex.of(1, SHAPES.resolution(), defs, cells);
  }

  @Test
  void refusesWhatIsNoPolygon() {
    assertThat(SHAPES.check("a", List.of(new Position(1, 1), new Position(1, 2))).orElseThrow().code()).isEqualTo(FenceShapes.INVALID_FENCE);
    assertThat(SHAPES.check("a", List.of(new Position(1, 1), new Position(91, 2), new Position(2, 2))).orElseThrow().code()).isEqualTo(FenceShapes.INVALID_FENCE);
    assertThat(SHAPES.check("", box(52.50, 13.40, 52.51, 13.42)).orElseThrow().code()).isEqualTo(FenceShapes.INVALID_FENCE);
    assertThat(SHAPES.check("a", null).orElseThrow().code()).isEqualTo(FenceShapes.INVALID_FENCE);
  }

  @Test
  void refusesAreasTooLargeOrTooSmall() {
    // about 111 km × 68 km at Berlin's latitude: far above 500 km²
    assertThat(SHAPES.check("huge", box(52.0, 13.0, 53.0, 14.0)).orElseThrow().code()).isEqualTo(FenceShapes.FENCE_TOO_LARGE);
    // about 1 m across: holds no 25 m cell's centre
    assertThat(SHAPES.check("dot", box(52.50000, 13.40000, 52.50001, 13.40001)).orElseThrow().code()).isEqualTo(FenceShapes.FENCE_TOO_SMALL);
    assertThat(SHAPES.check("ok", box(52.50, 13.40, 52.51, 13.42))).isEmpty();
  }

  @Test
  void aClosingVertexIsDropped() {
    List<Position> closed = new java.util.ArrayList<>(box(52.50, 13.40, 52.51, 13.42));
    closed.add(closed.get(0));
    assertThat(FenceShapes.open(closed)).hasSize(4).isEqualTo(box(52.50, 13.40, 52.51, 13.42));
  }

  @Test
  void containmentAgreesWithTheRectangleAwayFromItsEdges() {
    double s = 52.50, w = 13.38, n = 52.53, e = 13.44; // about 3.3 km × 4 km: compaction makes coarse cells inside
    FenceIndex index = index(Map.of("mitte", box(s, w, n, e)));
    double margin = 0.0006; // about 60 m in latitude, 40 m in longitude: beyond one resolution-11 cell
    Random random = new Random(7);
    int inside = 0;
    for (int i = 0; i < 5_000; i++) {
      double lat = 52.48 + random.nextDouble() * 0.07;
      double lng = 13.35 + random.nextDouble() * 0.12;
      boolean clearlyIn = lat > s + margin && lat < n - margin && lng > w + margin && lng < e - margin;
      boolean clearlyOut = lat < s - margin || lat > n + margin || lng < w - margin || lng > e + margin;
      boolean in = index.containing(lat, lng).contains("mitte");
      if (clearlyIn) {
        assertThat(in).as("%f,%f is well inside", lat, lng).isTrue();
        inside++;
      }
      if (clearlyOut) assertThat(in).as("%f,%f is well outside", lat, lng).isFalse();
    }
    assertThat(inside).isGreaterThan(500);
  }

  @Test
  void aPointInOverlappingFencesIsInEach() {
    FenceIndex index = index(Map.of("a", box(52.50, 13.40, 52.52, 13.43), "b", box(52.51, 13.41, 52.53, 13.44), "far", box(48.10, 11.50, 48.12, 11.53)));
    assertThat(index.containing(52.515, 13.42)).containsExactlyInAnyOrder("a", "b");
    assertThat(index.containing(52.505, 13.405)).containsExactly("a");
    assertThat(index.containing(52.525, 13.435)).containsExactly("b");
    assertThat(index.containing(52.60, 13.42)).isEmpty();
    assertThat(FenceIndex.EMPTY.containing(52.515, 13.42)).isEmpty();
  }
}
