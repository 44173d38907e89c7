package io.pulse.http;

import io.pulse.actors.Rejection;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.driver.FenceRegistry;
import io.pulse.actors.driver.FenceShapes;
import io.pulse.actors.driver.Geofences;
import io.pulse.actors.driver.NearbySearch;
import io.pulse.actors.driver.Position;
import io.pulse.http.auth.AuthenticatedUser;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.pattern.StatusReply;
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
 * same search and the same answer as the {@code driver.nearby} frame, with the same token. And the
 * geofences: {@code PUT}/{@code DELETE /api/geofences/{id}} (dispatchers only), {@code GET
 * /api/geofences} and {@code GET /api/geofences/{id}/inside}.
 */
final class DriverRoutes extends AllDirectives {
  private final BearerAuth auth;
  private final NearbySearch nearby;
  private final Geofences fences;

  private static final ObjectMapper JSON = new ObjectMapper();

  DriverRoutes(TokenVerifier verifier, NearbySearch nearby, Geofences fences) {
    this.auth = new BearerAuth(verifier);
    this.nearby = nearby;
    this.fences = fences;
  }

  Route routes() {
    return concat(
        path(PathMatchers.segment("api").slash("drivers").slash("nearby"), () -> get(() -> auth.authenticated(user -> query()))),
        path(PathMatchers.segment("api").slash("geofences"), () -> get(() -> auth.authenticated(user -> onSuccess(fences.list(), f -> ok(DriverWire.fences(f)))))),
        path(
            PathMatchers.segment("api").slash("geofences").slash(PathMatchers.segment()).slash("inside"),
            id -> get(() -> auth.authenticated(user -> answer(fences.inside(id), DriverWire::inside)))),
        path(
            PathMatchers.segment("api").slash("geofences").slash(PathMatchers.segment()),
            id ->
                auth.authenticated(
                    user ->
                        concat(
                            put(() -> dispatcher(user, () -> entity(Unmarshaller.entityToString(), body -> define(id, body)))),
                            delete(() -> dispatcher(user, () -> answer(fences.delete(id), done -> Map.of("deleted", id))))))));
  }

  private Route dispatcher(AuthenticatedUser user, java.util.function.Supplier<Route> inner) {
    if (user.has(AuthenticatedUser.DISPATCHER)) return inner.get();
    return complete(
        StatusCodes.FORBIDDEN, Map.of("error", NOT_A_DISPATCHER, "message", "only a dispatcher (a token with the dispatcher role) defines geofences"), Jackson.marshaller());
  }

  static final String NOT_A_DISPATCHER = "not_a_dispatcher";

  /** {@code {"name": "…", "polygon": [[lat, lng], …]}}: the vertices in order, closing vertex optional. */
  private Route define(String id, String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (Exception e) {
      return problem("malformed_json", "the body is not valid JSON");
    }
    if (root == null || !root.isObject()) return problem("malformed_json", "the body must be a JSON object");
    JsonNode name = root.get("name");
    JsonNode polygon = root.get("polygon");
    if (name == null || !name.isTextual() || polygon == null || !polygon.isArray()) return problem("missing_field", "'name' (text) and 'polygon' ([[lat, lng], …]) are required");
    List<Position> vertices = new ArrayList<>(polygon.size());
    for (JsonNode v : polygon) {
      if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()) {
        return problem(FenceShapes.INVALID_FENCE, "each vertex is [lat, lng] in degrees");
      }
      vertices.add(new Position(v.get(0).asDouble(), v.get(1).asDouble()));
    }
    return answer(fences.define(id, name.asText(), vertices), DriverWire::defined);
  }

  private <T> Route answer(java.util.concurrent.CompletionStage<T> asked, java.util.function.Function<T, Object> body) {
    return onComplete(
        asked,
        r -> {
          if (r.isSuccess()) return ok(body.apply(r.get()));
          Throwable cause = r.failed().get();
          if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) cause = cause.getCause();
          if (!(cause instanceof StatusReply.ErrorMessage)) {
            return complete(StatusCodes.SERVICE_UNAVAILABLE, Map.of("error", "unavailable", "message", "the geofences did not answer in time; retry"), Jackson.marshaller());
          }
          Rejection refused = Rejection.of(cause);
          if (FenceRegistry.UNKNOWN_FENCE.equals(refused.code())) return complete(StatusCodes.NOT_FOUND, Map.of("error", refused.code(), "message", refused.message()), Jackson.marshaller());
          if (FenceRegistry.TOO_MANY_FENCES.equals(refused.code())) return complete(StatusCodes.CONFLICT, Map.of("error", refused.code(), "message", refused.message()), Jackson.marshaller());
          return problem(refused.code(), refused.message());
        });
  }

  private Route ok(Object body) {
    return complete(StatusCodes.OK, body, Jackson.marshaller());
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
