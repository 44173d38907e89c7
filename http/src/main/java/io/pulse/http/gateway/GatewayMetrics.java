package io.pulse.http.gateway;

/**
 * What the gateway counts for the node's {@code /metrics}, at the points where it already decides:
 * a frame read, a frame written, an outbound buffer overflow, a rate-limited frame, an error answered.
 * Calls come from every connection's operator at once, so implementations must be thread-safe and cheap.
 */
public interface GatewayMetrics {
  /** {@code kind}: the frame's type (a bounded set: one per frame record, or invalid/binary/oversized). */
  void frameIn(String kind);

  void frameOut();

  /** {@code durable}: a durable frame did not fit (the socket closes); else an ephemeral key was dropped. */
  void outboundOverflow(boolean durable);

  void rateLimited();

  /** An error frame answered to a client, by its code. */
  void error(String code);

  GatewayMetrics NONE =
      new GatewayMetrics() {
        @Override
        public void frameIn(String kind) {}

        @Override
        public void frameOut() {}

        @Override
        public void outboundOverflow(boolean durable) {}

        @Override
        public void rateLimited() {}

        @Override
        public void error(String code) {}
      };
}
