package io.pulse.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.Rejection;
import io.pulse.http.auth.TokenRejected;
import io.pulse.http.auth.UserIds;
import io.pulse.http.gateway.ConversationIds;
import io.pulse.http.gateway.SaleRequests;
import java.util.LinkedHashMap;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.pattern.StatusReply;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The node's plain HTTP surface: health, flash-sale purchases for clients without a socket, the
 * market's candles and SSE ({@link MarketRoutes}), alerting ({@link AlertRoutes}), and dev tokens (dev profile only). WebSockets:
 * {@code edge.FrontDoor}.
 */
final class PulseRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final Authenticator auth;
  private final SaleRequests sales;
  private final Route market;
  private final Route drivers;
  private final Route alerts;
  private final Route ops;
  private Route metrics = reject();

  PulseRoutes(ActorSystem<?> system, Authenticator auth, SaleRequests sales, MarketRoutes market, DriverRoutes drivers, AlertRoutes alerts, Route ops) {
    this.alerts = alerts.routes();
    this.ops = ops;
    this.system = system;
    this.auth = auth;
    this.sales = sales;
    this.market = market.routes();
    this.drivers = drivers.routes();
  }

  /** Live metrics' write, query and SSE routes. */
  PulseRoutes withMetrics(MetricsRoutes metricsRoutes) {
    this.metrics = metricsRoutes.routes();
    return this;
  }

  Route routes() {
    Route all =
        concat(
                path("alive", () -> get(() -> complete(StatusCodes.OK, "alive"))),
                path("ready", () -> get(() -> onSuccess(ready(), ok -> ok ? complete(StatusCodes.OK, "ready") : complete(StatusCodes.SERVICE_UNAVAILABLE, "not ready")))),
                // /ws never gets here: FrontDoor takes it before Pekko HTTP
                purchases(),
                market,
                drivers,
                alerts,
                ops, // /metrics, /api/ops/cluster, /sse/ops (ops.OpsRoutes)
                metrics,
                devTokens(),
                webUi())
            .seal();
    // The server has no idle timeout (http.conf): every plain HTTP exchange, errors and rejections
    // too, closes its connection rather than leave it open and idle.
    return mapResponse(response -> response.addHeader(Connection.create("close")), () -> all);
  }

  /**
   * The web UI: static pages from the classpath ({@code web/} in this module's resources), the index at
   * {@code /}, everything else under {@code /web/}. They speak only the public protocol, so they need
   * nothing from the node but these files (docs/architecture.md, "The web client").
   */
  private Route webUi() {
    // paths first, then the method: a POST elsewhere stays a 404, not this route's 405
    return concat(
        pathSingleSlash(() -> staticGet(() -> getFromResource("web/index.html"))),
        pathPrefix("web", () -> staticGet(() -> concat(pathSingleSlash(() -> getFromResource("web/index.html")), getFromResourceDirectory("web")))));
  }

  private Route staticGet(java.util.function.Supplier<Route> inner) {
    return get(() -> respondWithHeader(RawHeader.create("Cache-Control", "no-cache"), inner));
  }

  /** The same check as management's readiness (ops.ReadyCheck), less the port-bound part: this port answers. */
  private CompletionStage<Boolean> ready() {
    return io.pulse.http.ops.ReadyCheck.ready(system);
  }

  /** {@code roles}: optional, e.g. {@code ["driver"]} (docs/protocol.md, "Drivers and trips"). */
  record DevTokenRequest(String userId, java.util.List<String> roles) {}

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
                          return complete(StatusCodes.OK, Map.of("token", auth.devIssuer.get().issue(req.userId(), req.roles() == null ? java.util.List.of() : req.roles())), Jackson.marshaller());
                        })));
  }

  // ---- POST /api/sales/{sku}/purchases (docs/protocol.md, "Purchases over HTTP")

  private static final ObjectMapper JSON = new ObjectMapper();

  private Route purchases() {
    return path(
        PathMatchers.segment("api").slash("sales").slash(PathMatchers.segment()).slash("purchases"),
        sku ->
            post(
                () ->
                    optionalHeaderValueByName(
                        "Authorization",
                        authorization ->
                            optionalHeaderValueByName(
                                "Idempotency-Key",
                                key -> entity(Unmarshaller.entityToString(), body -> purchase(sku, authorization, key, body))))));
  }

  private Route purchase(String sku, Optional<String> authorization, Optional<String> key, String body) {
    String user;
    try {
      String header = authorization.orElse("");
      if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) throw new TokenRejected("missing bearer token");
      user = auth.verifier.verify(header.substring(7)).userId();
    } catch (TokenRejected e) {
      return respondWithHeader(
          RawHeader.create("WWW-Authenticate", "Bearer"), () -> problem(StatusCodes.UNAUTHORIZED, "unauthorized", e.getMessage(), Map.of()));
    }
    if (!ConversationIds.isValid(sku)) return problem(StatusCodes.BAD_REQUEST, "invalid_field", "sku must be 1-64 of [A-Za-z0-9_.-]", Map.of());
    if (key.isEmpty()) return problem(StatusCodes.BAD_REQUEST, "missing_field", "an Idempotency-Key header is required", Map.of());
    int units = 1;
    if (!body.isBlank()) {
      JsonNode root;
      try {
        root = JSON.readTree(body);
      } catch (Exception e) {
        return problem(StatusCodes.BAD_REQUEST, "malformed_json", "the body is not valid JSON", Map.of());
      }
      if (root == null || !root.isObject()) return problem(StatusCodes.BAD_REQUEST, "malformed_json", "the body must be a JSON object", Map.of());
      JsonNode u = root.get("units");
      if (u != null && !u.isNull()) {
        if (!u.canConvertToExactIntegral() || !u.canConvertToInt() || u.asInt() < 1) {
          return problem(StatusCodes.BAD_REQUEST, "invalid_quantity", "'units' must be a positive integer", Map.of());
        }
        units = u.asInt();
      }
    }
    int n = units;
    return onComplete(() -> sales.purchase(user, sku, n, key.get()), result -> {
      if (result.isFailure()) return failed(result.failed().get());
      SaleRequests.Purchase p = result.get();
      if (p instanceof SaleRequests.Held h) {
        Map<String, Object> hold = new LinkedHashMap<>();
        hold.put("holdId", h.hold().holdId());
        hold.put("sku", h.hold().sku());
        hold.put("units", h.hold().units());
        hold.put("status", h.hold().status());
        hold.put("expiresAt", h.hold().expiresAt());
        hold.put("duplicate", h.duplicate());
        return complete(StatusCodes.CREATED, hold, Jackson.marshaller());
      }
      if (p instanceof SaleRequests.Waiting w) {
        long seconds = Math.max(1, (w.retryAfterMs() + 999) / 1000);
        return respondWithHeader(
            RawHeader.create("Retry-After", Long.toString(seconds)),
            () ->
                problem(
                    StatusCodes.TOO_MANY_REQUESTS,
                    SaleRequests.NOT_ADMITTED,
                    "the waiting room has not let you in yet",
                    Map.of("position", w.position(), "retryAfterMs", w.retryAfterMs())));
      }
      SaleRequests.Refused r = (SaleRequests.Refused) p;
      Map<String, Object> extra = new LinkedHashMap<>();
      if (r.remaining() != null) extra.put("remaining", r.remaining());
      if (r.retryAfterMs() == null) return problem(statusOf(r.code()), r.code(), r.message(), extra);
      extra.put("retryAfterMs", r.retryAfterMs());
      return respondWithHeader(
          RawHeader.create("Retry-After", Long.toString(Math.max(1, (r.retryAfterMs() + 999) / 1000))),
          () -> problem(statusOf(r.code()), r.code(), r.message(), extra));
    });
  }

  /** The HTTP status of each refusal code of a purchase (docs/protocol.md). */
  static StatusCode statusOf(String code) {
    return switch (code) {
      case "idempotency_key_reused", "sold_out", "all_held", "insufficient_stock", "not_started" -> StatusCodes.CONFLICT;
      case "limit_exceeded" -> StatusCodes.FORBIDDEN;
      case "unknown_sale" -> StatusCodes.NOT_FOUND;
      default -> StatusCodes.BAD_REQUEST;
    };
  }

  private Route failed(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return problem(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "the sale did not answer in time; retry with the same Idempotency-Key", Map.of());
    }
    if (cause instanceof StatusReply.ErrorMessage) {
      Rejection r = Rejection.of(cause);
      return problem(statusOf(r.code()), r.code(), r.message(), Map.of());
    }
    system.log().warn("Purchase failed", cause);
    return problem(StatusCodes.INTERNAL_SERVER_ERROR, "internal", "internal error", Map.of());
  }

  private Route problem(StatusCode status, String code, String message, Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    body.putAll(extra);
    return complete(status, body, Jackson.marshaller());
  }
}
