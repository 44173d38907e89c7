package io.pulse.http.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.http.FuzzTarget;
import io.pulse.http.auth.DevTokenIssuer;
import io.pulse.http.auth.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * Fuzz targets for the node's own request-head parser and WebSocket handshake: whatever bytes arrive,
 * they are parsed or refused as Malformed, and every handshake outcome is a well-formed HTTP response;
 * no other exception, no hang. In the normal suite these run on their seed corpus
 * (src/test/resources/io/pulse/http/edge/EdgeFuzzTestInputs); docs/benchmarks.md has the command for
 * a long fuzzing run.
 */
class EdgeFuzzTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  /** A valid token the seeds may carry, so that fuzzing reaches the accepting path. */
  static final String TOKEN = new DevTokenIssuer(SECRET, "pulse", Duration.ofHours(1), CLOCK).issue("alice");

  private static final WebSocketHandshake HANDSHAKE =
      new WebSocketHandshake(TokenVerifier.hs256(SECRET, "pulse", Duration.ofSeconds(30), CLOCK), "pulse.v1", OriginPolicy.from(List.of("https://app.example", "https://*.example.org"), true));

  @FuzzTarget
  void requestHead(byte[] input) {
    ByteString bytes = ByteString.fromArray(input);
    int line = RequestHead.requestLineLength(bytes);
    assertThat(line).isBetween(-1, input.length);
    if (line > 0) RequestHead.path(bytes.take(line));
    int length = RequestHead.headLength(bytes);
    assertThat(length).isBetween(-1, input.length);
    if (length < 0) return;
    RequestHead head;
    try {
      head = RequestHead.parse(bytes.take(length));
    } catch (RequestHead.Malformed e) {
      assertThat(e.status()).isBetween(400, 599);
      return;
    }
    assertThat(head.path()).startsWith("/");
    for (String name : head.headers().keySet()) {
      head.listHeader(name);
      try {
        head.header(name);
      } catch (RequestHead.Malformed repeated) {
        assertThat(head.headers().get(name).size()).isGreaterThan(1);
      }
    }
    try {
      head.queryParameter("access_token");
    } catch (RequestHead.Malformed e) {
      assertThat(e.status()).isEqualTo(400);
    }
  }

  @FuzzTarget
  void handshake(byte[] input) {
    ByteString bytes = ByteString.fromArray(input);
    int length = RequestHead.headLength(bytes);
    if (length < 0) return;
    RequestHead head;
    try {
      head = RequestHead.parse(bytes.take(length));
    } catch (RequestHead.Malformed e) {
      return;
    }
    WebSocketHandshake.Outcome outcome = HANDSHAKE.decide(head);
    String response =
        outcome instanceof WebSocketHandshake.Outcome.Accepted a ? a.response().utf8String() : ((WebSocketHandshake.Outcome.Refused) outcome).response().utf8String();
    assertThat(response).startsWith("HTTP/1.1 ").contains("\r\n\r\n");
    // nothing from the request is echoed into the response head: no header injection
    String responseHead = response.substring(0, response.indexOf("\r\n\r\n"));
    for (String l : responseHead.split("\r\n")) assertThat(l).doesNotContain("\n").doesNotContain("\r");
    if (outcome instanceof WebSocketHandshake.Outcome.Refused r) assertThat(r.status()).isBetween(400, 599);
  }
}
