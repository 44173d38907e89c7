package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UserSendLimitsTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aUsersSocketsShareOneBudget() {
    UserSendLimits limits = new UserSendLimits(1, 3);
    limits.join("alice", 0);
    limits.join("alice", 0); // a second device

    assertThat(limits.take("alice", 0).granted()).isTrue();
    assertThat(limits.take("alice", 0).granted()).isTrue();
    assertThat(limits.take("alice", 0).granted()).isTrue();
    TokenBucket.Taken fourth = limits.take("alice", 0);
    assertThat(fourth.granted()).isFalse();
    assertThat(fourth.retryAfterMs()).isEqualTo(1000);
  }

  @Test
  void anotherUserHasItsOwnBudget() {
    UserSendLimits limits = new UserSendLimits(1, 1);
    limits.join("alice", 0);
    limits.join("bob", 0);

    assertThat(limits.take("alice", 0).granted()).isTrue();
    assertThat(limits.take("alice", 0).granted()).isFalse();
    assertThat(limits.take("bob", 0).granted()).isTrue();
  }

  @Test
  void theBudgetRefillsAtTheRate() {
    UserSendLimits limits = new UserSendLimits(2, 1);
    limits.join("alice", 0);
    assertThat(limits.take("alice", 0).granted()).isTrue();
    assertThat(limits.take("alice", SECOND / 4).granted()).isFalse();
    assertThat(limits.take("alice", SECOND / 2).granted()).isTrue();
  }

  @Test
  void closingOneOfTwoSocketsDoesNotRefillTheBudget() {
    UserSendLimits limits = new UserSendLimits(1, 1);
    limits.join("alice", 0);
    limits.join("alice", 0);
    assertThat(limits.take("alice", 0).granted()).isTrue();

    limits.leave("alice");
    limits.join("alice", 0); // reconnecting does not buy sends either

    assertThat(limits.take("alice", 0).granted()).isFalse();
  }

  @Test
  void reconnectingAfterTheLastSocketClosedDoesNotRefillTheBudget() {
    UserSendLimits limits = new UserSendLimits(1, 2);
    limits.join("alice", 0);
    assertThat(limits.take("alice", 0).granted()).isTrue();
    assertThat(limits.take("alice", 0).granted()).isTrue();
    limits.leave("alice");
    limits.sweep(SECOND / 2); // not refilled yet: kept

    limits.join("alice", SECOND / 2);

    assertThat(limits.take("alice", SECOND / 2).granted()).isFalse();
  }

  @Test
  void aUserWithoutSocketsIsForgottenOnceTheBudgetIsWholeAgain() {
    UserSendLimits limits = new UserSendLimits(1, 2);
    limits.join("alice", 0);
    limits.join("bob", 0);
    assertThat(limits.take("alice", 0).granted()).isTrue();
    assertThat(limits.take("alice", 0).granted()).isTrue();
    limits.leave("alice");

    limits.sweep(SECOND);
    assertThat(limits.users()).isEqualTo(2); // alice has one of two tokens back

    limits.sweep(2 * SECOND);
    assertThat(limits.users()).isEqualTo(1); // bob still has a socket
  }
}
