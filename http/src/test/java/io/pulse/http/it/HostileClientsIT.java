package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The node's port against clients that misbehave on purpose (the OWASP WebSocket checklist's hostile
 * cases), over real sockets: each gets a clear 4xx or a close, never a hang, and nothing of it is
 * logged at ERROR with a stack trace; a good client keeps chatting meanwhile.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileClientsIT {
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);
  /** Long enough for any answer on a busy machine; a hang shows as a read timing out after it. */
  private static final Duration READ = Duration.ofSeconds(15);
  private static final Duration WAIT = Duration.ofSeconds(15);
  private PulseNode node;
  private int port;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeAll
  void start() {
    node =
        TestNodes.start(
            "pulse.gateway { handshake-timeout = " + HANDSHAKE_TIMEOUT.toSeconds() + " s, outbound.durable-buffer = 8 }\n"
                + "pulse.gateway.rate-limit { per-second = 1000000, burst = 1000000 }\n");
    port = node.httpPort();
    logged.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logged);
  }

  @AfterEach
  void nothingLoggedAtErrorWithAStackTrace() {
    List<String> errors =
        logged.list.stream()
            .filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) || e.getThrowableProxy() != null && e.getLevel().isGreaterOrEqual(Level.WARN))
            .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " / " + e.getThrowableProxy().getClassName()))
            .toList();
    logged.list.clear();
    assertThat(errors).as("errors or stack traces logged").isEmpty();
  }

  @AfterAll
  void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
    node.close();
  }

  private String upgradeHead(String method, String extraHeaders) {
    return method + " /ws?access_token=" + TestNodes.devToken(port, TestNodes.uniqueUser("hostile")) + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + extraHeaders + "\r\n";
  }

  private String upgrade(String extraHeaders) {
    return upgradeHead("GET", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders);
  }

  /** Sends {@code request} at once and reads until the server closes; a hang fails after {@link #READ}. */
  private String exchange(String request) throws IOException {
    try (RawWsClient raw = RawWsClient.open(port)) {
      raw.write(request.getBytes(StandardCharsets.ISO_8859_1));
      return raw.readToEnd(READ);
    }
  }

  private static String statusLine(String response) {
    return response.lines().findFirst().orElse("");
  }

  // ---- slow heads ---------------------------------------------------------------------------------

  @Test
  void aSlowlorisHeadIsAnswered408AndClosedWithinTheHandshakeTimeout() throws Exception {
    for (String request : new String[] {upgrade(""), "GET /alive HTTP/1.1\r\nHost: a\r\nX-Slow: " + "s".repeat(100) + "\r\n\r\n"}) {
      byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
      try (RawWsClient raw = RawWsClient.open(port)) {
        long started = System.nanoTime();
        // one byte per second, as a slowloris client sends to keep a connection without a request
        CompletableFuture<Void> trickle =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    for (byte b : bytes) {
                      raw.write(new byte[] {b});
                      Thread.sleep(1_000); // the attack itself is the delay
                    }
                  } catch (IOException | InterruptedException e) {
                    // the server closed the connection: what the test waits for
                  }
                });
        String response = raw.readToEnd(READ);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(statusLine(response)).startsWith("HTTP/1.1 408 ");
        assertThat(response).contains("\"error\":\"request_timeout\"");
        assertThat(took).isLessThan(HANDSHAKE_TIMEOUT.plusSeconds(3));
        trickle.cancel(true);
      }
    }
  }

  // ---- malformed heads ----------------------------------------------------------------------------

  @Test
  void duplicateOrConflictingLengthsAreRefused() throws Exception {
    assertThat(statusLine(exchange(upgrade("Content-Length: 0\r\nContent-Length: 0\r\n")))).startsWith("HTTP/1.1 400 ");
    assertThat(statusLine(exchange(upgrade("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n")))).startsWith("HTTP/1.1 400 ");
    assertThat(statusLine(exchange(upgrade("Transfer-Encoding: chunked\r\n")))).startsWith("HTTP/1.1 400 ");
    // plain HTTP: Pekko HTTP's parser refuses the request-smuggling shapes
    String post = "POST /api/sales/x/purchases HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n";
    assertThat(statusLine(exchange(post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"))).startsWith("HTTP/1.1 400 ");
    assertThat(statusLine(exchange(post + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"))).startsWith("HTTP/1.1 400 ");
  }

  @Test
  void anAbsurdlyLongHeaderLineIsRefused() throws Exception {
    String huge = "X-Huge: " + "h".repeat(200_000) + "\r\n";
    assertThat(statusLine(exchange(upgrade(huge)))).startsWith("HTTP/1.1 431 ");
    assertThat(statusLine(exchange("GET /alive HTTP/1.1\r\nHost: a\r\n" + huge + "\r\n"))).matches("HTTP/1\\.1 4\\d\\d .*");
  }

  @Test
  void aMissingOrWrongKeyOrVersionIsRefused() throws Exception {
    assertThat(statusLine(exchange(upgradeHead("GET", "Sec-WebSocket-Version: 13\r\n")))).startsWith("HTTP/1.1 400 ");
    assertThat(statusLine(exchange(upgradeHead("GET", "Sec-WebSocket-Key: not-base64!\r\nSec-WebSocket-Version: 13\r\n")))).startsWith("HTTP/1.1 400 ");
    assertThat(statusLine(exchange(upgradeHead("GET", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")))).startsWith("HTTP/1.1 426 ");
    assertThat(statusLine(exchange(upgradeHead("GET", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n"))))
        .startsWith("HTTP/1.1 426 ");
  }

  @Test
  void aNonGetUpgradeIs405() throws Exception {
    for (String method : new String[] {"POST", "PUT", "CONNECT"}) {
      String response = exchange(upgradeHead(method, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n"));
      assertThat(statusLine(response)).as(method).startsWith("HTTP/1.1 405 ");
      assertThat(response).contains("Allow: GET");
    }
  }

  @Test
  void httpPipelinedAfterAnUpgradeIsNotServedAsHttp() throws Exception {
    String pipelined = "GET /alive HTTP/1.1\r\nHost: a\r\n\r\n";
    // after a 101 the bytes are WebSocket frames: these are not valid ones, and the socket is closed
    try (RawWsClient raw = RawWsClient.open(port)) {
      raw.write((upgrade("") + pipelined).getBytes(StandardCharsets.ISO_8859_1));
      assertThat(raw.readHead()).startsWith("HTTP/1.1 101 ");
      String rest = readFramesToEnd(raw);
      assertThat(rest).doesNotContain("HTTP/1.1 200").doesNotContain("alive");
      // "G" is a frame with a reserved bit and opcode: a protocol error (1002)
      assertThat(rest).endsWith("close 1002");
    }
    // after a refused upgrade nothing more is read: one answer, then the close
    String refused = exchange(upgrade("").replace("Version: 13", "Version: 7") + pipelined);
    assertThat(statusLine(refused)).startsWith("HTTP/1.1 426 ");
    assertThat(refused.split("HTTP/1.1 ", -1)).hasSize(2);
  }

  /** The frames a server sends until it closes, as a description; a close frame ends the reading. */
  private static String readFramesToEnd(RawWsClient raw) throws IOException {
    StringBuilder seen = new StringBuilder();
    try {
      while (true) {
        RawWsClient.Frame f = raw.readFrame(READ);
        seen.append(f.opcode()).append(':').append(f.text()).append('\n');
        if (f.isClose()) {
          seen.append("close ").append(f.closeCode());
          return seen.toString();
        }
      }
    } catch (java.io.EOFException e) {
      return seen.append("eof").toString();
    }
  }

  // ---- origins ------------------------------------------------------------------------------------

  @Test
  void aForeignOriginIs403AndTheNodesOwnOrLoopbackOrNoneIsServed() throws Exception {
    String refused = exchange(upgrade("Origin: https://evil.example\r\n"));
    assertThat(statusLine(refused)).startsWith("HTTP/1.1 403 ");
    assertThat(refused).contains("\"error\":\"origin_not_allowed\"");
    assertThat(statusLine(exchange(upgrade("Origin: null\r\n")))).startsWith("HTTP/1.1 403 ");
    for (String origin : new String[] {"Origin: http://localhost:3000\r\n", "Origin: http://127.0.0.1:" + port + "\r\n", ""}) {
      try (RawWsClient raw = RawWsClient.open(port)) {
        raw.write(upgrade(origin).getBytes(StandardCharsets.ISO_8859_1));
        assertThat(raw.readHead()).as(origin).startsWith("HTTP/1.1 101 ");
        assertThat(raw.readFrame(READ).text()).contains("\"type\":\"welcome\"");
      }
    }
  }

  // ---- a client that stops reading ----------------------------------------------------------------

  @Test
  void aClientThatStopsReadingIsClosedWithTheOverflowCodeWhileAnotherKeepsChatting() throws Exception {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = TestNodes.connect(port, alice);
        WsClient b = TestNodes.connect(port, bob);
        RawWsClient stalled = RawWsClient.connect(port, TestNodes.devToken(port, TestNodes.uniqueUser("stalled")), 4096)) {
      String conv = a.ok("{\"type\":\"conv.create\",\"kind\":\"group\",\"title\":\"t\",\"members\":[\"" + bob + "\"]}", WAIT).get("conversationId").asText();
      b.ok("{\"type\":\"subscribe\",\"topic\":\"conv:" + conv + "\"}", WAIT);

      // the stalled client asks for far more than its 4 KiB window and the server's buffer hold
      String ping = "{\"type\":\"ping\",\"ref\":\"" + "p".repeat(1_000) + "\"}";
      for (int i = 0; i < 400; i++) stalled.sendText(ping);

      for (int i = 0; i < 5; i++) {
        a.ok("{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"m" + i + "\",\"text\":\"hello " + i + "\"}", WAIT);
        String text = "hello " + i;
        JsonNode got = b.nextMatching(n -> "message".equals(n.path("event").asText()) && text.equals(n.path("data").path("text").asText()), WAIT);
        assertThat(got.path("topic").asText()).isEqualTo("conv:" + conv);
      }

      String frames = readFramesToEnd(stalled);
      assertThat(frames).endsWith("close 4008");
    }
  }
}
