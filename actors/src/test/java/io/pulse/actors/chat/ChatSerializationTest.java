package io.pulse.actors.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
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

/** Every message, event, reply and state of the chat domain survives the wire (CBOR) and comes back equal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatSerializationTest {
  private final ActorTestKit testKit = ActorTestKit.create("ChatSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private <T> ActorRef<T> ref() {
    return testKit.<T>createTestProbe().ref();
  }

  private void roundTrip(List<Object> messages) {
    for (Object message : messages) serialization.verifySerialization(message, true);
  }

  private static List<Conversation.Event> everyEvent() {
    return List.of(
        new Conversation.Created(Conversation.GROUP, "Team", Map.of("alice", Role.OWNER, "bob", Role.MEMBER), "alice", 1L),
        new Conversation.Created(Conversation.DIRECT, null, Map.of("alice", Role.MEMBER, "bob", Role.MEMBER), "alice", 1L),
        new Conversation.MemberAdded("carol", Role.ADMIN, "alice", 2L),
        new Conversation.MemberRemoved("carol", "alice", 3L),
        new Conversation.MessageSent("alice", "c-1", "hello \uD83D\uDE00", 4L),
        new Conversation.MessageEdited(4, "alice", "hello!", 5L),
        new Conversation.MessageDeleted(4, "alice", 6L),
        new Conversation.Delivered("bob", 4, 7L),
        new Conversation.Read("bob", 4, 1, 8L));
  }

  private static Timeline timelineOfEveryEvent() {
    Timeline timeline = Timeline.empty(50);
    long seq = 0;
    for (Conversation.Event e : everyEvent()) timeline = timeline.append(new Timeline.Entry(++seq, e));
    return timeline;
  }

  @Test
  void everyConversationCommandRoundTrips() {
    roundTrip(
        List.of(
            new Conversation.Create("alice", Conversation.GROUP, List.of("bob", "carol"), "Team", ref()),
            new Conversation.Create("alice", Conversation.DIRECT, List.of("bob"), null, ref()),
            new Conversation.AddMember("alice", "dave", Role.ADMIN, ref()),
            new Conversation.AddMember("alice", "dave", null, ref()),
            new Conversation.RemoveMember("alice", "dave", ref()),
            new Conversation.Send("alice", "c-1", "hi", ref()),
            new Conversation.Edit("alice", 3, "hi!", ref()),
            new Conversation.Delete("alice", 3, ref()),
            new Conversation.MarkDelivered("bob", 3, ref()),
            new Conversation.MarkRead("bob", 3, ref()),
            new Conversation.Typing("bob", ref()),
            new Conversation.Subscribe("bob", -1, ref(), ref()),
            new Conversation.Unsubscribe(ref()),
            new Conversation.History("bob", 10, false, 20, ref()),
            new Conversation.GetSummary("bob", ref())));
  }

  @Test
  void everyConversationEventRoundTrips() {
    roundTrip(List.copyOf(everyEvent()));
  }

  @Test
  void everyConversationReplyRoundTrips() {
    Conversation.LastMessage last = new Conversation.LastMessage(5, "alice", "hello", 10L);
    Conversation.LastMessage deleted = new Conversation.LastMessage(5, "alice", null, 10L);
    roundTrip(
        List.of(
            last,
            deleted,
            new Conversation.Summary("c1", Conversation.GROUP, "Team", Map.of("alice", Role.OWNER, "bob", Role.MEMBER), 5, last, 2),
            new Conversation.Summary("c1", Conversation.DIRECT, null, Map.of("alice", Role.MEMBER, "bob", Role.MEMBER), 1, null, 0),
            new Conversation.SendAck("c1", 5, "c-1", 10L, false),
            new Conversation.SendAck("c1", 5, "c-1", 10L, true),
            new Conversation.Receipt("c1", "bob", 5, 4),
            new Conversation.Page("c1", timelineOfEveryEvent().entries(), true),
            new Conversation.Page("c1", List.of(), false),
            new Conversation.Subscribed("c1", 9, testKit.<ConversationFanout.Command>createTestProbe().ref())));
  }

  @Test
  void theConversationStateAndItsTimelineRoundTrip() {
    Timeline timeline = timelineOfEveryEvent();
    Conversation.State state =
        new Conversation.State(
            Conversation.GROUP,
            "Team",
            Map.of("alice", Role.OWNER, "bob", Role.MEMBER),
            9,
            1,
            new Conversation.LastMessage(5, "alice", null, 4L),
            Map.of("alice", new Conversation.MemberReceipt(5, 5, 1), "bob", new Conversation.MemberReceipt(4, 4, 1)),
            Map.of("alice", List.of(new Conversation.SentId("c-1", 5, 4L))),
            timeline);
    // Timeline and Timeline.Entry are never sent on their own (no binding of their own): they travel
    // inside the state, pages and pushes, which is where they are checked, with every event type in them.
    roundTrip(
        List.of(
            new Conversation.MemberReceipt(5, 4, 2),
            new Conversation.SentId("c-1", 5, 4L),
            state));
  }

  @Test
  void everyFanoutPushRoundTrips() {
    roundTrip(
        List.of(
            new ConversationFanout.Appended("c1", new Timeline.Entry(3, new Conversation.MessageSent("alice", "c-1", "hi", 4L))),
            new ConversationFanout.Appended("c1", new Timeline.Entry(4, new Conversation.MemberRemoved("bob", "alice", 5L))),
            new ConversationFanout.TypingChanged("c1", "alice", true, 3000),
            new ConversationFanout.TypingChanged("c1", "alice", false, 0),
            new ConversationFanout.PresenceChanged("c1", Map.of("alice", true, "bob", false), true),
            new ConversationFanout.PresenceChanged("c1", Map.of(), false),
            new ConversationFanout.Ended("c1", "not_a_member", "removed from the conversation")));
  }

  @Test
  void everyInboxMessageAndStateRoundTrips() {
    ActorRef<StatusReply<Inbox.Conversations>> replies = ref();
    roundTrip(
        List.of(
            new Inbox.Joined("c1"),
            new Inbox.Left("c1"),
            new Inbox.GetConversations(replies),
            new Inbox.ConversationJoined("c1"),
            new Inbox.ConversationLeft("c1"),
            new Inbox.State(List.of()),
            new Inbox.State(List.of("c2", "c1")),
            new Inbox.Conversations(List.of("c2", "c1")),
            new Inbox.Conversations(List.of())));
  }

  /** As after recovery from a snapshot: the restored state (plain maps and lists) takes new events alike. */
  @Test
  void aStateReadBackFromItsSnapshotKeepsTakingEvents() {
    Conversation.State original = Conversation.State.empty(3);
    for (Conversation.Event e : everyEvent()) original = Conversation.apply(original, e);
    Conversation.State restored = serialization.verifySerialization(original, true);
    List<Conversation.Event> more =
        List.of(
            new Conversation.MemberAdded("dave", Role.MEMBER, "alice", 9L),
            new Conversation.MessageSent("dave", "d-1", "hi", 10L),
            new Conversation.MessageSent("alice", "c-2", "again", 11L),
            new Conversation.Read("dave", 11, 2, 12L),
            new Conversation.MemberRemoved("bob", "alice", 13L));
    for (Conversation.Event e : more) {
      original = Conversation.apply(original, e);
      restored = Conversation.apply(restored, e);
    }
    assertThat(restored).isEqualTo(original);
    assertThat(restored.sent("alice", "c-2")).isPresent();
    assertThat(restored.recent().entries()).hasSize(3);
  }

  @Test
  void aStateWithAnEmptyOrFullTimelineRoundTrips() {
    Conversation.State empty = Conversation.State.empty(10);
    roundTrip(List.of(empty, new Conversation.Page("c1", List.of(new Timeline.Entry(1, everyEvent().get(0))), false)));
  }

  @Test
  void statusRepliesOfChatValuesRoundTrip() {
    roundTrip(
        List.of(
            StatusReply.success(new Conversation.SendAck("c1", 5, "c-1", 10L, false)),
            StatusReply.success(new Conversation.Subscribed("c1", 3, testKit.<ConversationFanout.Command>createTestProbe().ref())),
            StatusReply.success(new Conversation.Receipt("c1", "bob", 5, 4)),
            StatusReply.success(Done.getInstance()),
            StatusReply.success(7L),
            StatusReply.success(new Inbox.Conversations(List.of("c1", "c2")))));
  }
}
