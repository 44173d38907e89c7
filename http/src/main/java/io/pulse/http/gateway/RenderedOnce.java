package io.pulse.http.gateway;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * Renders a pushed event once per node however many local sockets it goes to. A conversation tells
 * the same event instance to each of its local subscribers, so the rendering is remembered by the
 * instance's identity in a small fixed table: a lookup is one array read and one reference compare,
 * a miss (another node's copy, or a slot taken by a newer event) just renders again. Rendering must
 * be a pure function of the event.
 */
final class RenderedOnce<K, V> {
  private record Slot(Object key, Object value) {}

  private final AtomicReferenceArray<Slot> slots;
  private final int mask;
  private final Function<K, V> render;

  /** {@code size}: a power of two, more than the events in flight to sockets at once. */
  RenderedOnce(int size, Function<K, V> render) {
    if (Integer.bitCount(size) != 1) throw new IllegalArgumentException("size must be a power of two");
    this.slots = new AtomicReferenceArray<>(size);
    this.mask = size - 1;
    this.render = render;
  }

  @SuppressWarnings("unchecked")
  V get(K key) {
    int i = System.identityHashCode(key) & mask;
    Slot slot = slots.get(i);
    if (slot != null && slot.key() == key) return (V) slot.value();
    V value = render.apply(key);
    slots.set(i, new Slot(key, value));
    return value;
  }
}
