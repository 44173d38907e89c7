package io.pulse.actors;

import org.apache.pekko.pattern.StatusReply;

/**
 * A command refused by an entity's rules. Travels as a {@link StatusReply} error whose text is
 * {@code "<code>: <message>"}, so the gateway can turn it into an {@code error} frame with a stable code
 * without a second reply type.
 */
public record Rejection(String code, String message) {
  private static final String SEPARATOR = ": ";

  /** Code used when a failure carries no code of its own. */
  public static final String UNSPECIFIED = "rejected";

  public static <T> StatusReply<T> reply(String code, String message) {
    return StatusReply.error(code + SEPARATOR + message);
  }

  /** Reads the code and message back out of a {@code StatusReply} error (or any throwable). */
  public static Rejection of(Throwable error) {
    String text = error.getMessage() == null ? "" : error.getMessage();
    int at = text.indexOf(SEPARATOR);
    if (at <= 0 || !text.substring(0, at).matches("[a-z_]+")) return new Rejection(UNSPECIFIED, text);
    return new Rejection(text.substring(0, at), text.substring(at + SEPARATOR.length()));
  }
}
