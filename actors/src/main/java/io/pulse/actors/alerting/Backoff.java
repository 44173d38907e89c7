package io.pulse.actors.alerting;

import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.util.Random;

/**
 * The retry schedule of a delivery: exponential with full jitter ("exponential backoff and jitter", as AWS
 * describes it): attempt n waits a uniform random time in [0, min(cap, base * 2^(n-1))], so many receivers'
 * retries spread out instead of arriving together. A floor keeps a retry from being immediate.
 */
public record Backoff(Duration base, Duration cap, Duration floor) implements CborSerializable {
  public Backoff {
    if (base.isNegative() || base.isZero()) throw new IllegalArgumentException("backoff base must be positive");
    if (cap.compareTo(base) < 0) throw new IllegalArgumentException("backoff cap must be at least its base");
    if (floor.isNegative() || floor.compareTo(cap) > 0) throw new IllegalArgumentException("backoff floor must be in [0, cap]");
  }

  /** The upper bound of the wait after failed attempt {@code attempt} (1-based): base * 2^(attempt-1), capped. */
  public long ceilingMillis(int attempt) {
    int shift = Math.max(0, Math.min(attempt - 1, 40));
    long b = base.toMillis();
    long ceiling = b > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : b << shift;
    return Math.min(cap.toMillis(), ceiling);
  }

  /** The wait after failed attempt {@code attempt}: uniform in [floor, ceiling]. */
  public long delayMillis(int attempt, Random random) {
    long ceiling = ceilingMillis(attempt);
    long low = Math.min(floor.toMillis(), ceiling);
    return low + (long) (random.nextDouble() * (ceiling - low));
  }
}
