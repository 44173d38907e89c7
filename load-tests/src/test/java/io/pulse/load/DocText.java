package io.pulse.load;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * What a load generator needs of a document's text without running OT (pure, unit-tested): applying a
 * committed op (wire form: n &gt; 0 retain, "text" insert, n &lt; 0 delete) to the text it was made against,
 * a subscriber's replica that applies the {@code doc:<id>} events in order of their seq, and random
 * edits against a text of a known length.
 */
final class DocText {
  private DocText() {}

  /** Thrown when an op does not fit the text: the replica has diverged (or the op is malformed). */
  static final class Mismatch extends RuntimeException {
    Mismatch(String message) {
      super(message);
    }
  }

  /** {@code op}'s components are {@link Long} (retain/delete) or {@link String} (insert). */
  static String apply(String text, List<?> op) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    int at = 0;
    for (Object c : op) {
      if (c instanceof String s) {
        out.append(s);
      } else {
        long n = ((Number) c).longValue();
        if (n == 0) throw new Mismatch("zero component in " + op);
        long len = Math.abs(n);
        if (at + len > text.length()) {
          throw new Mismatch("op " + op + " goes past the end of a text of length " + text.length());
        }
        if (n > 0) out.append(text, at, at + (int) len);
        at += (int) len;
      }
    }
    if (at != text.length()) throw new Mismatch("op " + op + " spans " + at + " of a text of length " + text.length());
    return out.toString();
  }

  /**
   * A random edit of a text of length {@code length}: while the text is shorter than {@code target},
   * an insert of 1-3 letters at a random place; from there on, a delete of 1-3 characters, so the text
   * stays near {@code target} however long the run.
   */
  static List<Object> randomEdit(SplittableRandom random, int length, int target) {
    List<Object> op = new ArrayList<>(3);
    if (length < target || length == 0) {
      int at = random.nextInt(length + 1);
      int n = 1 + random.nextInt(3);
      StringBuilder s = new StringBuilder(n);
      for (int i = 0; i < n; i++) s.append((char) ('a' + random.nextInt(26)));
      if (at > 0) op.add((long) at);
      op.add(s.toString());
      if (length - at > 0) op.add((long) (length - at));
    } else {
      int n = Math.min(length, 1 + random.nextInt(3));
      int at = random.nextInt(length - n + 1);
      if (at > 0) op.add((long) at);
      op.add((long) -n);
      if (length - at - n > 0) op.add((long) (length - at - n));
    }
    return op;
  }

  /** The op as a JSON array. */
  static String toJson(List<Object> op) {
    StringBuilder b = new StringBuilder("[");
    for (Object c : op) {
      if (b.length() > 1) b.append(',');
      if (c instanceof String s) b.append('"').append(s).append('"'); // letters only: nothing to escape
      else b.append(c);
    }
    return b.append(']').toString();
  }

  /**
   * A pure subscriber's copy of the text: the subscribe reply gives the text at a version, then every
   * event carries the next version, ops change the text and other events (shares, labels) only
   * advance it. Each op is against the version before it, so applying them in seq order is all it
   * takes. Events that arrive before the subscribe reply or out of order wait in {@code pending}.
   * Not thread-safe: one virtual user's event loop.
   */
  static final class Replica {
    private String text;
    private long version = -1;
    private final TreeMap<Long, List<?>> pending = new TreeMap<>();
    private static final List<?> NOT_AN_OP = List.of();
    private long repeats;
    private String broken;

    boolean started() {
      return version >= 0;
    }

    String text() {
      return text;
    }

    long version() {
      return version;
    }

    int length() {
      return text == null ? 0 : text.length();
    }

    long repeats() {
      return repeats;
    }

    /** Versions received ahead of a missing one (a gap, if the run is over). */
    int pending() {
      return pending.size();
    }

    /** Why the replica stopped following the document, or null. */
    String broken() {
      return broken;
    }

    /** The subscribe reply: the text at {@code lastSeq}. */
    void start(String text, long lastSeq) {
      this.text = text;
      this.version = lastSeq;
      pending.headMap(lastSeq, true).clear();
      advance();
    }

    /** An event with a seq; {@code op} null for events that do not change the text. */
    void onEvent(long seq, List<?> op) {
      if (started() && seq <= version) {
        repeats++;
        return;
      }
      if (pending.putIfAbsent(seq, op == null ? NOT_AN_OP : op) != null) repeats++;
      if (started()) advance();
    }

    private void advance() {
      while (broken == null && !pending.isEmpty() && pending.firstKey() == version + 1) {
        List<?> op = pending.pollFirstEntry().getValue();
        if (op != NOT_AN_OP) {
          try {
            text = apply(text, op);
          } catch (Mismatch e) {
            broken = "at version " + (version + 1) + ": " + e.getMessage();
            return;
          }
        }
        version++;
      }
    }
  }
}
