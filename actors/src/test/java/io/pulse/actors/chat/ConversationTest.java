package io.pulse.actors.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import io.pulse.actors.user.UserPresence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConversationTest {
  /** At most 4 members, 5 recent events in memory, pages of at most 3. */
  private static final Conversation.Settings SETTINGS =
      new Conversation.Settings(4, 5, Duration.ofSeconds(3), 3, Duration.ofMillis(200));

  private static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "eve", "mallory");
  private static final String READ_JOURNAL = "pekko.persistence.testkit.query";

  /** One call of the history reader. */
  record JournalRead(String persistenceId, long from, long to) {}

  private final ActorTestKit testKit = ActorTestKit.create("ConversationTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<String, TestProbe<Inbox.Command>> inboxes = new HashMap<>();
  private TestProbe<UserPresence.Command> hubs;
  private TestProbe<JournalRead> reads;
  /** What the history reader does: by default, reads the in-memory journal. */
  private final AtomicReference<HistoryReader> journal = new AtomicReference<>();

  private String id;
  private EventSourcedBehaviorTestKit<Conversation.Command, Conversation.Event, Conversation.State> conversation;

  @BeforeEach
  void fresh() {
    USERS.forEach(u -> inboxes.put(u, testKit.createTestProbe()));
    hubs = testKit.createTestProbe();
    reads = testKit.createTestProbe();
    journal.set(new JournalHistory(testKit.system(), READ_JOURNAL));
    id = "c-" + ids.incrementAndGet();
    conversation = kitFor(id);
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private EventSourcedBehaviorTestKit<Conversation.Command, Conversation.Event, Conversation.State> kitFor(String conversationId) {
    HistoryReader history =
        (persistenceId, from, to) -> {
          reads.ref().tell(new JournalRead(persistenceId, from, to));
          return journal.get().read(persistenceId, from, to);
        };
    // serialization of every command, event, reply and state is checked by the kit (on by default)
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        Conversation.create(conversationId, SETTINGS, history, u -> inboxes.get(u).ref(), u -> hubs.ref()));
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private static String code(StatusReply<?> reply) {
    assertThat(reply.isError()).as("expected a rejection, got %s", reply).isTrue();
    return Rejection.of(reply.getError()).code();
  }

  /** alice (owner), bob and carol: seq 1. */
  private Conversation.Summary createTeam() {
    StatusReply<Conversation.Summary> reply =
        conversation
            .<StatusReply<Conversation.Summary>>runCommand(
                r -> new Conversation.Create("alice", Conversation.GROUP, List.of("bob", "carol"), "Team", r))
            .reply();
    assertThat(reply.isSuccess()).as("%s", reply).isTrue();
    return reply.getValue();
  }

  private CommandResultWithReply<Conversation.Command, Conversation.Event, Conversation.State, StatusReply<Conversation.SendAck>> send(
      String sender, String clientMsgId, String text) {
    return conversation.runCommand(r -> new Conversation.Send(sender, clientMsgId, text, r));
  }

  private Conversation.SendAck sent(String sender, String clientMsgId, String text) {
    StatusReply<Conversation.SendAck> reply = send(sender, clientMsgId, text).reply();
    assertThat(reply.isSuccess()).as("%s", reply).isTrue();
    return reply.getValue();
  }

  /** Messages "m<seq>" from alice until the conversation's seq is {@code last}. */
  private void fillTo(long last) {
    for (long seq = conversation.getState().seq() + 1; seq <= last; seq++) {
      assertThat(sent("alice", "a-" + seq, "m" + seq).seq()).isEqualTo(seq);
    }
  }

  private StatusReply<Long> add(String by, String userId, Role role) {
    return conversation.<StatusReply<Long>>runCommand(r -> new Conversation.AddMember(by, userId, role, r)).reply();
  }

  private StatusReply<Long> remove(String by, String userId) {
    return conversation.<StatusReply<Long>>runCommand(r -> new Conversation.RemoveMember(by, userId, r)).reply();
  }

  private StatusReply<Long> edit(String by, long target, String text) {
    return conversation.<StatusReply<Long>>runCommand(r -> new Conversation.Edit(by, target, text, r)).reply();
  }

  private StatusReply<Long> delete(String by, long target) {
    return conversation.<StatusReply<Long>>runCommand(r -> new Conversation.Delete(by, target, r)).reply();
  }

  private CommandResultWithReply<Conversation.Command, Conversation.Event, Conversation.State, StatusReply<Conversation.Receipt>> read(
      String userId, long upTo) {
    return conversation.runCommand(r -> new Conversation.MarkRead(userId, upTo, r));
  }

  private CommandResultWithReply<Conversation.Command, Conversation.Event, Conversation.State, StatusReply<Conversation.Receipt>> delivered(
      String userId, long upTo) {
    return conversation.runCommand(r -> new Conversation.MarkDelivered(userId, upTo, r));
  }

  private StatusReply<Conversation.Summary> summary(String userId) {
    return conversation.<StatusReply<Conversation.Summary>>runCommand(r -> new Conversation.GetSummary(userId, r)).reply();
  }

  private Conversation.Page page(String userId, long from, boolean forward, int limit) {
    StatusReply<Conversation.Page> reply = history(userId, from, forward, limit);
    assertThat(reply.isSuccess()).as("%s", reply).isTrue();
    return reply.getValue();
  }

  private StatusReply<Conversation.Page> history(String userId, long from, boolean forward, int limit) {
    return conversation.<StatusReply<Conversation.Page>>runCommand(r -> new Conversation.History(userId, from, forward, limit, r)).reply();
  }

  private StatusReply<Conversation.Subscribed> subscribe(String userId, long since, TestProbe<ConversationFanout.Push> watcher) {
    return conversation
        .<StatusReply<Conversation.Subscribed>>runCommand(r -> new Conversation.Subscribe(userId, since, watcher.ref(), r))
        .reply();
  }

  private static List<Long> seqs(List<Timeline.Entry> entries) {
    List<Long> out = new ArrayList<>();
    entries.forEach(e -> out.add(e.seq()));
    return out;
  }

  /** The next {@code n} Appended pushes, skipping presence snapshots and diffs. */
  private static List<Timeline.Entry> appended(TestProbe<ConversationFanout.Push> watcher, int n) {
    List<Timeline.Entry> out = new ArrayList<>();
    while (out.size() < n) {
      ConversationFanout.Push push = watcher.receiveMessage(Duration.ofSeconds(3));
      if (push instanceof ConversationFanout.Appended a) out.add(a.entry());
      else assertThat(push).isInstanceOf(ConversationFanout.PresenceChanged.class);
    }
    return out;
  }

  private void expectJoined(String... users) {
    for (String u : users) assertThat(inboxes.get(u).expectMessageClass(Inbox.Joined.class).conversationId()).isEqualTo(id);
  }

  // ---- creating ---------------------------------------------------------------------------------------

  @Test
  void aGroupIsCreatedWithItsCreatorAsOwnerAndEveryInboxIsTold() {
    var result =
        conversation.<StatusReply<Conversation.Summary>>runCommand(
            r -> new Conversation.Create("alice", Conversation.GROUP, List.of("bob", "carol"), "Team", r));

    Map<String, Role> members = Map.of("alice", Role.OWNER, "bob", Role.MEMBER, "carol", Role.MEMBER);
    assertThat(result.reply().getValue()).isEqualTo(new Conversation.Summary(id, Conversation.GROUP, "Team", members, 1, null, 0));
    Conversation.Created created = (Conversation.Created) result.event();
    assertThat(created.kind()).isEqualTo(Conversation.GROUP);
    assertThat(created.title()).isEqualTo("Team");
    assertThat(created.members()).isEqualTo(members);
    assertThat(created.by()).isEqualTo("alice");
    assertThat(created.at()).isPositive();
    assertThat(result.state().seq()).isEqualTo(1);
    assertThat(result.state().members()).isEqualTo(members);
    expectJoined("alice", "bob", "carol");
    inboxes.get("dave").expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void creatingAGroupTwiceConflictsAndStoresNothing() {
    createTeam();
    var again =
        conversation.<StatusReply<Conversation.Summary>>runCommand(
            r -> new Conversation.Create("alice", Conversation.GROUP, List.of("bob", "carol"), "Team", r));
    assertThat(code(again.reply())).isEqualTo(ConversationRules.CONFLICT);
    assertThat(again.hasNoEvents()).isTrue();
  }

  @Test
  void aDirectConversationIsCreatedOnceWhoeverAsks() {
    assertThat(Conversation.directId("alice", "bob")).isEqualTo(Conversation.directId("bob", "alice"));
    assertThat(Conversation.directId("alice", "bob")).isNotEqualTo(Conversation.directId("alice", "carol"));
    id = Conversation.directId("alice", "bob");
    conversation = kitFor(id);

    var first =
        conversation.<StatusReply<Conversation.Summary>>runCommand(
            r -> new Conversation.Create("alice", Conversation.DIRECT, List.of("bob"), null, r));
    Map<String, Role> pair = Map.of("alice", Role.MEMBER, "bob", Role.MEMBER);
    assertThat(first.reply().getValue()).isEqualTo(new Conversation.Summary(id, Conversation.DIRECT, null, pair, 1, null, 0));
    assertThat(first.events()).hasSize(1);
    expectJoined("alice", "bob");

    sent("bob", "b-1", "hi");
    var second =
        conversation.<StatusReply<Conversation.Summary>>runCommand(
            r -> new Conversation.Create("alice", Conversation.DIRECT, List.of("bob"), null, r));
    assertThat(second.hasNoEvents()).isTrue();
    assertThat(second.reply().getValue().lastSeq()).isEqualTo(2);
    assertThat(second.reply().getValue().unread()).isEqualTo(1); // the existing conversation, as alice sees it

    var fromTheOtherSide =
        conversation.<StatusReply<Conversation.Summary>>runCommand(
            r -> new Conversation.Create("bob", Conversation.DIRECT, List.of("alice"), null, r));
    assertThat(fromTheOtherSide.hasNoEvents()).isTrue();
    assertThat(fromTheOtherSide.reply().getValue().members()).isEqualTo(pair);

    var otherPair =
        conversation.<StatusReply<Conversation.Summary>>runCommand(
            r -> new Conversation.Create("alice", Conversation.DIRECT, List.of("carol"), null, r));
    assertThat(code(otherPair.reply())).isEqualTo(ConversationRules.CONFLICT);
    assertThat(otherPair.hasNoEvents()).isTrue();
  }

  @Test
  void aDirectConversationNeedsExactlyTwoMembers() {
    for (List<String> invited : List.of(List.<String>of(), List.of("alice"), List.of("bob", "carol"))) {
      var result =
          conversation.<StatusReply<Conversation.Summary>>runCommand(
              r -> new Conversation.Create("alice", Conversation.DIRECT, invited, null, r));
      assertThat(code(result.reply())).as("invited %s", invited).isEqualTo(ConversationRules.INVALID);
      assertThat(result.hasNoEvents()).isTrue();
    }
    assertThat(conversation.getState().seq()).isZero();
    inboxes.get("alice").expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aGroupLargerThanTheLimitIsRefused() {
    var result =
        conversation.<StatusReply<Conversation.Summary>>runCommand(
            r -> new Conversation.Create("alice", Conversation.GROUP, List.of("bob", "carol", "dave", "eve"), null, r));
    assertThat(code(result.reply())).isEqualTo(ConversationRules.INVALID);
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void nothingButCreateWorksBeforeTheConversationExists() {
    assertThat(code(send("alice", "a-1", "hi").reply())).isEqualTo(ConversationRules.NOT_FOUND);
    assertThat(code(summary("alice"))).isEqualTo(ConversationRules.NOT_FOUND);
    assertThat(code(add("alice", "bob", Role.MEMBER))).isEqualTo(ConversationRules.NOT_FOUND);
    assertThat(code(remove("alice", "bob"))).isEqualTo(ConversationRules.NOT_FOUND);
    assertThat(code(history("alice", 0, true, 3))).isEqualTo(ConversationRules.NOT_FOUND);
    assertThat(conversation.getState().seq()).isZero();
  }

  // ---- membership -------------------------------------------------------------------------------------

  @Test
  void ownersAndAdminsManageMembersAndTheirInboxesAreTold() {
    createTeam();
    expectJoined("alice", "bob", "carol");

    var added = conversation.<StatusReply<Long>>runCommand(r -> new Conversation.AddMember("alice", "dave", Role.ADMIN, r));
    assertThat(added.reply().getValue()).isEqualTo(2L);
    Conversation.MemberAdded event = (Conversation.MemberAdded) added.event();
    assertThat(event.userId()).isEqualTo("dave");
    assertThat(event.role()).isEqualTo(Role.ADMIN);
    assertThat(event.by()).isEqualTo("alice");
    assertThat(added.state().members()).containsEntry("dave", Role.ADMIN);
    expectJoined("dave");

    // an admin removes a member
    var removed = conversation.<StatusReply<Long>>runCommand(r -> new Conversation.RemoveMember("dave", "carol", r));
    assertThat(removed.reply().getValue()).isEqualTo(3L);
    assertThat(removed.event()).isInstanceOf(Conversation.MemberRemoved.class);
    assertThat(removed.state().members()).doesNotContainKey("carol");
    assertThat(inboxes.get("carol").expectMessageClass(Inbox.Left.class).conversationId()).isEqualTo(id);

    // the removed member is no longer a member of anything here
    assertThat(code(send("carol", "c-1", "hello?").reply())).isEqualTo(ConversationRules.NOT_A_MEMBER);

    // a null role means MEMBER
    assertThat(add("dave", "eve", null).getValue()).isEqualTo(4L);
    assertThat(conversation.getState().members()).containsEntry("eve", Role.MEMBER);
    expectJoined("eve");
  }

  @Test
  void aMemberCannotAddAndAnAdminCannotRemoveAnOwnerOrMakeOne() {
    createTeam();
    assertThat(add("alice", "dave", Role.ADMIN).isSuccess()).isTrue();
    long seq = conversation.getState().seq();

    assertThat(code(add("bob", "eve", Role.MEMBER))).isEqualTo(ConversationRules.FORBIDDEN);
    assertThat(code(remove("bob", "carol"))).isEqualTo(ConversationRules.FORBIDDEN);
    assertThat(code(remove("dave", "alice"))).isEqualTo(ConversationRules.FORBIDDEN);
    assertThat(code(add("dave", "eve", Role.OWNER))).isEqualTo(ConversationRules.FORBIDDEN);
    assertThat(code(add("alice", "bob", Role.MEMBER))).isEqualTo(ConversationRules.CONFLICT);
    assertThat(code(add("mallory", "eve", Role.MEMBER))).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(remove("alice", "mallory"))).isEqualTo(ConversationRules.NOT_A_MEMBER);
    // 4 members is the limit
    assertThat(code(add("alice", "eve", Role.MEMBER))).isEqualTo(ConversationRules.INVALID);

    assertThat(conversation.getState().seq()).isEqualTo(seq);
    inboxes.get("eve").expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void theLastOwnerCannotLeaveButCanAfterMakingAnother() {
    createTeam();
    expectJoined("alice", "bob", "carol");
    assertThat(code(remove("alice", "alice"))).isEqualTo(ConversationRules.FORBIDDEN);
    inboxes.get("alice").expectNoMessage(Duration.ofMillis(50));

    assertThat(add("alice", "dave", Role.OWNER).isSuccess()).isTrue();
    expectJoined("dave");
    assertThat(remove("alice", "alice").isSuccess()).isTrue();
    assertThat(inboxes.get("alice").expectMessageClass(Inbox.Left.class).conversationId()).isEqualTo(id);
    assertThat(conversation.getState().members()).isEqualTo(Map.of("bob", Role.MEMBER, "carol", Role.MEMBER, "dave", Role.OWNER));
    // and so is dave, now
    assertThat(code(remove("dave", "dave"))).isEqualTo(ConversationRules.FORBIDDEN);
  }

  @Test
  void membersOfADirectConversationCannotChange() {
    id = Conversation.directId("alice", "bob");
    conversation = kitFor(id);
    conversation.<StatusReply<Conversation.Summary>>runCommand(
        r -> new Conversation.Create("alice", Conversation.DIRECT, List.of("bob"), null, r));
    assertThat(code(add("alice", "carol", Role.MEMBER))).isEqualTo(ConversationRules.FORBIDDEN);
    assertThat(code(remove("alice", "alice"))).isEqualTo(ConversationRules.FORBIDDEN);
    assertThat(code(remove("alice", "bob"))).isEqualTo(ConversationRules.FORBIDDEN);
  }

  @Test
  void aMemberAddedLaterStartsWithNothingUnread() {
    createTeam();
    fillTo(4);
    assertThat(add("alice", "dave", Role.MEMBER).isSuccess()).isTrue();
    assertThat(summary("dave").getValue().unread()).isZero();
    sent("bob", "b-1", "welcome");
    assertThat(summary("dave").getValue().unread()).isEqualTo(1);
    assertThat(summary("carol").getValue().unread()).isEqualTo(4);
  }

  // ---- sending ----------------------------------------------------------------------------------------

  @Test
  void sendPersistsAMessageWithTheNextSeqAndAcksAfterwards() {
    createTeam();
    for (int i = 0; i < 3; i++) {
      var result = send(i % 2 == 0 ? "alice" : "bob", "m-" + i, "hello " + i);
      Conversation.SendAck ack = result.reply().getValue();
      Conversation.MessageSent event = (Conversation.MessageSent) result.event();
      long expected = 2 + i;
      assertThat(ack).isEqualTo(new Conversation.SendAck(id, expected, "m-" + i, event.at(), false));
      assertThat(event.sender()).isEqualTo(i % 2 == 0 ? "alice" : "bob");
      assertThat(event.clientMsgId()).isEqualTo("m-" + i);
      assertThat(event.text()).isEqualTo("hello " + i);
      // the reply comes from the state after the event: the ack names a durable seq
      assertThat(result.state().seq()).isEqualTo(expected);
      assertThat(result.state().recent().find(expected)).get().extracting(Timeline.Entry::event).isEqualTo(event);
    }
    Conversation.State state = conversation.getState();
    assertThat(state.messages()).isEqualTo(3);
    assertThat(state.lastMessage()).isEqualTo(new Conversation.LastMessage(4, "alice", "hello 2", state.lastMessage().at()));
  }

  @Test
  void aResentClientMsgIdGetsTheFirstAckAndStoresNothing() {
    createTeam();
    Conversation.SendAck first = sent("alice", "a-1", "hello");
    sent("bob", "b-1", "hi");

    var resend = send("alice", "a-1", "hello (retry, maybe different)");
    assertThat(resend.hasNoEvents()).isTrue();
    assertThat(resend.reply().getValue())
        .isEqualTo(new Conversation.SendAck(id, first.seq(), "a-1", first.at(), true));
    assertThat(resend.state().seq()).isEqualTo(3);
    assertThat(resend.state().messages()).isEqualTo(2);

    // client message ids are per sender: bob's a-1 is a new message
    Conversation.SendAck bobs = sent("bob", "a-1", "mine");
    assertThat(bobs.duplicate()).isFalse();
    assertThat(bobs.seq()).isEqualTo(4);
  }

  @Test
  void aNonMemberCannotSendReadSubscribeOrLook() {
    createTeam();
    sent("alice", "a-1", "secret");
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();

    assertThat(code(send("mallory", "m-1", "hi").reply())).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(read("mallory", 2).reply())).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(delivered("mallory", 2).reply())).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(subscribe("mallory", 0, watcher))).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(history("mallory", 0, true, 3))).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(summary("mallory"))).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(edit("mallory", 2, "x"))).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(delete("mallory", 2))).isEqualTo(ConversationRules.NOT_A_MEMBER);
    assertThat(code(conversation.<StatusReply<Done>>runCommand(r -> new Conversation.Typing("mallory", r)).reply()))
        .isEqualTo(ConversationRules.NOT_A_MEMBER);

    assertThat(conversation.getState().seq()).isEqualTo(2);
    watcher.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void blankOrTooLongTextAndBadClientIdsAreRefused() {
    createTeam();
    for (String text : new String[] {null, "", "   ", "x".repeat(ConversationRules.MAX_TEXT + 1)}) {
      var result = send("alice", "a-1", text);
      assertThat(code(result.reply())).isEqualTo(ConversationRules.INVALID);
      assertThat(result.hasNoEvents()).isTrue();
    }
    for (String clientMsgId : new String[] {null, "", "x".repeat(65)}) {
      var result = send("alice", clientMsgId, "hi");
      assertThat(code(result.reply())).isEqualTo(ConversationRules.INVALID);
      assertThat(result.hasNoEvents()).isTrue();
    }
    assertThat(sent("alice", "a-1", "x".repeat(ConversationRules.MAX_TEXT)).seq()).isEqualTo(2);
  }

  // ---- editing and deleting ---------------------------------------------------------------------------

  @Test
  void onlyTheAuthorEditsOrDeletesAndADeletedMessageStaysDeleted() {
    createTeam();
    long alices = sent("alice", "a-1", "helo").seq(); // 2
    long bobs = sent("bob", "b-1", "hey").seq(); // 3

    var edited = conversation.<StatusReply<Long>>runCommand(r -> new Conversation.Edit("alice", alices, "hello", r));
    assertThat(edited.reply().getValue()).isEqualTo(4L);
    Conversation.MessageEdited edit = (Conversation.MessageEdited) edited.event();
    assertThat(edit.target()).isEqualTo(alices);
    assertThat(edit.sender()).isEqualTo("alice");
    assertThat(edit.text()).isEqualTo("hello");

    assertThat(code(edit("bob", alices, "hijacked"))).isEqualTo(ConversationRules.FORBIDDEN);
    assertThat(code(delete("bob", alices))).isEqualTo(ConversationRules.FORBIDDEN);
    assertThat(code(edit("alice", alices, " "))).isEqualTo(ConversationRules.INVALID);
    assertThat(code(edit("alice", 1, "not a message"))).isEqualTo(ConversationRules.NOT_FOUND);
    assertThat(code(edit("alice", 99, "not yet"))).isEqualTo(ConversationRules.NOT_FOUND);

    var deleted = conversation.<StatusReply<Long>>runCommand(r -> new Conversation.Delete("alice", alices, r));
    assertThat(deleted.reply().getValue()).isEqualTo(5L);
    assertThat(deleted.event()).isEqualTo(new Conversation.MessageDeleted(alices, "alice", ((Conversation.MessageDeleted) deleted.event()).at()));

    assertThat(code(edit("alice", alices, "back"))).isEqualTo(ConversationRules.CONFLICT);
    assertThat(code(delete("alice", alices))).isEqualTo(ConversationRules.CONFLICT);
    assertThat(conversation.getState().seq()).isEqualTo(5);

    // the last message follows edits and deletes of itself
    assertThat(edit("bob", bobs, "hey all").isSuccess()).isTrue();
    assertThat(summary("alice").getValue().lastMessage().text()).isEqualTo("hey all");
    assertThat(delete("bob", bobs).isSuccess()).isTrue();
    Conversation.LastMessage last = summary("alice").getValue().lastMessage();
    assertThat(last.seq()).isEqualTo(bobs);
    assertThat(last.sender()).isEqualTo("bob");
    assertThat(last.text()).isNull();
  }

  @Test
  void aMessageOlderThanTheRecentWindowCannotBeChanged() {
    createTeam();
    long old = sent("alice", "a-1", "old").seq(); // 2
    fillTo(7); // window of 5 holds 3..7
    assertThat(code(edit("alice", old, "new"))).isEqualTo(ConversationRules.NOT_FOUND);
    assertThat(code(delete("alice", old))).isEqualTo(ConversationRules.NOT_FOUND);
  }

  // ---- receipts ---------------------------------------------------------------------------------------

  @Test
  void readReceiptsAdvanceAndDriveUnreadCounts() {
    createTeam();
    fillTo(4); // alice's messages at 2, 3, 4

    // the author's own messages count as read
    assertThat(summary("alice").getValue().unread()).isZero();
    var own = read("alice", 4);
    assertThat(own.hasNoEvents()).isTrue();
    assertThat(own.reply().getValue()).isEqualTo(new Conversation.Receipt(id, "alice", 4, 4));

    assertThat(summary("bob").getValue().unread()).isEqualTo(3);
    var bobReads = read("bob", 3);
    assertThat(bobReads.reply().getValue()).isEqualTo(new Conversation.Receipt(id, "bob", 3, 3));
    Conversation.Read event = (Conversation.Read) bobReads.event();
    assertThat(event.userId()).isEqualTo("bob");
    assertThat(event.upTo()).isEqualTo(3);
    assertThat(event.readMessages()).isEqualTo(2);
    assertThat(summary("bob").getValue().unread()).isEqualTo(1);

    // receipts never go back
    var backwards = read("bob", 2);
    assertThat(backwards.hasNoEvents()).isTrue();
    assertThat(backwards.reply().getValue()).isEqualTo(new Conversation.Receipt(id, "bob", 3, 3));

    // past the end is clamped to the newest message (seq 5 is bob's own receipt, no message)
    var beyond = read("bob", 100);
    assertThat(((Conversation.Read) beyond.event()).upTo()).isEqualTo(4);
    assertThat(beyond.reply().getValue()).isEqualTo(new Conversation.Receipt(id, "bob", 4, 4));
    assertThat(summary("bob").getValue().unread()).isZero();

    // delivery is tracked apart from reading and does not change unread
    var carolGets = delivered("carol", 4);
    assertThat(carolGets.reply().getValue()).isEqualTo(new Conversation.Receipt(id, "carol", 4, 0));
    assertThat(carolGets.event()).isInstanceOf(Conversation.Delivered.class);
    assertThat(delivered("carol", 3).hasNoEvents()).isTrue();
    assertThat(summary("carol").getValue().unread()).isEqualTo(3);

    // receipts are events too: the next message follows them
    Conversation.SendAck bobs = sent("bob", "b-1", "read them");
    assertThat(bobs.seq()).isEqualTo(8); // 5 read, 6 read, 7 delivered
    assertThat(summary("alice").getValue().unread()).isEqualTo(1);
    assertThat(summary("bob").getValue().unread()).isZero();
    assertThat(summary("carol").getValue().unread()).isEqualTo(4);
  }

  @Test
  void receiptsOfReceiptsStoreNothingSoAutoAcknowledgingClientsCannotLoop() {
    createTeam();
    TestProbe<ConversationFanout.Push> bobs = testKit.createTestProbe();
    TestProbe<ConversationFanout.Push> carols = testKit.createTestProbe();
    subscribe("bob", -1, bobs);
    subscribe("carol", -1, carols);
    sent("alice", "a-1", "hello"); // 2

    // bob's client marks delivered and read whatever it is pushed, carol's client too
    assertThat(seqs(appended(bobs, 1))).containsExactly(2L);
    assertThat(seqs(appended(carols, 1))).containsExactly(2L);
    assertThat(delivered("bob", 2).events()).hasSize(1); // 3
    assertThat(read("carol", 2).events()).hasSize(1); // 4
    for (Timeline.Entry pushed : appended(bobs, 2)) {
      assertThat(delivered("bob", pushed.seq()).hasNoEvents()).as("bob acks %s", pushed).isTrue();
      assertThat(read("bob", pushed.seq()).events()).as("bob reads %s", pushed).hasSizeLessThanOrEqualTo(1);
    }
    for (Timeline.Entry pushed : appended(carols, 3)) {
      assertThat(read("carol", pushed.seq()).hasNoEvents()).as("carol reads %s", pushed).isTrue();
      assertThat(delivered("carol", pushed.seq()).hasNoEvents()).as("carol acks %s", pushed).isTrue();
    }
    // bob's one read of message 2 (seq 5) is the last receipt: nothing follows it
    assertThat(conversation.getState().seq()).isEqualTo(5);
    assertThat(conversation.getState().receipt("bob")).isEqualTo(new Conversation.MemberReceipt(2, 2, 1));
  }

  @Test
  void receiptsBeforeAnyMessageStoreNothing() {
    createTeam();
    var result = read("bob", 1);
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().getValue()).isEqualTo(new Conversation.Receipt(id, "bob", 0, 0));
    assertThat(delivered("bob", 1).hasNoEvents()).isTrue();
  }

  @Test
  void readingUpToANonMessageEventCountsOnlyTheMessagesBeforeIt() {
    createTeam();
    sent("alice", "a-1", "one"); // 2
    read("carol", 1); // 3: carol read only the creation
    sent("alice", "a-2", "two"); // 4
    assertThat(summary("carol").getValue().unread()).isEqualTo(2);
    assertThat(((Conversation.Read) read("bob", 3).event()).readMessages()).isEqualTo(1);
    assertThat(summary("bob").getValue().unread()).isEqualTo(1);
  }

  // ---- history ----------------------------------------------------------------------------------------

  @Test
  void historyPagesComeFromTheRecentWindowInBothDirections() {
    createTeam();
    fillTo(5); // everything (1..5) still in the window of 5

    Conversation.Page oldest = page("bob", 0, true, 3);
    assertThat(seqs(oldest.entries())).containsExactly(1L, 2L, 3L);
    assertThat(oldest.entries().get(0).event()).isInstanceOf(Conversation.Created.class);
    assertThat(oldest.more()).isTrue();
    assertThat(oldest.conversationId()).isEqualTo(id);
    Conversation.Page rest = page("bob", 3, true, 3);
    assertThat(seqs(rest.entries())).containsExactly(4L, 5L);
    assertThat(rest.more()).isFalse();
    Conversation.Page none = page("bob", 5, true, 3);
    assertThat(none.entries()).isEmpty();
    assertThat(none.more()).isFalse();

    Conversation.Page newest = page("bob", 0, false, 3);
    assertThat(seqs(newest.entries())).containsExactly(3L, 4L, 5L);
    assertThat(newest.more()).isTrue();
    Conversation.Page earlier = page("bob", 3, false, 3);
    assertThat(seqs(earlier.entries())).containsExactly(1L, 2L);
    assertThat(earlier.more()).isFalse();
    assertThat(page("bob", 1, false, 3).entries()).isEmpty();

    // the page size is capped by settings, and at least 1
    assertThat(page("bob", 0, true, 100).entries()).hasSize(3);
    assertThat(seqs(page("bob", 0, true, 0).entries())).containsExactly(1L);
    // the entries are the very events stored
    Conversation.MessageSent m4 = (Conversation.MessageSent) rest.entries().get(0).event();
    assertThat(m4.text()).isEqualTo("m4");

    reads.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void historyOlderThanTheWindowIsReadFromTheJournal() {
    createTeam();
    fillTo(10); // the window holds 6..10; 1..5 are only in the journal
    String persistenceId = "Conversation|" + id;

    Conversation.Page first = page("bob", 0, true, 3);
    assertThat(reads.receiveMessage()).isEqualTo(new JournalRead(persistenceId, 1, 3));
    assertThat(seqs(first.entries())).containsExactly(1L, 2L, 3L);
    assertThat(first.entries().get(0).event()).isInstanceOf(Conversation.Created.class);
    assertThat(((Conversation.MessageSent) first.entries().get(2).event()).text()).isEqualTo("m3");
    assertThat(first.more()).isTrue();

    Conversation.Page second = page("bob", 3, true, 3);
    assertThat(reads.receiveMessage()).isEqualTo(new JournalRead(persistenceId, 4, 6));
    assertThat(seqs(second.entries())).containsExactly(4L, 5L, 6L);
    assertThat(second.more()).isTrue();

    // from 5 on, the window serves
    assertThat(seqs(page("bob", 5, true, 3).entries())).containsExactly(6L, 7L, 8L);
    reads.expectNoMessage(Duration.ofMillis(50));

    // backward: the newest come from the window, older ones from the journal
    assertThat(seqs(page("bob", 0, false, 3).entries())).containsExactly(8L, 9L, 10L);
    assertThat(seqs(page("bob", 9, false, 3).entries())).containsExactly(6L, 7L, 8L);
    reads.expectNoMessage(Duration.ofMillis(50));
    Conversation.Page back = page("bob", 6, false, 3);
    assertThat(reads.receiveMessage()).isEqualTo(new JournalRead(persistenceId, 3, 5));
    assertThat(seqs(back.entries())).containsExactly(3L, 4L, 5L);
    assertThat(back.more()).isTrue();
    Conversation.Page start = page("bob", 3, false, 3);
    assertThat(reads.receiveMessage()).isEqualTo(new JournalRead(persistenceId, 1, 2));
    assertThat(seqs(start.entries())).containsExactly(1L, 2L);
    assertThat(start.more()).isFalse();
  }

  @Test
  void aFailedJournalReadIsAnsweredUnavailable() {
    createTeam();
    fillTo(8);
    journal.set((persistenceId, from, to) -> CompletableFuture.failedFuture(new IllegalStateException("journal down")));
    StatusReply<Conversation.Page> reply = history("bob", 0, true, 3);
    assertThat(code(reply)).isEqualTo("unavailable");
    // the entity carries on
    assertThat(sent("alice", "a-9", "still here").seq()).isEqualTo(9);
  }

  // ---- live -------------------------------------------------------------------------------------------

  @Test
  void subscribeReplaysWhatWasMissedFromTheWindowThenGoesLive() {
    createTeam();
    fillTo(5);
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();

    Conversation.Subscribed subscribed = subscribe("bob", 3, watcher).getValue();
    assertThat(subscribed.conversationId()).isEqualTo(id);
    assertThat(subscribed.lastSeq()).isEqualTo(5);
    assertThat(subscribed.fanout()).isNotNull();
    assertThat(seqs(appended(watcher, 2))).containsExactly(4L, 5L);
    sent("carol", "c-1", "live");
    List<Timeline.Entry> live = appended(watcher, 1);
    assertThat(live.get(0).seq()).isEqualTo(6);
    assertThat(((Conversation.MessageSent) live.get(0).event()).text()).isEqualTo("live");
    reads.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void subscribeWithoutSinceIsLiveOnly() {
    createTeam();
    fillTo(4);
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    assertThat(subscribe("bob", -1, watcher).getValue().lastSeq()).isEqualTo(4);
    assertThat(watcher.expectMessageClass(ConversationFanout.PresenceChanged.class).snapshot()).isTrue();
    sent("alice", "a-5", "now");
    assertThat(seqs(appended(watcher, 1))).containsExactly(5L);
  }

  @Test
  void subscribeFromBeforeTheWindowReadsTheJournalFirst() {
    createTeam();
    fillTo(10); // window holds 6..10
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();

    assertThat(subscribe("bob", 2, watcher).getValue().lastSeq()).isEqualTo(10);
    assertThat(reads.receiveMessage()).isEqualTo(new JournalRead("Conversation|" + id, 3, 5));
    assertThat(seqs(appended(watcher, 8))).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    sent("alice", "a-11", "live");
    assertThat(seqs(appended(watcher, 1))).containsExactly(11L);
  }

  @Test
  void subscribeBeyondTheLastSeqIsClampedToIt() {
    createTeam();
    fillTo(3);
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    assertThat(subscribe("bob", 42, watcher).getValue().lastSeq()).isEqualTo(3);
    sent("alice", "a-4", "next");
    assertThat(seqs(appended(watcher, 1))).containsExactly(4L);
  }

  @Test
  void typingIsRelayedToWatchersAndNeverStored() {
    createTeam();
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    subscribe("bob", -1, watcher);
    watcher.expectMessageClass(ConversationFanout.PresenceChanged.class);

    var typing = conversation.<StatusReply<Done>>runCommand(r -> new Conversation.Typing("alice", r));
    assertThat(typing.reply().isSuccess()).isTrue();
    assertThat(typing.hasNoEvents()).isTrue();
    assertThat(watcher.expectMessageClass(ConversationFanout.TypingChanged.class))
        .isEqualTo(new ConversationFanout.TypingChanged(id, "alice", true, SETTINGS.typingTtl().toMillis()));
  }

  @Test
  void anUnsubscribedWatcherGetsNothingMore() {
    createTeam();
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    subscribe("bob", -1, watcher);
    watcher.expectMessageClass(ConversationFanout.PresenceChanged.class);
    sent("alice", "a-1", "one");
    assertThat(seqs(appended(watcher, 1))).containsExactly(2L);

    assertThat(conversation.runCommand(new Conversation.Unsubscribe(watcher.ref())).hasNoEvents()).isTrue();
    sent("alice", "a-2", "two");
    watcher.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aRemovedMembersSubscriptionEnds() {
    createTeam();
    TestProbe<ConversationFanout.Push> carols = testKit.createTestProbe();
    TestProbe<ConversationFanout.Push> bobs = testKit.createTestProbe();
    subscribe("carol", -1, carols);
    subscribe("bob", -1, bobs);
    assertThat(remove("alice", "carol").getValue()).isEqualTo(2L);

    // carol sees her removal, then the end; bob sees the removal and carries on
    assertThat(appended(carols, 1).get(0).event()).isInstanceOf(Conversation.MemberRemoved.class);
    ConversationFanout.Push end = carols.receiveMessage();
    while (end instanceof ConversationFanout.PresenceChanged) end = carols.receiveMessage();
    assertThat(end).isEqualTo(new ConversationFanout.Ended(id, "not_a_member", "removed from the conversation"));
    assertThat(appended(bobs, 1).get(0).event()).isInstanceOf(Conversation.MemberRemoved.class);

    sent("alice", "a-1", "after");
    assertThat(seqs(appended(bobs, 1))).containsExactly(3L);
    carols.expectNoMessage(Duration.ofMillis(300));
  }

  // ---- recovery ---------------------------------------------------------------------------------------

  @Test
  void aResendIsRecognisedWithinTheSendersLast64IdsAndTheOldestFallOut() {
    createTeam();
    Conversation.SendAck first = sent("alice", "a-1", "one");
    Conversation.SendAck second = sent("alice", "a-2", "two");
    for (int i = 3; i <= 65; i++) sent("alice", "a-" + i, "m" + i);
    sent("bob", "b-1", "bob's own ids do not push alice's out");

    var recent = send("alice", "a-2", "two");
    assertThat(recent.hasNoEvents()).isTrue();
    assertThat(recent.reply().getValue().seq()).isEqualTo(second.seq());
    assertThat(send("alice", "a-65", "m65").hasNoEvents()).isTrue();

    // 65 ids later, the first is no longer remembered: a resend of it is a new message
    var evicted = send("alice", "a-1", "one");
    assertThat(evicted.hasNoEvents()).isFalse();
    assertThat(evicted.reply().getValue().seq()).isGreaterThan(first.seq());
    // and after a restart the window is the same
    conversation.restart();
    assertThat(send("alice", "a-3", "m3").hasNoEvents()).isTrue();
    assertThat(send("alice", "a-2", "two").hasNoEvents()).isFalse();
  }

  @Test
  void aRestartRecoversSeqMembersReceiptsAndResendIds() {
    createTeam();
    assertThat(add("alice", "dave", Role.ADMIN).isSuccess()).isTrue();
    Conversation.SendAck first = sent("alice", "a-1", "one"); // 3
    sent("bob", "b-1", "two"); // 4
    read("carol", 3); // 5
    delivered("dave", 4); // 6
    assertThat(edit("bob", 4, "two!").isSuccess()).isTrue(); // 7
    Conversation.State before = conversation.getState();
    expectJoined("alice", "bob", "carol", "dave");

    Conversation.State after = conversation.restart().state();
    assertThat(after).isEqualTo(before);
    assertThat(after.seq()).isEqualTo(7);
    assertThat(after.members()).isEqualTo(Map.of("alice", Role.OWNER, "bob", Role.MEMBER, "carol", Role.MEMBER, "dave", Role.ADMIN));

    // recovery re-tells every member's inbox (joins are idempotent), healing a notification lost in a crash
    expectJoined("alice", "bob", "carol", "dave");

    assertThat(summary("carol").getValue().unread()).isEqualTo(1);
    assertThat(summary("alice").getValue().unread()).isEqualTo(1);
    assertThat(summary("dave").getValue().unread()).isEqualTo(2);
    assertThat(summary("bob").getValue().lastMessage().text()).isEqualTo("two!");
    var resend = send("alice", "a-1", "one");
    assertThat(resend.hasNoEvents()).isTrue();
    assertThat(resend.reply().getValue()).isEqualTo(new Conversation.SendAck(id, first.seq(), "a-1", first.at(), true));
    assertThat(sent("carol", "c-1", "three").seq()).isEqualTo(8);

    // and the recovered child fanout serves subscribers
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    subscribe("dave", 6, watcher);
    assertThat(seqs(appended(watcher, 2))).containsExactly(7L, 8L);
  }
}
