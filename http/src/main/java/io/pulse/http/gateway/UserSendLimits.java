package io.pulse.http.gateway;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The chat send limit of each user with a socket on this node, one token bucket per user shared by
 * all of that user's sockets here: opening more sockets, or closing and reopening one, does not buy
 * more sends. A user's entry lives while the user has a socket on the node and, after the last one
 * closes, until its bucket has refilled ({@link #sweep}). Across nodes the limit is per node a user is
 * connected to (a user's devices usually share one node or few), which bounds a user to the limit
 * times the nodes without a cluster round trip per send.
 */
public final class UserSendLimits {
  /** A user's sockets here and the outcome of the last take (its bucket is the user's bucket now). */
  private record Entry(int sockets, TokenBucket.Taken last) {}

  private final double perSecond;
  private final int burst;
  private final ConcurrentHashMap<String, Entry> users = new ConcurrentHashMap<>();

  public UserSendLimits(double perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** A socket of {@code userId} opened; pair with one {@link #leave}. */
  public void join(String userId, long nowNanos) {
    users.compute(
        userId,
        (id, e) -> e == null
            ? new Entry(1, new TokenBucket.Taken(TokenBucket.full(perSecond, burst, nowNanos), true, 0))
            : new Entry(e.sockets() + 1, e.last()));
  }

  /** A socket of {@code userId} closed. */
  public void leave(String userId) {
    users.computeIfPresent(userId, (id, e) -> new Entry(Math.max(0, e.sockets() - 1), e.last()));
  }

  /** Forgets users without a socket here whose bucket is full again at {@code nowNanos}: nothing to remember. */
  public void sweep(long nowNanos) {
    users.forEach(
        (id, seen) -> {
          if (seen.sockets() == 0 && seen.last().bucket().fullAt(nowNanos)) {
            users.computeIfPresent(id, (k, e) -> e.sockets() == 0 && e.last() == seen.last() ? null : e);
          }
        });
  }

  /** One send of {@code userId} at {@code nowNanos}: granted, or refused with when to retry. */
  public TokenBucket.Taken take(String userId, long nowNanos) {
    Entry after =
        users.compute(
            userId,
            (id, e) -> e == null
                // only a joined socket takes; should one not have, it gets a full bucket and keeps nothing
                ? null
                : new Entry(e.sockets(), e.last().bucket().take(nowNanos)));
    return after != null ? after.last() : TokenBucket.full(perSecond, burst, nowNanos).take(nowNanos);
  }

  /** Users remembered on this node (for tests). */
  int users() {
    return users.size();
  }
}
