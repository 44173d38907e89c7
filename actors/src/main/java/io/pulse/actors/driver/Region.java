package io.pulse.actors.driver;

import io.pulse.persistence.CborSerializable;
import java.util.List;

/**
 * What a rider or a dispatcher's map watches: a circle ({@code radiusMeters} around a point), or, when
 * {@code cells} is not empty, exactly those H3 cells (addresses at the index's resolution).
 */
public record Region(double lat, double lng, double radiusMeters, List<String> cells) implements CborSerializable {
  public Region {
    cells = cells == null ? List.of() : List.copyOf(cells);
  }

  public static Region circle(double lat, double lng, double radiusMeters) {
    return new Region(lat, lng, radiusMeters, List.of());
  }

  public static Region ofCells(List<String> cells) {
    return new Region(0, 0, 0, cells);
  }

  public boolean isCircle() {
    return cells.isEmpty();
  }

  public boolean contains(GeoCells geo, double pointLat, double pointLng) {
    if (isCircle()) return GeoCells.distanceMeters(lat, lng, pointLat, pointLng) <= radiusMeters;
    return cells.contains(geo.cellIdOf(pointLat, pointLng));
  }

  public boolean contains(GeoCells geo, Position p) {
    return p != null && contains(geo, p.lat(), p.lng());
  }
}
