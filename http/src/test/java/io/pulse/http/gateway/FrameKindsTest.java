package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FrameKindsTest {

  @Test
  void aFrameKindIsItsRecordNeverAValueTheClientChose() {
    assertThat(FrameKinds.of(FrameCodec.parse("{\"type\":\"ping\",\"ref\":\"anything-at-all\"}"), false, false)).isEqualTo("Ping");
    assertThat(FrameKinds.of(FrameCodec.parse("{\"type\":\"conv.send\",\"conversationId\":\"c1\",\"clientMsgId\":\"m\",\"text\":\"t\"}"), false, false))
        .isEqualTo("ConvSend");
    assertThat(FrameKinds.of(FrameCodec.parse("{\"type\":\"made.up.by.client\"}"), false, false)).isEqualTo("invalid");
    assertThat(FrameKinds.of(FrameCodec.parse("not json"), false, false)).isEqualTo("invalid");
    assertThat(FrameKinds.of(null, true, false)).isEqualTo("binary");
    assertThat(FrameKinds.of(null, false, true)).isEqualTo("oversized");
  }

  @Test
  void theCodeOfAnErrorFrameIsReadAndOtherFramesHaveNone() {
    assertThat(FrameKinds.errorCode(Outbound.durable(FrameCodec.error(ProtocolError.of("r1", ErrorCode.RATE_LIMITED, "slow down"))))).isEqualTo("rate_limited");
    assertThat(FrameKinds.errorCode(Outbound.durable(FrameCodec.error(ProtocolError.of(null, ErrorCode.MALFORMED_JSON, "x"))))).isEqualTo("malformed_json");
    assertThat(FrameKinds.errorCode(Outbound.durable(FrameCodec.pong("r2")))).isNull();
    assertThat(FrameKinds.errorCode(Outbound.closeAfterPending(new io.pulse.http.ws.CloseWith(1009, "big")))).isNull();
  }
}
