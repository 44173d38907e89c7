package io.pulse.actors.driver;

import io.pulse.persistence.CborSerializable;
import java.util.List;

/**
 * A geofence as a dispatcher defined it: a named polygon (its vertices in order, not closed: the last
 * vertex joins the first). {@code at}: when it was (re)defined, which also tells a node's cached cells
 * of an older definition apart.
 */
public record FenceDefinition(String id, String name, List<Position> vertices, long at) implements CborSerializable {
  public FenceDefinition {
    vertices = List.copyOf(vertices);
  }
}
