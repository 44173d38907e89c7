package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Chat over real sockets against a real node and Cassandra: order, idempotence, resume, receipts, typing, membership. */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private PulseNode node;
  private int port;

  @BeforeAll
  void start() {
    // A small recent window, so that resumes and history pages also exercise the journal read path.
    node =
        TestNodes.start(
            "pulse.chat { recent-events = 8, typing-ttl = 1 s, presence-batch = 200 ms, send-rate { per-second = 1000, burst = 1000 } }");
    port = node.httpPort();
    // a token every 10 s: a test's few sends never see one refill
    strictNode = TestNodes.start("pulse.chat.send-rate { per-second = 0.1, burst = 3 }");
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
    strictNode.close();
  }

  /** A node whose per-connection send limit is tiny. */
  private PulseNode strictNode;

  // ---- helpers --------------------------------------------------------------------------------------

  private WsClient connect(String user) {
    return TestNodes.connect(port, user);
  }

  private static JsonNode call(WsClient ws, String frame) {
    return ws.call(frame, WAIT);
  }

  private static JsonNode ok(WsClient ws, String frame) {
    return ws.ok(frame, WAIT);
  }

  private static String errorCode(WsClient ws, String frame) {
    JsonNode reply = call(ws, frame);
    assertThat(reply.get("type").asText()).as("reply to %s", frame).isEqualTo("error");
    return reply.get("code").asText();
  }

  private static String group(WsClient owner, String... members) {
    StringBuilder list = new StringBuilder();
    for (String m : members) list.append(list.length() == 0 ? "" : ",").append('"').append(m).append('"');
    return ok(owner, "{\"type\":\"conv.create\",\"kind\":\"group\",\"title\":\"t\",\"members\":[" + list + "]}")
        .get("conversationId")
        .asText();
  }

  private static long subscribe(WsClient ws, String conv, Long since) {
    String sinceField = since == null ? "" : ",\"since\":" + since;
    return ok(ws, "{\"type\":\"subscribe\",\"topic\":\"conv:" + conv + "\"" + sinceField + "}").get("lastSeq").asLong();
  }

  private static JsonNode send(WsClient ws, String conv, String clientMsgId, String text) {
    return ok(ws, "{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"" + clientMsgId + "\",\"text\":\"" + text + "\"}");
  }

  private static JsonNode nextEvent(WsClient ws, String conv, String event) {
    return nextOn(ws, "conv:" + conv, event);
  }

  private static JsonNode nextOn(WsClient ws, String topic, String event) {
    return ws.nextMatching(
        n -> "event".equals(n.path("type").asText()) && topic.equals(n.path("topic").asText()) && event.equals(n.path("event").asText()),
        WAIT);
  }

  /** Sends {@code count} messages texted {@code prefix + i} without waiting for their acks. */
  private static void fire(WsClient ws, String conv, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      ws.send("{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"" + prefix + i + "\",\"text\":\"" + prefix + i + "\"}");
    }
  }

  private static List<JsonNode> messages(WsClient ws, String conv, int count) {
    List<JsonNode> out = new ArrayList<>();
    for (int i = 0; i < count; i++) out.add(nextEvent(ws, conv, "message"));
    return out;
  }

  // ---- tests ----------------------------------------------------------------------------------------

  @Test
  void concurrentSendersGetOneTotalOrderSeenAlikeByEveryMember() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    String carol = TestNodes.uniqueUser("carol");
    try (WsClient a = connect(alice);
        WsClient b = connect(bob);
        WsClient c = connect(carol)) {
      String conv = group(a, bob, carol);
      long start = subscribe(a, conv, null);
      subscribe(b, conv, null);
      subscribe(c, conv, null);

      int each = 25;
      // Both senders fire without waiting for acks, from two threads.
      CompletableFuture<Void> fromAlice = CompletableFuture.runAsync(() -> fire(a, conv, "a", each));
      CompletableFuture<Void> fromBob = CompletableFuture.runAsync(() -> fire(b, conv, "b", each));
      CompletableFuture.allOf(fromAlice, fromBob).join();

      List<String> seenByCarol = new ArrayList<>();
      long expected = start + 1;
      for (JsonNode m : messages(c, conv, 2 * each)) {
        assertThat(m.get("seq").asLong()).isEqualTo(expected++); // gap-free and increasing
        seenByCarol.add(m.at("/data/text").asText());
      }
      List<String> seenByAlice = messages(a, conv, 2 * each).stream().map(m -> m.at("/data/text").asText()).toList();
      assertThat(seenByAlice).isEqualTo(seenByCarol);
      // each sender's own messages keep the order they were sent in
      assertThat(seenByCarol.stream().filter(t -> t.startsWith("a")).toList())
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, each).mapToObj(i -> "a" + i).toList());
      c.expectNothingMatching(n -> "message".equals(n.path("event").asText()), Duration.ofMillis(300));
    }
  }

  @Test
  void aResentClientMessageIdIsAcknowledgedAgainAndStoredOnce() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = connect(alice);
        WsClient b = connect(bob)) {
      String conv = group(a, bob);
      subscribe(b, conv, null);
      JsonNode first = send(a, conv, "m-1", "hello");
      JsonNode again = send(a, conv, "m-1", "hello");
      assertThat(first.get("duplicate").asBoolean()).isFalse();
      assertThat(again.get("duplicate").asBoolean()).isTrue();
      assertThat(again.get("seq").asLong()).isEqualTo(first.get("seq").asLong());

      assertThat(nextEvent(b, conv, "message").get("seq").asLong()).isEqualTo(first.get("seq").asLong());
      send(a, conv, "m-2", "next");
      assertThat(nextEvent(b, conv, "message").at("/data/text").asText()).isEqualTo("next");
    }
  }

  @Test
  void aReconnectingClientGetsExactlyWhatItMissedThenTheLiveStream() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = connect(alice)) {
      String conv = group(a, bob);
      long lastSeen;
      try (WsClient b = connect(bob)) {
        subscribe(b, conv, null);
        send(a, conv, "1", "one");
        lastSeen = nextEvent(b, conv, "message").get("seq").asLong();
      }
      // away for 20 messages: more than the node keeps in memory (8), so part comes from Cassandra
      List<Long> missed = new ArrayList<>();
      for (int i = 0; i < 20; i++) missed.add(send(a, conv, "away-" + i, "away " + i).get("seq").asLong());

      try (WsClient b = connect(bob)) {
        assertThat(subscribe(b, conv, lastSeen)).isEqualTo(missed.get(missed.size() - 1));
        List<Long> replayed = messages(b, conv, 20).stream().map(m -> m.get("seq").asLong()).toList();
        assertThat(replayed).isEqualTo(missed);
        long live = send(a, conv, "live", "live").get("seq").asLong();
        JsonNode next = nextEvent(b, conv, "message");
        assertThat(next.get("seq").asLong()).isEqualTo(live);
        b.expectNothingMatching(n -> "message".equals(n.path("event").asText()), Duration.ofMillis(300));
      }
    }
  }

  @Test
  void historyPagesBackwardsAndForwardsByCursor() {
    String alice = TestNodes.uniqueUser("alice");
    try (WsClient a = connect(alice)) {
      String conv = group(a, TestNodes.uniqueUser("bob"));
      for (int i = 1; i <= 15; i++) send(a, conv, "h" + i, "h" + i);
      // seq 1 is the creation; messages are seq 2..16
      JsonNode newest = ok(a, "{\"type\":\"conv.history\",\"conversationId\":\"" + conv + "\",\"limit\":5}");
      assertThat(seqs(newest)).containsExactly(12L, 13L, 14L, 15L, 16L);
      assertThat(newest.get("more").asBoolean()).isTrue();
      // older than the 8 the node keeps in memory: read from the journal
      JsonNode older = ok(a, "{\"type\":\"conv.history\",\"conversationId\":\"" + conv + "\",\"before\":5,\"limit\":10}");
      assertThat(seqs(older)).containsExactly(1L, 2L, 3L, 4L);
      assertThat(older.get("more").asBoolean()).isFalse();
      assertThat(older.at("/events/0/event").asText()).isEqualTo("created");
      JsonNode forward = ok(a, "{\"type\":\"conv.history\",\"conversationId\":\"" + conv + "\",\"after\":2,\"limit\":3}");
      assertThat(seqs(forward)).containsExactly(3L, 4L, 5L);
      assertThat(forward.at("/events/0/data/text").asText()).isEqualTo("h2");
    }
  }

  private static List<Long> seqs(JsonNode page) {
    List<Long> seqs = new ArrayList<>();
    page.get("events").forEach(e -> seqs.add(e.get("seq").asLong()));
    return seqs;
  }

  @Test
  void editAndDeleteAreEventsOfTheirOwnAndOnlyForTheAuthor() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = connect(alice);
        WsClient b = connect(bob)) {
      String conv = group(a, bob);
      subscribe(b, conv, null);
      long seq = send(a, conv, "e1", "helo").get("seq").asLong();
      nextEvent(b, conv, "message");

      long editSeq = ok(a, "{\"type\":\"conv.edit\",\"conversationId\":\"" + conv + "\",\"seq\":" + seq + ",\"text\":\"hello\"}").get("seq").asLong();
      JsonNode edited = nextEvent(b, conv, "edited");
      assertThat(edited.get("seq").asLong()).isEqualTo(editSeq).isEqualTo(seq + 1);
      assertThat(edited.at("/data/target").asLong()).isEqualTo(seq);
      assertThat(edited.at("/data/text").asText()).isEqualTo("hello");

      assertThat(errorCode(b, "{\"type\":\"conv.delete\",\"conversationId\":\"" + conv + "\",\"seq\":" + seq + "}")).isEqualTo("forbidden");
      ok(a, "{\"type\":\"conv.delete\",\"conversationId\":\"" + conv + "\",\"seq\":" + seq + "}");
      JsonNode deleted = nextEvent(b, conv, "deleted");
      assertThat(deleted.at("/data/target").asLong()).isEqualTo(seq);
      assertThat(errorCode(a, "{\"type\":\"conv.edit\",\"conversationId\":\"" + conv + "\",\"seq\":" + seq + ",\"text\":\"x\"}")).isEqualTo("conflict");
    }
  }

  @Test
  void readReceiptsAreBroadcastAndUnreadCountsFollowThem() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = connect(alice);
        WsClient b = connect(bob)) {
      String conv = group(a, bob);
      subscribe(a, conv, null);
      long last = 0;
      for (int i = 0; i < 3; i++) last = send(a, conv, "u" + i, "unread " + i).get("seq").asLong();

      JsonNode inbox = ok(b, "{\"type\":\"inbox.get\"}");
      JsonNode entry = find(inbox, conv);
      assertThat(entry.get("unread").asLong()).isEqualTo(3);
      assertThat(entry.at("/lastMessage/text").asText()).isEqualTo("unread 2");
      assertThat(find(ok(a, "{\"type\":\"inbox.get\"}"), conv).get("unread").asLong()).isZero();

      ok(b, "{\"type\":\"conv.read\",\"conversationId\":\"" + conv + "\",\"seq\":" + last + "}");
      JsonNode read = nextEvent(a, conv, "read");
      assertThat(read.at("/data/userId").asText()).isEqualTo(bob);
      assertThat(read.at("/data/upTo").asLong()).isEqualTo(last);
      assertThat(find(ok(b, "{\"type\":\"inbox.get\"}"), conv).get("unread").asLong()).isZero();
    }
  }

  private static JsonNode find(JsonNode inbox, String conv) {
    for (JsonNode c : inbox.get("conversations")) if (c.get("conversationId").asText().equals(conv)) return c;
    throw new AssertionError(conv + " not in inbox " + inbox);
  }

  @Test
  void typingIsRelayedAndEndsByItself() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = connect(alice);
        WsClient b = connect(bob)) {
      String conv = group(a, bob);
      subscribe(a, conv, null);
      ok(b, "{\"type\":\"conv.typing\",\"conversationId\":\"" + conv + "\"}");
      JsonNode typing = nextEvent(a, conv, "typing");
      assertThat(typing.at("/data/userId").asText()).isEqualTo(bob);
      assertThat(typing.at("/data/typing").asBoolean()).isTrue();
      assertThat(typing.has("seq")).isFalse(); // ephemeral, never persisted
      JsonNode stopped = nextEvent(a, conv, "typing");
      assertThat(stopped.at("/data/typing").asBoolean()).isFalse();
    }
  }

  @Test
  void onlyMembersTakePartAndARemovedMemberStopsReceiving() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    String dave = TestNodes.uniqueUser("dave");
    try (WsClient a = connect(alice);
        WsClient b = connect(bob);
        WsClient d = connect(dave)) {
      String conv = group(a, bob);
      assertThat(errorCode(d, "{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"x\",\"text\":\"hi\"}"))
          .isEqualTo("not_a_member");
      assertThat(errorCode(d, "{\"type\":\"subscribe\",\"topic\":\"conv:" + conv + "\"}")).isEqualTo("not_a_member");
      assertThat(errorCode(d, "{\"type\":\"conv.history\",\"conversationId\":\"" + conv + "\"}")).isEqualTo("not_a_member");
      assertThat(errorCode(b, "{\"type\":\"conv.members.add\",\"conversationId\":\"" + conv + "\",\"userId\":\"" + dave + "\"}"))
          .isEqualTo("forbidden");
      assertThat(errorCode(d, "{\"type\":\"conv.send\",\"conversationId\":\"g-doesnotexist\",\"clientMsgId\":\"x\",\"text\":\"hi\"}"))
          .isEqualTo("not_found");

      ok(a, "{\"type\":\"conv.members.add\",\"conversationId\":\"" + conv + "\",\"userId\":\"" + dave + "\"}");
      subscribe(d, conv, null);
      subscribe(b, conv, null);
      ok(a, "{\"type\":\"conv.members.remove\",\"conversationId\":\"" + conv + "\",\"userId\":\"" + bob + "\"}");
      JsonNode ended = nextEvent(b, conv, "unsubscribed");
      assertThat(ended.at("/data/code").asText()).isEqualTo("not_a_member");
      assertThat(nextEvent(d, conv, "member_removed").at("/data/userId").asText()).isEqualTo(bob);

      send(a, conv, "after", "after bob left");
      assertThat(nextEvent(d, conv, "message").at("/data/text").asText()).isEqualTo("after bob left");
      b.expectNothingMatching(n -> "message".equals(n.path("event").asText()), Duration.ofMillis(500));
      assertThat(errorCode(b, "{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"y\",\"text\":\"hi\"}"))
          .isEqualTo("not_a_member");
    }
  }

  @Test
  void membersSeeEachOthersPresence() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = connect(alice)) {
      String conv = group(a, bob);
      subscribe(a, conv, null);
      JsonNode snapshot = nextEvent(a, conv, "presence");
      assertThat(snapshot.at("/data/snapshot").asBoolean()).isTrue();
      assertThat(snapshot.at("/data/online/" + bob).asBoolean()).isFalse();
      try (WsClient b = connect(bob)) {
        JsonNode online = a.nextMatching(
            n -> "presence".equals(n.path("event").asText()) && n.at("/data/online/" + bob).asBoolean(false), WAIT);
        assertThat(online.at("/data/snapshot").asBoolean()).isFalse();
      }
      JsonNode offline = a.nextMatching(
          n -> "presence".equals(n.path("event").asText()) && n.at("/data/online").has(bob) && !n.at("/data/online/" + bob).asBoolean(), WAIT);
      assertThat(offline.at("/data/online/" + bob).asBoolean()).isFalse();
    }
  }

  @Test
  void sendingFasterThanTheSendLimitIsRateLimitedAndOtherFramesStillFlow() {
    int strict = strictNode.httpPort();
    try (WsClient a = TestNodes.connect(strict, TestNodes.uniqueUser("alice"))) {
      String conv = group(a, TestNodes.uniqueUser("bob"));
      for (int i = 0; i < 3; i++) send(a, conv, "ok" + i, "within the burst");
      JsonNode limited = call(a, "{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"over\",\"text\":\"x\"}");
      assertThat(limited.get("code").asText()).isEqualTo("rate_limited");
      assertThat(limited.get("retryAfterMs").asLong()).isPositive();
      // reads and pings are not sends: they go through
      assertThat(ok(a, "{\"type\":\"conv.history\",\"conversationId\":\"" + conv + "\",\"limit\":2}").get("events").size()).isEqualTo(2);
      assertThat(call(a, "{\"type\":\"ping\"}").get("type").asText()).isEqualTo("pong");
    }
  }

  @Test
  void theSendLimitIsTheUsersAcrossItsSocketsNotEachSockets() {
    int strict = strictNode.httpPort();
    String alice = TestNodes.uniqueUser("alice");
    try (WsClient phone = TestNodes.connect(strict, alice); WsClient laptop = TestNodes.connect(strict, alice)) {
      String conv = group(phone, TestNodes.uniqueUser("bob"));
      send(phone, conv, "p0", "from the phone");
      send(laptop, conv, "l0", "from the laptop");
      send(phone, conv, "p1", "from the phone");
      // the burst of 3 is spent by the two sockets together
      JsonNode limited = call(laptop, "{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"l1\",\"text\":\"x\"}");
      assertThat(limited.get("code").asText()).isEqualTo("rate_limited");
    }
  }

  @Test
  void aLiveUserLearnsOfEveryConversationItJoinsOrLeavesWithoutSubscribing() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = connect(alice);
        WsClient phone = connect(bob);
        WsClient laptop = connect(bob)) {
      String conv = group(a, bob);
      for (WsClient device : List.of(phone, laptop)) {
        JsonNode joined = nextInbox(device, "joined");
        assertThat(joined.path("data").path("conversationId").asText()).isEqualTo(conv);
      }
      // the creator's own connections hear of it too
      assertThat(nextInbox(a, "joined").path("data").path("conversationId").asText()).isEqualTo(conv);

      ok(a, "{\"type\":\"conv.members.remove\",\"conversationId\":\"" + conv + "\",\"userId\":\"" + bob + "\"}");
      assertThat(nextInbox(phone, "left").path("data").path("conversationId").asText()).isEqualTo(conv);
      assertThat(nextInbox(laptop, "left").path("data").path("conversationId").asText()).isEqualTo(conv);
    }
  }

  private static JsonNode nextInbox(WsClient ws, String event) {
    return nextOn(ws, "inbox", event);
  }
}
