package io.pulse.http.gateway;

import io.pulse.actors.metrics.MetricsIngest;
import io.pulse.actors.metrics.ParsedBatch;
import io.pulse.config.MetricsSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Answers {@code metrics.write}: the caller's user is the tenant, as over HTTP (docs/protocol.md, "Live metrics"). */
final class MetricsRequests {
  private final MetricsIngest ingest;
  private final MetricsSettings settings;

  MetricsRequests(MetricsIngest ingest, MetricsSettings settings) {
    this.ingest = ingest;
    this.settings = settings;
  }

  CompletionStage<Outbound> answer(ConnectionStage.Caller caller, MetricsFrame frame) {
    MetricsFrame.Write w = (MetricsFrame.Write) frame;
    ParsedBatch batch;
    try {
      batch = MetricsWire.parse(w.data(), w.format(), w.precision(), settings, System.currentTimeMillis());
    } catch (MetricsWire.Refused e) {
      return CompletableFuture.completedFuture(Outbound.durable(FrameCodec.error(ProtocolError.of(w.ref(), e.code, e.getMessage()))));
    }
    return ingest.write(caller.user().userId(), batch).thenApply(r -> Outbound.durable(FrameCodec.reply(w.ref(), MetricsWire.written(r))));
  }
}
