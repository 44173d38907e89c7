package io.pulse.http.gateway;

/**
 * An immutable token bucket: {@code burst} tokens at most, refilled at {@code perSecond}. Each take
 * returns the next bucket, so the rate-limit stage holds no mutable state of its own.
 */
public record TokenBucket(double perSecond, int burst, double tokens, long lastNanos) {

  public static TokenBucket full(double perSecond, int burst, long nowNanos) {
    return new TokenBucket(perSecond, burst, burst, nowNanos);
  }

  /** The bucket after trying to take one token at {@code nowNanos}, and whether it was granted. */
  public Taken take(long nowNanos) {
    double refilled = Math.min(burst, tokens + (nowNanos - lastNanos) / 1e9 * perSecond);
    if (refilled >= 1.0) {
      return new Taken(new TokenBucket(perSecond, burst, refilled - 1.0, nowNanos), true, 0);
    }
    long retryAfterMs = (long) Math.ceil((1.0 - refilled) / perSecond * 1000);
    return new Taken(new TokenBucket(perSecond, burst, refilled, nowNanos), false, Math.max(1, retryAfterMs));
  }

  /** Whether the bucket has refilled to its burst by {@code nowNanos}. */
  public boolean fullAt(long nowNanos) {
    return tokens + (nowNanos - lastNanos) / 1e9 * perSecond >= burst;
  }

  public record Taken(TokenBucket bucket, boolean granted, long retryAfterMs) {}
}
