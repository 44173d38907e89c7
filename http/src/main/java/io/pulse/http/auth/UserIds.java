package io.pulse.http.auth;

import java.util.regex.Pattern;

/** User ids appear in topics and entity ids: keep them to a small, unambiguous alphabet. */
public final class UserIds {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");

  private UserIds() {}

  public static boolean isValid(String userId) {
    return userId != null && VALID.matcher(userId).matches();
  }
}
