package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {

  private static List<String> drain(OutboundQueue queue) {
    List<String> out = new ArrayList<>();
    for (Outbound o = queue.poll(); o != null; o = queue.poll()) out.add(o.json());
    return out;
  }

  @Test
  void aSlowClientSeesOnlyTheNewestValuePerKey() {
    OutboundQueue queue = new OutboundQueue(10, 10);
    queue.offer(Outbound.latest("user:a", "a1"));
    queue.offer(Outbound.latest("user:b", "b1"));
    queue.offer(Outbound.latest("user:a", "a2"));
    queue.offer(Outbound.latest("user:a", "a3"));
    assertThat(drain(queue)).containsExactly("b1", "a3");
    assertThat(queue.isEmpty()).isTrue();
  }

  @Test
  void durableFramesAreNeverDroppedAndGoFirst() {
    OutboundQueue queue = new OutboundQueue(10, 10);
    queue.offer(Outbound.latest("user:a", "a1"));
    queue.offer(Outbound.durable("d1"));
    queue.offer(Outbound.durable("d2"));
    assertThat(drain(queue)).containsExactly("d1", "d2", "a1");
  }

  @Test
  void aDurableFrameBeyondCapacityIsRefusedAndNothingQueuedIsLost() {
    OutboundQueue queue = new OutboundQueue(2, 10);
    assertThat(queue.offer(Outbound.durable("1"))).isTrue();
    assertThat(queue.offer(Outbound.durable("2"))).isTrue();
    assertThat(queue.offer(Outbound.durable("3"))).isFalse();
    // ephemeral frames are conflated, never refused
    assertThat(queue.offer(Outbound.latest("k", "e"))).isTrue();
    assertThat(drain(queue)).containsExactly("1", "2", "e");
  }

  @Test
  void tooManyDistinctKeysDropsTheOldestKey() {
    OutboundQueue queue = new OutboundQueue(10, 2);
    queue.offer(Outbound.latest("k1", "1"));
    queue.offer(Outbound.latest("k2", "2"));
    queue.offer(Outbound.latest("k3", "3"));
    assertThat(drain(queue)).containsExactly("2", "3");
  }

  @Test
  void capacitiesMustBePositive() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new OutboundQueue(0, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void onlyADroppedKeyCountsAsAnEphemeralOverflowNotAReplacedValue() {
    int[] dropped = {0};
    OutboundQueue queue = new OutboundQueue(10, 2, () -> dropped[0]++);
    queue.offer(Outbound.latest("k1", "1"));
    queue.offer(Outbound.latest("k1", "1b")); // conflated: the newer value replaces the older, nothing lost
    queue.offer(Outbound.latest("k2", "2"));
    assertThat(dropped[0]).isZero();
    queue.offer(Outbound.latest("k3", "3")); // a third key: the oldest (k1) goes
    assertThat(dropped[0]).isEqualTo(1);
  }
}
