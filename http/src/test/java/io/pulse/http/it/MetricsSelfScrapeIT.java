package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The node scrapes a Prometheus endpoint over real HTTP and ingests it as its self tenant; it stops scraping once the
 * endpoint answers 404. The endpoint here is a plain JDK HTTP server standing in for the node's own /metrics.
 */
@ExtendWith(CassandraExtension.class)
class MetricsSelfScrapeIT {
  @Test
  void scrapedSamplesAreQueryableAndA404StopsTheScrape() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    AtomicInteger notFound = new AtomicInteger();
    AtomicBoolean gone = new AtomicBoolean();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/metrics", exchange -> {
      if (gone.get()) {
        notFound.incrementAndGet();
        exchange.sendResponseHeaders(404, -1);
      } else {
        int n = scrapes.incrementAndGet();
        byte[] body = ("# TYPE it_scraped_total counter\nit_scraped_total{source=\"fake\"} " + n + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
      exchange.close();
    });
    server.start();
    String tenant = TestNodes.uniqueUser("self");
    try (PulseNode node =
        TestNodes.start(
            "pulse.metrics.self-scrape { enabled = true, interval = 300 ms, tenant = \"" + tenant + "\", url = \"http://127.0.0.1:"
                + server.getAddress().getPort() + "/metrics\" }")) {
      String token = TestNodes.devToken(node.httpPort(), tenant);
      ObjectMapper json = new ObjectMapper();
      String path = "/api/metrics/query?query=" + URLEncoder.encode("max(it_scraped_total)", StandardCharsets.UTF_8) + "&step=10s";
      TestNodes.awaitCondition(
          () -> {
            try {
              return json.readTree(TestNodes.get(node.httpPort(), path, token).body()).path("series").size() == 1;
            } catch (Exception e) {
              return false;
            }
          },
          Duration.ofSeconds(30),
          "the scraped counter in the self tenant");
      assertThat(scrapes.get()).isGreaterThanOrEqualTo(1);

      gone.set(true);
      TestNodes.awaitCondition(() -> notFound.get() == 1, Duration.ofSeconds(10), "one scrape answered 404");
      int before = scrapes.get() + notFound.get();
      // ten intervals later: no scrape since the 404
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(3).toNanos());
      assertThat(scrapes.get() + notFound.get()).isEqualTo(before);
    } finally {
      server.stop(0);
    }
  }
}
