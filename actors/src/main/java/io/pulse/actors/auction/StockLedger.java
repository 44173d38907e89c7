package io.pulse.actors.auction;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.pulse.actors.auction.StockEvent.HoldConfirmed;
import io.pulse.actors.auction.StockEvent.HoldExpired;
import io.pulse.actors.auction.StockEvent.HoldPlaced;
import io.pulse.actors.auction.StockEvent.HoldReleased;
import io.pulse.actors.auction.StockEvent.SaleCreated;
import io.pulse.actors.idempotency.IdempotencyKeys;
import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.TreePSet;

/**
 * The stock of one flash sale (or one bucket of it), immutable: every hold ever placed with how it
 * ended, what each user holds and has bought, and the live holds by expiry. What {@link StockRules}
 * decide against and what an entity keeps (and snapshots); changed only by {@link #apply}.
 *
 * <p>Invariants, enforced here whatever the caller: {@code free + held + confirmed == units}, {@code
 * free >= 0}, and no user ever holds plus owns more than the spec's per-user limit. {@link #apply}
 * throws on an event that would break them, so only what the rules decided can be applied.
 *
 * <p>A snapshot stores only the spec, the holds and the idempotency keys; the counters, per-user totals
 * and the expiry order are rebuilt from the holds when it is read back.
 */
@JsonAutoDetect(
    fieldVisibility = Visibility.NONE,
    getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE,
    setterVisibility = Visibility.NONE,
    creatorVisibility = Visibility.NONE)
public final class StockLedger implements CborSerializable {

  public enum Status { HELD, CONFIRMED, EXPIRED, RELEASED }

  /** One purchase: live while {@link Status#HELD} and before {@code expiresAt}. */
  public record Hold(HoldId holdId, String userId, int units, long expiresAt, Status status) implements CborSerializable {
    Hold ended(Status how) {
      return new Hold(holdId, userId, units, expiresAt, how);
    }
  }

  /** Units a user holds and has bought here. */
  public record Stake(int held, int confirmed) implements CborSerializable {
    static final Stake NONE = new Stake(0, 0);

    public int total() {
      return held + confirmed;
    }
  }

  private static final Comparator<Hold> BY_EXPIRY =
      Comparator.comparingLong(Hold::expiresAt).thenComparing(h -> h.holdId().value());

  private final SaleSpec spec;
  private final PMap<HoldId, Hold> holds;
  private final IdempotencyKeys<HoldPlaced> keys;
  // Derived from holds; kept so that a decision costs O(log n), not a scan of every hold.
  private final PMap<String, Stake> stakes;
  private final TreePSet<Hold> live;
  private final int held;
  private final int confirmed;

  private StockLedger(
      SaleSpec spec,
      PMap<HoldId, Hold> holds,
      IdempotencyKeys<HoldPlaced> keys,
      PMap<String, Stake> stakes,
      TreePSet<Hold> live,
      int held,
      int confirmed) {
    this.spec = spec;
    this.holds = holds;
    this.keys = keys;
    this.stakes = stakes;
    this.live = live;
    this.held = held;
    this.confirmed = confirmed;
  }

  public static StockLedger initial(SaleSpec spec) {
    return initial(spec, IdempotencyKeys.DEFAULT_CAPACITY);
  }

  public static StockLedger initial(SaleSpec spec, int idempotencyCapacity) {
    return new StockLedger(
        Objects.requireNonNull(spec), HashTreePMap.empty(), IdempotencyKeys.empty(idempotencyCapacity), HashTreePMap.empty(),
        TreePSet.empty(BY_EXPIRY), 0, 0);
  }

  /** Rebuilds a ledger from its journal, which starts with {@link SaleCreated}. */
  public static StockLedger replay(List<? extends StockEvent> events) {
    if (events.isEmpty() || !(events.get(0) instanceof SaleCreated created)) {
      throw new IllegalArgumentException("a sale's events start with SaleCreated");
    }
    return initial(created.spec()).applyAll(events.subList(1, events.size()));
  }

  /** Read back from a snapshot: the derived indexes are rebuilt, and the invariants checked again. */
  @JsonCreator
  static StockLedger restore(
      @JsonProperty("spec") SaleSpec spec, @JsonProperty("holds") List<Hold> holds, @JsonProperty("keys") IdempotencyKeys<HoldPlaced> keys) {
    PMap<HoldId, Hold> byId = HashTreePMap.empty();
    PMap<String, Stake> stakes = HashTreePMap.empty();
    TreePSet<Hold> live = TreePSet.empty(BY_EXPIRY);
    int held = 0;
    int confirmed = 0;
    for (Hold h : holds) {
      byId = byId.plus(h.holdId(), h);
      Stake s = stakes.getOrDefault(h.userId(), Stake.NONE);
      if (h.status() == Status.HELD) {
        live = live.plus(h);
        held += h.units();
        stakes = stakes.plus(h.userId(), new Stake(s.held() + h.units(), s.confirmed()));
      } else if (h.status() == Status.CONFIRMED) {
        confirmed += h.units();
        stakes = stakes.plus(h.userId(), new Stake(s.held(), s.confirmed() + h.units()));
      }
    }
    StockLedger ledger = new StockLedger(spec, byId, keys, stakes, live, held, confirmed);
    if (byId.size() != holds.size() || (long) held + confirmed > spec.units()) {
      throw new IllegalStateException("a snapshot that breaks the stock invariants: " + ledger);
    }
    for (Map.Entry<String, Stake> e : stakes.entrySet()) {
      if (e.getValue().total() > spec.perUserLimit()) throw new IllegalStateException(e.getKey() + " is over the limit");
    }
    return ledger;
  }

  public StockLedger apply(StockEvent event) {
    if (event instanceof HoldPlaced placed) return place(placed);
    if (event instanceof HoldConfirmed c) return end(c.holdId(), Status.CONFIRMED);
    if (event instanceof HoldExpired e) return end(e.holdId(), Status.EXPIRED);
    if (event instanceof HoldReleased r) return end(r.holdId(), Status.RELEASED);
    throw new IllegalStateException("a sale is created once; start from StockLedger.initial: " + event);
  }

  public StockLedger applyAll(List<? extends StockEvent> events) {
    StockLedger ledger = this;
    for (StockEvent e : events) ledger = ledger.apply(e);
    return ledger;
  }

  private StockLedger place(HoldPlaced p) {
    if (p.units() <= 0) throw new IllegalStateException("a hold of " + p.units() + " units");
    if (holds.containsKey(p.holdId())) throw new IllegalStateException("hold " + p.holdId().value() + " exists");
    if (p.units() > free()) throw new IllegalStateException("hold of " + p.units() + " with " + free() + " free");
    Stake s = stake(p.userId());
    if ((long) s.total() + p.units() > spec.perUserLimit()) {
      throw new IllegalStateException(p.userId() + " would exceed the limit of " + spec.perUserLimit());
    }
    Hold hold = new Hold(p.holdId(), p.userId(), p.units(), p.expiresAt(), Status.HELD);
    IdempotencyKeys<HoldPlaced> keysAfter =
        p.idempotencyKey() == null
            ? keys
            : keys.remember(IdempotencyKeys.scoped(p.userId(), p.idempotencyKey()), StockRules.fingerprint(p.userId(), p.units()), p);
    return new StockLedger(
        spec,
        holds.plus(p.holdId(), hold),
        keysAfter,
        stakes.plus(p.userId(), new Stake(s.held() + p.units(), s.confirmed())),
        live.plus(hold),
        held + p.units(),
        confirmed);
  }

  private StockLedger end(HoldId id, Status how) {
    Hold hold = holds.get(id);
    if (hold == null || hold.status() != Status.HELD) {
      throw new IllegalStateException("hold " + id.value() + " is not live: " + hold);
    }
    Stake s = stake(hold.userId());
    int confirmedBy = s.confirmed() + (how == Status.CONFIRMED ? hold.units() : 0);
    Stake after = new Stake(s.held() - hold.units(), confirmedBy);
    return new StockLedger(
        spec,
        holds.plus(id, hold.ended(how)),
        keys,
        after.total() == 0 ? stakes.minus(hold.userId()) : stakes.plus(hold.userId(), after),
        live.minus(hold),
        held - hold.units(),
        confirmed + (how == Status.CONFIRMED ? hold.units() : 0));
  }

  @JsonProperty("spec")
  public SaleSpec spec() {
    return spec;
  }

  @JsonProperty("keys")
  public IdempotencyKeys<HoldPlaced> keys() {
    return keys;
  }

  @JsonProperty("holds")
  List<Hold> holdList() {
    return List.copyOf(holds.values());
  }

  /** Every hold placed here, by id, with how it ended. */
  public Map<HoldId, Hold> holds() {
    return holds;
  }

  public Optional<Hold> find(HoldId id) {
    return Optional.ofNullable(holds.get(id));
  }

  public int units() {
    return spec.units();
  }

  public int free() {
    return spec.units() - held - confirmed;
  }

  public int held() {
    return held;
  }

  public int confirmed() {
    return confirmed;
  }

  public Stake stake(String userId) {
    return stakes.getOrDefault(userId, Stake.NONE);
  }

  /** Every user with units held or bought here. */
  public Map<String, Stake> stakes() {
    return stakes;
  }

  /**
   * Sold out for good: every unit is confirmed, so no hold can lapse and free one again. (A bucket
   * that is only momentarily empty has live holds.)
   */
  public boolean exhausted() {
    return confirmed == spec.units();
  }

  /** The live holds due by {@code now} (expiresAt &lt;= now), earliest first: the timer expires these. */
  public List<HoldId> expiredAt(long now) {
    List<HoldId> due = new ArrayList<>();
    for (Hold h : live) {
      if (h.expiresAt() > now) break;
      due.add(h.holdId());
    }
    return due;
  }

  /** When the next live hold lapses, or {@link Long#MAX_VALUE} when none is live: one timer is enough. */
  public long nextExpiry() {
    return live.isEmpty() ? Long.MAX_VALUE : live.first().expiresAt();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StockLedger other && spec.equals(other.spec) && holds.equals(other.holds) && keys.equals(other.keys);
  }

  @Override
  public int hashCode() {
    return Objects.hash(spec, holds, keys);
  }

  @Override
  public String toString() {
    return "StockLedger[" + spec + ", free=" + free() + ", held=" + held + ", confirmed=" + confirmed + ", holds=" + holds.size() + "]";
  }
}
