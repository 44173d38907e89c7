package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * GatewayIT's tests, and the hostile cases that exercise the transport, over {@code pulse.http.transport
 * = pekko} (Pekko HTTP's public binding and WebSocket API). Where the stock API cannot send a close code
 * the test says what the client sees instead (docs/protocol.md).
 */
class PekkoGatewayIT extends GatewayIT {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @Override
  protected String transport() {
    return "pulse.http.transport = pekko\npulse.gateway.outbound.durable-buffer = 8";
  }

  /** The stock API closes with 1000 or 1011 only: an oversized message is closed with 1011. */
  @Override
  @Test
  void aMessageOverTheLimitInSeveralFramesClosesWith1009() {
    try (WsClient ws = TestNodes.connect(port(), "gus")) {
      String half = "x".repeat(40 * 1024);
      ws.sendInFragments("{\"type\":\"ping\",\"ref\":\"" + half, half, "\"}");
      assertThat(ws.closeCode(Duration.ofSeconds(10))).isEqualTo(1011);
    }
  }

  @Override
  @Test
  void aFrameOverTheLimitClosesWith1009AfterAnsweringTheFramesBeforeIt() {
    try (WsClient ws = TestNodes.connect(port(), "dave")) {
      String big = "{\"type\":\"ping\",\"ref\":\"" + "x".repeat(64 * 1024) + "\"}";
      ws.send("{\"type\":\"profile.get\",\"ref\":\"before\",\"userId\":\"dave\"}");
      ws.send(big);
      assertThat(ws.replyTo("before").get("type").asText()).isEqualTo("reply");
      assertThat(ws.closeCode(Duration.ofSeconds(10))).isEqualTo(1011);
    }
  }

  @Test
  void twoUsersChat() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = TestNodes.connect(port(), alice);
        WsClient b = TestNodes.connect(port(), bob)) {
      String conv = a.ok("{\"type\":\"conv.create\",\"kind\":\"group\",\"title\":\"t\",\"members\":[\"" + bob + "\"]}", WAIT).get("conversationId").asText();
      b.ok("{\"type\":\"subscribe\",\"topic\":\"conv:" + conv + "\"}", WAIT);
      a.ok("{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"m1\",\"text\":\"over pekko\"}", WAIT);
      JsonNode got = b.nextMatching(n -> "message".equals(n.path("event").asText()), WAIT);
      assertThat(got.at("/data/text").asText()).isEqualTo("over pekko");
    }
  }

  @Test
  void aForeignOriginIs403AndALoopbackOneIsServed() throws Exception {
    String token = TestNodes.devToken(port(), TestNodes.uniqueUser("origin"));
    String head = "GET /ws?access_token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1:" + port() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    try (RawWsClient raw = RawWsClient.open(port())) {
      raw.write((head + "Origin: https://evil.example\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      String refused = raw.readToEnd(WAIT);
      assertThat(refused).startsWith("HTTP/1.1 403 ").contains("\"error\":\"origin_not_allowed\"");
    }
    try (RawWsClient raw = RawWsClient.open(port())) {
      raw.write((head + "Origin: http://localhost:3000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      assertThat(raw.readHead()).startsWith("HTTP/1.1 101 ");
      assertThat(raw.readFrame(WAIT).text()).contains("\"type\":\"welcome\"");
    }
  }

  @Test
  void aBadUpgradeIsRefusedWithAClear4xx() throws Exception {
    for (String bad : new String[] {"Sec-WebSocket-Version: 8\r\n", "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n"}) {
      try (RawWsClient raw = RawWsClient.open(port())) {
        raw.write(("GET /ws?access_token=" + TestNodes.devToken(port(), "x") + " HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + bad + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(raw.readToEnd(WAIT)).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
      }
    }
  }

  /** The stock API cannot send 4008: a client that stops reading is closed with 1011 (reconnect and resume). */
  @Test
  void aClientThatStopsReadingIsClosedWith1011() throws Exception {
    try (RawWsClient stalled = RawWsClient.connect(port(), TestNodes.devToken(port(), TestNodes.uniqueUser("stalled")), 4096)) {
      String ping = "{\"type\":\"ping\",\"ref\":\"" + "p".repeat(1_000) + "\"}";
      for (int i = 0; i < 400; i++) stalled.sendText(ping);
      RawWsClient.Frame frame = stalled.readFrame(Duration.ofSeconds(30));
      while (!frame.isClose()) frame = stalled.readFrame(Duration.ofSeconds(30));
      assertThat(frame.closeCode()).isEqualTo(1011);
    }
  }
}
