package io.pulse.actors.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {

  @Test
  void anUnknownKeyThenTheSameRequestThenADifferentBody() {
    IdempotencyKeys<String> keys = IdempotencyKeys.<String>empty(10).remember("k1", "fp-a", "first answer");

    assertThat(keys.lookup("k2", "fp-a")).isEqualTo(new IdempotencyKeys.Unknown<String>());
    assertThat(keys.lookup("k1", "fp-a")).isEqualTo(new IdempotencyKeys.Same<>("first answer"));
    assertThat(keys.lookup("k1", "fp-b")).isEqualTo(new IdempotencyKeys.Different<String>("k1"));
  }

  @Test
  void onlyTheFirstAnswerIsKept() {
    IdempotencyKeys<String> keys = IdempotencyKeys.<String>empty(10).remember("k", "fp", "first");
    assertThat(keys.remember("k", "fp", "second")).isSameAs(keys);
    assertThat(keys.remember("k", "other", "second").lookup("k", "fp")).isEqualTo(new IdempotencyKeys.Same<>("first"));
  }

  @Test
  void theOldestKeyIsForgottenWhenFull() {
    IdempotencyKeys<Integer> keys = IdempotencyKeys.empty(3);
    for (int i = 1; i <= 5; i++) keys = keys.remember("k" + i, "fp", i);

    assertThat(keys.size()).isEqualTo(3);
    assertThat(keys.entries().keySet()).containsExactly("k3", "k4", "k5");
    assertThat(keys.lookup("k2", "fp")).isInstanceOf(IdempotencyKeys.Unknown.class);
    assertThat(keys.lookup("k3", "fp")).isEqualTo(new IdempotencyKeys.Same<>(3));
  }

  @Test
  void aPlainMapReadBackKeepsItsOrderAndIsTrimmedToCapacity() {
    Map<String, IdempotencyKeys.Entry<String>> plain = new LinkedHashMap<>();
    for (String k : new String[] {"c", "a", "d", "b"}) plain.put(k, new IdempotencyKeys.Entry<>("fp", k));

    IdempotencyKeys<String> restored = new IdempotencyKeys<>(4, plain);
    assertThat(restored.remember("e", "fp", "e").entries().keySet()).containsExactly("a", "d", "b", "e");
    assertThat(new IdempotencyKeys<>(2, plain).entries().keySet()).containsExactly("d", "b");
  }

  @Test
  void capacityMustBePositive() {
    assertThatThrownBy(() -> IdempotencyKeys.empty(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fingerprintsDependOnEveryFieldAndItsBoundaries() {
    assertThat(IdempotencyKeys.fingerprint("bid", "alice", "100")).isEqualTo(IdempotencyKeys.fingerprint("bid", "alice", "100"));
    assertThat(IdempotencyKeys.fingerprint("bid", "alice", "100")).isNotEqualTo(IdempotencyKeys.fingerprint("bid", "alice", "101"));
    assertThat(IdempotencyKeys.fingerprint("ab", "c")).isNotEqualTo(IdempotencyKeys.fingerprint("a", "bc"));
    assertThat(IdempotencyKeys.fingerprint("x")).hasSize(32);
  }

  @Test
  void scopedKeysOfTwoOwnersNeverMeet() {
    assertThat(IdempotencyKeys.scoped("alice", "k")).isNotEqualTo(IdempotencyKeys.scoped("bob", "k"));
    assertThat(IdempotencyKeys.scoped("a", "b:c")).isNotEqualTo(IdempotencyKeys.scoped("a:b", "c"));
  }

  @Test
  void keysAreNonBlankAndBounded() {
    assertThat(IdempotencyKeys.valid("k-1")).isTrue();
    assertThat(IdempotencyKeys.valid("k".repeat(IdempotencyKeys.MAX_KEY_LENGTH))).isTrue();
    assertThat(IdempotencyKeys.valid("k".repeat(IdempotencyKeys.MAX_KEY_LENGTH + 1))).isFalse();
    assertThat(IdempotencyKeys.valid(" ")).isFalse();
    assertThat(IdempotencyKeys.valid(null)).isFalse();
  }
}
