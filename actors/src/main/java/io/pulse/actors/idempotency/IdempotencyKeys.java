package io.pulse.actors.idempotency;

import io.pulse.persistence.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import org.pcollections.OrderedPMap;

/**
 * The last {@code capacity} idempotency keys an entity has answered, each with a fingerprint of the
 * request body it first came with and the answer it got. Pure and immutable: an entity keeps one in
 * its state and rebuilds it from its events (the event that answered a keyed request carries the key),
 * so a retry after a restart still gets the first answer.
 *
 * <p>Bounded because a key only has to outlive the client's retries: once {@code capacity} newer keys
 * have been remembered the oldest is forgotten, and a request with it counts as new. Entries are kept
 * in the order they were remembered (a persistent insertion-ordered map), so evicting the oldest and
 * looking one up are both O(log n), not a copy of the window.
 *
 * <p>Keys are chosen by clients, so two users may pick the same one: callers scope a key to its owner
 * with {@link #scoped} before looking it up.
 *
 * @param <A> the answer to replay (an event or reply record, itself serializable)
 */
public record IdempotencyKeys<A>(int capacity, Map<String, Entry<A>> entries) implements CborSerializable {

  /** Refusal code for a key that comes back with a different request body. */
  public static final String KEY_REUSED = "idempotency_key_reused";

  /** Refusal code for a key that is blank or longer than {@link #MAX_KEY_LENGTH}. */
  public static final String INVALID_KEY = "invalid_idempotency_key";

  /** Keys live in entity state: a bound keeps a client from storing megabytes in one. */
  public static final int MAX_KEY_LENGTH = 128;

  public static final int DEFAULT_CAPACITY = 1_000;

  /** What the first request with a key looked like and what it was answered. */
  public record Entry<A>(String fingerprint, A answer) implements CborSerializable {}

  /** The answer of {@link #lookup}: a new key, a retry of the first request, or a key reused for another. */
  public sealed interface Lookup<A> {}

  public record Unknown<A>() implements Lookup<A> {}

  public record Same<A>(A answer) implements Lookup<A> {}

  public record Different<A>(String key) implements Lookup<A> {}

  public IdempotencyKeys {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    // Read back from a snapshot this is a plain (insertion-ordered) map: the order is the eviction order.
    OrderedPMap<String, Entry<A>> ordered =
        entries instanceof OrderedPMap<String, Entry<A>> o ? o : OrderedPMap.from(entries);
    // A snapshot taken with a larger capacity keeps only its newest keys.
    while (ordered.size() > capacity) ordered = ordered.minus(ordered.keySet().iterator().next());
    entries = ordered;
  }

  public static <A> IdempotencyKeys<A> empty(int capacity) {
    return new IdempotencyKeys<>(capacity, OrderedPMap.empty());
  }

  /** A key of one owner (bidder, buyer), so that equal keys of two owners never meet. */
  public static String scoped(String owner, String key) {
    // Length-prefixed: "a" + "b:c" and "a:b" + "c" must not collide.
    return owner.length() + ":" + owner + ":" + key;
  }

  /** Whether a client's key may be used: non-blank and at most {@link #MAX_KEY_LENGTH} characters. */
  public static boolean valid(String key) {
    return key != null && !key.isBlank() && key.length() <= MAX_KEY_LENGTH;
  }

  /**
   * A fingerprint of a request body: SHA-256 over its fields, each length-prefixed so that field
   * boundaries count, truncated to 128 bits (a collision would need two bodies under one key).
   */
  public static String fingerprint(String... fields) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String field : fields) {
        byte[] bytes = String.valueOf(field).getBytes(StandardCharsets.UTF_8);
        digest.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
        digest.update(bytes);
      }
      return HexFormat.of().formatHex(digest.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Lookup<A> lookup(String key, String fingerprint) {
    Objects.requireNonNull(fingerprint, "fingerprint");
    Entry<A> entry = entries.get(Objects.requireNonNull(key, "key"));
    if (entry == null) return new Unknown<>();
    return entry.fingerprint().equals(fingerprint) ? new Same<>(entry.answer()) : new Different<>(key);
  }

  /**
   * Remembers the first answer to a key, forgetting the oldest key when full. A key already known keeps
   * its first answer: only the first answer is ever replayed.
   */
  public IdempotencyKeys<A> remember(String key, String fingerprint, A answer) {
    Objects.requireNonNull(key, "key");
    if (entries.containsKey(key)) return this;
    OrderedPMap<String, Entry<A>> next =
        ((OrderedPMap<String, Entry<A>>) entries).plus(key, new Entry<>(Objects.requireNonNull(fingerprint), answer));
    return new IdempotencyKeys<>(capacity, next); // evicts the oldest when over capacity
  }

  public int size() {
    return entries.size();
  }
}
