package io.pulse.http.gateway;

import java.util.UUID;
import java.util.regex.Pattern;

/** Conversation ids appear in topics and entity ids: a small alphabet, bounded length. */
public final class ConversationIds {
  private ConversationIds() {}

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  public static boolean isValid(String id) {
    return id != null && VALID.matcher(id).matches();
  }

  /** A new group's id; a direct conversation's id follows from its members instead. */
  public static String newGroup() {
    return "g-" + UUID.randomUUID().toString().replace("-", "");
  }
}
