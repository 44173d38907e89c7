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
        .isEqualTo(new ClientFrame.Subscribe("2", Topic.user("bob"), null));
    assertThat(ok("{\"type\":\"subscribe\",\"topic\":\"conv:g-1\",\"since\":41}"))
        .isEqualTo(new ClientFrame.Subscribe(null, Topic.conversation("g-1"), 41L));
    assertThat(ok("{\"type\":\"conv.create\",\"ref\":\"c\",\"kind\":\"group\",\"members\":[\"bob\",\"carol\"],\"title\":\"T\"}"))
        .isEqualTo(new ClientFrame.ConvCreate("c", "group", java.util.List.of("bob", "carol"), "T"));
    assertThat(ok("{\"type\":\"conv.send\",\"conversationId\":\"g-1\",\"clientMsgId\":\"m1\",\"text\":\"hi\"}"))
        .isEqualTo(new ClientFrame.ConvSend(null, "g-1", "m1", "hi"));
    assertThat(ok("{\"type\":\"conv.edit\",\"conversationId\":\"g-1\",\"seq\":3,\"text\":\"x\"}"))
        .isEqualTo(new ClientFrame.ConvEdit(null, "g-1", 3, "x"));
    assertThat(ok("{\"type\":\"conv.delete\",\"conversationId\":\"g-1\",\"seq\":3}")).isEqualTo(new ClientFrame.ConvDelete(null, "g-1", 3));
    assertThat(ok("{\"type\":\"conv.members.add\",\"conversationId\":\"g-1\",\"userId\":\"dan\",\"role\":\"admin\"}"))
        .isEqualTo(new ClientFrame.ConvAddMember(null, "g-1", "dan", "admin"));
    assertThat(ok("{\"type\":\"conv.members.remove\",\"conversationId\":\"g-1\",\"userId\":\"dan\"}"))
        .isEqualTo(new ClientFrame.ConvRemoveMember(null, "g-1", "dan"));
    assertThat(ok("{\"type\":\"conv.read\",\"conversationId\":\"g-1\",\"seq\":9}")).isEqualTo(new ClientFrame.ConvRead(null, "g-1", 9));
    assertThat(ok("{\"type\":\"conv.delivered\",\"conversationId\":\"g-1\",\"seq\":9}")).isEqualTo(new ClientFrame.ConvDelivered(null, "g-1", 9));
    assertThat(ok("{\"type\":\"conv.typing\",\"conversationId\":\"g-1\"}")).isEqualTo(new ClientFrame.ConvTyping(null, "g-1"));
    assertThat(ok("{\"type\":\"conv.history\",\"conversationId\":\"g-1\",\"before\":30,\"limit\":10}"))
        .isEqualTo(new ClientFrame.ConvHistory(null, "g-1", 30L, null, 10));
    assertThat(ok("{\"type\":\"inbox.get\",\"ref\":\"i\"}")).isEqualTo(new ClientFrame.InboxGet("i"));
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
  void chatFieldsAreValidated() {
    assertThat(failed("{\"type\":\"conv.send\",\"conversationId\":\"g-1\",\"text\":\"x\"}").code()).isEqualTo(ErrorCode.MISSING_FIELD);
    assertThat(failed("{\"type\":\"conv.send\",\"conversationId\":\"bad id\",\"clientMsgId\":\"1\",\"text\":\"x\"}").code())
        .isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":\"conv.read\",\"conversationId\":\"g-1\",\"seq\":-1}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":\"conv.read\",\"conversationId\":\"g-1\",\"seq\":\"7\"}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":\"conv.read\",\"conversationId\":\"g-1\",\"seq\":1.5}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":\"conv.create\",\"kind\":\"group\",\"members\":\"bob\"}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":\"conv.create\",\"kind\":\"group\",\"members\":[\"bad id\"]}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":\"conv.history\",\"conversationId\":\"g-1\",\"before\":3,\"after\":1}").code())
        .isEqualTo(ErrorCode.INVALID_FIELD);
    assertThat(failed("{\"type\":\"subscribe\",\"topic\":\"conv:has space\"}").code()).isEqualTo(ErrorCode.INVALID_TOPIC);
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
