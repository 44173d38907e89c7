package io.pulse.http.gateway;

import io.pulse.http.ws.CloseWith;

/**
 * One frame on its way to a client. Durable frames (replies, errors, events with a sequence number) are
 * never dropped; ephemeral frames carry a conflation key and only the newest per key is kept.
 */
public record Outbound(String json, String conflationKey, CloseWith close) {
  public static Outbound durable(String json) {
    return new Outbound(json, null, null);
  }

  public static Outbound latest(String key, String json) {
    return new Outbound(json, key, null);
  }

  /** Closes the socket with this code once every frame queued before it has been written. */
  public static Outbound closeAfterPending(CloseWith close) {
    return new Outbound(null, null, close);
  }

  public boolean durable() {
    return conflationKey == null;
  }
}
