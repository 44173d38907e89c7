package io.pulse.actors.document;

/**
 * A document client as ot.js models one, for tests: at most one operation in flight to the server, and
 * local edits made meanwhile composed into a buffer. Its three states are synchronized (nothing in flight),
 * awaitingConfirm (one in flight) and awaitingWithBuffer (one in flight, more waiting).
 */
final class SimulatedEditor {
  /** An operation on its way to the server, based on the server version the client had seen. */
  record Sent(String client, TextOperation op, long baseVersion) {}

  final String id;
  private String text;
  private long version;
  private TextOperation outstanding;
  private TextOperation buffer;

  SimulatedEditor(String id, String text, long version) {
    this.id = id;
    this.text = text;
    this.version = version;
  }

  String text() {
    return text;
  }

  long version() {
    return version;
  }

  String state() {
    if (outstanding == null) return "synchronized";
    return buffer == null ? "awaitingConfirm" : "awaitingWithBuffer";
  }

  /** The user edits the local text; answers what to send now, or null while one is in flight. */
  Sent edit(TextOperation op) {
    text = op.apply(text);
    if (outstanding == null) {
      outstanding = op;
      return new Sent(id, op, version);
    }
    buffer = buffer == null ? op : buffer.compose(op);
    return null;
  }

  /** The server committed our operation; the buffer, if any, goes next. */
  Sent ack() {
    if (outstanding == null) throw new IllegalStateException(id + " got an ack with nothing in flight");
    version++;
    outstanding = buffer;
    buffer = null;
    return outstanding == null ? null : new Sent(id, outstanding, version);
  }

  /**
   * Another client's operation, as the server committed it: it came first, so it is the committed side
   * of each transform, and what we have not yet had confirmed is rebased onto it.
   */
  void remote(TextOperation op) {
    version++;
    if (outstanding != null) {
      TextOperation.Transformed t = TextOperation.transform(op, outstanding);
      outstanding = t.incomingPrime();
      op = t.committedPrime();
      if (buffer != null) {
        t = TextOperation.transform(op, buffer);
        buffer = t.incomingPrime();
        op = t.committedPrime();
      }
    }
    text = op.apply(text);
  }
}
