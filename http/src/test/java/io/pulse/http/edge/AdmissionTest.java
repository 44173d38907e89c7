package io.pulse.http.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private Admission admission(int maxConnections, double perSecond, int burst) {
    return new Admission(open::get, maxConnections, perSecond, burst, now::get);
  }

  @Test
  void aFullNodeTurnsSessionsAwayUntilASocketCloses() {
    Admission admission = admission(2, 1000, 1000);
    open.set(2);
    WebSocketHandshake.Outcome.Refused refused = admission.check();
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.response().utf8String())
        .contains("Retry-After: " + Admission.FULL_RETRY_AFTER_SECONDS + "\r\n", "\"error\":\"overloaded\"", "maximum of 2 connections");
    open.set(1);
    assertThat(admission.check()).isNull();
  }

  @Test
  void newSessionsBeyondTheRateWaitForTheBucketToRefill() {
    Admission admission = admission(100, 2, 3); // 2/s, burst 3
    for (int i = 0; i < 3; i++) assertThat(admission.check()).as("session %d of the burst", i).isNull();
    WebSocketHandshake.Outcome.Refused refused = admission.check();
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.response().utf8String()).contains("Retry-After: 1\r\n");
    now.addAndGet(500_000_000L); // half a second refills one at 2/s
    assertThat(admission.check()).isNull();
    assertThat(admission.check()).isNotNull();
  }

  @Test
  void refusedSessionsDoNotUseUpTheBudget() {
    Admission admission = admission(1, 1, 1);
    open.set(1);
    for (int i = 0; i < 5; i++) assertThat(admission.check()).isNotNull();
    open.set(0);
    assertThat(admission.check()).as("the one token is still there").isNull();
  }
}
