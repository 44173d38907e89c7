package io.pulse.http.gateway;

import io.pulse.actors.driver.FenceDefinition;
import io.pulse.actors.driver.FenceRegistry;
import io.pulse.actors.driver.Geofence;
import io.pulse.actors.driver.NearbySearch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Drivers' wire shapes for the node's HTTP surface: the same JSON as on the WebSocket. */
public final class DriverWire {
  private DriverWire() {}

  public static final int DEFAULT_LIMIT = DriverRequests.DEFAULT_LIMIT;

  public static Map<String, Object> nearby(NearbySearch.Result r) {
    return DriverCodec.nearby(r);
  }

  public static Map<String, Object> inside(Geofence.Inside in) {
    return DriverCodec.inside(in);
  }

  public static Map<String, Object> fences(FenceRegistry.Fences f) {
    return Map.of("version", f.version(), "fences", f.fences().stream().map(DriverWire::fence).toList());
  }

  public static Map<String, Object> defined(FenceRegistry.Defined d) {
    Map<String, Object> m = fence(d.fence());
    m.put("cells", d.cells());
    m.put("version", d.version());
    return m;
  }

  private static Map<String, Object> fence(FenceDefinition f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", f.id());
    m.put("name", f.name());
    m.put("polygon", f.vertices().stream().map(v -> List.of(v.lat(), v.lng())).toList());
    m.put("definedAt", f.at());
    return m;
  }
}
