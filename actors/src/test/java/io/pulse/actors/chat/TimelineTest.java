package io.pulse.actors.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTest {

  private static Timeline.Entry message(long seq) {
    return new Timeline.Entry(seq, new Conversation.MessageSent("alice", "c-" + seq, "m" + seq, seq));
  }

  private static Timeline.Entry receipt(long seq) {
    return new Timeline.Entry(seq, new Conversation.Read("bob", seq - 1, 0, seq));
  }

  /** A timeline that was given seqs 1..last, each a message. */
  private static Timeline messages(int capacity, long last) {
    Timeline t = Timeline.empty(capacity);
    for (long s = 1; s <= last; s++) t = t.append(message(s));
    return t;
  }

  private static List<Long> seqs(List<Timeline.Entry> entries) {
    List<Long> out = new ArrayList<>();
    entries.forEach(e -> out.add(e.seq()));
    return out;
  }

  @Test
  void anEmptyTimelineHoldsNothing() {
    Timeline t = Timeline.empty(5);
    assertThat(t.entries()).isEmpty();
    assertThat(t.firstSeq(1)).isEqualTo(1);
    assertThat(t.after(0, 10)).isEmpty();
    assertThat(t.before(10, 10)).isEmpty();
    assertThat(t.find(1)).isEmpty();
    assertThat(t.messagesAfter(0)).isZero();
    assertThat(t.coversAfter(0, 0)).isTrue();
  }

  @Test
  void appendKeepsTheNewestUpToCapacityAndIsImmutable() {
    Timeline three = messages(5, 3);
    Timeline four = three.append(message(4));
    assertThat(seqs(three.entries())).containsExactly(1L, 2L, 3L);
    assertThat(seqs(four.entries())).containsExactly(1L, 2L, 3L, 4L);

    Timeline eight = messages(5, 8);
    assertThat(seqs(eight.entries())).containsExactly(4L, 5L, 6L, 7L, 8L);
    assertThat(eight.capacity()).isEqualTo(5);
    assertThat(eight.firstSeq(9)).isEqualTo(4);
    assertThatThrownBy(() -> eight.entries().add(message(9))).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aLongRunAcrossManyChunksKeepsExactlyTheNewestAndOldVersionsStayIntact() {
    Timeline t = Timeline.empty(100);
    List<Timeline> versions = new ArrayList<>();
    for (long s = 1; s <= 1_000; s++) {
      t = t.append(message(s));
      if (s % 97 == 0) versions.add(t);
    }
    List<Long> expected = new ArrayList<>();
    for (long s = 901; s <= 1_000; s++) expected.add(s);
    assertThat(seqs(t.entries())).isEqualTo(expected);
    assertThat(t.find(901)).get().extracting(Timeline.Entry::seq).isEqualTo(901L);
    assertThat(t.find(900)).isEmpty();
    assertThat(t.find(1_000)).get().extracting(Timeline.Entry::seq).isEqualTo(1_000L);
    assertThat(seqs(t.before(950, 3))).containsExactly(947L, 948L, 949L);
    // every earlier version still holds what it held when it was the newest
    for (Timeline v : versions) {
      long last = v.entries().get(v.entries().size() - 1).seq();
      assertThat(v.entries()).hasSize((int) Math.min(100, last));
      assertThat(v.firstSeq(last + 1)).isEqualTo(Math.max(1, last - 99));
    }
    // and a copy made from a plain list (as after a snapshot) is the same timeline
    assertThat(new Timeline(100, new ArrayList<>(t.entries())).entries()).isEqualTo(t.entries());
  }

  @Test
  void aCapacityOfOneKeepsOnlyTheLast() {
    assertThat(seqs(messages(1, 3).entries())).containsExactly(3L);
  }

  @Test
  void afterPagesForwardOldestFirst() {
    Timeline t = messages(5, 8); // holds 4..8
    assertThat(seqs(t.after(0, 10))).containsExactly(4L, 5L, 6L, 7L, 8L);
    assertThat(seqs(t.after(5, 2))).containsExactly(6L, 7L);
    assertThat(seqs(t.after(7, 10))).containsExactly(8L);
    assertThat(t.after(8, 10)).isEmpty();
  }

  @Test
  void beforePagesBackwardButReturnsOldestFirst() {
    Timeline t = messages(5, 8); // holds 4..8
    assertThat(seqs(t.before(9, 2))).containsExactly(7L, 8L);
    assertThat(seqs(t.before(7, 10))).containsExactly(4L, 5L, 6L);
    assertThat(seqs(t.before(100, 3))).containsExactly(6L, 7L, 8L);
    assertThat(t.before(4, 10)).isEmpty();
  }

  @Test
  void findsOnlyWhatIsHeld() {
    Timeline t = messages(5, 8);
    assertThat(t.find(6)).get().extracting(Timeline.Entry::seq).isEqualTo(6L);
    assertThat(t.find(4)).isPresent();
    assertThat(t.find(8)).isPresent();
    assertThat(t.find(3)).isEmpty(); // dropped
    assertThat(t.find(9)).isEmpty(); // not yet
    assertThat(t.find(-1)).isEmpty();
  }

  @Test
  void coversAfterTellsWhetherAResumeNeedsTheJournal() {
    Timeline t = messages(5, 8); // holds 4..8
    assertThat(t.coversAfter(8, 8)).isTrue(); // up to date
    assertThat(t.coversAfter(20, 8)).isTrue(); // ahead (clamped by the caller)
    assertThat(t.coversAfter(3, 8)).isTrue(); // everything after 3 is 4..8
    assertThat(t.coversAfter(2, 8)).isFalse(); // 3 is only in the journal
    assertThat(t.coversAfter(0, 8)).isFalse();
    assertThat(messages(5, 3).coversAfter(0, 3)).isTrue(); // the whole history is held
  }

  @Test
  void messagesAfterCountsOnlyMessages() {
    Timeline t = Timeline.empty(10).append(message(1)).append(receipt(2)).append(message(3)).append(receipt(4)).append(message(5));
    assertThat(t.messagesAfter(0)).isEqualTo(3);
    assertThat(t.messagesAfter(1)).isEqualTo(2);
    assertThat(t.messagesAfter(3)).isEqualTo(1);
    assertThat(t.messagesAfter(5)).isZero();
  }

  @Test
  void equalTimelinesAreEqualWhateverListTheyWereBuiltFrom() {
    Timeline a = new Timeline(3, new ArrayList<>(List.of(message(1), message(2))));
    Timeline b = Timeline.empty(3).append(message(1)).append(message(2));
    assertThat(a).isEqualTo(b);
  }
}
