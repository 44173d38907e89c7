package io.pulse.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The document simulation's OT-free apply, its subscriber replica and its random edits. */
class DocTextTest {
  @Test
  void appliesRetainInsertAndDelete() {
    assertThat(DocText.apply("hello world", List.of(5L, ",", 1L, -5L, "there"))).isEqualTo("hello, there");
    assertThat(DocText.apply("", List.of("x"))).isEqualTo("x");
  }

  @Test
  void refusesAnOpMadeForAnotherLength() {
    assertThatThrownBy(() -> DocText.apply("abc", List.of(2L, "x"))).isInstanceOf(DocText.Mismatch.class);
    assertThatThrownBy(() -> DocText.apply("abc", List.of(4L))).isInstanceOf(DocText.Mismatch.class);
    assertThatThrownBy(() -> DocText.apply("abc", List.of(1L, -3L))).isInstanceOf(DocText.Mismatch.class);
  }

  @Test
  void theReplicaAppliesEventsInSeqOrderWhateverOrderTheyArriveIn() {
    DocText.Replica r = new DocText.Replica();
    r.onEvent(4, List.of(2L, "c")); // before the subscribe reply
    r.start("a", 2);
    r.onEvent(2, List.of("zz")); // at or below the reply's version: already in its text
    assertThat(r.version()).isEqualTo(2);
    r.onEvent(3, List.of(1L, "b"));
    assertThat(r.text()).isEqualTo("abc");
    assertThat(r.version()).isEqualTo(4);
    r.onEvent(6, List.of(-1L, 2L));
    r.onEvent(5, null); // a share: a version, no text change
    assertThat(r.text()).isEqualTo("bc");
    assertThat(r.version()).isEqualTo(6);
    assertThat(r.repeats()).isEqualTo(1);
    assertThat(r.pending()).isZero();
    assertThat(r.broken()).isNull();
  }

  @Test
  void aGapHoldsLaterEventsBackAndAnOpThatDoesNotFitBreaksTheReplica() {
    DocText.Replica r = new DocText.Replica();
    r.start("ab", 1);
    r.onEvent(3, List.of(2L, "x"));
    assertThat(r.pending()).isEqualTo(1);
    assertThat(r.version()).isEqualTo(1);
    r.onEvent(2, List.of(5L));
    assertThat(r.broken()).contains("at version 2");
  }

  @Test
  void randomEditsFitTheTextAndKeepItNearTheTarget() {
    SplittableRandom random = new SplittableRandom(7);
    String text = "";
    for (int i = 0; i < 5_000; i++) {
      List<Object> op = DocText.randomEdit(random, text.length(), 100);
      text = DocText.apply(text, op);
      for (Object c : op) assertThat(c).isNotEqualTo(0L);
    }
    assertThat(text.length()).isBetween(97, 103);
    assertThat(DocText.toJson(List.of(3L, "ab", -2L))).isEqualTo("[3,\"ab\",-2]");
  }
}
