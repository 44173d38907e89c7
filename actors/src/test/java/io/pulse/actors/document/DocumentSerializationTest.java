package io.pulse.actors.document;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every command, event, reply and state of a document survives the wire (CBOR) and comes back equal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocumentSerializationTest {
  private final ActorTestKit testKit = ActorTestKit.create("DocumentSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  private static final TextOperation HELLO = TextOperation.empty().retain(2).insert("llo \uD83D\uDE00").delete(3).retain(1);
  private static final RangeLock LOCK = new RangeLock("bob", 2, 5, 1_700_000_000_000L);

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private <T> ActorRef<T> ref() {
    return testKit.<T>createTestProbe().ref();
  }

  private void roundTrip(List<?> messages) {
    for (Object message : messages) serialization.verifySerialization(message, true);
  }

  /** One of each event, in an order that applies to the empty state. */
  private static List<Document.Event> everyEvent() {
    TextOperation insert = TextOperation.empty().insert("Hello");
    return List.of(
        new Document.Created("alice", "Notes", 1L),
        new Document.Shared("bob", DocRole.EDITOR, "alice", 2L),
        new Document.Shared("carol", DocRole.VIEWER, "alice", 3L),
        new Document.OpApplied("alice", "tab-1", 1, insert, insert.invert(""), Document.EDIT, 4L),
        new Document.OpApplied("bob", "tab-2", 9, TextOperation.empty().retain(5).insert("!"), TextOperation.empty().retain(5).delete(1), Document.EDIT, 6L),
        new Document.OpApplied("alice", "tab-1", 2, TextOperation.empty().delete(5).retain(1), TextOperation.empty().insert("Hello").retain(1), Document.UNDO, 7L),
        new Document.OpApplied("alice", "tab-1", 3, TextOperation.empty().insert("Hello").retain(1), TextOperation.empty().delete(5).retain(1), Document.REDO, 8L),
        new Document.RangeLocked(new RangeLock("bob", 1, 4, Long.MAX_VALUE), 5L),
        new Document.VersionLabeled(8, "draft", "bob", 9L),
        new Document.DocumentLocked("alice", 10L),
        new Document.DocumentUnlocked("alice", 11L),
        new Document.OpApplied("alice", "tab-1", 4, TextOperation.empty().retain(5).delete(1), TextOperation.empty().retain(5).insert("!"), Document.RESTORE, 12L),
        new Document.RangeLocked(new RangeLock("carol", 0, 1, Long.MAX_VALUE), 13L),
        new Document.RangeReleased("carol", "expired", 14L),
        new Document.Unshared("carol", "alice", 15L),
        new Document.RangeReleased("bob", "released", 16L),
        new Document.Deleted("alice", 17L));
  }

  private static Document.State stateOf(List<Document.Event> events, int recent) {
    Document.State state = Document.State.EMPTY;
    for (Document.Event e : events) state = Document.apply(state, e, recent);
    return state;
  }

  @Test
  void everyCommandRoundTrips() {
    ActorRef<io.pulse.actors.topic.TopicPush> watcher = ref();
    roundTrip(
        List.of(
            new Document.Create("alice", "Notes", ref()),
            new Document.Create("alice", null, ref()),
            new Document.Apply("alice", "tab-1", 3, 7, HELLO, ref()),
            new Document.Apply("alice", "tab-1", 3, 7, TextOperation.empty(), ref()),
            new Document.Apply("alice", "tab-1", 3, 7, null, ref()),
            new Document.Undo("alice", "tab-1", 4, ref()),
            new Document.Redo("alice", "tab-1", 5, ref()),
            new Document.Restore("alice", 3, "tab-1", 6, ref()),
            new Document.Share("alice", "bob", DocRole.COMMENTER, ref()),
            new Document.Share("alice", "bob", null, ref()),
            new Document.Unshare("alice", "bob", ref()),
            new Document.Lock("alice", ref()),
            new Document.Unlock("alice", ref()),
            new Document.LockRange("bob", 2, 5, 10_000, ref()),
            new Document.UnlockRange("bob", ref()),
            new Document.Label("bob", 3, "draft", ref()),
            new Document.Delete("alice", ref()),
            new Document.Get("bob", ref()),
            new Document.GetSummary("bob", ref()),
            new Document.GetVersions("bob", ref()),
            new Document.GetTextAt("bob", 3, ref()),
            new Document.Subscribe("bob", -1, watcher, ref()),
            new Document.Subscribe("bob", 12, watcher, ref()),
            new Document.Unsubscribe(watcher),
            new Document.MoveCursor("bob", "conn-1", 7, 2, 5, "Bob", "#0af", watcher, ref()),
            new Document.MoveCursor("bob", "conn-1", 7, 2, 2, null, null, watcher, ref())));
  }

  @Test
  void everyEventAndTheCursorRoundTrip() {
    roundTrip(everyEvent());
    roundTrip(
        List.of(
            new Document.CursorMoved("bob", "conn-1", 2, 5, "Bob", "#0af", 7),
            new Document.CursorMoved("bob", "conn-1", 0, 0, null, null, 0),
            HELLO,
            TextOperation.empty(),
            LOCK));
  }

  @Test
  void everyReplyRoundTrips() {
    Document.NamedVersion named = new Document.NamedVersion(3, "draft", "bob", 9L);
    roundTrip(
        List.of(
            new Document.OpAck("d1", 7, "tab-1", 3, false, 12),
            new Document.OpAck("d1", 7, "tab-1", 3, true, 12),
            named,
            new Document.Versions("d1", 9, List.of(named, new Document.NamedVersion(5, "final \uD83D\uDE00", "alice", 10L))),
            new Document.Versions("d1", 0, List.of()),
            new Document.TextAt("d1", 3, "Hel\uD83D\uDE00lo"),
            new Document.TextAt("d1", 0, ""),
            new Document.View("d1", "Notes", "alice", DocRole.OWNER, "Hello", 9, 11L, "alice", List.of(LOCK), Map.of("alice", DocRole.OWNER, "bob", DocRole.EDITOR)),
            new Document.View("d1", "Notes", "alice", DocRole.VIEWER, "", 1, 1L, null, List.of(), Map.of()),
            new Document.Summary("d1", "Notes", "alice", DocRole.EDITOR, 9, 11L),
            new Document.Summary("d1", "Notes", "alice", null, 9, 11L),
            new Document.Subscribed(9, "Hello", testKit.<TopicFanout.Command>createTestProbe().ref()),
            new Document.Subscribed(9, null, testKit.<TopicFanout.Command>createTestProbe().ref()),
            StatusReply.success(new Document.OpAck("d1", 7, "tab-1", 3, false, 12)),
            StatusReply.success(LOCK),
            StatusReply.success(9L),
            StatusReply.success(Done.getInstance()),
            StatusReply.error("locked: range [2, 5) is locked by bob")));
  }

  @Test
  void pushesAndEntriesCarryTheirDocumentEventType() {
    List<Object> messages = new java.util.ArrayList<>();
    long seq = 0;
    for (Document.Event e : everyEvent()) {
      seq++;
      messages.add(new TopicFanout.Entry(seq, e));
      messages.add(new TopicPush.Appended(Document.topic("d1"), seq, e));
    }
    messages.add(new TopicPush.Ephemeral(Document.topic("d1"), "conn-1", new Document.CursorMoved("bob", "conn-1", 2, 5, "Bob", "#0af", 7)));
    messages.add(new TopicPush.Gone(Document.topic("d1"), "conn-1"));
    messages.add(new TopicPush.Ended(Document.topic("d1"), "forbidden", "the document is no longer shared with you"));
    roundTrip(messages);
    TopicPush.Appended back = serialization.verifySerialization(new TopicPush.Appended("doc:d1", 4, everyEvent().get(3)), true);
    assertThat(back.event()).isInstanceOf(Document.OpApplied.class);
  }

  @Test
  void theStateWithRecentEntriesLocksAcksUndoStacksAndLabelsRoundTrips() {
    List<Document.Event> events = everyEvent();
    Document.State live = stateOf(events.subList(0, 13), 20); // before the releases, unshare and delete
    assertThat(live.rangeLocks()).hasSize(2);
    assertThat(live.recent()).hasSize(13);
    assertThat(live.acks()).containsKeys("tab-1", "tab-2");
    assertThat(live.undo()).containsKeys("alice", "bob");
    assertThat(live.labels()).hasSize(1);
    assertThat(live.lockedBy()).isNull();

    Document.State written =
        new Document.State(
            "alice",
            "Notes",
            false,
            Map.of("alice", DocRole.OWNER, "bob", DocRole.EDITOR),
            "Hello!",
            6,
            6L,
            "alice",
            List.of(LOCK, new RangeLock("carol", 0, 1, 5L)),
            List.of(new TopicFanout.Entry(5, events.get(4)), new TopicFanout.Entry(6, events.get(5))),
            Map.of("tab-1", List.of(new Document.ClientAck(1, 4, 3), new Document.ClientAck(2, 7, 9))),
            Map.of("alice", List.of(4L), "bob", List.of()),
            Map.of("alice", List.of(7L)),
            List.of(new Document.NamedVersion(4, "v4", "bob", 9L)));
    roundTrip(List.of(Document.State.EMPTY, live, stateOf(events, 20), stateOf(events, 5), written, new Document.ClientAck(3, 9, 2)));
  }

  /** As after recovery from a snapshot: the state read back (plain maps and lists) takes new events alike. */
  @Test
  void aStateReadBackFromItsSnapshotKeepsTakingEvents() {
    List<Document.Event> events = everyEvent();
    Document.State original = stateOf(events.subList(0, 8), 6);
    Document.State restored = serialization.verifySerialization(original, true);
    for (Document.Event e : events.subList(8, 14)) {
      original = Document.apply(original, e, 6);
      restored = Document.apply(restored, e, 6);
    }
    assertThat(restored).isEqualTo(original);
    assertThat(restored.recent()).hasSize(6);
    assertThat(restored.acked("tab-2", 9)).isPresent();
    assertThat(restored.text()).isEqualTo("Hello");
  }
}
