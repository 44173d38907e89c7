package io.pulse.http;

import io.pulse.http.auth.UserIds;
import io.pulse.persistence.JournalHealth;
import io.pulse.sharding.ClusterMembership;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The node's plain HTTP surface: health, the market's candles and SSE ({@link MarketRoutes}), and dev tokens (dev
 * profile only). WebSockets: {@code edge.FrontDoor}.
 */
final class PulseRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final Authenticator auth;
  private final Route market;

  PulseRoutes(ActorSystem<?> system, Authenticator auth, MarketRoutes market) {
    this.system = system;
    this.auth = auth;
    this.market = market.routes();
  }

  Route routes() {
    Route all =
        concat(
                path("alive", () -> get(() -> complete(StatusCodes.OK, "alive"))),
                path("ready", () -> get(() -> onSuccess(ready(), ok -> ok ? complete(StatusCodes.OK, "ready") : complete(StatusCodes.SERVICE_UNAVAILABLE, "not ready")))),
                // /ws never gets here: FrontDoor takes it before Pekko HTTP
                market,
                devTokens())
            .seal();
    // The server has no idle timeout (http.conf): every plain HTTP exchange, errors and rejections
    // too, closes its connection rather than leave it open and idle.
    return mapResponse(response -> response.addHeader(Connection.create("close")), () -> all);
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
}
