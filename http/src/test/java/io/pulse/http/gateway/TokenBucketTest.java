package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void allowsABurstThenRefusesWithARetryAfter() {
    TokenBucket bucket = TokenBucket.full(10, 3, 0);
    for (int i = 0; i < 3; i++) {
      TokenBucket.Taken t = bucket.take(0);
      assertThat(t.granted()).isTrue();
      bucket = t.bucket();
    }
    TokenBucket.Taken refused = bucket.take(0);
    assertThat(refused.granted()).isFalse();
    assertThat(refused.retryAfterMs()).isEqualTo(100);
  }

  @Test
  void refillsAtTheConfiguredRateUpToTheBurst() {
    TokenBucket empty = new TokenBucket(10, 3, 0, 0);
    assertThat(empty.take(SECOND / 20).granted()).isFalse(); // half a token
    assertThat(empty.take(SECOND / 10).granted()).isTrue(); // one token
    TokenBucket later = empty.take(100 * SECOND).bucket();
    assertThat(later.tokens()).isEqualTo(2.0); // capped at burst, minus the one taken
  }
}
