package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ProtocolError failed(String text) {
    FrameCodec.Parsed parsed = FrameCodec.parse(text);
    assertThat(parsed).isInstanceOf(FrameCodec.Failed.class);
    return ((FrameCodec.Failed) parsed).error();
  }

  private static ClientFrame ok(String text) {
    FrameCodec.Parsed parsed = FrameCodec.parse(text);
    assertThat(parsed).isInstanceOf(FrameCodec.Ok.class);
    return ((FrameCodec.Ok) parsed).frame();
  }

  @Test
  void parsesEveryFrameType() {
    assertThat(ok("{\"type\":\"ping\",\"ref\":\"1\"}")).isEqualTo(new ClientFrame.Ping("1"));
    assertThat(ok("{\"type\":\"subscribe\",\"ref\":\"2\",\"topic\":\"user:bob\"}"))
        .isEqualTo(new ClientFrame.Subscribe("2", Topic.user("bob")));
    assertThat(ok("{\"type\":\"unsubscribe\",\"topic\":\"user:bob\"}"))
        .isEqualTo(new ClientFrame.Unsubscribe(null, Topic.user("bob")));
    assertThat(ok("{\"type\":\"profile.update\",\"ref\":\"3\",\"data\":{\"displayName\":\"Alice\"}}"))
        .isEqualTo(new ClientFrame.UpdateProfile("3", null, "Alice", null, null));
    assertThat(ok("{\"type\":\"profile.get\",\"ref\":\"4\",\"userId\":\"bob\"}"))
        .isEqualTo(new ClientFrame.GetProfile("4", "bob"));
  }

  @Test
  void malformedJsonHasItsOwnCode() {
    assertThat(failed("{not json").code()).isEqualTo(ErrorCode.MALFORMED_JSON);
    assertThat(failed("[1,2]").code()).isEqualTo(ErrorCode.MALFORMED_JSON);
    assertThat(failed("\"just a string\"").code()).isEqualTo(ErrorCode.MALFORMED_JSON);
  }

  @Test
  void unknownTypeEchoesTheRef() {
    ProtocolError e = failed("{\"type\":\"explode\",\"ref\":\"r9\"}");
    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
    assertThat(e.ref()).isEqualTo("r9");
  }

  @Test
  void missingAndMistypedFields() {
    assertThat(failed("{\"ref\":\"1\"}").code()).isEqualTo(ErrorCode.MISSING_FIELD);
    assertThat(failed("{\"type\":\"subscribe\",\"ref\":\"1\"}").code()).isEqualTo(ErrorCode.MISSING_FIELD);
    assertThat(failed("{\"type\":\"profile.update\",\"ref\":\"1\"}").code()).isEqualTo(ErrorCode.MISSING_FIELD);
    assertThat(failed("{\"type\":\"profile.update\",\"data\":[]}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":42}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":\"profile.update\",\"data\":{\"displayName\":7}}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
  }

  @Test
  void topicsAreValidated() {
    assertThat(failed("{\"type\":\"subscribe\",\"topic\":\"nonsense\"}").code()).isEqualTo(ErrorCode.INVALID_TOPIC);
    assertThat(failed("{\"type\":\"subscribe\",\"topic\":\"galaxy:1\"}").code()).isEqualTo(ErrorCode.INVALID_TOPIC);
    assertThat(failed("{\"type\":\"subscribe\",\"topic\":\"user:has space\"}").code()).isEqualTo(ErrorCode.INVALID_TOPIC);
  }

  @Test
  void rendersServerFrames() throws Exception {
    JsonNode err = JSON.readTree(FrameCodec.error(new ProtocolError("7", ErrorCode.RATE_LIMITED, "slow down", 250L)));
    assertThat(err.get("type").asText()).isEqualTo("error");
    assertThat(err.get("ref").asText()).isEqualTo("7");
    assertThat(err.get("code").asText()).isEqualTo("rate_limited");
    assertThat(err.get("retryAfterMs").asLong()).isEqualTo(250L);

    JsonNode event = JSON.readTree(FrameCodec.event("user:bob", "profile", 3L, java.util.Map.of("a", 1)));
    assertThat(event.get("seq").asLong()).isEqualTo(3L);
    JsonNode ephemeral = JSON.readTree(FrameCodec.event("user:bob", "presence", null, java.util.Map.of("a", 1)));
    assertThat(ephemeral.has("seq")).isFalse();
    assertThat(JSON.readTree(FrameCodec.pong(null)).has("ref")).isFalse();
  }
}
