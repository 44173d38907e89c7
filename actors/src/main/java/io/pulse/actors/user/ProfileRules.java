package io.pulse.actors.user;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/** What a profile may hold. Pure: tested without actors. */
public final class ProfileRules {
  private ProfileRules() {}

  public static final String INVALID_PROFILE = "invalid_profile";
  public static final int MAX_DISPLAY_NAME = 64;
  public static final int MAX_STATUS_TEXT = 140;
  public static final int MAX_AVATAR_URL = 512;

  /** Why the change is refused, or empty when it may be applied. */
  public static Optional<String> violation(User.ProfileChange change) {
    if (change.displayName() == null && change.avatarUrl() == null && change.statusText() == null) {
      return Optional.of("nothing to change: give displayName, avatarUrl or statusText");
    }
    if (change.displayName() != null) {
      String name = change.displayName().strip();
      if (name.isEmpty()) return Optional.of("displayName must not be blank");
      if (name.codePointCount(0, name.length()) > MAX_DISPLAY_NAME) {
        return Optional.of("displayName longer than " + MAX_DISPLAY_NAME + " characters");
      }
      if (hasControl(name)) return Optional.of("displayName contains control characters");
    }
    if (change.statusText() != null) {
      String status = change.statusText();
      if (status.codePointCount(0, status.length()) > MAX_STATUS_TEXT) {
        return Optional.of("statusText longer than " + MAX_STATUS_TEXT + " characters");
      }
      if (hasControl(status)) return Optional.of("statusText contains control characters");
    }
    if (change.avatarUrl() != null && !change.avatarUrl().isEmpty()) {
      String url = change.avatarUrl();
      if (url.length() > MAX_AVATAR_URL) return Optional.of("avatarUrl longer than " + MAX_AVATAR_URL + " characters");
      if (!isHttpUrl(url)) return Optional.of("avatarUrl must be an absolute http(s) URL");
    }
    return Optional.empty();
  }

  /** The profile after a valid change: absent fields stay, an empty avatarUrl or statusText clears it. */
  public static User.Profile apply(User.Profile profile, User.ProfileChange change) {
    return new User.Profile(
        profile.userId(),
        change.displayName() == null ? profile.displayName() : change.displayName().strip(),
        change.avatarUrl() == null ? profile.avatarUrl() : emptyToNull(change.avatarUrl()),
        change.statusText() == null ? profile.statusText() : emptyToNull(change.statusText()),
        profile.version() + 1);
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }

  private static boolean hasControl(String s) {
    return s.codePoints().anyMatch(Character::isISOControl);
  }

  private static boolean isHttpUrl(String s) {
    try {
      URI uri = new URI(s);
      String scheme = uri.getScheme();
      return ("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme)) && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
