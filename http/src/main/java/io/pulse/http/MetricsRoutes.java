package io.pulse.http;

import io.pulse.actors.metrics.MetricCodes;
import io.pulse.actors.metrics.MetricQueries;
import io.pulse.actors.metrics.MetricQuery;
import io.pulse.actors.metrics.Metrics;
import io.pulse.actors.metrics.MetricsIngest;
import io.pulse.actors.metrics.MetricsWatch;
import io.pulse.actors.metrics.ParsedBatch;
import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.auth.TokenVerifier;
import io.pulse.http.gateway.MarketWire;
import io.pulse.http.gateway.MetricsTopics;
import io.pulse.http.gateway.MetricsWire;
import io.pulse.config.MetricsSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Live metrics over plain HTTP (docs/protocol.md, "Live metrics"): {@code POST /api/metrics/write} (Prometheus text
 * or line protocol), {@code GET /api/metrics/query} and the dashboard stream {@code GET /sse/metrics}. The tenant is
 * the token's user, as on the socket.
 */
final class MetricsRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final TokenVerifier verifier;
  private final Metrics metrics;
  private final MetricsSettings settings;

  MetricsRoutes(ActorSystem<?> system, TokenVerifier verifier, Metrics metrics, MetricsSettings settings) {
    this.system = system;
    this.verifier = verifier;
    this.metrics = metrics;
    this.settings = settings;
  }

  Route routes() {
    return concat(
        path(PathMatchers.segment("api").slash("metrics").slash("write"), () -> post(() -> auth(this::write))),
        path(PathMatchers.segment("api").slash("metrics").slash("query"), () -> get(() -> auth(this::query))),
        path(PathMatchers.segment("sse").slash("metrics"), () -> get(() -> auth(this::sse))));
  }

  private Route auth(java.util.function.Function<AuthenticatedUser, Route> inner) {
    return new BearerAuth(verifier).authenticated(inner);
  }

  private static Route error(StatusCode status, String code, String message) {
    return new AllDirectives() {}.complete(status, Map.of("error", code, "message", message), Jackson.marshaller());
  }

  // ---- write --------------------------------------------------------------------------------------

  private Route write(AuthenticatedUser user) {
    return parameterOptional(
        "format",
        format ->
            parameterOptional(
                "precision",
                precision ->
                    extractRequest(
                        request -> {
                          String contentType = request.entity().getContentType().toString();
                          String f = format.orElse(contentType.startsWith("text/plain") && contentType.contains("version=0.0.4") ? MetricsWire.PROMETHEUS : MetricsWire.INFLUX);
                          return entity(Unmarshaller.entityToString(), body -> write(user, body, f, precision.orElse(null)));
                        })));
  }

  private Route write(AuthenticatedUser user, String body, String format, String precision) {
    ParsedBatch batch;
    try {
      batch = MetricsWire.parse(body, format, precision, settings, System.currentTimeMillis());
    } catch (MetricsWire.Refused e) {
      return error(MetricCodes.BATCH_TOO_LARGE.equals(e.code) ? StatusCodes.PAYLOAD_TOO_LARGE : StatusCodes.BAD_REQUEST, e.code, e.getMessage());
    }
    return onSuccess(
        metrics.ingest().write(user.userId(), batch),
        r -> complete(statusOf(r), MetricsWire.written(r), Jackson.marshaller()));
  }

  /** 200 all written; 207 some lines failed; 400 (503 when only unavailable) none written. */
  static StatusCode statusOf(MetricsIngest.WriteResult r) {
    if (r.failed().isEmpty()) return StatusCodes.OK;
    if (r.accepted() > 0) return StatusCodes.MULTI_STATUS;
    boolean unavailable = r.failed().stream().allMatch(e -> MetricCodes.UNAVAILABLE.equals(e.code()));
    return unavailable ? StatusCodes.SERVICE_UNAVAILABLE : StatusCodes.BAD_REQUEST;
  }

  // ---- query --------------------------------------------------------------------------------------

  private Route query(AuthenticatedUser user) {
    return parameterOptional("query", q -> parameterOptional("start", start -> parameterOptional("end", end -> parameterOptional("step", step -> {
      if (q.isEmpty()) return error(StatusCodes.BAD_REQUEST, MetricCodes.INVALID_QUERY, "a query parameter is required");
      MetricQuery parsed;
      long endMs;
      long startMs;
      long stepMs;
      try {
        parsed = MetricQuery.parse(q.get());
        endMs = end.map(Long::parseLong).orElse(System.currentTimeMillis());
        startMs = start.map(Long::parseLong).orElse(endMs - 3_600_000L);
        stepMs = step.isPresent() ? MetricQuery.duration(step.get()) : endMs - startMs <= 3_600_000L ? 10_000L : 60_000L;
      } catch (MetricQuery.Invalid e) {
        return error(StatusCodes.BAD_REQUEST, MetricCodes.INVALID_QUERY, e.getMessage());
      } catch (NumberFormatException e) {
        return error(StatusCodes.BAD_REQUEST, MetricCodes.INVALID_QUERY, "start and end are epoch milliseconds");
      }
      return onComplete(metrics.queries().range(user.userId(), parsed, startMs, endMs, stepMs), result -> {
        if (result.isFailure()) return failed(result.failed().get());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("query", q.get());
        body.put("start", Math.floorDiv(startMs, stepMs) * stepMs);
        body.put("end", endMs);
        body.put("step", stepMs);
        body.put("series", MetricsWire.series(result.get()));
        return complete(StatusCodes.OK, body, Jackson.marshaller());
      });
    }))));
  }

  private Route failed(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof MetricQueries.QueryFailed f) return error(StatusCodes.BAD_REQUEST, f.code, f.getMessage());
    if (cause instanceof TimeoutException) return error(StatusCodes.SERVICE_UNAVAILABLE, MetricCodes.UNAVAILABLE, "a series did not answer in time; retry");
    system.log().warn("Metrics query failed", cause);
    return error(StatusCodes.INTERNAL_SERVER_ERROR, "internal", "internal error");
  }

  // ---- server-sent events -------------------------------------------------------------------------

  /** {@code event: point} per closed window; a slow reader loses the oldest points, never memory. */
  private Route sse(AuthenticatedUser user) {
    return parameterOptional("query", q -> parameterOptional("step", step -> {
      if (q.isEmpty()) return error(StatusCodes.BAD_REQUEST, MetricCodes.INVALID_QUERY, "a query parameter is required");
      MetricsTopics.Spec spec;
      try {
        spec = new MetricsTopics.Spec(MetricQuery.parse(q.get()), step.isPresent() ? MetricQuery.duration(step.get()) : settings.watchStep().toMillis());
      } catch (MetricQuery.Invalid e) {
        return error(StatusCodes.BAD_REQUEST, MetricCodes.INVALID_QUERY, e.getMessage());
      }
      return completeOK(events(user, q.get(), spec), EventStreamMarshalling.toEventStream());
    }));
  }

  private Source<ServerSentEvent, NotUsed> events(AuthenticatedUser user, String query, MetricsTopics.Spec spec) {
    String topic = MetricsTopics.KIND + ":" + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8);
    return Source.<Object>actorRef(m -> Optional.empty(), m -> Optional.empty(), settings.sseBuffer(), OverflowStrategy.dropHead())
        .mapMaterializedValue(ref -> {
          @SuppressWarnings("unchecked")
          ActorRef<Object> subscriber = (ActorRef<Object>) (Object) Adapter.toTyped(ref);
          system.systemActorOf(
              MetricsWatch.create(
                  metrics.queries(), user.userId(), spec.query(), topic, spec.stepMs(), settings.closeGrace().toMillis(), subscriber, System::currentTimeMillis, () -> {}),
              "metrics-sse-" + UUID.randomUUID(),
              Props.empty());
          return NotUsed.getInstance();
        })
        .filter(m -> m instanceof MetricsWatch.Pushed)
        .map(m -> ServerSentEvent.create(MarketWire.json(MetricsWire.point((MetricsWatch.Pushed) m)), "point"))
        .keepAlive(java.time.Duration.ofSeconds(15), ServerSentEvent::heartbeat);
  }
}
