package io.pulse.http.gateway;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bounded per-connection buffer between Pulse and a client's socket, with the two policies of the
 * two stream kinds. Offers never block, so a slow client never backs up into the entities:
 *
 * <ul>
 *   <li>durable frames queue up to {@code durableCapacity}; one more is refused, and the connection
 *       closes with {@link io.pulse.http.ws.CloseCodes#SLOW_CONSUMER} so the client resumes from its
 *       last sequence number;
 *   <li>ephemeral frames are conflated: per key only the newest waits, so a slow client sees fewer,
 *       fresher values. More than {@code ephemeralKeys} distinct waiting keys drops the oldest key.
 * </ul>
 *
 * Durable frames go out first when both wait, so replies are not delayed behind a burst of presence.
 * Not thread-safe: it belongs to one connection's stage and is touched only by its callbacks.
 */
final class OutboundQueue {
  private final int durableCapacity;
  private final int ephemeralKeys;
  private final ArrayDeque<Outbound> durable = new ArrayDeque<>();
  private final LinkedHashMap<String, Outbound> latest = new LinkedHashMap<>();
  /** Told each time an ephemeral key is dropped for want of room (for the node's metrics). */
  private final Runnable ephemeralDropped;

  OutboundQueue(int durableCapacity, int ephemeralKeys) {
    this(durableCapacity, ephemeralKeys, () -> {});
  }

  OutboundQueue(int durableCapacity, int ephemeralKeys, Runnable ephemeralDropped) {
    this.ephemeralDropped = ephemeralDropped;
    if (durableCapacity < 1 || ephemeralKeys < 1) throw new IllegalArgumentException("capacities must be positive");
    this.durableCapacity = durableCapacity;
    this.ephemeralKeys = ephemeralKeys;
  }

  /** False when a durable frame does not fit: the caller must close the connection, not drop it. */
  boolean offer(Outbound frame) {
    if (frame.durable()) {
      if (durable.size() >= durableCapacity) return false;
      durable.add(frame);
      return true;
    }
    // re-inserted, so the key moves to the back: conflated keys go out oldest first
    latest.remove(frame.conflationKey());
    latest.put(frame.conflationKey(), frame);
    if (latest.size() > ephemeralKeys) {
      Iterator<String> oldest = latest.keySet().iterator();
      oldest.next();
      oldest.remove();
      ephemeralDropped.run();
    }
    return true;
  }

  /** The next frame to write, or null. */
  Outbound poll() {
    Outbound next = durable.poll();
    if (next != null || latest.isEmpty()) return next;
    Iterator<Map.Entry<String, Outbound>> first = latest.entrySet().iterator();
    next = first.next().getValue();
    first.remove();
    return next;
  }

  boolean isEmpty() {
    return durable.isEmpty() && latest.isEmpty();
  }
}
