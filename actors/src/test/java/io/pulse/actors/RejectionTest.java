package io.pulse.actors;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;

class RejectionTest {

  @Test
  void roundTripsCodeAndMessageThroughAStatusReply() {
    StatusReply<String> reply = Rejection.reply("invalid_profile", "displayName: too long");
    assertThat(reply.isError()).isTrue();
    assertThat(Rejection.of(reply.getError())).isEqualTo(new Rejection("invalid_profile", "displayName: too long"));
  }

  @Test
  void aFailureWithoutACodeIsUnspecified() {
    assertThat(Rejection.of(new RuntimeException("Boom happened")))
        .isEqualTo(new Rejection(Rejection.UNSPECIFIED, "Boom happened"));
    assertThat(Rejection.of(new RuntimeException())).isEqualTo(new Rejection(Rejection.UNSPECIFIED, ""));
  }
}
