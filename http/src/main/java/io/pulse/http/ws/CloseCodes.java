package io.pulse.http.ws;

/** The WebSocket close codes Pulse sends; docs/protocol.md is their contract. */
public final class CloseCodes {
  private CloseCodes() {}

  /** Normal close (either side finished). */
  public static final int NORMAL = 1000;
  /** The node is shutting down; reconnect (to any node) and resume. */
  public static final int GOING_AWAY = 1001;
  /** A frame larger than the configured limit. */
  public static final int TOO_BIG = 1009;
  /** An unexpected server error. */
  public static final int INTERNAL = 1011;
  /** The client sent no frame for the gateway's idle timeout: reconnect, and ping every heartbeatMs. */
  public static final int IDLE = 4001;
  /** The client read too slowly and its durable buffer overflowed: reconnect and resume with since. */
  public static final int SLOW_CONSUMER = 4008;
}
