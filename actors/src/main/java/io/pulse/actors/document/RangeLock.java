package io.pulse.actors.document;

import io.pulse.persistence.CborSerializable;

/**
 * A range {@code [start, end)} of the text that only {@code holder} may change until {@code expiresAt}
 * (epoch millis). Positions are UTF-16 code units of the current text; {@link DocumentRules#transform}
 * moves them with every committed edit.
 */
public record RangeLock(String holder, int start, int end, long expiresAt) implements CborSerializable {

  /** Expired from the instant {@code expiresAt} on: the holder had the whole span it asked for. */
  public boolean expired(long now) {
    return now >= expiresAt;
  }

  /** Whether the two half-open ranges share a code unit. */
  public boolean overlaps(int otherStart, int otherEnd) {
    return Math.max(start, otherStart) < Math.min(end, otherEnd);
  }
}
