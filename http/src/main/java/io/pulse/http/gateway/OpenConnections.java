package io.pulse.http.gateway;

import io.pulse.http.ws.CloseWith;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The node's open WebSockets, so that a shutdown can close every one of them with a code that tells
 * its client to reconnect elsewhere. Each connection registers a closer that runs inside its own
 * operator; one set entry per socket, no operator of its own.
 */
public final class OpenConnections {
  private final Set<Consumer<CloseWith>> open = ConcurrentHashMap.newKeySet();
  private volatile CloseWith closedWith;
  private final GatewayMetrics metrics;

  public OpenConnections() {
    this(GatewayMetrics.NONE);
  }

  /** {@code metrics}: where every connection of the node counts its frames (the node's /metrics). */
  public OpenConnections(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  /** Registers an open socket; returns why it must close at once if the node is closing them, else null. */
  CloseWith add(Consumer<CloseWith> closer) {
    open.add(closer);
    return closedWith;
  }

  void remove(Consumer<CloseWith> closer) {
    open.remove(closer);
  }

  public int size() {
    return open.size();
  }

  /** Closes every open socket, and every one opened from now on, with {@code reason}. */
  public void closeAll(CloseWith reason) {
    closedWith = reason;
    for (Consumer<CloseWith> closer : open) closer.accept(reason);
  }
}
