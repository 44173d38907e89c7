package io.pulse.http.gateway;

import static io.pulse.http.gateway.FrameCodec.optionalText;
import static io.pulse.http.gateway.FrameCodec.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.metrics.MetricsWatch;

/** How metrics frames and pushes look on the wire (docs/protocol.md, "Live metrics"). */
final class MetricsCodec {
  private MetricsCodec() {}

  static final String PREFIX = "metrics.";

  static ClientFrame parse(String type, JsonNode root, String ref) throws ProtocolError.Invalid {
    if (!"metrics.write".equals(type)) throw new ProtocolError.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + type + "'");
    String format = optionalText(root, "format");
    if (format == null) format = MetricsWire.PROMETHEUS;
    if (!MetricsWire.PROMETHEUS.equals(format) && !MetricsWire.INFLUX.equals(format)) {
      throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'format' must be prometheus or influx");
    }
    return new MetricsFrame.Write(ref, format, optionalText(root, "precision"), requiredText(root, "data"));
  }

  /** A dashboard point (latest value per topic: a slow client gets the newest) or the end of a watch. */
  static Outbound render(Object push) {
    if (push instanceof MetricsWatch.Pushed p) return Outbound.latest(p.topic(), FrameCodec.event(p.topic(), "point", null, MetricsWire.point(p)));
    MetricsWatch.Failed f = (MetricsWatch.Failed) push;
    return Outbound.durable(FrameCodec.event(f.topic(), "ended", null, java.util.Map.of("code", f.code(), "message", f.message())));
  }
}
