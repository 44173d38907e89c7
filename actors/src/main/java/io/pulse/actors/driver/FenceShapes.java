package io.pulse.actors.driver;

import io.pulse.actors.Rejection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a fence's polygon into H3 cells and checks it first. Containment is H3's: the polygon is filled
 * with cells of {@code resolution} (those whose centre lies inside) and a point is inside the fence when
 * its cell of that resolution is. At the default resolution 11 (cells of about 2,150 m², 25 m edges) a
 * point within about 25 m of an edge may land on either side; farther in or out it is exact. No
 * point-in-polygon arithmetic of our own.
 *
 * @param maxVertices most vertices a polygon may have
 * @param maxAreaKm2 largest area, estimated from resolution-7 cells, so one fence cannot ask for millions
 *     of fine cells
 */
public record FenceShapes(int resolution, int maxVertices, double maxAreaKm2) {
  public static final String INVALID_FENCE = "invalid_fence";
  public static final String FENCE_TOO_LARGE = "fence_too_large";
  public static final String FENCE_TOO_SMALL = "fence_too_small";

  /** Average area of a resolution-7 H3 cell, km². */
  static final double RES7_AREA_KM2 = 5.161;

  /** The polygon without a repeated closing vertex. */
  public static List<Position> open(List<Position> vertices) {
    if (vertices.size() > 1 && vertices.get(0).equals(vertices.get(vertices.size() - 1))) {
      return List.copyOf(vertices.subList(0, vertices.size() - 1));
    }
    return List.copyOf(vertices);
  }

  /** Why this polygon cannot be a fence, if it cannot. */
  public Optional<Rejection> check(String name, List<Position> vertices) {
    if (name == null || name.isBlank() || name.length() > 200) return refuse(INVALID_FENCE, "a fence needs a name of 1 to 200 characters");
    if (vertices == null || vertices.size() < 3) return refuse(INVALID_FENCE, "a polygon needs at least 3 vertices");
    if (vertices.size() > maxVertices) return refuse(INVALID_FENCE, "a polygon may have at most " + maxVertices + " vertices");
    for (Position p : vertices) {
      if (p == null || !GeoCells.validPosition(p.lat(), p.lng())) return refuse(INVALID_FENCE, "every vertex needs a latitude in -90..90 and a longitude in -180..180");
    }
    double coarse = GeoCells.polygonCellsUncompactedCount(vertices, 7) * RES7_AREA_KM2;
    if (coarse > maxAreaKm2) return refuse(FENCE_TOO_LARGE, "the polygon covers about " + Math.round(coarse) + " km²; at most " + maxAreaKm2 + " km²");
    if (cells(vertices).isEmpty()) return refuse(FENCE_TOO_SMALL, "the polygon holds no cell of resolution " + resolution + " (about 25 m across at 11)");
    return Optional.empty();
  }

  /** The fence's cells at this resolution, compacted (mixed resolutions, none finer than it). */
  public List<Long> cells(List<Position> vertices) {
    return new ArrayList<>(GeoCells.polygonCells(vertices, resolution));
  }

  private static Optional<Rejection> refuse(String code, String message) {
    return Optional.of(new Rejection(code, message));
  }
}
