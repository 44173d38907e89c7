package io.pulse.actors.document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pulse.actors.document.TextOperation.Delete;
import io.pulse.actors.document.TextOperation.Insert;
import io.pulse.actors.document.TextOperation.InvalidOperation;
import io.pulse.actors.document.TextOperation.Retain;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextOperationTest {
  private static final int SEEDS = 3_000;

  private static TextOperation op() {
    return TextOperation.empty();
  }

  private static TextOperation wire(Object... items) {
    return TextOperation.fromWire(Arrays.asList(items));
  }

  // --- building and canonical form ---

  @Test
  void theBuilderMergesRunsAndDropsZeroLengths() {
    assertThat(op().retain(2).retain(3).toWire()).containsExactly(5);
    assertThat(op().insert("a").insert("b").toWire()).containsExactly("ab");
    assertThat(op().delete(1).delete(2).toWire()).containsExactly(-3);
    TextOperation three = op().retain(3);
    assertThat(three.retain(0)).isSameAs(three);
    assertThat(three.insert("")).isSameAs(three);
    assertThat(three.delete(0)).isSameAs(three);
    assertThat(op().components()).isEmpty();
  }

  @Test
  void anInsertNextToADeleteGoesFirst() {
    assertThat(op().delete(2).insert("x").toWire()).containsExactly("x", -2);
    assertThat(op().retain(1).insert("a").delete(2).insert("b").retain(1).toWire()).containsExactly(1, "ab", -2, 1);
    assertThat(op().delete(1).insert("a").delete(1).toWire()).containsExactly("a", -2);
    // same effect, same value
    assertThat(op().retain(1).delete(1).insert("z")).isEqualTo(op().retain(1).insert("z").delete(1));
  }

  @Test
  void theConstructorNormalizesToo() {
    TextOperation op = new TextOperation(List.of(new Retain(1), new Retain(2), new Delete(1), new Insert("x"), new Insert("y")));
    assertThat(op).isEqualTo(op().retain(3).insert("xy").delete(1));
    assertThatThrownBy(() -> op().components().add(new Retain(1))).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theBuilderRefusesNegativeCountsAndNull() {
    assertThatThrownBy(() -> op().retain(-1)).isInstanceOf(InvalidOperation.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> op().delete(-3)).isInstanceOf(InvalidOperation.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> op().insert(null)).isInstanceOf(InvalidOperation.class);
    assertThatThrownBy(() -> new Retain(0)).isInstanceOf(InvalidOperation.class);
    assertThatThrownBy(() -> new Delete(-1)).isInstanceOf(InvalidOperation.class);
    assertThatThrownBy(() -> new Insert("")).isInstanceOf(InvalidOperation.class);
    assertThatThrownBy(() -> new TextOperation(null)).isInstanceOf(InvalidOperation.class);
    assertThatThrownBy(() -> new TextOperation(Arrays.asList(new Retain(1), null))).isInstanceOf(InvalidOperation.class);
    assertThatThrownBy(() -> op().retain(Integer.MAX_VALUE).retain(1))
        .isInstanceOf(InvalidOperation.class)
        .hasMessageContaining("longer than");
  }

  @Test
  void anInvalidOperationCarriesTheStableCode() {
    InvalidOperation e = new InvalidOperation("x");
    assertThat(e.code()).isEqualTo("invalid_op").isEqualTo(InvalidOperation.CODE);
    assertThat(e).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lengthsAndNoop() {
    TextOperation op = wire(2, "abc", -4, 1);
    assertThat(op.baseLength()).isEqualTo(7);
    assertThat(op.targetLength()).isEqualTo(6);
    assertThat(op.isNoop()).isFalse();
    assertThat(op().retain(4).isNoop()).isTrue();
    assertThat(op().isNoop()).isTrue();
    assertThat(op().insert("a").isNoop()).isFalse();
    assertThat(op().delete(1).isNoop()).isFalse();
  }

  @Test
  void toStringShowsTheWireForm() {
    assertThat(wire(1, "a", -2).toString()).isEqualTo("TextOperation[1, a, -2]");
  }

  // --- wire ---

  @Test
  void wireFormRoundTrips() {
    List<Object> items = List.of(3, "h\uD83D\uDE00", -2, 4);
    TextOperation op = TextOperation.fromWire(items);
    assertThat(op.components()).containsExactly(new Retain(3), new Insert("h\uD83D\uDE00"), new Delete(2), new Retain(4));
    assertThat(op.toWire()).isEqualTo(items);
    assertThat(TextOperation.fromWire(List.of()).toWire()).isEmpty();
  }

  @Test
  void wireAcceptsIntegralNumbersOfAnyTypeAndNormalizes() {
    assertThat(wire(2L, 3, (short) 1).toWire()).containsExactly(6);
    assertThat(wire(2.0, -1.0, BigInteger.TWO, new BigDecimal("-3.00")).toWire()).containsExactly(2, -1, 2, -3);
    assertThat(wire(-1, "x").toWire()).containsExactly("x", -1);
    assertThat(wire((long) Integer.MAX_VALUE).baseLength()).isEqualTo(Integer.MAX_VALUE);
    assertThat(wire(-Integer.MAX_VALUE).baseLength()).isEqualTo(Integer.MAX_VALUE);
  }

  private static void refusedOnTheWire(List<Object> items, String message) {
    assertThatThrownBy(() -> TextOperation.fromWire(items))
        .as("%s", items)
        .isInstanceOfSatisfying(InvalidOperation.class, e -> assertThat(e.code()).isEqualTo("invalid_op"))
        .hasMessageContaining(message);
  }

  @Test
  void wireRefusesWhatIsNotAComponent() {
    refusedOnTheWire(List.of(1, 0), "zero at index 1");
    refusedOnTheWire(List.of(1.5), "not an integer");
    refusedOnTheWire(List.of(Double.NaN), "not a finite number");
    refusedOnTheWire(List.of(true), "unsupported component at index 0: Boolean");
    refusedOnTheWire(List.of(Map.of("r", 1)), "unsupported component");
    refusedOnTheWire(List.of(List.of(1)), "unsupported component");
    refusedOnTheWire(Arrays.asList(1, null), "unsupported component at index 1: null");
    refusedOnTheWire(List.of(2, ""), "empty insert at index 1");
    refusedOnTheWire(List.of(1L + Integer.MAX_VALUE), "beyond int range");
    refusedOnTheWire(List.of((long) Integer.MIN_VALUE), "beyond int range");
    refusedOnTheWire(List.of(new BigInteger("99999999999999999999999")), "beyond int range");
    refusedOnTheWire(List.of(1e20), "beyond int range");
    // each count fits, the total does not
    refusedOnTheWire(List.of(Integer.MAX_VALUE, Integer.MAX_VALUE), "longer than");
    assertThatThrownBy(() -> TextOperation.fromWire(null)).isInstanceOf(InvalidOperation.class);
  }

  // --- apply ---

  @Test
  void applyRetainsInsertsAndDeletes() {
    assertThat(op().retain(5).insert(" world").apply("hello")).isEqualTo("hello world");
    assertThat(wire(1, -3, 1).apply("hello")).isEqualTo("ho");
    assertThat(wire("J", -1, 4).apply("hello")).isEqualTo("Jello");
    assertThat(op().apply("")).isEmpty();
    assertThat(op().insert("abc").apply("")).isEqualTo("abc");
    assertThat(op().delete(3).apply("abc")).isEmpty();
  }

  @Test
  void applyRefusesAnOperationThatDoesNotCoverTheText() {
    assertThatThrownBy(() -> op().retain(6).apply("hello"))
        .isInstanceOf(InvalidOperation.class)
        .hasMessageContaining("retain past the end of the document");
    assertThatThrownBy(() -> op().retain(2).delete(4).apply("hello"))
        .isInstanceOf(InvalidOperation.class)
        .hasMessageContaining("delete past the end of the document");
    assertThatThrownBy(() -> op().retain(4).apply("hello"))
        .isInstanceOf(InvalidOperation.class)
        .hasMessageContaining("operation is shorter than the document");
    assertThatThrownBy(() -> op().apply("a")).isInstanceOf(InvalidOperation.class).hasMessageContaining("shorter");
    assertThatThrownBy(() -> op().insert("x").apply(null)).isInstanceOf(InvalidOperation.class);
  }

  @Test
  void positionsAreUtf16CodeUnits() {
    String doc = "a\uD83D\uDE00b"; // a, emoji (two code units), b
    assertThat(op().retain(3).insert("!").retain(1).apply(doc)).isEqualTo("a\uD83D\uDE00!b");
    assertThat(op().retain(1).delete(2).retain(1).apply(doc)).isEqualTo("ab");
  }

  // --- compose ---

  @Test
  void composeIsOneThenTheOther() {
    TextOperation a = wire(5, " world");
    TextOperation b = wire(-1, "H", 10);
    assertThat(a.compose(b).apply("hello")).isEqualTo("Hello world");
    assertThat(a.compose(b)).isEqualTo(wire("H", -1, 4, " world"));
    // the second deletes what the first inserted: nothing of it is left
    assertThat(wire(2, "xyz", 1).compose(wire(2, -3, 1))).isEqualTo(wire(3));
    // the second deletes part of an insert
    assertThat(wire("abc").compose(wire(1, -1, 1))).isEqualTo(wire("ac"));
    assertThat(op().compose(op())).isEqualTo(op());
  }

  @Test
  void composeRefusesMismatchedLengths() {
    assertThatThrownBy(() -> wire(3).compose(wire(4)))
        .isInstanceOf(InvalidOperation.class)
        .hasMessageContaining("produces 3")
        .hasMessageContaining("expects 4");
    assertThatThrownBy(() -> wire(3).compose(null)).isInstanceOf(InvalidOperation.class);
  }

  // --- transform ---

  @Test
  void theCommittedInsertGoesFirstAtTheSamePosition() {
    String doc = "ab";
    TextOperation committed = wire(1, "X", 1);
    TextOperation incoming = wire(1, "Y", 1);
    TextOperation.Transformed t = TextOperation.transform(committed, incoming);
    assertThat(t.incomingPrime().apply(committed.apply(doc))).isEqualTo("aXYb");
    assertThat(t.committedPrime().apply(incoming.apply(doc))).isEqualTo("aXYb");
    assertThat(t.incomingPrime()).isEqualTo(wire(2, "Y", 1));
    assertThat(t.committedPrime()).isEqualTo(wire(1, "X", 2));
  }

  @Test
  void transformOfOverlappingDeletesDeletesOnce() {
    String doc = "abcdef";
    TextOperation committed = wire(1, -3, 2); // removes bcd
    TextOperation incoming = wire(2, -3, 1); // removes cde
    TextOperation.Transformed t = TextOperation.transform(committed, incoming);
    assertThat(t.incomingPrime().apply(committed.apply(doc))).isEqualTo("af");
    assertThat(t.committedPrime().apply(incoming.apply(doc))).isEqualTo("af");
    assertThat(t.incomingPrime()).isEqualTo(wire(1, -1, 1));
  }

  @Test
  void anInsertInsideAConcurrentDeleteSurvives() {
    String doc = "abcd";
    TextOperation committed = wire(1, -2, 1);
    TextOperation incoming = wire(2, "X", 2);
    TextOperation.Transformed t = TextOperation.transform(committed, incoming);
    assertThat(t.incomingPrime().apply(committed.apply(doc))).isEqualTo("aXd");
    assertThat(t.committedPrime().apply(incoming.apply(doc))).isEqualTo("aXd");
  }

  @Test
  void transformRefusesDifferentBases() {
    assertThatThrownBy(() -> TextOperation.transform(wire(3), wire(4)))
        .isInstanceOf(InvalidOperation.class)
        .hasMessageContaining("base lengths 3 and 4");
    assertThatThrownBy(() -> TextOperation.transform(null, wire(1))).isInstanceOf(InvalidOperation.class);
  }

  // --- invert ---

  @Test
  void invertUndoes() {
    String doc = "hello world";
    TextOperation op = wire("Oh, ", -1, 4, -6, "!");
    String after = op.apply(doc);
    assertThat(after).isEqualTo("Oh, ello!");
    TextOperation undo = op.invert(doc);
    assertThat(undo.apply(after)).isEqualTo(doc);
    assertThat(undo).isEqualTo(wire(-4, "h", 4, " world", -1));
    assertThat(op().invert("")).isEqualTo(op());
  }

  @Test
  void invertRefusesAnotherText() {
    assertThatThrownBy(() -> wire(3).invert("ab")).isInstanceOf(InvalidOperation.class).hasMessageContaining("covers 3");
  }

  // --- cursors ---

  @Test
  void aCursorMovesWithInsertsBeforeItAndStaysBeforeOthersInsertsAtIt() {
    TextOperation op = wire(2, "XY", 3); // base "abcde", insert at 2
    assertThat(op.transformIndex(0, false)).isEqualTo(0);
    assertThat(op.transformIndex(1, false)).isEqualTo(1);
    assertThat(op.transformIndex(2, false)).isEqualTo(2);
    assertThat(op.transformIndex(2, true)).isEqualTo(4);
    assertThat(op.transformIndex(3, false)).isEqualTo(5);
    assertThat(op.transformIndex(5, false)).isEqualTo(7);
    TextOperation atEnd = wire(3, "!");
    assertThat(atEnd.transformIndex(3, false)).isEqualTo(3);
    assertThat(atEnd.transformIndex(3, true)).isEqualTo(4);
    TextOperation atStart = wire("!", 3);
    assertThat(atStart.transformIndex(0, false)).isEqualTo(0);
    assertThat(atStart.transformIndex(0, true)).isEqualTo(1);
  }

  @Test
  void aCursorInsideDeletedTextMovesToTheDeletion() {
    TextOperation op = wire(1, -3, 2); // "abcdef" -> "aef"
    assertThat(op.transformIndex(0, false)).isEqualTo(0);
    assertThat(op.transformIndex(1, false)).isEqualTo(1);
    assertThat(op.transformIndex(2, false)).isEqualTo(1);
    assertThat(op.transformIndex(4, false)).isEqualTo(1);
    assertThat(op.transformIndex(5, false)).isEqualTo(2);
    assertThat(op.transformIndex(6, false)).isEqualTo(3);
    // replaced text: the replacement goes in where the deletion starts, so a cursor inside the deleted
    // part ends after it, and one at its start stays before it unless it typed it
    TextOperation replace = wire(1, "XY", -3, 2);
    assertThat(replace.transformIndex(1, false)).isEqualTo(1);
    assertThat(replace.transformIndex(1, true)).isEqualTo(3);
    assertThat(replace.transformIndex(3, false)).isEqualTo(3);
    assertThat(replace.transformIndex(4, false)).isEqualTo(3);
  }

  @Test
  void aCursorOutsideTheTextIsRefused() {
    assertThatThrownBy(() -> wire(3).transformIndex(4, false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> wire(3).transformIndex(-1, false)).isInstanceOf(IllegalArgumentException.class);
    assertThat(op().transformIndex(0, true)).isEqualTo(0);
  }

  // --- diff ---

  @Test
  void diffKeepsCommonPrefixAndSuffix() {
    assertThat(TextOperation.diff("abc", "abc")).isEqualTo(wire(3));
    assertThat(TextOperation.diff("abc", "abc").isNoop()).isTrue();
    assertThat(TextOperation.diff("abc", "abXc")).isEqualTo(wire(2, "X", 1));
    assertThat(TextOperation.diff("hello world", "hello there world")).isEqualTo(wire(6, "there ", 5));
    assertThat(TextOperation.diff("", "x")).isEqualTo(wire("x"));
    assertThat(TextOperation.diff("x", "")).isEqualTo(wire(-1));
    assertThat(TextOperation.diff("", "")).isEqualTo(op());
    assertThat(TextOperation.diff("aaa", "aa")).isEqualTo(wire(2, -1)); // prefix and suffix never overlap
    assertThat(TextOperation.diff("abcd", "axyd")).isEqualTo(wire(1, "xy", -2, 1));
  }

  @Test
  void diffDoesNotSplitASurrogatePair() {
    String grin = "a\uD83D\uDE00b";
    String beam = "a\uD83D\uDE01b"; // same high surrogate, other low one
    assertThat(TextOperation.diff(grin, beam)).isEqualTo(wire(1, "\uD83D\uDE01", -2, 1));
    String other = "a\uD83C\uDE00b"; // other high surrogate, same low one
    assertThat(TextOperation.diff(grin, other)).isEqualTo(wire(1, "\uD83C\uDE00", -2, 1));
  }

  // --- touches ---

  @Test
  void touchesMeansDeletingInsideOrInsertingStrictlyInside() {
    // range [2, 5) of "abcdefg"
    assertThat(wire(7).touches(2, 5)).isFalse();
    assertThat(wire(1, -1, 5).touches(2, 5)).isFalse(); // deletes just before
    assertThat(wire(5, -1, 1).touches(2, 5)).isFalse(); // deletes just after
    assertThat(wire(1, -2, 4).touches(2, 5)).isTrue(); // deletes the first code unit
    assertThat(wire(4, -2, 1).touches(2, 5)).isTrue(); // deletes the last
    assertThat(wire(-7).touches(2, 5)).isTrue(); // deletes around it
    assertThat(wire(2, "x", 5).touches(2, 5)).isFalse(); // insert at the start edge
    assertThat(wire(5, "x", 2).touches(2, 5)).isFalse(); // insert at the end edge
    assertThat(wire(3, "x", 4).touches(2, 5)).isTrue();
    assertThat(wire(4, "x", 3).touches(2, 5)).isTrue();
    assertThat(wire("x", 7).touches(2, 5)).isFalse();
    assertThat(wire(7, "x").touches(2, 5)).isFalse();
    assertThat(wire(2, "x", -1, 4).touches(2, 5)).isTrue(); // a replacement at the start edge deletes inside
  }

  // --- long operations ---

  @Test
  void longOperationsNeedNoDeepStack() {
    int n = 200_000;
    List<Object> items = new ArrayList<>(2 * n);
    StringBuilder doc = new StringBuilder();
    for (int i = 0; i < n; i++) {
      items.add(1);
      items.add(i % 2 == 0 ? "x" : (Object) (-1));
      doc.append("ab");
    }
    TextOperation a = TextOperation.fromWire(items);
    String base = doc.substring(0, a.baseLength());
    String after = a.apply(base);
    TextOperation undo = a.invert(base);
    assertThat(a.compose(undo).apply(base)).isEqualTo(base);
    TextOperation.Transformed t = TextOperation.transform(a, a);
    assertThat(t.incomingPrime().apply(after)).isEqualTo(t.committedPrime().apply(after));
    assertThat(a.transformIndex(base.length(), false)).isEqualTo(after.length());
  }

  // --- randomized properties ---

  private static final String ALPHABET = "abcxyz \n\uD83D\uDE00"; // includes both halves of an emoji

  private static String randomText(Random r, int max) {
    int n = r.nextInt(max + 1);
    StringBuilder s = new StringBuilder(n);
    for (int i = 0; i < n; i++) s.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    return s.toString();
  }

  /** A random operation on {@code doc}: runs of retains, deletes and inserts of a few characters. */
  static TextOperation randomOp(Random r, String doc) {
    TextOperation op = TextOperation.empty();
    int pos = 0;
    while (pos < doc.length()) {
      int n = 1 + r.nextInt(Math.min(4, doc.length() - pos));
      switch (r.nextInt(5)) {
        case 0, 1 -> {
          op = op.retain(n);
          pos += n;
        }
        case 2 -> {
          op = op.delete(n);
          pos += n;
        }
        default -> op = op.insert(randomText(r, 3));
      }
    }
    if (r.nextInt(3) == 0) op = op.insert(randomText(r, 3));
    return op;
  }

  @Test
  void transformConvergesForRandomPairs() {
    for (int seed = 0; seed < SEEDS; seed++) {
      Random r = new Random(seed);
      String doc = randomText(r, 20);
      TextOperation a = randomOp(r, doc);
      TextOperation b = randomOp(r, doc);
      TextOperation.Transformed t = TextOperation.transform(a, b);
      String viaA = t.incomingPrime().apply(a.apply(doc));
      String viaB = t.committedPrime().apply(b.apply(doc));
      assertThat(viaA).as("seed %d: %s / %s on %s", seed, a, b, doc).isEqualTo(viaB);
      assertThat(a.compose(t.incomingPrime())).as("seed %d", seed).isEqualTo(b.compose(t.committedPrime()));
    }
  }

  @Test
  void composeEqualsApplyingInTurn() {
    for (int seed = 0; seed < SEEDS; seed++) {
      Random r = new Random(seed);
      String doc = randomText(r, 20);
      TextOperation a = randomOp(r, doc);
      String middle = a.apply(doc);
      TextOperation b = randomOp(r, middle);
      TextOperation ab = a.compose(b);
      assertThat(ab.apply(doc)).as("seed %d: %s then %s on %s", seed, a, b, doc).isEqualTo(b.apply(middle));
      assertThat(ab.baseLength()).isEqualTo(doc.length());
      assertThat(ab.targetLength()).isEqualTo(b.targetLength());
    }
  }

  @Test
  void invertUndoesRandomOperations() {
    for (int seed = 0; seed < SEEDS; seed++) {
      Random r = new Random(seed);
      String doc = randomText(r, 20);
      TextOperation a = randomOp(r, doc);
      String after = a.apply(doc);
      TextOperation undo = a.invert(doc);
      assertThat(undo.apply(after)).as("seed %d: %s on %s", seed, a, doc).isEqualTo(doc);
      assertThat(a.compose(undo).apply(doc)).as("seed %d", seed).isEqualTo(doc);
      assertThat(undo.invert(after)).as("seed %d", seed).isEqualTo(a);
    }
  }

  @Test
  void diffTurnsOneTextIntoTheOther() {
    for (int seed = 0; seed < SEEDS; seed++) {
      Random r = new Random(seed);
      String from = randomText(r, 20);
      String to = randomOp(r, from).apply(from);
      TextOperation d = TextOperation.diff(from, to);
      assertThat(d.apply(from)).as("seed %d: %s -> %s", seed, from, to).isEqualTo(to);
      assertThat(d.components().size()).isLessThanOrEqualTo(4);
    }
  }

  /**
   * A range the operation does not touch comes through whole, between its start moved after edge inserts
   * and its end moved before them: the guarantee range locks rely on.
   */
  @Test
  void anUntouchedRangeKeepsItsTextAndIndicesMoveMonotonically() {
    for (int seed = 0; seed < SEEDS; seed++) {
      Random r = new Random(seed);
      String doc = randomText(r, 20);
      TextOperation a = randomOp(r, doc);
      String after = a.apply(doc);
      int previous = 0;
      for (int i = 0; i <= doc.length(); i++) {
        int moved = a.transformIndex(i, false);
        assertThat(moved).isBetween(previous, after.length());
        assertThat(a.transformIndex(i, true)).isBetween(moved, after.length());
        previous = moved;
      }
      int start = r.nextInt(doc.length() + 1);
      int end = start + r.nextInt(doc.length() - start + 1);
      if (!a.touches(start, end) && start < end) {
        String kept = after.substring(a.transformIndex(start, true), a.transformIndex(end, false));
        assertThat(kept).as("seed %d: %s on %s [%d, %d)", seed, a, doc, start, end).isEqualTo(doc.substring(start, end));
      }
      if (a.touches(start, end)) assertThat(a.isNoop()).isFalse();
    }
  }

  /**
   * Clients edit concurrently through a server that rebases each incoming operation over everything
   * committed since its base version; messages arrive in order per client, interleaved at random. In the
   * end every client holds the server's text.
   */
  @Test
  void serverAndClientsConverge() {
    for (int seed = 0; seed < SEEDS; seed++) {
      new Convergence(new Random(seed), seed).run();
    }
  }

  private static final class Convergence {
    private final Random r;
    private final int seed;
    private String text;
    private final List<TextOperation> history = new ArrayList<>();
    private final List<SimulatedEditor> editors = new ArrayList<>();
    private final List<Deque<SimulatedEditor.Sent>> toServer = new ArrayList<>();
    private final List<Deque<Delivery>> toClient = new ArrayList<>();

    Convergence(Random r, int seed) {
      this.r = r;
      this.seed = seed;
      this.text = randomText(r, 12);
    }

    void run() {
      int clients = 2 + r.nextInt(3);
      for (int i = 0; i < clients; i++) {
        editors.add(new SimulatedEditor("c" + i, text, 0));
        toClient.add(new ArrayDeque<>());
        toServer.add(new ArrayDeque<>());
      }
      int steps = 10 + r.nextInt(40);
      for (int s = 0; s < steps; s++) step(true);
      while (inFlight()) step(false);
      for (SimulatedEditor e : editors) {
        assertThat(e.text()).as("seed %d: %s", seed, e.id).isEqualTo(text);
        assertThat(e.state()).as("seed %d: %s", seed, e.id).isEqualTo("synchronized");
        assertThat(e.version()).as("seed %d: %s", seed, e.id).isEqualTo(history.size());
      }
    }

    private boolean inFlight() {
      return toServer.stream().anyMatch(q -> !q.isEmpty()) || toClient.stream().anyMatch(q -> !q.isEmpty());
    }

    /** One event: a local edit (while {@code mayEdit}), a commit, or a delivery to a client. */
    private void step(boolean mayEdit) {
      int choice = r.nextInt(3);
      int i = r.nextInt(editors.size());
      SimulatedEditor e = editors.get(i);
      if (choice == 0 && mayEdit) {
        SimulatedEditor.Sent sent = e.edit(randomOp(r, e.text()));
        if (sent != null) toServer.get(i).add(sent);
      } else if (choice == 1 && !toServer.get(i).isEmpty()) {
        commit(toServer.get(i).poll());
      } else if (!toClient.get(i).isEmpty()) {
        Delivery d = toClient.get(i).poll();
        if (d.ack()) {
          SimulatedEditor.Sent next = e.ack();
          if (next != null) toServer.get(i).add(next);
        } else {
          e.remote(d.op());
        }
      }
    }

    /** What the document entity will do: rebase over what was committed since the base, check, apply. */
    private void commit(SimulatedEditor.Sent sent) {
      assertThat(DocumentRules.checkVersion(sent.baseVersion(), history.size())).isEmpty();
      TextOperation op = sent.op();
      for (int v = (int) sent.baseVersion(); v < history.size(); v++) {
        op = TextOperation.transform(history.get(v), op).incomingPrime();
      }
      assertThat(DocumentRules.checkOp(op, text.length())).as("seed %d", seed).isEmpty();
      text = op.apply(text);
      history.add(op);
      for (int i = 0; i < editors.size(); i++) {
        boolean own = editors.get(i).id.equals(sent.client());
        toClient.get(i).add(new Delivery(own, own ? null : op));
      }
    }
  }

  /** What the server sends a client: the ack of its own operation, or another's operation. */
  private record Delivery(boolean ack, TextOperation op) {}
}
