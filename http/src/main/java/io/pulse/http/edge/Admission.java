package io.pulse.http.edge;

import io.pulse.http.gateway.TokenBucket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Whether a node takes one more WebSocket session now: a cap on the sockets it holds (so that a full
 * node answers instead of failing to accept once it runs out of file descriptors) and a rate of new
 * sessions (so that a reconnect storm, say after another node went away, is spread out instead of
 * starting thousands of sessions and presence hubs at once). The excess is answered 503 with a
 * Retry-After; clients retry after it, with jitter, on this or another node.
 *
 * <p>The cap counts sessions from the moment they are admitted (a slot taken by {@link #check}, given
 * back by {@link #release} when the connection ends), not once they are registered with the gateway:
 * counting registered sessions let a burst of concurrent upgrades all pass the check before any was
 * registered (26 sessions on a cap of 20, CrowdedPortIT).
 */
public final class Admission {
  /** How long a client turned away by the cap is told to wait: sockets free up slowly. */
  static final int FULL_RETRY_AFTER_SECONDS = 5;

  private final AtomicInteger held = new AtomicInteger();
  private final int maxConnections;
  private final AtomicReference<TokenBucket> sessions;
  private final LongSupplier nanoTime;

  /** @param nanoTime the clock of the session rate ({@code System::nanoTime} outside tests) */
  public Admission(int maxConnections, double sessionsPerSecond, int sessionBurst, LongSupplier nanoTime) {
    this.maxConnections = maxConnections;
    this.nanoTime = nanoTime;
    this.sessions = new AtomicReference<>(TokenBucket.full(sessionsPerSecond, sessionBurst, nanoTime.getAsLong()));
  }

  /**
   * Null if a session may start now (it then holds a slot until {@link #release}), else the answer that
   * turns it away. Takes a token of the session rate when it admits.
   */
  public WebSocketHandshake.Outcome.Refused check() {
    if (held.incrementAndGet() > maxConnections) {
      held.decrementAndGet();
      return busy(FULL_RETRY_AFTER_SECONDS, "this node holds its maximum of " + maxConnections + " connections; retry, or connect to another node");
    }
    while (true) {
      TokenBucket before = sessions.get();
      TokenBucket.Taken taken = before.take(nanoTime.getAsLong());
      if (sessions.compareAndSet(before, taken.bucket())) {
        if (taken.granted()) return null;
        held.decrementAndGet();
        int seconds = (int) Math.max(1, (taken.retryAfterMs() + 999) / 1000);
        return busy(seconds, "too many new connections on this node; retry after " + seconds + " s");
      }
    }
  }

  /** An admitted session's connection has ended: its slot is free. */
  public void release() {
    held.decrementAndGet();
  }

  /** Sessions admitted and not yet ended. */
  public int held() {
    return held.get();
  }

  private static WebSocketHandshake.Outcome.Refused busy(int retryAfterSeconds, String message) {
    return WebSocketHandshake.refuse(503, "overloaded", message, "Retry-After: " + retryAfterSeconds + "\r\n");
  }

  /** The connection cap "auto" resolves to: the process's open-file limit less a reserve for everything else. */
  public static int fromOpenFileLimit(int reserve) {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long limit = unix.getMaxFileDescriptorCount();
      if (limit > reserve && limit < Integer.MAX_VALUE) return (int) (limit - reserve);
    }
    return Integer.MAX_VALUE;
  }
}
