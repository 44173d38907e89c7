package io.pulse.actors.driver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which fences hold a point: every fence's compacted cells in one map from cell to fence ids. A point's
 * cell at the fences' resolution is looked up with each of its ancestors (a compacted fence keeps coarse
 * cells), so a lookup is at most resolution + 1 hash probes whatever the number of fences. Immutable:
 * a node builds a new index when the fences change and every driver entity reads the current one.
 */
public final class FenceIndex {
  public static final FenceIndex EMPTY = new FenceIndex(0, 11, Map.of(), Map.of());

  private final long version;
  private final int resolution;
  private final Map<String, FenceDefinition> fences;
  private final Map<Long, List<String>> byCell;

  private FenceIndex(long version, int resolution, Map<String, FenceDefinition> fences, Map<Long, List<String>> byCell) {
    this.version = version;
    this.resolution = resolution;
    this.fences = fences;
    this.byCell = byCell;
  }

  /** {@code cells}: each fence's compacted cells (from {@link FenceShapes#cells}). */
  public static FenceIndex of(long version, int resolution, Map<String, FenceDefinition> fences, Map<String, List<Long>> cells) {
    Map<Long, List<String>> byCell = new HashMap<>();
    for (Map.Entry<String, List<Long>> e : cells.entrySet()) {
      for (Long cell : e.getValue()) byCell.computeIfAbsent(cell, c -> new ArrayList<>(1)).add(e.getKey());
    }
    byCell.replaceAll((c, ids) -> List.copyOf(ids));
    return new FenceIndex(version, resolution, Map.copyOf(fences), Map.copyOf(byCell));
  }

  public long version() {
    return version;
  }

  public Map<String, FenceDefinition> fences() {
    return fences;
  }

  /** The ids of the fences holding the point, sorted. */
  public Set<String> containing(double lat, double lng) {
    if (byCell.isEmpty()) return Set.of();
    Set<String> in = null;
    long cell = GeoCells.cellAt(lat, lng, resolution);
    for (int r = resolution; r >= 0; r--) {
      List<String> ids = byCell.get(r == resolution ? cell : GeoCells.parent(cell, r));
      if (ids == null) continue;
      if (in == null) in = new TreeSet<>();
      in.addAll(ids);
    }
    return in == null ? Set.of() : Set.copyOf(in);
  }
}
