package io.pulse.http.ops;

import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Operator endpoints: {@code GET /metrics} (Prometheus text format), {@code GET /api/ops/cluster} (the
 * cluster view as JSON) and {@code GET /sse/ops} (the same view once per {@code interval} as SSE event
 * {@code cluster}). Documented in docs/operations.md.
 */
public final class OpsRoutes extends AllDirectives {
  private static final ContentType PROMETHEUS = ContentTypes.parse(NodeMetrics.CONTENT_TYPE);

  private final NodeMetrics metrics;
  private final ClusterView view;
  private final Duration interval;

  public OpsRoutes(ActorSystem<?> system, NodeMetrics metrics, Duration interval) {
    this.metrics = metrics;
    this.view = new ClusterView(system, Duration.ofSeconds(2));
    this.interval = interval;
  }

  public Route routes() {
    return concat(
        path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(HttpEntities.create(PROMETHEUS, metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)))))),
        path(
            PathMatchers.segment("api").slash("ops").slash("cluster"),
            () -> get(() -> onSuccess(view.json(), json -> complete(HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json)))))),
        path(PathMatchers.segment("sse").slash("ops"), () -> get(() -> completeOK(events(), EventStreamMarshalling.toEventStream()))));
  }

  /** One view per interval, each gathered afresh; a slow gathering delays the next, never piles up. */
  private Source<ServerSentEvent, NotUsed> events() {
    return Source.tick(Duration.ZERO, interval, NotUsed.getInstance())
        .mapMaterializedValue(c -> NotUsed.getInstance())
        .mapAsync(1, t -> view.json())
        .map(json -> ServerSentEvent.create(json, "cluster"));
  }
}
