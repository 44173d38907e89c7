package io.pulse.actors.auction;

import io.pulse.actors.auction.StockEvent.HoldConfirmed;
import io.pulse.actors.auction.StockEvent.HoldExpired;
import io.pulse.actors.auction.StockEvent.HoldPlaced;
import io.pulse.actors.auction.StockEvent.HoldReleased;
import io.pulse.actors.auction.StockEvent.SaleCreated;
import io.pulse.actors.idempotency.IdempotencyKeys;
import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of a flash sale's stock. Pure: each command is decided against a {@link StockLedger} into
 * the events to persist, a refusal, or the replay of a first answer.
 *
 * <p>A purchase does not sell, it holds: the units leave the free stock at once (so nobody can be sold
 * a unit twice) and come back if the buyer neither confirms (pays) nor releases them within {@code
 * holdMs}. A hold is live while {@code now < expiresAt}; from {@code expiresAt} on it counts as expired
 * whether or not the entity's timer has persisted {@link HoldExpired} yet: a confirm is refused, and a
 * purchase that needs the units persists the due expiries first (they lead its events).
 *
 * <p>For a sale split into buckets, see {@link BucketPlan}: a refusal with {@link
 * Refusal#tryNextBucket()} tells the purchase to move on to the next bucket of the user's order.
 */
public final class StockRules {
  private StockRules() {}

  public static final String INVALID_SALE = "invalid_sale";
  public static final String NOT_STARTED = "not_started";
  public static final String SOLD_OUT = "sold_out";
  /** Nothing free now, but held units come back if not paid for: retry after {@code retryAfterMs}. */
  public static final String ALL_HELD = "all_held";
  public static final String INSUFFICIENT_STOCK = "insufficient_stock";
  public static final String LIMIT_EXCEEDED = "limit_exceeded";
  public static final String INVALID_QUANTITY = "invalid_quantity";
  public static final String HOLD_EXPIRED = "hold_expired";
  public static final String UNKNOWN_HOLD = "unknown_hold";
  public static final String NOT_YOUR_HOLD = "not_your_hold";
  public static final String ALREADY_CONFIRMED = "already_confirmed";
  public static final String IDEMPOTENCY_KEY_REUSED = IdempotencyKeys.KEY_REUSED;
  public static final String INVALID_IDEMPOTENCY_KEY = IdempotencyKeys.INVALID_KEY;

  public static final int MAX_SKU = 100;

  /**
   * A refused command: a stable code and a reason for humans. {@code remaining} is the free stock for
   * {@link #SOLD_OUT} (0) and {@link #INSUFFICIENT_STOCK}, null otherwise. {@code tryNextBucket} is
   * true only on a {@link #SOLD_OUT} from a bucket that can never serve this user (see {@link
   * BucketPlan}); a single-ledger sale can ignore it. {@code retryAfterMs} is set on {@link
   * #ALL_HELD}: when the first hold lapses.
   */
  public record Refusal(String code, String reason, Integer remaining, boolean tryNextBucket, Long retryAfterMs) implements CborSerializable {
    public Refusal(String code, String reason, Integer remaining, boolean tryNextBucket) {
      this(code, reason, remaining, tryNextBucket, null);
    }

    public Refusal(String code, String reason) {
      this(code, reason, null, false, null);
    }
  }

  /** What a command comes to. {@link #events()} is empty unless it was {@link Accepted}. */
  public sealed interface Decision {
    List<StockEvent> events();
  }

  /** Persist these, in order, then answer. A purchase's {@link HoldPlaced} is its last event. */
  public record Accepted(List<StockEvent> events) implements Decision {
    public Accepted {
      events = List.copyOf(events);
    }
  }

  public record Refused(Refusal refusal) implements Decision {
    @Override
    public List<StockEvent> events() {
      return List.of();
    }
  }

  /** A retry of a purchase already held: answer with the first hold again, persist nothing. */
  public record Replayed(HoldPlaced first) implements Decision {
    @Override
    public List<StockEvent> events() {
      return List.of();
    }
  }

  private static Refused refuse(String code, String reason) {
    return new Refused(new Refusal(code, reason));
  }

  private static Optional<Refusal> invalid(String reason) {
    return Optional.of(new Refusal(INVALID_SALE, reason));
  }

  /** Zero units is allowed: a bucket of a sale with more buckets than units gets none. */
  public static Optional<Refusal> validate(SaleSpec spec) {
    if (spec.sku() == null || spec.sku().isBlank()) return invalid("a sku is required");
    if (spec.sku().length() > MAX_SKU) return invalid("sku longer than " + MAX_SKU + " characters");
    if (spec.units() < 0) return invalid("units must not be negative");
    if (spec.perUserLimit() < 1) return invalid("the per-user limit must be at least 1");
    if (spec.holdMs() < 1) return invalid("a hold must last at least 1 ms");
    return Optional.empty();
  }

  public static Decision create(SaleSpec spec, long at) {
    Optional<Refusal> invalid = validate(spec);
    return invalid.isPresent() ? new Refused(invalid.get()) : new Accepted(List.of(new SaleCreated(spec, at)));
  }

  /** The fingerprint of a purchase's body, which a retry under the same key must match. */
  public static String fingerprint(String userId, int units) {
    return IdempotencyKeys.fingerprint("hold", userId, Integer.toString(units));
  }

  /**
   * User {@code userId} asks to buy {@code units} at {@code now}; the entity names the hold. A retry
   * with the same key and body replays the first hold (even after it ended); only placed holds are
   * remembered, a refused purchase is simply decided again.
   *
   * <p>Checks, in order: key, quantity, start, nothing free ({@link #ALL_HELD} while units are held,
   * else {@link #SOLD_OUT}), the user's limit,
   * fewer free than asked ({@link #INSUFFICIENT_STOCK}).
   *
   * @throws IllegalArgumentException if {@code holdId} is already used here (the entity's bug)
   */
  public static Decision hold(StockLedger ledger, String userId, int units, HoldId holdId, String idempotencyKey, long now) {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(holdId, "holdId");
    SaleSpec spec = ledger.spec();
    if (idempotencyKey != null) {
      if (!IdempotencyKeys.valid(idempotencyKey)) {
        return refuse(INVALID_IDEMPOTENCY_KEY, "an idempotency key is 1-" + IdempotencyKeys.MAX_KEY_LENGTH + " characters");
      }
      IdempotencyKeys.Lookup<HoldPlaced> seen =
          ledger.keys().lookup(IdempotencyKeys.scoped(userId, idempotencyKey), fingerprint(userId, units));
      if (seen instanceof IdempotencyKeys.Same<HoldPlaced> same) return new Replayed(same.answer());
      if (seen instanceof IdempotencyKeys.Different<HoldPlaced>) {
        return refuse(IDEMPOTENCY_KEY_REUSED, "idempotency key " + idempotencyKey + " was used for another purchase");
      }
    }
    if (ledger.find(holdId).isPresent()) throw new IllegalArgumentException("hold id " + holdId.value() + " is taken");
    if (units <= 0) return refuse(INVALID_QUANTITY, "buy at least one unit");
    if (now < spec.startsAt()) return refuse(NOT_STARTED, "the sale starts at " + spec.startsAt());

    List<StockEvent> events = new ArrayList<>();
    for (HoldId due : ledger.expiredAt(now)) events.add(new HoldExpired(due));
    StockLedger current = ledger.applyAll(events);
    StockLedger.Stake stake = current.stake(userId);
    int free = current.free();
    if (free == 0 && !current.exhausted()) {
      // Not sold out: units held by others come back unless paid for, so say when to try again.
      // The user may not move on to another bucket (BucketPlan): this one may still serve them.
      long retryAfter = Math.max(0, current.nextExpiry() - now);
      return new Refused(new Refusal(ALL_HELD, "every unit left is held; held units come back if they are not paid for", 0, false, retryAfter));
    }
    if (free == 0) {
      // Only a bucket that is sold out for good and holds nothing of this user's may pass them on:
      // it will never sell them anything, so their purchases still live in one bucket (BucketPlan).
      return new Refused(new Refusal(SOLD_OUT, "sold out", 0, stake.total() == 0));
    }
    long allowed = (long) spec.perUserLimit() - stake.total();
    if (units > allowed) {
      return refuse(LIMIT_EXCEEDED, "at most " + spec.perUserLimit() + " per user; you may take " + Math.max(0, allowed) + " more");
    }
    if (units > free) {
      return new Refused(new Refusal(INSUFFICIENT_STOCK, "only " + free + " left", free, false));
    }
    events.add(new HoldPlaced(holdId, userId, units, now + spec.holdMs(), idempotencyKey));
    return new Accepted(events);
  }

  public static Decision hold(StockLedger ledger, String userId, int units, HoldId holdId, long now) {
    return hold(ledger, userId, units, holdId, null, now);
  }

  /** The buyer paid: their live hold becomes a sale. */
  public static Decision confirm(StockLedger ledger, HoldId holdId, String userId, long now) {
    // The buyer's retry after a lost answer: the hold is confirmed, which is what they asked for.
    Optional<StockLedger.Hold> found = ledger.find(holdId);
    if (found.isPresent() && found.get().userId().equals(userId) && found.get().status() == StockLedger.Status.CONFIRMED) {
      return new Accepted(List.of());
    }
    Optional<Refusal> notLive = live(ledger, holdId, userId, now);
    return notLive.isPresent() ? new Refused(notLive.get()) : new Accepted(List.of(new HoldConfirmed(holdId)));
  }

  /** The buyer cancelled: their live hold's units go back to the free stock. */
  public static Decision release(StockLedger ledger, HoldId holdId, String userId, long now) {
    Optional<Refusal> notLive = live(ledger, holdId, userId, now);
    return notLive.isPresent() ? new Refused(notLive.get()) : new Accepted(List.of(new HoldReleased(holdId)));
  }

  /** The timer's command: expire every hold due by {@code now} (possibly none). */
  public static Decision expire(StockLedger ledger, long now) {
    List<StockEvent> events = new ArrayList<>();
    for (HoldId due : ledger.expiredAt(now)) events.add(new HoldExpired(due));
    return new Accepted(events);
  }

  /** Whether {@code userId} may end hold {@code holdId} at {@code now}; the owner check comes first, so others learn nothing. */
  private static Optional<Refusal> live(StockLedger ledger, HoldId holdId, String userId, long now) {
    Optional<StockLedger.Hold> found = ledger.find(holdId);
    if (found.isEmpty()) return Optional.of(new Refusal(UNKNOWN_HOLD, "no hold " + holdId.value()));
    StockLedger.Hold hold = found.get();
    if (!hold.userId().equals(userId)) return Optional.of(new Refusal(NOT_YOUR_HOLD, "hold " + holdId.value() + " is someone else's"));
    return switch (hold.status()) {
      case CONFIRMED -> Optional.of(new Refusal(ALREADY_CONFIRMED, "hold " + holdId.value() + " is already confirmed"));
      case EXPIRED -> Optional.of(new Refusal(HOLD_EXPIRED, "hold " + holdId.value() + " expired at " + hold.expiresAt()));
      case RELEASED -> Optional.of(new Refusal(UNKNOWN_HOLD, "hold " + holdId.value() + " was released"));
      case HELD ->
          now >= hold.expiresAt()
              ? Optional.of(new Refusal(HOLD_EXPIRED, "hold " + holdId.value() + " expired at " + hold.expiresAt()))
              : Optional.empty();
    };
  }
}
