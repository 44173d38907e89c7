package io.pulse.actors.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SilenceAndGroupingTest {
  private static final Map<String, String> LABELS = Map.of("alertname", "cpu", "host", "web-1", "env", "prod");

  @Test
  void matchersEqualNotEqualAndAnchoredRegex() {
    assertThat(new LabelMatcher("host", "=", "web-1").matches(LABELS)).isTrue();
    assertThat(new LabelMatcher("host", "=", "web-2").matches(LABELS)).isFalse();
    assertThat(new LabelMatcher("host", "!=", "web-2").matches(LABELS)).isTrue();
    assertThat(new LabelMatcher("host", "!=", "web-1").matches(LABELS)).isFalse();
    assertThat(new LabelMatcher("host", "=~", "web-.*").matches(LABELS)).isTrue();
    assertThat(new LabelMatcher("host", "=~", "web").matches(LABELS)).as("anchored").isFalse();
    // a missing label is the empty string
    assertThat(new LabelMatcher("dc", "=", "").matches(LABELS)).isTrue();
    assertThat(new LabelMatcher("dc", "!=", "").matches(LABELS)).isFalse();
  }

  @Test
  void badMatchersAreRefused() {
    assertThat(LabelMatcher.problem("1x", "=", "a")).isPresent();
    assertThat(LabelMatcher.problem("x", "==", "a")).isPresent();
    assertThat(LabelMatcher.problem("x", "=~", "(")).hasValueSatisfying(m -> assertThat(m).contains("regular expression"));
    assertThatThrownBy(() -> new LabelMatcher("x", "~", "a")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSilenceNeedsEveryMatcherAndItsWindow() {
    Silence s = new Silence("s1", List.of(new LabelMatcher("env", "=", "prod"), new LabelMatcher("host", "=~", "web-\\d")), 1_000, 2_000, "ops", "");
    assertThat(s.silences(LABELS, 999)).isFalse();
    assertThat(s.silences(LABELS, 1_000)).isTrue();
    assertThat(s.silences(LABELS, 1_999)).isTrue();
    assertThat(s.silences(LABELS, 2_000)).as("endsAt is exclusive").isFalse();
    assertThat(s.silences(Map.of("env", "prod", "host", "db-1"), 1_500)).isFalse();
    assertThat(Silence.anySilences(List.of(s), LABELS, 1_500)).isTrue();
    assertThat(Silence.anySilences(List.of(s.expiredAt(1_200)), LABELS, 1_500)).isFalse();
  }

  @Test
  void groupsByTheirGroupByLabels() {
    assertThat(Grouping.key(LABELS, List.of("alertname"))).isEqualTo("{alertname=\"cpu\"}");
    assertThat(Grouping.key(Map.of("alertname", "cpu", "host", "web-2"), List.of("alertname")))
        .isEqualTo(Grouping.key(LABELS, List.of("alertname")));
    assertThat(Grouping.key(LABELS, List.of("host", "alertname"))).isEqualTo("{alertname=\"cpu\",host=\"web-1\"}");
    assertThat(Grouping.key(LABELS, List.of())).isEqualTo("{}");
  }

  @Test
  void aGroupWaitsGroupWaitThenGroupIntervalAfterItsLastSend() {
    assertThat(Grouping.dueAt(1_000, 0, 500, 5_000)).isEqualTo(1_500);
    assertThat(Grouping.dueAt(1_000, 900, 500, 5_000)).isEqualTo(5_900);
    assertThat(Grouping.dueAt(10_000, 900, 500, 5_000)).isEqualTo(10_500);
  }
}
