package io.pulse.actors.driver;

import java.util.regex.Pattern;

/** A fence's id: its entity id and the id of its topic {@code fence:<id>}. */
public final class FenceIds {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private FenceIds() {}

  public static boolean isValid(String id) {
    return id != null && VALID.matcher(id).matches();
  }
}
