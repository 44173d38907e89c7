package io.pulse.http.gateway;

import io.pulse.actors.driver.NearbySearch;
import java.util.Map;

/** Drivers' wire shapes for the node's HTTP surface: the same JSON as on the WebSocket. */
public final class DriverWire {
  private DriverWire() {}

  public static final int DEFAULT_LIMIT = DriverRequests.DEFAULT_LIMIT;

  public static Map<String, Object> nearby(NearbySearch.Result r) {
    return DriverCodec.nearby(r);
  }
}
