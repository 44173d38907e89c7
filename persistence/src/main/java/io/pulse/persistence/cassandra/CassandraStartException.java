package io.pulse.persistence.cassandra;

/**
 * The embedded Cassandra could not be started or reused. The message is one line meant for an operator: it
 * says what is wrong and, where there is one, which file or setting to look at.
 */
public final class CassandraStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CassandraStartException(String message) {
    super(oneLine(message));
  }

  public CassandraStartException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  /** Operators read these in a terminal: never let a nested multi-line message break the line. */
  static String oneLine(String text) {
    if (text == null) {
      return "";
    }
    return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
