package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The gateway against a real node, real Cassandra and a real WebSocket client: the happy path and bad input. */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayIT {
  private PulseNode node;
  private int port;

  @BeforeAll
  void start() {
    // a small bucket so a flood is quick to provoke
    node = TestNodes.start(transport() + "\npulse.gateway.rate-limit { per-second = 20, burst = 10 }");
    port = node.httpPort();
  }

  /** HOCON choosing the transport under test (PekkoGatewayIT runs these tests over the stock binding). */
  protected String transport() {
    return "";
  }

  protected int port() {
    return port;
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  private WsClient connect(String user) {
    return TestNodes.connect(port, user);
  }

  @Test
  void healthEndpoints() {
    assertThat(TestNodes.get(port, "/alive").statusCode()).isEqualTo(200);
    assertThat(TestNodes.get(port, "/ready").statusCode()).isEqualTo(200);
  }

  /**
   * The server has no idle timeout for connections, so plain HTTP answers (a rejection too) must close
   * theirs: read the raw connection until the server closes it.
   */
  @Test
  void plainHttpAnswersCloseTheirConnection() throws Exception {
    for (String path : new String[] {"/alive", "/no-such-path"}) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: pulse\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        // readAllBytes returns only at end of stream: the server closed the connection after answering
        String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(answer).startsWith(path.equals("/alive") ? "HTTP/1.1 200" : "HTTP/1.1 404").containsIgnoringCase("connection: close");
      }
    }
  }

  @Test
  void devTokenEndpointValidatesTheUserId() {
    assertThat(TestNodes.post(port, "/api/dev/tokens", "{\"userId\":\"has space\"}").statusCode()).isEqualTo(400);
    assertThat(TestNodes.post(port, "/api/dev/tokens", "{\"nope\":1}").statusCode()).isEqualTo(400);
  }

  @Test
  void missingForgedAndExpiredTokensAre401BeforeTheUpgrade() throws Exception {
    URI ws = URI.create("ws://127.0.0.1:" + port + "/ws");
    assertThat(WsClient.refusedStatus(ws, null)).isEqualTo(401);
    assertThat(WsClient.refusedStatus(ws, "garbage")).isEqualTo(401);

    JWTClaimsSet claims =
        new JWTClaimsSet.Builder().subject("mallory").issuer("pulse").expirationTime(new Date(System.currentTimeMillis() + 60_000)).build();
    SignedJWT forged = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    forged.sign(new MACSigner("this-is-not-the-installation-secret!!".getBytes()));
    assertThat(WsClient.refusedStatus(ws, forged.serialize())).isEqualTo(401);

    // A genuine token, expired: re-sign the dev token's claims with an old expiry is not possible
    // without the secret, so take the secret path the node uses and sign an expired one.
    String valid = TestNodes.devToken(port, "carol");
    SignedJWT parsed = SignedJWT.parse(valid);
    assertThat(parsed.getJWTClaimsSet().getSubject()).isEqualTo("carol");
    byte[] secret = java.util.Base64.getDecoder().decode(java.nio.file.Files.readString(devSecretFile()).trim());
    SignedJWT expired =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder().subject("carol").issuer("pulse").expirationTime(new Date(System.currentTimeMillis() - 3_600_000)).build());
    expired.sign(new MACSigner(secret));
    assertThat(WsClient.refusedStatus(ws, expired.serialize())).isEqualTo(401);

    // and the query-parameter form browsers use works
    try (WsClient viaQuery = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws?access_token=" + valid), null)) {
      assertThat(viaQuery.next().get("type").asText()).isEqualTo("welcome");
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static java.nio.file.Path devSecretFile() {
    String overrides = TestNodes.overrides(0, "");
    String line = overrides.lines().filter(l -> l.startsWith("pulse.auth.dev-tokens.secret-file")).findFirst().orElseThrow();
    return java.nio.file.Path.of(line.substring(line.indexOf('"') + 1, line.lastIndexOf('"')));
  }

  @Test
  void pingIsAnsweredWithItsRef() {
    try (WsClient ws = connect("alice")) {
      JsonNode pong = ws.send("{\"type\":\"ping\",\"ref\":\"p1\"}").next();
      assertThat(pong.get("type").asText()).isEqualTo("pong");
      assertThat(pong.get("ref").asText()).isEqualTo("p1");
    }
  }

  @Test
  void badFramesGetErrorCodesAndTheSocketStaysOpen() {
    try (WsClient ws = connect("bob")) {
      assertThat(ws.send("{oops").next().get("code").asText()).isEqualTo("malformed_json");
      JsonNode unknown = ws.send("{\"type\":\"teleport\",\"ref\":\"u1\"}").next();
      assertThat(unknown.get("code").asText()).isEqualTo("unknown_type");
      assertThat(unknown.get("ref").asText()).isEqualTo("u1");
      assertThat(ws.send("{\"type\":\"subscribe\",\"ref\":\"m1\"}").next().get("code").asText()).isEqualTo("missing_field");
      assertThat(ws.send("{\"type\":\"subscribe\",\"ref\":\"t1\",\"topic\":\"moon:1\"}").next().get("code").asText())
          .isEqualTo("invalid_topic");
      JsonNode forbidden =
          ws.send("{\"type\":\"profile.update\",\"ref\":\"f1\",\"userId\":\"alice\",\"data\":{\"displayName\":\"Not Alice\"}}").next();
      assertThat(forbidden.get("code").asText()).isEqualTo("forbidden");
      JsonNode invalid = ws.send("{\"type\":\"profile.update\",\"ref\":\"v1\",\"data\":{\"displayName\":\"   \"}}").next();
      assertThat(invalid.get("code").asText()).isEqualTo("invalid_profile");
      assertThat(ws.send("{\"type\":\"unsubscribe\",\"ref\":\"n1\",\"topic\":\"user:zed\"}").next().get("code").asText())
          .isEqualTo("not_subscribed");
      assertThat(ws.sendBinary(new byte[] {1, 2, 3}).next().get("code").asText()).isEqualTo("binary_not_supported");
      // still open and serving
      assertThat(ws.send("{\"type\":\"ping\",\"ref\":\"after\"}").next().get("type").asText()).isEqualTo("pong");
      assertThat(ws.isClosed()).isFalse();
    }
  }

  @Test
  void aMessageInSeveralFramesIsAnsweredOnceAndAWebSocketPingGetsItsPong() throws Exception {
    try (WsClient ws = connect("frida")) {
      JsonNode pong = ws.sendInFragments("{\"type\":\"pi", "ng\",\"ref\"", ":\"in-pieces\"}").next();
      assertThat(pong.get("type").asText()).isEqualTo("pong");
      assertThat(pong.get("ref").asText()).isEqualTo("in-pieces");
      ByteBuffer answered = ws.ping(new byte[] {7, 8, 9}).get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(answered).isEqualTo(ByteBuffer.wrap(new byte[] {7, 8, 9}));
      ws.expectNothing(Duration.ofMillis(200)); // one answer per message, none for the ping
    }
  }

  @Test
  void aMessageOverTheLimitInSeveralFramesClosesWith1009() {
    try (WsClient ws = connect("gus")) {
      String half = "x".repeat(40 * 1024);
      ws.sendInFragments("{\"type\":\"ping\",\"ref\":\"" + half, half, "\"}");
      assertThat(ws.closeCode(Duration.ofSeconds(10))).isEqualTo(1009);
    }
  }

  @Test
  void aFrameOverTheLimitClosesWith1009AfterAnsweringTheFramesBeforeIt() {
    try (WsClient ws = connect("dave")) {
      String big = "{\"type\":\"ping\",\"ref\":\"" + "x".repeat(64 * 1024) + "\"}";
      ws.send("{\"type\":\"profile.get\",\"ref\":\"before\",\"userId\":\"dave\"}");
      ws.send(big);
      assertThat(ws.replyTo("before").get("type").asText()).isEqualTo("reply");
      assertThat(ws.closeCode(Duration.ofSeconds(10))).isEqualTo(1009);
    }
  }

  @Test
  void aFloodIsRateLimitedAndTheConnectionKeepsWorking() {
    try (WsClient ws = connect("erin")) {
      int sent = 60;
      for (int i = 0; i < sent; i++) ws.send("{\"type\":\"ping\",\"ref\":\"f" + i + "\"}");
      int pongs = 0;
      int limited = 0;
      long retryAfter = 0;
      for (int i = 0; i < sent; i++) {
        JsonNode n = ws.next();
        if (n.get("type").asText().equals("pong")) pongs++;
        else {
          assertThat(n.get("code").asText()).isEqualTo("rate_limited");
          assertThat(n.get("ref").asText()).startsWith("f");
          retryAfter = n.get("retryAfterMs").asLong();
          limited++;
        }
      }
      assertThat(limited).isPositive();
      assertThat(pongs).isGreaterThanOrEqualTo(10);
      assertThat(retryAfter).isPositive();
      // a client that waits as it is told gets through again
      JsonNode later = null;
      for (int attempt = 0; attempt < 20; attempt++) {
        later = ws.send("{\"type\":\"ping\",\"ref\":\"later" + attempt + "\"}").next();
        if (!later.path("code").asText().equals("rate_limited")) break;
        pause(later.get("retryAfterMs").asLong()); // the protocol's own back-off, not a guess
      }
      assertThat(later.get("type").asText()).isEqualTo("pong");
    }
  }
}
