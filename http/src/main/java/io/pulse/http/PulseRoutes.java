package io.pulse.http;

import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.auth.TokenRejected;
import io.pulse.http.auth.UserIds;
import io.pulse.http.gateway.WebSocketGateway;
import io.pulse.http.ws.WebSocketLayers;
import io.pulse.persistence.JournalHealth;
import io.pulse.sharding.ClusterMembership;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.settings.WebSocketSettings;

/** The node's HTTP surface: health, dev tokens (dev profile only) and the WebSocket gateway. */
final class PulseRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final Authenticator auth;
  private final WebSocketGateway gateway;
  private final String subprotocol;
  private final WebSocketLayers webSockets;

  PulseRoutes(
      ActorSystem<?> system,
      Authenticator auth,
      WebSocketGateway gateway,
      String subprotocol) {
    this.system = system;
    this.auth = auth;
    this.gateway = gateway;
    this.subprotocol = subprotocol;
    WebSocketSettings wsSettings =
        ((org.apache.pekko.http.scaladsl.settings.ServerSettings)
                org.apache.pekko.http.javadsl.settings.ServerSettings.create(system.classicSystem()))
            .websocketSettings();
    this.webSockets =
        new WebSocketLayers(
            wsSettings, org.apache.pekko.event.Logging.getLogger(system.classicSystem(), "io.pulse.http.ws"), gateway.connection());
  }

  Route routes() {
    Route all =
        concat(
                path("alive", () -> get(() -> complete(StatusCodes.OK, "alive"))),
                path("ready", () -> get(() -> onSuccess(ready(), ok -> ok ? complete(StatusCodes.OK, "ready") : complete(StatusCodes.SERVICE_UNAVAILABLE, "not ready")))),
                devTokens(),
                path("ws", () -> get(this::webSocket)))
            .seal();
    return mapResponse(PulseRoutes::closeUnlessUpgraded, () -> all);
  }

  /**
   * The server has no idle timeout (http.conf): every plain HTTP exchange, errors and rejections too,
   * closes its connection rather than leave it open and idle. Only upgraded WebSockets stay.
   */
  private static HttpResponse closeUnlessUpgraded(HttpResponse response) {
    return response.status().equals(StatusCodes.SWITCHING_PROTOCOLS) ? response : response.addHeader(Connection.create("close"));
  }

  private CompletionStage<Boolean> ready() {
    if (!ClusterMembership.isUp(system)) return CompletableFuture.completedFuture(false);
    return JournalHealth.check(system, Duration.ofSeconds(2));
  }

  record DevTokenRequest(String userId) {}

  private Route devTokens() {
    if (auth.devIssuer.isEmpty()) return reject();
    return path(
        PathMatchers.segment("api").slash("dev").slash("tokens"),
        () ->
            post(
                () ->
                    entity(
                        Jackson.unmarshaller(DevTokenRequest.class),
                        req -> {
                          if (req == null || !UserIds.isValid(req.userId())) {
                            return complete(
                                StatusCodes.BAD_REQUEST,
                                Map.of("error", "invalid_field", "message", "userId must be 1-64 of [A-Za-z0-9_.@-]"),
                                Jackson.marshaller());
                          }
                          return complete(StatusCodes.OK, Map.of("token", auth.devIssuer.get().issue(req.userId())), Jackson.marshaller());
                        })));
  }

  private Route webSocket() {
    return optionalHeaderValueByName(
        "Authorization",
        header ->
            parameterOptional(
                "access_token",
                param -> {
                  Optional<String> token = bearer(header).or(() -> param);
                  AuthenticatedUser user;
                  try {
                    user = auth.verifier.verify(token.orElse(null));
                  } catch (TokenRejected rejected) {
                    return unauthorized(rejected.getMessage());
                  }
                  return extractWebSocketUpgrade(upgrade -> complete(upgrade(upgrade, user)));
                }));
  }

  private HttpResponse upgrade(WebSocketUpgrade upgrade, AuthenticatedUser user) {
    // Clients that offer no subprotocol (stock tools) are served the current one implicitly.
    boolean offered = java.util.stream.StreamSupport.stream(upgrade.getRequestedProtocols().spliterator(), false).anyMatch(subprotocol::equals);
    String chosen = offered ? subprotocol : null;
    return webSockets.upgrade(upgrade, gateway.session(user), chosen);
  }

  private Route unauthorized(String reason) {
    return respondWithHeader(
        WWWAuthenticate.create(HttpChallenge.create("Bearer", "pulse")),
        () -> complete(StatusCodes.UNAUTHORIZED, Map.of("error", "unauthorized", "message", reason), Jackson.marshaller()));
  }

  private static Optional<String> bearer(Optional<String> authorization) {
    return authorization
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).trim());
  }
}
