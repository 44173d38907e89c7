package io.pulse.http;

import io.pulse.actors.Rejection;
import io.pulse.actors.driver.NearbySearch;
import io.pulse.http.auth.TokenVerifier;
import io.pulse.http.gateway.DriverWire;
import java.util.Map;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /api/drivers/nearby?lat=&lng=&radius=&limit=} (docs/protocol.md, "Drivers and trips"): the
 * same search and the same answer as the {@code driver.nearby} frame, with the same token.
 */
final class DriverRoutes extends AllDirectives {
  private final BearerAuth auth;
  private final NearbySearch nearby;

  DriverRoutes(TokenVerifier verifier, NearbySearch nearby) {
    this.auth = new BearerAuth(verifier);
    this.nearby = nearby;
  }

  Route routes() {
    return path(PathMatchers.segment("api").slash("drivers").slash("nearby"), () -> get(() -> auth.authenticated(user -> query())));
  }

  private Route query() {
    return parameterOptional(
        "lat",
        lat ->
            parameterOptional(
                "lng",
                lng ->
                    parameterOptional(
                        "radius", radius -> parameterOptional("limit", limit -> search(lat.orElse(null), lng.orElse(null), radius.orElse(null), limit.orElse(null))))));
  }

  private Route search(String latText, String lngText, String radiusText, String limitText) {
    if (latText == null || lngText == null || radiusText == null) return problem("missing_field", "lat, lng and radius are required");
    double lat;
    double lng;
    double radius;
    int limit;
    try {
      lat = Double.parseDouble(latText);
      lng = Double.parseDouble(lngText);
    } catch (NumberFormatException e) {
      return problem("invalid_position", "lat and lng are numbers of degrees");
    }
    try {
      radius = Double.parseDouble(radiusText);
    } catch (NumberFormatException e) {
      return problem(NearbySearch.INVALID_RADIUS, "radius is a number of metres");
    }
    try {
      limit = limitText == null ? DriverWire.DEFAULT_LIMIT : Integer.parseInt(limitText);
    } catch (NumberFormatException e) {
      return problem(NearbySearch.INVALID_LIMIT, "limit is a whole number");
    }
    return onSuccess(
        nearby.search(lat, lng, radius, limit),
        r -> {
          if (r.isSuccess()) return complete(StatusCodes.OK, DriverWire.nearby(r.getValue()), Jackson.marshaller());
          Rejection refused = Rejection.of(r.getError());
          return problem(refused.code(), refused.message());
        });
  }

  private Route problem(String code, String message) {
    return complete(StatusCodes.BAD_REQUEST, Map.of("error", code, "message", message), Jackson.marshaller());
  }
}
