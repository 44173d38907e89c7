package io.pulse.http;

import io.pulse.actors.metrics.MetricsIngest;
import io.pulse.actors.metrics.ParsedBatch;
import io.pulse.actors.metrics.PrometheusText;
import io.pulse.config.MetricsSettings;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulse ingests its own metrics (docs/operations.md, "Live metrics"): every interval it fetches its own {@code
 * http://127.0.0.1:<port>/metrics} over HTTP, as any scraper would, and writes the samples as tenant {@code
 * pulse.metrics.self-scrape.tenant}. A 404 means this node has no /metrics endpoint: the scrape stops for good. Other
 * failures are logged and the next interval tries again. One scrape at a time.
 */
final class MetricsSelfScrape {
  private static final Logger log = LoggerFactory.getLogger(MetricsSelfScrape.class);

  private MetricsSelfScrape() {}

  static Cancellable start(ActorSystem<?> system, int port, MetricsIngest ingest, MetricsSettings m) {
    String url = m.selfScrapeUrl().isBlank() ? "http://127.0.0.1:" + port + "/metrics" : m.selfScrapeUrl();
    Materializer mat = Materializer.matFromSystem(system);
    AtomicBoolean busy = new AtomicBoolean();
    Cancellable[] self = new Cancellable[1];
    self[0] =
        system
            .scheduler()
            .scheduleWithFixedDelay(
                m.selfScrapeInterval(),
                m.selfScrapeInterval(),
                () -> {
                  if (!busy.compareAndSet(false, true)) return;
                  Http.get(system)
                      .singleRequest(HttpRequest.GET(url))
                      .thenCompose(response -> {
                        if (response.status().equals(StatusCodes.NOT_FOUND)) {
                          response.discardEntityBytes(mat);
                          log.info("{} answers 404: this node exposes no metrics; self-scrape stops", url);
                          if (self[0] != null) self[0].cancel();
                          return java.util.concurrent.CompletableFuture.completedFuture(null);
                        }
                        if (!response.status().isSuccess()) {
                          response.discardEntityBytes(mat);
                          throw new IllegalStateException(url + " answered " + response.status());
                        }
                        return response
                            .entity()
                            .toStrict(Duration.ofSeconds(10).toMillis(), mat)
                            .thenCompose(strict -> {
                              ParsedBatch batch =
                                  PrometheusText.parse(
                                      strict.getData().utf8String(),
                                      new ParsedBatch.Limits(System.currentTimeMillis(), m.maxSampleAge().toMillis(), m.maxFuture().toMillis(), m.maxLabels(), m.maxLabelValueLength()));
                              return ingest.write(m.selfTenant(), batch).thenApply(r -> {
                                if (!r.failed().isEmpty()) log.debug("Self-scrape: {} lines refused, first {}", r.failed().size(), r.failed().get(0));
                                return null;
                              });
                            });
                      })
                      .whenComplete((v, e) -> {
                        busy.set(false);
                        if (e != null) log.warn("Self-scrape of {} failed: {}", url, e.toString());
                      });
                },
                system.executionContext());
    return self[0];
  }
}
