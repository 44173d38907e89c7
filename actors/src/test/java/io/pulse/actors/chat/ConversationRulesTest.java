package io.pulse.actors.chat;

import static io.pulse.actors.chat.ConversationRules.CONFLICT;
import static io.pulse.actors.chat.ConversationRules.FORBIDDEN;
import static io.pulse.actors.chat.ConversationRules.INVALID;
import static io.pulse.actors.chat.ConversationRules.NOT_A_MEMBER;
import static io.pulse.actors.chat.ConversationRules.NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConversationRulesTest {
  private static final String GROUP = Conversation.GROUP;
  private static final String DIRECT = Conversation.DIRECT;

  /** alice owns, bob administers, carol is a member. */
  private static final Map<String, Role> TEAM = Map.of("alice", Role.OWNER, "bob", Role.ADMIN, "carol", Role.MEMBER);

  private static String code(Optional<ConversationRules.Refusal> refusal) {
    assertThat(refusal).as("expected a refusal").isPresent();
    return refusal.get().code();
  }

  @Test
  void rolesThatManage() {
    assertThat(Role.OWNER.manages()).isTrue();
    assertThat(Role.ADMIN.manages()).isTrue();
    assertThat(Role.MEMBER.manages()).isFalse();
  }

  @Test
  void theCreatorOwnsAGroupAndInviteesAreMembersInOrder() {
    Map<String, Role> members = ConversationRules.initialMembers(GROUP, "alice", List.of("bob", "carol", "bob", "alice"));
    assertThat(members).containsExactly(Map.entry("alice", Role.OWNER), Map.entry("bob", Role.MEMBER), Map.entry("carol", Role.MEMBER));
  }

  @Test
  void aDirectConversationHasNoOwner() {
    assertThat(ConversationRules.initialMembers(DIRECT, "alice", List.of("bob")))
        .containsExactly(Map.entry("alice", Role.MEMBER), Map.entry("bob", Role.MEMBER));
  }

  @Test
  void createChecksKindSizeAndTitle() {
    assertThat(ConversationRules.create(GROUP, "alice", List.of("bob"), "Team", 10)).isEmpty();
    assertThat(ConversationRules.create(GROUP, "alice", List.of(), null, 10)).isEmpty(); // a group of one is fine
    assertThat(ConversationRules.create(DIRECT, "alice", List.of("bob"), null, 10)).isEmpty();
    assertThat(ConversationRules.create(DIRECT, "alice", List.of("alice", "bob"), null, 10)).isEmpty(); // creator listed too

    assertThat(code(ConversationRules.create("channel", "alice", List.of("bob"), null, 10))).isEqualTo(INVALID);
    assertThat(code(ConversationRules.create(DIRECT, "alice", List.of(), null, 10))).isEqualTo(INVALID);
    assertThat(code(ConversationRules.create(DIRECT, "alice", List.of("alice"), null, 10))).isEqualTo(INVALID);
    assertThat(code(ConversationRules.create(DIRECT, "alice", List.of("bob", "carol"), null, 10))).isEqualTo(INVALID);
    assertThat(code(ConversationRules.create(GROUP, "alice", List.of("bob", "carol"), null, 2))).isEqualTo(INVALID);
    assertThat(ConversationRules.create(GROUP, "alice", List.of("bob"), null, 2)).isEmpty();
    assertThat(code(ConversationRules.create(GROUP, "alice", List.of("bob"), "t".repeat(101), 10))).isEqualTo(INVALID);
    assertThat(ConversationRules.create(GROUP, "alice", List.of("bob"), "t".repeat(100), 10)).isEmpty();
  }

  @Test
  void membership() {
    assertThat(ConversationRules.member(TEAM, "carol")).isEmpty();
    assertThat(code(ConversationRules.member(TEAM, "mallory"))).isEqualTo(NOT_A_MEMBER);
  }

  @Test
  void ownersAndAdminsAddMembersButOnlyOwnersMakeOwners() {
    assertThat(ConversationRules.addMember(GROUP, TEAM, "alice", "dave", Role.MEMBER, 10)).isEmpty();
    assertThat(ConversationRules.addMember(GROUP, TEAM, "alice", "dave", Role.OWNER, 10)).isEmpty();
    assertThat(ConversationRules.addMember(GROUP, TEAM, "bob", "dave", Role.ADMIN, 10)).isEmpty();
    assertThat(code(ConversationRules.addMember(GROUP, TEAM, "bob", "dave", Role.OWNER, 10))).isEqualTo(FORBIDDEN);
    assertThat(code(ConversationRules.addMember(GROUP, TEAM, "carol", "dave", Role.MEMBER, 10))).isEqualTo(FORBIDDEN);
    assertThat(code(ConversationRules.addMember(GROUP, TEAM, "mallory", "dave", Role.MEMBER, 10))).isEqualTo(NOT_A_MEMBER);
  }

  @Test
  void addingRefusesAMemberTwiceAFullGroupAndADirectConversation() {
    assertThat(code(ConversationRules.addMember(GROUP, TEAM, "alice", "carol", Role.MEMBER, 10))).isEqualTo(CONFLICT);
    assertThat(code(ConversationRules.addMember(GROUP, TEAM, "alice", "dave", Role.MEMBER, 3))).isEqualTo(INVALID);
    Map<String, Role> pair = Map.of("alice", Role.MEMBER, "bob", Role.MEMBER);
    assertThat(code(ConversationRules.addMember(DIRECT, pair, "alice", "carol", Role.MEMBER, 10))).isEqualTo(FORBIDDEN);
  }

  @Test
  void removingOthersNeedsARoleAndAdminsCannotRemoveOwners() {
    assertThat(ConversationRules.removeMember(GROUP, TEAM, "alice", "bob")).isEmpty();
    assertThat(ConversationRules.removeMember(GROUP, TEAM, "bob", "carol")).isEmpty();
    assertThat(code(ConversationRules.removeMember(GROUP, TEAM, "bob", "alice"))).isEqualTo(FORBIDDEN);
    assertThat(code(ConversationRules.removeMember(GROUP, TEAM, "carol", "bob"))).isEqualTo(FORBIDDEN);
    assertThat(code(ConversationRules.removeMember(GROUP, TEAM, "mallory", "carol"))).isEqualTo(NOT_A_MEMBER);
    assertThat(code(ConversationRules.removeMember(GROUP, TEAM, "alice", "mallory"))).isEqualTo(NOT_A_MEMBER);
  }

  @Test
  void anyoneMayLeaveExceptTheLastOwner() {
    assertThat(ConversationRules.removeMember(GROUP, TEAM, "carol", "carol")).isEmpty();
    assertThat(ConversationRules.removeMember(GROUP, TEAM, "bob", "bob")).isEmpty();
    assertThat(code(ConversationRules.removeMember(GROUP, TEAM, "alice", "alice"))).isEqualTo(FORBIDDEN);

    Map<String, Role> twoOwners = Map.of("alice", Role.OWNER, "zoe", Role.OWNER, "carol", Role.MEMBER);
    assertThat(ConversationRules.removeMember(GROUP, twoOwners, "alice", "alice")).isEmpty();
    assertThat(ConversationRules.removeMember(GROUP, twoOwners, "alice", "zoe")).isEmpty();
  }

  @Test
  void membersOfADirectConversationAreFixed() {
    Map<String, Role> pair = Map.of("alice", Role.MEMBER, "bob", Role.MEMBER);
    assertThat(code(ConversationRules.removeMember(DIRECT, pair, "alice", "alice"))).isEqualTo(FORBIDDEN);
    assertThat(code(ConversationRules.removeMember(DIRECT, pair, "alice", "bob"))).isEqualTo(FORBIDDEN);
  }

  @Test
  void textMustBeNonBlankAndAtMostFourThousandCodePoints() {
    assertThat(ConversationRules.text("hi")).isEmpty();
    assertThat(code(ConversationRules.text(null))).isEqualTo(INVALID);
    assertThat(code(ConversationRules.text(""))).isEqualTo(INVALID);
    assertThat(code(ConversationRules.text(" \n\t "))).isEqualTo(INVALID);
    assertThat(ConversationRules.text("x".repeat(ConversationRules.MAX_TEXT))).isEmpty();
    assertThat(code(ConversationRules.text("x".repeat(ConversationRules.MAX_TEXT + 1)))).isEqualTo(INVALID);
    // 4,000 astral characters are 8,000 UTF-16 units and still within the limit
    assertThat(ConversationRules.text("\uD83D\uDE00".repeat(ConversationRules.MAX_TEXT))).isEmpty();
    assertThat(code(ConversationRules.text("\uD83D\uDE00".repeat(ConversationRules.MAX_TEXT + 1)))).isEqualTo(INVALID);
  }

  @Test
  void clientMsgIdIsOneToSixtyFourCharacters() {
    assertThat(ConversationRules.clientMsgId("a")).isEmpty();
    assertThat(ConversationRules.clientMsgId("a".repeat(64))).isEmpty();
    assertThat(code(ConversationRules.clientMsgId(null))).isEqualTo(INVALID);
    assertThat(code(ConversationRules.clientMsgId(""))).isEqualTo(INVALID);
    assertThat(code(ConversationRules.clientMsgId("a".repeat(65)))).isEqualTo(INVALID);
  }

  @Test
  void onlyTheAuthorChangesALiveRecentMessage() {
    Timeline recent =
        Timeline.empty(4)
            .append(new Timeline.Entry(1, new Conversation.Created(GROUP, null, TEAM, "alice", 0L)))
            .append(new Timeline.Entry(2, new Conversation.MessageSent("alice", "a-1", "one", 1L)))
            .append(new Timeline.Entry(3, new Conversation.MessageSent("bob", "b-1", "two", 2L)))
            .append(new Timeline.Entry(4, new Conversation.MessageSent("alice", "a-2", "three", 3L)));

    assertThat(ConversationRules.changeOwnMessage(recent, "alice", 2)).isEmpty();
    assertThat(ConversationRules.changeOwnMessage(recent, "bob", 3)).isEmpty();
    assertThat(code(ConversationRules.changeOwnMessage(recent, "bob", 2))).isEqualTo(FORBIDDEN);
    assertThat(code(ConversationRules.changeOwnMessage(recent, "alice", 1))).isEqualTo(NOT_FOUND); // not a message
    assertThat(code(ConversationRules.changeOwnMessage(recent, "alice", 9))).isEqualTo(NOT_FOUND); // not yet

    Timeline deleted = recent.append(new Timeline.Entry(5, new Conversation.MessageDeleted(4, "alice", 4L)));
    assertThat(code(ConversationRules.changeOwnMessage(deleted, "alice", 4))).isEqualTo(CONFLICT);
    assertThat(ConversationRules.changeOwnMessage(deleted, "bob", 3)).isEmpty();
    assertThat(code(ConversationRules.changeOwnMessage(deleted, "alice", 5))).isEqualTo(NOT_FOUND); // a tombstone is no message

    // once the message has left the recent window (capacity 4: now holds 2..5, then 3..6) it is history
    Timeline moved = deleted.append(new Timeline.Entry(6, new Conversation.MessageSent("bob", "b-2", "four", 5L)));
    assertThat(code(ConversationRules.changeOwnMessage(moved, "alice", 2))).isEqualTo(NOT_FOUND);
  }
}
