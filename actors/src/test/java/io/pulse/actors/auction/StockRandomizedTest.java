package io.pulse.actors.auction;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.auction.StockEvent.HoldConfirmed;
import io.pulse.actors.auction.StockEvent.HoldExpired;
import io.pulse.actors.auction.StockEvent.HoldPlaced;
import io.pulse.actors.auction.StockEvent.HoldReleased;
import io.pulse.actors.auction.StockLedger.Status;
import io.pulse.actors.auction.StockRules.Accepted;
import io.pulse.actors.auction.StockRules.Decision;
import io.pulse.actors.auction.StockRules.Refused;
import io.pulse.actors.auction.StockRules.Replayed;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random purchases, confirms, releases, expiries and retries against one ledger, checked after every
 * step against a model of its own (the holds and their fates, kept from the events alone): every unit
 * is free, held or confirmed, never two of them and never none; no user is over the limit; and every
 * purchase is accepted exactly when the model says it can be.
 */
class StockRandomizedTest {
  private static final int SEEDS = 3_000;
  private static final long START = 1_000;

  /** The model's hold. */
  private static final class H {
    final String user;
    final int units;
    final long expiresAt;
    Status status = Status.HELD;

    H(String user, int units, long expiresAt) {
      this.user = user;
      this.units = units;
      this.expiresAt = expiresAt;
    }
  }

  @Test
  void randomSequencesNeverLoseOrOversellAUnit() {
    for (long seed = 0; seed < SEEDS; seed++) run(seed);
  }

  private static void run(long seed) {
    Random r = new Random(seed);
    SaleSpec spec = new SaleSpec("sku", r.nextInt(16), START, 1 + r.nextInt(4), 50 + r.nextInt(1_000));
    StockLedger ledger = StockLedger.initial(spec);
    List<StockEvent> journal = new ArrayList<>(StockRules.create(spec, 0).events());
    Map<HoldId, H> model = new LinkedHashMap<>();
    List<Object[]> keyed = new ArrayList<>(); // {user, units, key, first HoldPlaced}
    int users = 1 + r.nextInt(6);
    long now = START - 200;
    int steps = 60 + r.nextInt(60);

    for (int step = 0; step < steps; step++) {
      now += r.nextInt(r.nextInt(10) == 0 ? 2_000 : 150);
      String user = "u" + r.nextInt(users);
      Decision d;
      int op = r.nextInt(10);
      if (op <= 3) {
        int units = r.nextInt(6) - 1;
        String key = r.nextBoolean() ? "k" + step : null;
        HoldId id = new HoldId("h" + step);
        d = StockRules.hold(ledger, user, units, id, key, now);
        checkPurchase(seed, spec, model, user, units, now, d);
        if (d instanceof Accepted && key != null) keyed.add(new Object[] {user, units, key, d.events().get(d.events().size() - 1)});
      } else if (op <= 5 || op == 6) {
        HoldId id = model.isEmpty() || r.nextInt(8) == 0 ? new HoldId("nope") : pick(r, model);
        H hold = model.get(id);
        String by = hold != null && r.nextInt(5) != 0 ? hold.user : user;
        d = op == 6 ? StockRules.release(ledger, id, by, now) : StockRules.confirm(ledger, id, by, now);
        String expected;
        if (hold == null) expected = StockRules.UNKNOWN_HOLD;
        else if (!hold.user.equals(by)) expected = StockRules.NOT_YOUR_HOLD;
        else if (hold.status == Status.CONFIRMED && op != 6) expected = "idempotent"; // a retried confirm: answered, nothing stored
        else if (hold.status == Status.CONFIRMED) expected = StockRules.ALREADY_CONFIRMED;
        else if (hold.status == Status.RELEASED) expected = StockRules.UNKNOWN_HOLD;
        else if (hold.status == Status.EXPIRED || now >= hold.expiresAt) expected = StockRules.HOLD_EXPIRED;
        else expected = null;
        if ("idempotent".equals(expected)) assertThat(d).as("seed %d", seed).isEqualTo(new Accepted(java.util.List.of()));
        else if (expected == null) assertThat(d).as("seed %d", seed).isInstanceOf(Accepted.class);
        else assertThat(((Refused) d).refusal().code()).as("seed %d", seed).isEqualTo(expected);
      } else if (op == 7) {
        long t = now;
        d = StockRules.expire(ledger, t);
        long due = model.values().stream().filter(h -> h.status == Status.HELD && h.expiresAt <= t).count();
        assertThat(d.events()).hasSize((int) due);
      } else if (!keyed.isEmpty()) {
        Object[] k = keyed.get(r.nextInt(keyed.size()));
        boolean same = r.nextBoolean();
        d = StockRules.hold(ledger, (String) k[0], same ? (int) k[1] : (int) k[1] + 1, new HoldId("retry" + step), (String) k[2], now);
        if (same) assertThat(d).isEqualTo(new Replayed((HoldPlaced) k[3]));
        else assertThat(((Refused) d).refusal().code()).isEqualTo(StockRules.IDEMPOTENCY_KEY_REUSED);
      } else {
        continue;
      }

      for (StockEvent e : d.events()) follow(model, e);
      journal.addAll(d.events());
      ledger = ledger.applyAll(d.events());
      check(seed, spec, ledger, model, now);
    }
    assertThat(StockLedger.replay(journal)).as("seed %d", seed).isEqualTo(ledger);
  }

  private static HoldId pick(Random r, Map<HoldId, H> model) {
    List<HoldId> ids = new ArrayList<>(model.keySet());
    return ids.get(r.nextInt(ids.size()));
  }

  /** The model's own answer to a purchase, against the decision. */
  private static void checkPurchase(long seed, SaleSpec spec, Map<HoldId, H> model, String user, int units, long now, Decision d) {
    Supplier<String> at = () -> "seed " + seed + ": " + user + " buys " + units + " at " + now + " -> " + d;
    if (units <= 0) {
      assertThat(((Refused) d).refusal().code()).as(at).isEqualTo(StockRules.INVALID_QUANTITY);
      return;
    }
    if (now < spec.startsAt()) {
      assertThat(((Refused) d).refusal().code()).as(at).isEqualTo(StockRules.NOT_STARTED);
      return;
    }
    // Holds due by now count as expired, whether or not the timer ran.
    int taken = 0;
    int stake = 0;
    int liveHeld = 0;
    for (H h : model.values()) {
      boolean live = h.status == Status.HELD && h.expiresAt > now;
      if (live) liveHeld += h.units;
      if (live || h.status == Status.CONFIRMED) {
        taken += h.units;
        if (h.user.equals(user)) stake += h.units;
      }
    }
    int free = spec.units() - taken;
    if (free == 0) {
      StockRules.Refusal refusal = ((Refused) d).refusal();
      // sold out only when every unit is paid for; while some are held they may come back
      assertThat(refusal.code()).as(at).isEqualTo(liveHeld > 0 ? StockRules.ALL_HELD : StockRules.SOLD_OUT);
      assertThat(refusal.remaining()).isZero();
    } else if (stake + units > spec.perUserLimit()) {
      assertThat(((Refused) d).refusal().code()).as(at).isEqualTo(StockRules.LIMIT_EXCEEDED);
    } else if (units > free) {
      StockRules.Refusal refusal = ((Refused) d).refusal();
      assertThat(refusal.code()).as(at).isEqualTo(StockRules.INSUFFICIENT_STOCK);
      assertThat(refusal.remaining()).isEqualTo(free);
    } else {
      assertThat(d).as(at).isInstanceOf(Accepted.class);
      StockEvent last = d.events().get(d.events().size() - 1);
      assertThat(last).isInstanceOf(HoldPlaced.class);
      assertThat(((HoldPlaced) last).expiresAt()).isEqualTo(now + spec.holdMs());
      // Only the due expiries lead it.
      assertThat(d.events().subList(0, d.events().size() - 1)).allMatch(e -> e instanceof HoldExpired);
    }
  }

  private static void follow(Map<HoldId, H> model, StockEvent e) {
    if (e instanceof HoldPlaced p) {
      assertThat(model).doesNotContainKey(p.holdId());
      model.put(p.holdId(), new H(p.userId(), p.units(), p.expiresAt()));
      return;
    }
    HoldId id =
        e instanceof HoldConfirmed c ? c.holdId() : e instanceof HoldExpired x ? x.holdId() : ((HoldReleased) e).holdId();
    H h = model.get(id);
    assertThat(h.status).as("a hold ends once").isEqualTo(Status.HELD);
    h.status = e instanceof HoldConfirmed ? Status.CONFIRMED : e instanceof HoldExpired ? Status.EXPIRED : Status.RELEASED;
  }

  private static void check(long seed, SaleSpec spec, StockLedger ledger, Map<HoldId, H> model, long now) {
    int held = 0;
    int confirmed = 0;
    Map<String, Integer> perUser = new HashMap<>();
    for (H h : model.values()) {
      if (h.status == Status.HELD) held += h.units;
      if (h.status == Status.CONFIRMED) confirmed += h.units;
      if (h.status == Status.HELD || h.status == Status.CONFIRMED) perUser.merge(h.user, h.units, Integer::sum);
    }
    // Described lazily: building the text on every step would cost more than the checks.
    Supplier<String> at = () -> "seed " + seed + " " + ledger;
    assertThat(ledger.held()).as(at).isEqualTo(held);
    assertThat(ledger.confirmed()).as(at).isEqualTo(confirmed);
    assertThat(held + confirmed).as(at).isLessThanOrEqualTo(spec.units());
    assertThat(ledger.free() + ledger.held() + ledger.confirmed()).as(at).isEqualTo(spec.units());
    assertThat(ledger.free()).as(at).isGreaterThanOrEqualTo(0);
    for (Map.Entry<String, Integer> e : perUser.entrySet()) {
      assertThat(e.getValue()).as(at).isLessThanOrEqualTo(spec.perUserLimit());
      assertThat(ledger.stake(e.getKey()).total()).as(at).isEqualTo(e.getValue());
    }
    assertThat(ledger.stakes().keySet()).isEqualTo(perUser.keySet());
    for (Map.Entry<HoldId, H> e : model.entrySet()) {
      assertThat(ledger.find(e.getKey()).map(StockLedger.Hold::status)).contains(e.getValue().status);
    }

    List<Map.Entry<HoldId, H>> live = new ArrayList<>();
    for (Map.Entry<HoldId, H> e : model.entrySet()) if (e.getValue().status == Status.HELD) live.add(e);
    live.sort(Comparator.<Map.Entry<HoldId, H>>comparingLong(e -> e.getValue().expiresAt).thenComparing(e -> e.getKey().value()));
    long next = live.isEmpty() ? Long.MAX_VALUE : live.get(0).getValue().expiresAt;
    assertThat(ledger.nextExpiry()).as(at).isEqualTo(next);
    assertThat(ledger.expiredAt(now))
        .as(at)
        .containsExactlyElementsOf(live.stream().filter(e -> e.getValue().expiresAt <= now).map(Map.Entry::getKey).toList());
  }
}
