package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Presence over real sockets: online with the first device, offline with the last, and by TTL. */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresenceIT {
  private static final Duration TTL = Duration.ofSeconds(2);
  /** The short-TTL node's idle timeout: longer than any silent step of the TTL tests. */
  private static final Duration IDLE = Duration.ofSeconds(8);
  /** Default TTL: devices that stay silent through a slow test step still count. */
  private PulseNode node;
  /** A TTL short enough to watch a silent device expire. */
  private PulseNode shortTtlNode;
  private int port;

  @BeforeAll
  void start() {
    node = TestNodes.start("");
    shortTtlNode =
        TestNodes.start("pulse.presence.ttl = " + TTL.toMillis() + " ms\npulse.gateway.idle-timeout = " + IDLE.toMillis() + " ms");
    port = node.httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
    shortTtlNode.close();
  }

  private WsClient connect(String user) {
    return TestNodes.connect(port, user);
  }

  private static JsonNode presenceOf(WsClient ws, String user) {
    return ws.nextMatching(n -> "presence".equals(n.path("event").asText()) && ("user:" + user).equals(n.path("topic").asText()), Duration.ofSeconds(10));
  }

  private static void subscribe(WsClient ws, String user) {
    JsonNode reply = ws.send("{\"type\":\"subscribe\",\"ref\":\"s-" + user + "\",\"topic\":\"user:" + user + "\"}").replyTo("s-" + user);
    assertThat(reply.get("type").asText()).isEqualTo("reply");
    assertThat(reply.at("/data/subscribed").asBoolean()).isTrue();
  }

  @Test
  void onlineWhileAnyDeviceIsConnected() {
    String alice = TestNodes.uniqueUser("alice");
    try (WsClient watcher = connect(TestNodes.uniqueUser("watcher"))) {
      subscribe(watcher, alice);
      assertThat(presenceOf(watcher, alice).at("/data/online").asBoolean()).isFalse();

      WsClient phone = connect(alice);
      JsonNode online = presenceOf(watcher, alice);
      assertThat(online.at("/data/online").asBoolean()).isTrue();
      assertThat(online.has("seq")).isFalse(); // ephemeral

      WsClient laptop = connect(alice);
      try (WsClient second = connect(TestNodes.uniqueUser("watcher"))) {
        subscribe(second, alice);
        JsonNode snapshot = presenceOf(second, alice);
        assertThat(snapshot.at("/data/online").asBoolean()).isTrue();
        assertThat(snapshot.at("/data/connections").asInt()).isEqualTo(2);
      }

      phone.close();
      // one device left: still online, so the next presence the watcher sees is the final offline
      laptop.send("{\"type\":\"ping\",\"ref\":\"x\"}").replyTo("x");
      laptop.close();
      JsonNode offline = presenceOf(watcher, alice);
      assertThat(offline.at("/data/online").asBoolean()).isFalse();
      assertThat(offline.at("/data/version").asLong()).isGreaterThan(online.at("/data/version").asLong());
    }
  }

  @Test
  void aSocketThatSendsNothingForTheIdleTimeoutIsClosedWith4001WhileOneThatPingsStaysOpen() {
    int shortTtlPort = shortTtlNode.httpPort();
    try (WsClient silent = TestNodes.connect(shortTtlPort, TestNodes.uniqueUser("quiet"));
        WsClient talking = TestNodes.connect(shortTtlPort, TestNodes.uniqueUser("talker"))) {
      long t0 = System.nanoTime();
      while (!silent.isClosed() && Duration.ofNanos(System.nanoTime() - t0).compareTo(IDLE.multipliedBy(3)) < 0) {
        assertThat(talking.call("{\"type\":\"ping\"}", Duration.ofSeconds(5)).get("type").asText()).isEqualTo("pong");
        // one ping a second, and nothing arrives unasked meanwhile
        talking.expectNothing(Duration.ofSeconds(1));
      }
      assertThat(silent.closeCode(Duration.ofSeconds(5))).isEqualTo(4001);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(IDLE.minusMillis(500));
      assertThat(talking.isClosed()).isFalse();
      assertThat(talking.call("{\"type\":\"ping\"}", Duration.ofSeconds(5)).get("type").asText()).isEqualTo("pong");
    }
  }

  @Test
  void aSilentConnectionExpiresAfterTheTtlAndComesBackWhenItSpeaks() {
    String bob = TestNodes.uniqueUser("bob");
    int shortTtlPort = shortTtlNode.httpPort();
    try (WsClient watcher = TestNodes.connect(shortTtlPort, TestNodes.uniqueUser("watcher"))) {
      subscribe(watcher, bob);
      assertThat(presenceOf(watcher, bob).at("/data/online").asBoolean()).isFalse();
      try (WsClient silent = TestNodes.connect(shortTtlPort, bob)) {
        assertThat(presenceOf(watcher, bob).at("/data/online").asBoolean()).isTrue();
        long t0 = System.nanoTime();
        // the socket stays open but says nothing
        JsonNode expired = presenceOf(watcher, bob);
        assertThat(expired.at("/data/online").asBoolean()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(TTL.minusMillis(500));
        assertThat(silent.isClosed()).isFalse();

        silent.send("{\"type\":\"ping\",\"ref\":\"back\"}").replyTo("back");
        assertThat(presenceOf(watcher, bob).at("/data/online").asBoolean()).isTrue();
      }
    }
  }

  @Test
  void unsubscribeStopsPresenceEvents() {
    String carol = TestNodes.uniqueUser("carol");
    try (WsClient watcher = connect(TestNodes.uniqueUser("watcher"))) {
      subscribe(watcher, carol);
      presenceOf(watcher, carol);
      JsonNode reply = watcher.send("{\"type\":\"unsubscribe\",\"ref\":\"u\",\"topic\":\"user:" + carol + "\"}").replyTo("u");
      assertThat(reply.at("/data/subscribed").asBoolean()).isFalse();
      try (WsClient c = connect(carol)) {
        c.send("{\"type\":\"ping\",\"ref\":\"p\"}").replyTo("p");
        watcher.expectNothing(Duration.ofMillis(700));
      }
    }
  }
}
