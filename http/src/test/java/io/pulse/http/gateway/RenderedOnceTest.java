package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RenderedOnceTest {
  private record Event(String text) {}

  @Test
  void theSameInstanceIsRenderedOnceAnEqualCopyAgain() {
    AtomicInteger renders = new AtomicInteger();
    RenderedOnce<Event, String> cache = new RenderedOnce<>(16, e -> "rendered " + e.text() + " #" + renders.incrementAndGet());
    Event event = new Event("hi");
    String first = cache.get(event);
    for (int i = 0; i < 9; i++) assertThat(cache.get(event)).isSameAs(first);
    assertThat(renders).hasValue(1);
    // equal but another instance (a copy from another node): rendered on its own, never mixed up
    assertThat(cache.get(new Event("hi"))).isEqualTo("rendered hi #2");
  }

  @Test
  void aSlotTakenByAnotherEventRendersAgainAndStaysCorrect() {
    RenderedOnce<Event, String> cache = new RenderedOnce<>(1, Event::text);
    Event a = new Event("a");
    Event b = new Event("b");
    assertThat(cache.get(a)).isEqualTo("a");
    assertThat(cache.get(b)).isEqualTo("b");
    assertThat(cache.get(a)).isEqualTo("a");
  }

  @Test
  void theSizeMustBeAPowerOfTwo() {
    assertThatThrownBy(() -> new RenderedOnce<Event, String>(1000, Event::text)).isInstanceOf(IllegalArgumentException.class);
  }
}
