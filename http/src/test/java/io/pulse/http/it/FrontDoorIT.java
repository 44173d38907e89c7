package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The node's port as a raw TCP client sees it: WebSocket upgrades handled before Pekko HTTP, whatever
 * way their bytes arrive, and every malformed, oversized or silent handshake answered and closed.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrontDoorIT {
  private static final Duration READ = Duration.ofSeconds(10);
  private PulseNode node;
  private int port;

  @BeforeAll
  void start() {
    node = TestNodes.start("pulse.gateway { handshake-timeout = 1 s, max-upgrade-head = 2 KiB, admission.max-connections = 3 }");
    port = node.httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  private String upgrade(String user, String extraHeaders) {
    return "GET /ws?access_token=" + TestNodes.devToken(port, user) + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
  }

  private String exchange(String request) throws Exception {
    try (RawWsClient raw = RawWsClient.open(port)) {
      raw.write(request.getBytes(StandardCharsets.ISO_8859_1));
      return raw.readToEnd(READ);
    }
  }

  @Test
  void aHeadArrivingByteByByteWithAFramePipelinedBehindItIsServed() throws Exception {
    String user = TestNodes.uniqueUser("fd");
    byte[] head = upgrade(user, "").getBytes(StandardCharsets.ISO_8859_1);
    byte[] ping = RawWsClient.maskedText("{\"type\":\"ping\",\"ref\":\"p1\"}");
    try (RawWsClient raw = RawWsClient.open(port)) {
      for (int i = 0; i < head.length - 1; i++) raw.write(new byte[] {head[i]});
      byte[] last = new byte[1 + ping.length];
      last[0] = head[head.length - 1];
      System.arraycopy(ping, 0, last, 1, ping.length);
      raw.write(last); // the head's last byte and a whole frame in one segment

      assertThat(raw.readHead()).startsWith("HTTP/1.1 101").contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      assertThat(raw.readFrame(READ).text()).contains("\"type\":\"welcome\"").contains(user);
      assertThat(raw.readFrame(READ).text()).contains("\"type\":\"pong\"").contains("\"ref\":\"p1\"");
    }
  }

  @Test
  void badUpgradesAreAnsweredWithTheirStatusAndClosed() throws Exception {
    String user = TestNodes.uniqueUser("fd");
    assertThat(exchange("GET /ws HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 426 ").contains("Upgrade: websocket");
    assertThat(exchange(upgrade(user, "").replace("Version: 13", "Version: 7"))).startsWith("HTTP/1.1 426 ").contains("Sec-WebSocket-Version: 13");
    assertThat(exchange(upgrade(user, "").replace("HTTP/1.1\r\n", "HTTP/1.0\r\n"))).startsWith("HTTP/1.1 505 ");
    assertThat(exchange(upgrade(user, "").replaceFirst("access_token=[^ ]*", "access_token=forged"))).startsWith("HTTP/1.1 401 ").contains("WWW-Authenticate: Bearer");
    assertThat(exchange(upgrade(user, "X-Padding: " + "p".repeat(3000) + "\r\n"))).startsWith("HTTP/1.1 431 ");
  }

  @Test
  void aConnectionThatDoesNotFinishItsHandshakeInTimeIsAnswered408() throws Exception {
    assertThat(exchange("")).startsWith("HTTP/1.1 408 ");
    assertThat(exchange("GET /ws HTTP/1.1\r\nHost: a\r\n")).startsWith("HTTP/1.1 408 ");
    // plain HTTP too: a head Pekko HTTP is still waiting on does not hold the connection
    assertThat(exchange("GET /alive HTTP/1.1\r\nHost: a\r\n")).startsWith("HTTP/1.1 408 ");
    assertThat(exchange("HELLO\r\n\r\n")).startsWith("HTTP/1.1 408 ");
  }

  @Test
  void everythingElseIsPekkoHttps() throws Exception {
    assertThat(exchange("GET /alive HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 200 ").endsWith("alive");
    assertThat(exchange("GET /alive HTTP/1.1\r\nNot a header\r\n\r\n")).startsWith("HTTP/1.1 400 ");
    // a request line too long to be a WebSocket upgrade is left to Pekko HTTP's limits
    assertThat(exchange("GET /" + "x".repeat(4000) + " HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 414 ");
  }

  @Test
  void aFullNodeAnswers503WithRetryAfterUntilOneOfItsSocketsCloses() throws Exception {
    String user = TestNodes.uniqueUser("fd");
    List<RawWsClient> held = new ArrayList<>();
    try {
      String refused = null;
      for (int i = 0; i < 4 && refused == null; i++) {
        RawWsClient raw = RawWsClient.open(port);
        raw.write(upgrade(user, "").getBytes(StandardCharsets.ISO_8859_1));
        String head = raw.readHead();
        if (head.startsWith("HTTP/1.1 101")) {
          held.add(raw);
        } else {
          refused = head;
          raw.close();
        }
      }
      assertThat(held).hasSizeBetween(1, 3);
      assertThat(refused).startsWith("HTTP/1.1 503 ").contains("Retry-After: 5");
      held.remove(0).close();
      TestNodes.awaitCondition(() -> upgrades(user), Duration.ofSeconds(10), "an upgrade once a socket closed");
    } finally {
      for (RawWsClient c : held) c.close();
    }
  }

  private boolean upgrades(String user) {
    try (RawWsClient raw = RawWsClient.open(port)) {
      raw.write(upgrade(user, "").getBytes(StandardCharsets.ISO_8859_1));
      return raw.readHead().startsWith("HTTP/1.1 101");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
