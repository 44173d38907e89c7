package io.pulse.http.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.auth.DevTokenIssuer;
import io.pulse.http.auth.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class WebSocketHandshakeTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String TOKEN = new DevTokenIssuer(SECRET, "pulse", Duration.ofHours(1), CLOCK).issue("alice");
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

  private final WebSocketHandshake handshake =
      new WebSocketHandshake(TokenVerifier.hs256(SECRET, "pulse", Duration.ofSeconds(30), CLOCK), "pulse.v1");

  private static String upgrade(String requestLine, String extraHeaders) {
    return requestLine + "\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: " + KEY
        + "\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
  }

  private WebSocketHandshake.Outcome decide(String head) throws RequestHead.Malformed {
    return handshake.decide(RequestHead.parse(ByteString.fromString(head)));
  }

  private static String text(ByteString bytes) {
    return bytes.utf8String();
  }

  @Test
  void acceptsAValidUpgradeWithTheRfcAcceptKey() throws Exception {
    assertThat(WebSocketHandshake.acceptKey(KEY)).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); // RFC 6455 §1.3
    var outcome = decide(upgrade("GET /ws?access_token=" + TOKEN + " HTTP/1.1", ""));
    assertThat(outcome).isInstanceOf(WebSocketHandshake.Outcome.Accepted.class);
    var accepted = (WebSocketHandshake.Outcome.Accepted) outcome;
    assertThat(accepted.user()).isEqualTo(new AuthenticatedUser("alice"));
    assertThat(text(accepted.response()))
        .startsWith("HTTP/1.1 101 Switching Protocols\r\n")
        .contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")
        .doesNotContain("Sec-WebSocket-Protocol")
        .endsWith("\r\n\r\n");
  }

  @Test
  void takesTheBearerHeaderAndNamesTheSubprotocolOnlyWhenOffered() throws Exception {
    var offered = decide(upgrade("GET /ws HTTP/1.1", "Authorization: Bearer " + TOKEN + "\r\nSec-WebSocket-Protocol: other, pulse.v1\r\n"));
    assertThat(text(((WebSocketHandshake.Outcome.Accepted) offered).response())).contains("Sec-WebSocket-Protocol: pulse.v1\r\n");
    var notOurs = decide(upgrade("GET /ws HTTP/1.1", "Authorization: Bearer " + TOKEN + "\r\nSec-WebSocket-Protocol: other\r\n"));
    assertThat(text(((WebSocketHandshake.Outcome.Accepted) notOurs).response())).doesNotContain("Sec-WebSocket-Protocol");
  }

  @Test
  void missingAndForgedTokensAre401WithAChallenge() throws Exception {
    for (String line : new String[] {"GET /ws HTTP/1.1", "GET /ws?access_token=x.y.z HTTP/1.1", "GET /ws?access_token=" + TOKEN + "x HTTP/1.1"}) {
      var outcome = decide(upgrade(line, ""));
      assertThat(outcome).as(line).isInstanceOf(WebSocketHandshake.Outcome.Refused.class);
      var refused = (WebSocketHandshake.Outcome.Refused) outcome;
      assertThat(refused.status()).isEqualTo(401);
      assertThat(text(refused.response()))
          .startsWith("HTTP/1.1 401 Unauthorized\r\n")
          .contains("WWW-Authenticate: Bearer realm=\"pulse\"\r\n", "Connection: close\r\n", "\"error\":\"unauthorized\"");
    }
  }

  @Test
  void protocolMistakesAreRefusedWithTheRightStatus() throws Exception {
    String auth = "Authorization: Bearer " + TOKEN + "\r\n";
    assertRefused(upgrade("POST /ws HTTP/1.1", auth), 405, "Allow: GET");
    assertRefused("GET /ws HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n", 426, "Upgrade: websocket");
    assertRefused(upgrade("GET /ws HTTP/1.1", auth).replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"), 426, "Sec-WebSocket-Version: 13");
    assertRefused(upgrade("GET /ws HTTP/1.1", auth).replace("keep-alive, Upgrade", "keep-alive"), 400, "Connection must include Upgrade");
    assertRefused(upgrade("GET /ws HTTP/1.1", auth).replace(KEY, "c2hvcnQ="), 400, "Sec-WebSocket-Key");
    assertRefused(upgrade("GET /ws HTTP/1.1", auth).replace("Host: 127.0.0.1\r\n", ""), 400, "missing Host");
    assertRefused(upgrade("GET /ws HTTP/1.1", auth + "Content-Length: 5\r\n"), 400, "no body");
    assertRefused(upgrade("GET /ws HTTP/1.1", auth + "Sec-WebSocket-Key: " + KEY + "\r\n"), 400, "repeated");
  }

  @Test
  void aBrowserPageOfAnotherOriginIs403BeforeItsTokenIsLookedAt() throws Exception {
    String auth = "Authorization: Bearer " + TOKEN + "\r\n";
    assertRefused(upgrade("GET /ws HTTP/1.1", auth + "Origin: https://evil.example\r\n"), 403, "\"error\":\"origin_not_allowed\"");
    // a forged token from a foreign page gets the same 403: the page learns nothing about tokens
    assertRefused(upgrade("GET /ws?access_token=x.y.z HTTP/1.1", "Origin: https://evil.example\r\n"), 403, "origin_not_allowed");
    assertRefused(upgrade("GET /ws HTTP/1.1", auth + "Origin: https://a.example\r\nOrigin: https://a.example\r\n"), 400, "repeated");
    assertThat(decide(upgrade("GET /ws HTTP/1.1", auth + "Origin: http://localhost:3000\r\n"))).isInstanceOf(WebSocketHandshake.Outcome.Accepted.class);

    var listed = new WebSocketHandshake(
        TokenVerifier.hs256(SECRET, "pulse", Duration.ofSeconds(30), CLOCK), "pulse.v1", OriginPolicy.from(java.util.List.of("https://app.example"), true));
    var ok = listed.decide(RequestHead.parse(ByteString.fromString(upgrade("GET /ws HTTP/1.1", auth + "Origin: https://app.example\r\n"))));
    assertThat(ok).isInstanceOf(WebSocketHandshake.Outcome.Accepted.class);
    var local = listed.decide(RequestHead.parse(ByteString.fromString(upgrade("GET /ws HTTP/1.1", auth + "Origin: http://localhost:3000\r\n"))));
    assertThat(((WebSocketHandshake.Outcome.Refused) local).status()).isEqualTo(403);
  }

  private void assertRefused(String head, int status, String mentions) throws Exception {
    var outcome = decide(head);
    assertThat(outcome).as(head).isInstanceOf(WebSocketHandshake.Outcome.Refused.class);
    var refused = (WebSocketHandshake.Outcome.Refused) outcome;
    assertThat(refused.status()).as(head).isEqualTo(status);
    String response = text(refused.response());
    assertThat(response).startsWith("HTTP/1.1 " + status + " ").contains(mentions).contains("Connection: close\r\n");
    int body = response.indexOf("\r\n\r\n") + 4;
    assertThat(response).contains("Content-Length: " + (response.length() - body) + "\r\n");
  }
}
