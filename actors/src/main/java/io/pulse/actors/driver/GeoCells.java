package io.pulse.actors.driver;

import com.uber.h3core.H3Core;
import com.uber.h3core.LengthUnit;
import com.uber.h3core.util.LatLng;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The geo index's cells: H3 hexagons at one configured resolution, and the one piece of geometry the
 * index computes itself, great-circle (haversine) distance. Everything else (which cell holds a point,
 * a cell's neighbours, edge lengths) is H3's.
 *
 * <p><b>Why resolution 8 by default.</b> A resolution-8 hexagon averages 0.74 km² with edges of about
 * 0.46 km. In a dense city that holds a few dozen available drivers per cell, so a cell entity answers
 * a nearby query from a short list, and one cell sees a fix from each of its drivers every few seconds
 * (tens of messages per second, nowhere near a hot spot). Typical pickup radii (0.5–1.5 km) are covered
 * by k-rings of 1–3 (7–37 cells), so a search fans out to tens of cells, not hundreds. Resolution 7
 * (5.2 km², 1.2 km edges) would put hundreds of drivers in a downtown cell and make it the bottleneck;
 * resolution 9 (0.1 km², 0.17 km edges) would need k ≈ 6–9 (100–300 cells) for the same radius and
 * move drivers across a boundary every few fixes.
 *
 * <p><b>Coverage.</b> H3 hexagons are not regular (at resolution 8 one cell's edges differ by 10%, and
 * the spacing of rings differs by direction), so no formula on the average edge is safe. Instead, for
 * each cell that a search starts from, this class measures with H3 how far the k-ring reaches: the
 * smallest distance from the cell's centre to any point outside its k-ring, which is the distance to
 * the nearest cell of ring k+1 less that cell's circumradius (its farthest vertex). A query point lies
 * at some distance {@code d} from its cell's centre, so the k-ring covers radius R around it when that
 * reach is at least {@code R + d}; {@link #kRingFor} is the smallest such k. The measurements are
 * cached per starting cell (a few thousand cells cover a city). Pentagons (12 per resolution, all at
 * sea) are measured the same way through {@code gridDiskDistances}.
 *
 * <p>Thread-safe: H3's native calls keep no state, so one instance serves every actor of a node.
 */
public final class GeoCells {
  public static final int DEFAULT_RESOLUTION = 8;
  public static final double EARTH_RADIUS_METERS = 6_371_008.8;

  /** Cells near a search's origin may be a little larger than the origin itself. */
  static final double SIZE_MARGIN = 1.25;

  static final int MAX_CACHED = 100_000;

  private static final H3Core H3 = load();

  private final int resolution;
  private final java.util.concurrent.ConcurrentHashMap<Long, double[]> reaches = new java.util.concurrent.ConcurrentHashMap<>();

  public GeoCells(int resolution) {
    if (resolution < 0 || resolution > 15) throw new IllegalArgumentException("H3 resolution must be 0..15, was " + resolution);
    this.resolution = resolution;
  }

  private static H3Core load() {
    try {
      return H3Core.newInstance();
    } catch (IOException e) {
      throw new UncheckedIOException("H3's native library did not load", e);
    }
  }

  public int resolution() {
    return resolution;
  }

  /** The cell holding a point, as H3's 64-bit index. */
  public long cellOf(double lat, double lng) {
    return H3.latLngToCell(lat, lng, resolution);
  }

  /** The cell holding a point, as its H3 address (the id of its cell entity). */
  public String cellIdOf(double lat, double lng) {
    return H3.h3ToString(cellOf(lat, lng));
  }

  public static String address(long cell) {
    return H3.h3ToString(cell);
  }

  public static long index(String address) {
    return H3.stringToH3(address);
  }

  /** Whether {@code address} names a valid cell of this resolution. */
  public boolean isCell(String address) {
    try {
      long cell = H3.stringToH3(address);
      return H3.isValidCell(cell) && H3.getResolution(cell) == resolution;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The cells of {@code resolution} whose centres lie inside the polygon (H3's polyfill), compacted:
   * runs of seven children become their parent, so a large area is a few thousand cells, not millions.
   */
  public static List<Long> polygonCells(List<Position> vertices, int resolution) {
    List<LatLng> ring = new ArrayList<>(vertices.size());
    for (Position p : vertices) ring.add(new LatLng(p.lat(), p.lng()));
    return H3.compactCells(H3.polygonToCells(ring, List.of(), resolution));
  }

  /** How many cells of {@code resolution} the polygon holds, uncompacted (an area estimate at coarse resolutions). */
  public static int polygonCellsUncompactedCount(List<Position> vertices, int resolution) {
    List<LatLng> ring = new ArrayList<>(vertices.size());
    for (Position p : vertices) ring.add(new LatLng(p.lat(), p.lng()));
    return H3.polygonToCells(ring, List.of(), resolution).size();
  }

  /** The cell of {@code resolution} holding a point. */
  public static long cellAt(double lat, double lng, int resolution) {
    return H3.latLngToCell(lat, lng, resolution);
  }

  /** The cell's ancestor at {@code resolution} (the cell itself at its own). */
  public static long parent(long cell, int resolution) {
    return H3.cellToParent(cell, resolution);
  }

  public static int resolutionOf(long cell) {
    return H3.getResolution(cell);
  }

  public Position centre(long cell) {
    LatLng c = H3.cellToLatLng(cell);
    return new Position(c.lat, c.lng);
  }

  /** The average hexagon edge at this resolution, in metres (H3's table). */
  public double averageEdgeMeters() {
    return H3.getHexagonEdgeLengthAvg(resolution, LengthUnit.m);
  }

  /** The farthest vertex of a cell from its centre, in metres. */
  double circumradius(long cell) {
    LatLng c = H3.cellToLatLng(cell);
    double max = 0;
    for (LatLng v : H3.cellToBoundary(cell)) max = Math.max(max, distanceMeters(c.lat, c.lng, v.lat, v.lng));
    return max;
  }

  /**
   * {@code reach[k]}: every point closer than this to the centre of {@code origin} lies in its k-ring.
   * Measured out to at least {@code radius} beyond the origin's own circumradius; cached per cell.
   */
  private double[] reach(long origin, double radius) {
    double[] known = reaches.get(origin);
    double need = radius + circumradius(origin);
    if (known != null && known[known.length - 1] >= need) return known;
    LatLng centre = H3.cellToLatLng(origin);
    List<Double> out = new ArrayList<>();
    double[] next = null;
    for (int k = 1; out.isEmpty() || out.get(out.size() - 1) < need; k++) {
      double min = Double.MAX_VALUE;
      for (long cell : ringAt(origin, k)) {
        LatLng c = H3.cellToLatLng(cell);
        min = Math.min(min, distanceMeters(centre.lat, centre.lng, c.lat, c.lng) - circumradius(cell));
      }
      out.add(min); // reach of the (k-1)-ring: the nearest point of ring k
      if (k > 4096) throw new IllegalArgumentException("radius too large for resolution " + resolution + ": " + radius);
    }
    next = new double[out.size()];
    for (int i = 0; i < next.length; i++) next[i] = out.get(i);
    if (reaches.size() >= MAX_CACHED) reaches.clear(); // crude bound: the cells of a few metropolitan areas
    reaches.put(origin, next);
    return next;
  }

  private static List<Long> ringAt(long origin, int k) {
    try {
      return H3.gridRingUnsafe(origin, k);
    } catch (RuntimeException pentagonNearby) {
      return H3.gridDiskDistances(origin, k).get(k);
    }
  }

  /** The smallest k whose k-ring around the point's cell holds every point within {@code radiusMeters}. */
  public int kRingFor(double lat, double lng, double radiusMeters) {
    long origin = cellOf(lat, lng);
    return kFor(origin, lat, lng, radiusMeters);
  }

  private int kFor(long origin, double lat, double lng, double radiusMeters) {
    if (radiusMeters <= 0) return 0;
    LatLng c = H3.cellToLatLng(origin);
    double offset = distanceMeters(lat, lng, c.lat, c.lng);
    double[] reach = reach(origin, radiusMeters);
    for (int k = 0; k < reach.length; k++) if (reach[k] - offset >= radiusMeters) return k;
    return reach.length; // not reached: reach() measured until it was
  }

  /** The cells of the k-ring (grid disk) around the point's cell. */
  public List<Long> ring(double lat, double lng, int k) {
    return H3.gridDisk(cellOf(lat, lng), k);
  }

  /**
   * The cells a search of {@code radiusMeters} around the point must ask, the point's own first: the
   * covering k-ring, less its cells whose centre is farther than the radius plus a cell's circumradius
   * (taken as the origin's with {@link #SIZE_MARGIN}), since no point of such a cell lies within it.
   */
  public List<Long> cellsCovering(double lat, double lng, double radiusMeters) {
    long origin = cellOf(lat, lng);
    int k = kFor(origin, lat, lng, radiusMeters);
    double circum = circumradius(origin) * SIZE_MARGIN;
    List<Long> disk = H3.gridDisk(origin, k);
    List<Long> cells = new ArrayList<>(disk.size());
    cells.add(origin);
    for (long cell : disk) {
      if (cell == origin) continue;
      LatLng c = H3.cellToLatLng(cell);
      if (distanceMeters(lat, lng, c.lat, c.lng) <= radiusMeters + circum) cells.add(cell);
    }
    return cells;
  }

  /**
   * {@link #cellsCovering}'s cells grouped by ring (the point's own cell first), with {@code covered[k]}:
   * the radius around the point that rings 0..k hold entirely (at most the search's radius; the last is
   * the radius). A search may stop after ring k once it has enough matches within {@code covered[k]}.
   */
  public record Rings(List<List<Long>> rings, double[] covered) {}

  public Rings ringsCovering(double lat, double lng, double radiusMeters) {
    long origin = cellOf(lat, lng);
    int k = kFor(origin, lat, lng, radiusMeters);
    LatLng o = H3.cellToLatLng(origin);
    double offset = distanceMeters(lat, lng, o.lat, o.lng);
    double[] reach = radiusMeters > 0 ? reach(origin, radiusMeters) : new double[0];
    double circum = circumradius(origin) * SIZE_MARGIN;
    List<List<Long>> rings = new ArrayList<>(k + 1);
    double[] covered = new double[k + 1];
    List<List<Long>> byDistance = H3.gridDiskDistances(origin, k);
    for (int i = 0; i <= k; i++) {
      List<Long> ring = new ArrayList<>();
      for (long cell : byDistance.get(i)) {
        if (cell == origin) {
          ring.add(cell);
          continue;
        }
        LatLng c = H3.cellToLatLng(cell);
        if (distanceMeters(lat, lng, c.lat, c.lng) <= radiusMeters + circum) ring.add(cell);
      }
      rings.add(ring);
      covered[i] = i == k ? radiusMeters : Math.max(0, Math.min(radiusMeters, (i < reach.length ? reach[i] : radiusMeters) - offset));
    }
    return new Rings(rings, covered);
  }

  /** Great-circle distance in metres (haversine on the mean earth radius). */
  public static double distanceMeters(double lat1, double lng1, double lat2, double lng2) {
    double p1 = Math.toRadians(lat1);
    double p2 = Math.toRadians(lat2);
    double dp = p2 - p1;
    double dl = Math.toRadians(lng2 - lng1);
    double a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  public static double distanceMeters(Position a, Position b) {
    return distanceMeters(a.lat(), a.lng(), b.lat(), b.lng());
  }

  /** A valid WGS84 point: finite, latitude within ±90, longitude within ±180. */
  public static boolean validPosition(double lat, double lng) {
    return Double.isFinite(lat) && Double.isFinite(lng) && lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180;
  }
}
