package io.pulse.http.alerting;

import io.pulse.actors.alerting.AlertDelivery;
import io.pulse.actors.alerting.WebhookSender;
import io.pulse.actors.alerting.WebhookSignature;
import io.pulse.config.AlertingSettings;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.stream.Materializer;

/**
 * The node's {@link WebhookSender}: one signed JSON POST per attempt with Pekko HTTP's client. Headers:
 * {@code Pulse-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t + "." + body)>} and {@code Pulse-Notification-Id}
 * (the same on every attempt, so a receiver can drop repeats). A 2xx is delivered; any other status, a refused
 * connection or no answer within the request timeout is a failed attempt, retried by the delivery queue.
 */
public final class WebhookClient implements WebhookSender {
  public static final String ID_HEADER = "Pulse-Notification-Id";
  private static final int ERROR_BODY_CHARS = 200;

  private final ActorSystem<?> system;
  private final Map<String, AlertingSettings.Receiver> receivers;
  private final Duration requestTimeout;
  private final ConnectionPoolSettings pool;
  private final HttpsConnectionContext https;
  private final LoggingAdapter log;
  private final Materializer materializer;
  private final Clock clock;

  public WebhookClient(ActorSystem<?> system, AlertingSettings settings, Clock clock) {
    this.system = system;
    this.receivers = settings.receivers();
    this.requestTimeout = settings.requestTimeout();
    // no retries inside the pool: every attempt is the delivery queue's, recorded and backed off
    this.pool =
        ConnectionPoolSettings.create(system.classicSystem())
            .withMaxRetries(0)
            .withConnectionSettings(ClientConnectionSettings.create(system.classicSystem()).withConnectingTimeout(settings.connectTimeout()));
    this.https = Http.get(system.classicSystem()).defaultClientHttpsContext();
    this.log = Logging.getLogger(system.classicSystem(), "io.pulse.http.alerting.webhook");
    this.materializer = Materializer.matFromSystem(system);
    this.clock = clock;
  }

  @Override
  public CompletionStage<Result> send(String receiver, AlertDelivery.Delivery delivery, int attempt) {
    AlertingSettings.Receiver r = receivers.get(receiver);
    if (r == null) return CompletableFuture.completedFuture(Result.failed("no receiver '" + receiver + "' is configured"));
    long now = clock.millis();
    byte[] body = AlertWire.bytes(AlertWire.payload(delivery, attempt, now));
    String signature = WebhookSignature.header(r.secret().getBytes(StandardCharsets.UTF_8), now / 1000, body);
    HttpRequest request =
        HttpRequest.POST(r.url())
            .withEntity(ContentTypes.APPLICATION_JSON, body)
            .addHeader(RawHeader.create(WebhookSignature.HEADER, signature))
            .addHeader(RawHeader.create(ID_HEADER, delivery.id()));
    CompletableFuture<Result> result = new CompletableFuture<>();
    try {
      Http.get(system.classicSystem())
          .singleRequest(request, https, pool, log)
          .thenCompose(this::outcome)
          .whenComplete((ok, e) -> result.complete(e != null ? Result.failed(describe(e)) : ok));
    } catch (RuntimeException e) {
      result.complete(Result.failed(describe(e))); // e.g. a URL the client cannot parse
    }
    return result.completeOnTimeout(Result.failed("no answer within " + requestTimeout.toMillis() + " ms"), requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private CompletionStage<Result> outcome(HttpResponse response) {
    int status = response.status().intValue();
    if (status >= 200 && status < 300) {
      response.discardEntityBytes(materializer);
      return CompletableFuture.completedFuture(Result.ok());
    }
    return response
        .entity()
        .toStrict(requestTimeout.toMillis(), materializer)
        .handle(
            (strict, e) -> {
              String text = strict == null ? "" : strict.getData().utf8String().strip();
              if (text.length() > ERROR_BODY_CHARS) text = text.substring(0, ERROR_BODY_CHARS);
              return Result.failed("HTTP " + status + (text.isEmpty() ? "" : ": " + text));
            });
  }

  private static String describe(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }
}
