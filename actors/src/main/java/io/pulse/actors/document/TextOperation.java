package io.pulse.actors.document;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.pulse.persistence.CborSerializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One change to a plain-text document, as operational transformation sees it: a walk over the whole
 * old text that retains, inserts and deletes, and ends exactly at its end.
 *
 * <p>Positions and counts are UTF-16 code units, that is Java {@code String} indices, the same unit as
 * JavaScript strings, so a browser client and the server agree on every offset. An operation may
 * therefore split a surrogate pair; {@link #diff} avoids doing so, nothing else checks it.
 *
 * <p>Every operation is kept in one canonical form, whichever way it was built: zero-length parts are
 * dropped, adjacent parts of the same kind merged, and between two retains an insert always comes before
 * a delete. Equal effects built the same way are therefore {@code equals}.
 *
 * <p>No method recurses, so operations of any length are safe.
 */
public record TextOperation(List<Component> components) implements CborSerializable {

  /** One step of the walk. Named on the wire so Jackson can read the list back. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Retain.class, name = "r"),
    @JsonSubTypes.Type(value = Insert.class, name = "i"),
    @JsonSubTypes.Type(value = Delete.class, name = "d")
  })
  public sealed interface Component permits Retain, Insert, Delete {
    /** Code units this component covers: of the old text for retain/delete, of the new for insert. */
    int length();
  }

  /** Keep the next {@code count} code units. */
  public record Retain(int count) implements Component {
    public Retain {
      if (count <= 0) throw new InvalidOperation("a retain must count at least 1, got " + count);
    }

    @Override
    public int length() {
      return count;
    }
  }

  /** Insert {@code text} here. */
  public record Insert(String text) implements Component {
    public Insert {
      if (text == null || text.isEmpty()) throw new InvalidOperation("an insert must hold at least one character");
    }

    @Override
    public int length() {
      return text.length();
    }
  }

  /** Remove the next {@code count} code units. */
  public record Delete(int count) implements Component {
    public Delete {
      if (count <= 0) throw new InvalidOperation("a delete must count at least 1, got " + count);
    }

    @Override
    public int length() {
      return count;
    }
  }

  /** A malformed operation, or one that does not fit the text it is used with. */
  public static final class InvalidOperation extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public static final String CODE = "invalid_op";

    public InvalidOperation(String message) {
      super(message);
    }

    /** The stable error code to answer a client with. */
    public String code() {
      return CODE;
    }
  }

  /** Both sides of a transform: {@code committedPrime} applies after incoming, {@code incomingPrime} after committed. */
  public record Transformed(TextOperation committedPrime, TextOperation incomingPrime) {}

  private static final TextOperation EMPTY = new TextOperation(List.of());

  /** Normalizes whatever list it is given (Jackson and callers alike), so every instance is canonical. */
  public TextOperation {
    if (components == null) throw new InvalidOperation("components must not be null");
    Builder builder = new Builder();
    for (Component c : components) {
      if (c == null) throw new InvalidOperation("a component must not be null");
      builder.add(c);
    }
    components = builder.components();
  }

  /** The operation on the empty document that does nothing. */
  public static TextOperation empty() {
    return EMPTY;
  }

  public TextOperation retain(int n) {
    if (n < 0) throw new InvalidOperation("retain count must not be negative, got " + n);
    return n == 0 ? this : with(new Retain(n));
  }

  public TextOperation insert(String s) {
    if (s == null) throw new InvalidOperation("insert text must not be null");
    return s.isEmpty() ? this : with(new Insert(s));
  }

  public TextOperation delete(int n) {
    if (n < 0) throw new InvalidOperation("delete count must not be negative, got " + n);
    return n == 0 ? this : with(new Delete(n));
  }

  private TextOperation with(Component c) {
    List<Component> next = new ArrayList<>(components.size() + 1);
    next.addAll(components);
    next.add(c);
    return new TextOperation(next);
  }

  /**
   * Reads the wire form (that of ot.js): a positive integer retains, a string inserts, a negative
   * integer deletes. Integral numbers of any Java type are accepted, since JSON readers pick the type.
   */
  public static TextOperation fromWire(List<Object> items) {
    if (items == null) throw new InvalidOperation("an operation must be a list");
    Builder builder = new Builder();
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      if (item instanceof String s) {
        if (s.isEmpty()) throw new InvalidOperation("empty insert at index " + i);
        builder.insert(s, 0, s.length());
      } else if (item instanceof Number number) {
        long n = integral(number, i);
        if (n > 0) builder.retain(n);
        else builder.delete(-n);
      } else {
        String type = item == null ? "null" : item.getClass().getSimpleName();
        throw new InvalidOperation("unsupported component at index " + i + ": " + type);
      }
    }
    return new TextOperation(builder.components());
  }

  private static long integral(Number number, int index) {
    BigDecimal value;
    if (number instanceof Integer || number instanceof Long || number instanceof Short || number instanceof Byte) {
      value = BigDecimal.valueOf(number.longValue());
    } else if (number instanceof BigInteger big) {
      value = new BigDecimal(big);
    } else if (number instanceof BigDecimal big) {
      value = big;
    } else {
      double d = number.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) throw new InvalidOperation("not a finite number at index " + index);
      value = BigDecimal.valueOf(d);
    }
    if (value.signum() == 0) throw new InvalidOperation("zero at index " + index);
    if (value.stripTrailingZeros().scale() > 0) throw new InvalidOperation("not an integer at index " + index + ": " + number);
    // -Integer.MIN_VALUE does not fit a count, so both signs stop at MAX_VALUE.
    if (value.abs().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
      throw new InvalidOperation("count beyond int range at index " + index + ": " + number);
    }
    return value.longValueExact();
  }

  /** The wire form read by {@link #fromWire}: Integer retains, String inserts, negative Integer deletes. */
  public List<Object> toWire() {
    List<Object> wire = new ArrayList<>(components.size());
    for (Component c : components) {
      if (c instanceof Retain r) wire.add(r.count());
      else if (c instanceof Insert ins) wire.add(ins.text());
      else wire.add(-((Delete) c).count());
    }
    return Collections.unmodifiableList(wire);
  }

  /** Length of the text this operation applies to. */
  public int baseLength() {
    long n = 0;
    for (Component c : components) if (!(c instanceof Insert)) n += c.length();
    return (int) n; // the constructor bounds it to int
  }

  /** Length of the text it produces. */
  public int targetLength() {
    long n = 0;
    for (Component c : components) if (!(c instanceof Delete)) n += c.length();
    return (int) n;
  }

  /** Whether it leaves the text as it is (only retains, or nothing). */
  @JsonIgnore // not state: Jackson would write it as a property
  public boolean isNoop() {
    for (Component c : components) if (!(c instanceof Retain)) return false;
    return true;
  }

  /** The text after this operation; the operation must cover {@code doc} exactly. */
  public String apply(String doc) {
    if (doc == null) throw new InvalidOperation("document must not be null");
    StringBuilder out = new StringBuilder(Math.max(0, doc.length() + sizeDelta()));
    int pos = 0;
    for (Component c : components) {
      if (c instanceof Insert ins) {
        out.append(ins.text());
        continue;
      }
      int n = c.length();
      if (n > doc.length() - pos) {
        String what = c instanceof Retain ? "retain" : "delete";
        throw new InvalidOperation(what + " past the end of the document (at " + pos + " of " + doc.length() + ", count " + n + ")");
      }
      if (c instanceof Retain) out.append(doc, pos, pos + n);
      pos += n;
    }
    if (pos != doc.length()) {
      throw new InvalidOperation("operation is shorter than the document (covers " + pos + " of " + doc.length() + ")");
    }
    return out.toString();
  }

  private int sizeDelta() {
    long d = 0;
    for (Component c : components) {
      if (c instanceof Insert) d += c.length();
      else if (c instanceof Delete) d -= c.length();
    }
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, d));
  }

  /** This operation followed by {@code next}, as one operation. */
  public TextOperation compose(TextOperation next) {
    if (next == null) throw new InvalidOperation("cannot compose with null");
    if (targetLength() != next.baseLength()) {
      throw new InvalidOperation(
          "cannot compose: the first operation produces " + targetLength() + " characters, the second expects " + next.baseLength());
    }
    Cursor a = new Cursor(components);
    Cursor b = new Cursor(next.components);
    Builder out = new Builder();
    while (!a.done() || !b.done()) {
      // What the first deletes the second never sees; what the second inserts the first never saw.
      if (!a.done() && a.head() instanceof Delete) {
        out.delete(a.remaining());
        a.consume(a.remaining());
        continue;
      }
      if (!b.done() && b.head() instanceof Insert) {
        int n = b.remaining();
        b.appendText(out, n);
        b.consume(n);
        continue;
      }
      if (a.done() || b.done()) throw new IllegalStateException("lengths were checked");
      int n = Math.min(a.remaining(), b.remaining());
      Component x = a.head();
      Component y = b.head();
      if (x instanceof Retain && y instanceof Retain) out.retain(n);
      else if (x instanceof Retain) out.delete(n); // y deletes what x kept
      else if (y instanceof Retain) a.appendText(out, n); // y keeps what x inserted
      // else x inserted what y deletes: nothing of it remains
      a.consume(n);
      b.consume(n);
    }
    return new TextOperation(out.components());
  }

  /**
   * Rebases two concurrent operations on the same text onto each other: {@code incomingPrime} is
   * {@code incoming} after {@code committed}, {@code committedPrime} is {@code committed} after
   * {@code incoming}, and both orders give the same text. When both insert at the same position the
   * committed insert comes first, because the server has already applied it and clients shown it.
   */
  public static Transformed transform(TextOperation committed, TextOperation incoming) {
    if (committed == null || incoming == null) throw new InvalidOperation("cannot transform null");
    if (committed.baseLength() != incoming.baseLength()) {
      throw new InvalidOperation(
          "cannot transform operations on different texts: base lengths " + committed.baseLength() + " and " + incoming.baseLength());
    }
    Cursor a = new Cursor(committed.components);
    Cursor b = new Cursor(incoming.components);
    Builder ap = new Builder();
    Builder bp = new Builder();
    while (!a.done() || !b.done()) {
      if (!a.done() && a.head() instanceof Insert) {
        int n = a.remaining();
        a.appendText(ap, n);
        bp.retain(n);
        a.consume(n);
        continue;
      }
      if (!b.done() && b.head() instanceof Insert) {
        int n = b.remaining();
        ap.retain(n);
        b.appendText(bp, n);
        b.consume(n);
        continue;
      }
      if (a.done() || b.done()) throw new IllegalStateException("lengths were checked");
      int n = Math.min(a.remaining(), b.remaining());
      boolean aKeeps = a.head() instanceof Retain;
      boolean bKeeps = b.head() instanceof Retain;
      if (aKeeps && bKeeps) {
        ap.retain(n);
        bp.retain(n);
      } else if (aKeeps) {
        bp.delete(n); // only incoming deletes: committedPrime must not keep it
      } else if (bKeeps) {
        ap.delete(n);
      }
      // both delete the same characters: already gone on either side
      a.consume(n);
      b.consume(n);
    }
    return new Transformed(new TextOperation(ap.components()), new TextOperation(bp.components()));
  }

  /** The operation that turns this one's result back into {@code docBefore}, the text it applied to. */
  public TextOperation invert(String docBefore) {
    if (docBefore == null) throw new InvalidOperation("document must not be null");
    if (baseLength() != docBefore.length()) {
      throw new InvalidOperation("cannot invert: the operation covers " + baseLength() + " characters, the document has " + docBefore.length());
    }
    Builder out = new Builder();
    int pos = 0;
    for (Component c : components) {
      if (c instanceof Retain r) {
        out.retain(r.count());
        pos += r.count();
      } else if (c instanceof Insert ins) {
        out.delete(ins.text().length());
      } else {
        int n = c.length();
        out.insert(docBefore, pos, pos + n);
        pos += n;
      }
    }
    return new TextOperation(out.components());
  }

  /**
   * Where a position (a cursor, either end of a selection) at {@code index} of the base text lands in the
   * target text. Text inserted before the position moves it on; text inserted exactly at it leaves it
   * before that text, unless {@code ownInsert}: the position's owner typed it, so the cursor follows what
   * was typed. A position inside deleted text moves to where the deletion was; as a replacement's insert
   * comes before its delete, that is after the replacement text.
   *
   * @throws IllegalArgumentException if {@code index} is outside {@code [0, baseLength()]}
   */
  public int transformIndex(int index, boolean ownInsert) {
    if (index < 0 || index > baseLength()) {
      throw new IllegalArgumentException("index " + index + " outside [0, " + baseLength() + "]");
    }
    int before = index; // base code units still between the walk and the position
    long out = 0;
    for (Component c : components) {
      int n = c.length();
      if (c instanceof Retain) {
        if (before < n) return (int) (out + before);
        out += n;
        before -= n;
      } else if (c instanceof Insert) {
        if (before > 0 || ownInsert) out += n;
        else return (int) out; // at the position and not ours: the rest is all after it
      } else {
        before = Math.max(0, before - n);
      }
    }
    return (int) out;
  }

  /**
   * An operation turning {@code from} into {@code to}: their common prefix and suffix retained, the
   * middle deleted and replaced. Prefix and suffix never end inside a surrogate pair, so clients that
   * replace a whole emoji get an operation that does too.
   */
  public static TextOperation diff(String from, String to) {
    if (from == null || to == null) throw new InvalidOperation("cannot diff null");
    int max = Math.min(from.length(), to.length());
    int prefix = 0;
    while (prefix < max && from.charAt(prefix) == to.charAt(prefix)) prefix++;
    if (prefix > 0 && Character.isHighSurrogate(from.charAt(prefix - 1))) prefix--;
    int suffix = 0;
    while (suffix < max - prefix && from.charAt(from.length() - 1 - suffix) == to.charAt(to.length() - 1 - suffix)) suffix++;
    if (suffix > 0 && Character.isLowSurrogate(from.charAt(from.length() - suffix))) suffix--;
    Builder out = new Builder();
    out.retain(prefix);
    out.delete(from.length() - prefix - suffix);
    out.insert(to, prefix, to.length() - suffix);
    out.retain(suffix);
    return new TextOperation(out.components());
  }

  /**
   * Whether this operation changes anything inside the range {@code [start, end)} of its base text, the
   * rule a range lock enforces: it deletes a code unit at some {@code i} with {@code start <= i < end},
   * or inserts at a position {@code p} with {@code start < p < end}. Inserting exactly at {@code start}
   * or {@code end} grows the text beside the range, not inside it, so it does not touch.
   */
  public boolean touches(int start, int end) {
    long pos = 0;
    for (Component c : components) {
      if (pos >= end) return false;
      int n = c.length();
      if (c instanceof Retain) {
        pos += n;
      } else if (c instanceof Insert) {
        if (pos > start) return true; // and pos < end, checked above
      } else {
        if (Math.max(pos, start) < Math.min(pos + n, end)) return true;
        pos += n;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "TextOperation" + toWire();
  }

  /** Collects components into canonical form: runs merged, and between retains one insert then one delete. */
  private static final class Builder {
    private final List<Component> out = new ArrayList<>();
    private long retain;
    private final StringBuilder insert = new StringBuilder();
    private long delete;
    private long base;
    private long target;

    void add(Component c) {
      if (c instanceof Retain r) retain(r.count());
      else if (c instanceof Insert ins) insert(ins.text(), 0, ins.text().length());
      else delete(((Delete) c).count());
    }

    void retain(long n) {
      if (n <= 0) return;
      flushChange();
      retain += n;
      grow(n, n);
    }

    void insert(String s, int from, int to) {
      if (to <= from) return;
      flushRetain();
      insert.append(s, from, to);
      grow(0, to - from);
    }

    void delete(long n) {
      if (n <= 0) return;
      flushRetain();
      delete += n;
      grow(n, 0);
    }

    private void grow(long baseBy, long targetBy) {
      base += baseBy;
      target += targetBy;
      if (base > Integer.MAX_VALUE || target > Integer.MAX_VALUE) {
        throw new InvalidOperation("operation longer than " + Integer.MAX_VALUE + " characters");
      }
    }

    private void flushRetain() {
      if (retain > 0) out.add(new Retain((int) retain));
      retain = 0;
    }

    private void flushChange() {
      if (insert.length() > 0) out.add(new Insert(insert.toString()));
      if (delete > 0) out.add(new Delete((int) delete));
      insert.setLength(0);
      delete = 0;
    }

    List<Component> components() {
      flushRetain();
      flushChange();
      return List.copyOf(out);
    }
  }

  /** Walks a component list, letting the caller take part of the current component. */
  private static final class Cursor {
    private final List<Component> items;
    private int next;
    private Component head;
    private int offset;

    Cursor(List<Component> items) {
      this.items = items;
      step();
    }

    private void step() {
      head = next < items.size() ? items.get(next++) : null;
      offset = 0;
    }

    boolean done() {
      return head == null;
    }

    Component head() {
      return head;
    }

    int remaining() {
      return head.length() - offset;
    }

    /** Appends the next {@code n} inserted characters of the current (insert) component. */
    void appendText(Builder to, int n) {
      to.insert(((Insert) head).text(), offset, offset + n);
    }

    void consume(int n) {
      offset += n;
      if (offset == head.length()) step();
    }
  }
}
