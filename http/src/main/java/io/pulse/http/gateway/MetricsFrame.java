package io.pulse.http.gateway;

/** The {@code metrics.*} frames (docs/protocol.md, "Live metrics"). */
public sealed interface MetricsFrame extends ClientFrame {
  /** A batch in {@code format} (prometheus or influx; influx timestamps in {@code precision}), as the HTTP write takes it. */
  record Write(String ref, String format, String precision, String data) implements MetricsFrame {}
}
