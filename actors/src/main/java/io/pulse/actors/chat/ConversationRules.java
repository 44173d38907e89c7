package io.pulse.actors.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may do what in a conversation, and what a message may hold. Pure: every method answers the
 * rejection code and reason, or empty when the command may go ahead.
 */
public final class ConversationRules {
  private ConversationRules() {}

  public static final String NOT_FOUND = "not_found";
  public static final String NOT_A_MEMBER = "not_a_member";
  public static final String FORBIDDEN = "forbidden";
  public static final String INVALID = "invalid_message";
  public static final String CONFLICT = "conflict";

  public static final int MAX_TEXT = 4_000;
  public static final int MAX_TITLE = 100;
  public static final int MAX_CLIENT_MSG_ID = 64;

  /** A refused command: a stable code and a reason for humans. */
  public record Refusal(String code, String reason) {}

  private static Optional<Refusal> refuse(String code, String reason) {
    return Optional.of(new Refusal(code, reason));
  }

  /** The members a new conversation starts with: the creator owns a group; a direct one has no owner. */
  public static Map<String, Role> initialMembers(String kind, String creator, List<String> invited) {
    Map<String, Role> members = new LinkedHashMap<>();
    boolean group = Conversation.GROUP.equals(kind);
    members.put(creator, group ? Role.OWNER : Role.MEMBER);
    for (String id : invited) members.putIfAbsent(id, Role.MEMBER);
    return members;
  }

  public static Optional<Refusal> create(String kind, String creator, List<String> invited, String title, int maxMembers) {
    if (!Conversation.GROUP.equals(kind) && !Conversation.DIRECT.equals(kind)) {
      return refuse(INVALID, "kind must be group or direct");
    }
    Map<String, Role> members = initialMembers(kind, creator, invited);
    if (Conversation.DIRECT.equals(kind) && members.size() != 2) {
      return refuse(INVALID, "a direct conversation has exactly two members");
    }
    if (members.size() > maxMembers) return refuse(INVALID, "more than " + maxMembers + " members");
    if (title != null && title.length() > MAX_TITLE) return refuse(INVALID, "title longer than " + MAX_TITLE);
    return Optional.empty();
  }

  public static Optional<Refusal> member(Map<String, Role> members, String userId) {
    return members.containsKey(userId) ? Optional.empty() : refuse(NOT_A_MEMBER, "not a member of this conversation");
  }

  public static Optional<Refusal> addMember(
      String kind, Map<String, Role> members, String by, String userId, Role role, int maxMembers) {
    if (!Conversation.GROUP.equals(kind)) return refuse(FORBIDDEN, "members of a direct conversation are fixed");
    Optional<Refusal> notMember = member(members, by);
    if (notMember.isPresent()) return notMember;
    Role actor = members.get(by);
    if (!actor.manages()) return refuse(FORBIDDEN, "only owners and admins add members");
    if (role == Role.OWNER && actor != Role.OWNER) return refuse(FORBIDDEN, "only owners make owners");
    if (members.containsKey(userId)) return refuse(CONFLICT, userId + " is already a member");
    if (members.size() >= maxMembers) return refuse(INVALID, "the conversation is full (" + maxMembers + ")");
    return Optional.empty();
  }

  /** Owners and admins remove others (admins not owners); anyone may leave; the last owner may not. */
  public static Optional<Refusal> removeMember(String kind, Map<String, Role> members, String by, String userId) {
    if (!Conversation.GROUP.equals(kind)) return refuse(FORBIDDEN, "members of a direct conversation are fixed");
    Optional<Refusal> notMember = member(members, by);
    if (notMember.isPresent()) return notMember;
    Role target = members.get(userId);
    if (target == null) return refuse(NOT_A_MEMBER, userId + " is not a member");
    Role actor = members.get(by);
    if (!by.equals(userId)) {
      if (!actor.manages()) return refuse(FORBIDDEN, "only owners and admins remove members");
      if (target == Role.OWNER && actor != Role.OWNER) return refuse(FORBIDDEN, "admins cannot remove owners");
    }
    if (target == Role.OWNER && members.values().stream().filter(r -> r == Role.OWNER).count() == 1) {
      return refuse(FORBIDDEN, "the last owner cannot leave; make another owner first");
    }
    return Optional.empty();
  }

  public static Optional<Refusal> text(String text) {
    if (text == null || text.isBlank()) return refuse(INVALID, "text must not be blank");
    if (text.codePointCount(0, text.length()) > MAX_TEXT) return refuse(INVALID, "text longer than " + MAX_TEXT + " characters");
    return Optional.empty();
  }

  public static Optional<Refusal> clientMsgId(String clientMsgId) {
    if (clientMsgId == null || clientMsgId.isEmpty() || clientMsgId.length() > MAX_CLIENT_MSG_ID) {
      return refuse(INVALID, "clientMsgId must be 1-" + MAX_CLIENT_MSG_ID + " characters");
    }
    return Optional.empty();
  }

  /**
   * Edits and deletes: only the author, only a live message, and only within the recent timeline (older
   * messages are history).
   */
  public static Optional<Refusal> changeOwnMessage(Timeline recent, String userId, long target) {
    Optional<Timeline.Entry> entry = recent.find(target);
    if (entry.isEmpty()) return refuse(NOT_FOUND, "no recent message with seq " + target);
    if (!(entry.get().event() instanceof Conversation.MessageSent sent)) {
      return refuse(NOT_FOUND, "seq " + target + " is not a message");
    }
    if (!sent.sender().equals(userId)) return refuse(FORBIDDEN, "only the author changes a message");
    boolean deleted =
        recent.after(target, Integer.MAX_VALUE).stream()
            .anyMatch(e -> e.event() instanceof Conversation.MessageDeleted d && d.target() == target);
    if (deleted) return refuse(CONFLICT, "message " + target + " was deleted");
    return Optional.empty();
  }
}
