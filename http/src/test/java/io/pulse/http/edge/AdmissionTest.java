package io.pulse.http.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private Admission admission(int maxConnections, double perSecond, int burst) {
    return new Admission(maxConnections, perSecond, burst, now::get);
  }

  @Test
  void aFullNodeTurnsSessionsAwayUntilASocketCloses() {
    Admission admission = admission(2, 1000, 1000);
    assertThat(admission.check()).isNull();
    assertThat(admission.check()).isNull();
    WebSocketHandshake.Outcome.Refused refused = admission.check();
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.response().utf8String())
        .contains("Retry-After: " + Admission.FULL_RETRY_AFTER_SECONDS + "\r\n", "\"error\":\"overloaded\"", "maximum of 2 connections");
    admission.release();
    assertThat(admission.check()).isNull();
    assertThat(admission.held()).isEqualTo(2);
  }

  @Test
  void concurrentChecksNeverAdmitMoreThanTheCap() throws Exception {
    Admission admission = admission(20, 1_000_000, 1_000_000);
    java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.List<Thread> threads = new java.util.ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 100; i++) if (admission.check() == null) admitted.incrementAndGet();
      });
      thread.start();
      threads.add(thread);
    }
    go.countDown();
    for (Thread t : threads) t.join(10_000);
    assertThat(admitted.get()).isEqualTo(20);
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
    // a full node refuses without taking tokens
    Admission full = admission(0, 1, 1);
    for (int i = 0; i < 5; i++) assertThat(full.check()).isNotNull();
    assertThat(full.held()).isZero();
    assertThat(admission.check()).as("the one token").isNull();
    admission.release();
    // a session refused by the rate gives its slot back
    assertThat(admission.check()).isNotNull();
    assertThat(admission.held()).isZero();
  }
}
