package io.pulse.actors.alerting;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * Idempotency ids. A transition's id is {@code <ruleId>/<seq>} (seq: the rule's notifying-transition counter, in
 * its journal), so it is the same however often it is handed on. A notification's id (the
 * {@code Pulse-Notification-Id} header) is a hash of the ids of the transitions it carries, so every re-send,
 * also after a crash, carries the same id.
 */
public final class NotificationIds {
  private NotificationIds() {}

  public static String transition(String ruleId, long seq) {
    return ruleId + "/" + seq;
  }

  public static String notification(List<String> transitionIds) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String id : new TreeSet<>(transitionIds)) {
        sha.update(id.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      String hex = HexFormat.of().formatHex(sha.digest());
      // a UUID's shape (version nibble 8: custom), so receivers that store ids as UUIDs can
      return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-8" + hex.substring(13, 16) + "-" + hex.substring(16, 20) + "-" + hex.substring(20, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
