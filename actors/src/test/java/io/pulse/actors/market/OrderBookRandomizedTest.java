package io.pulse.actors.market;

import static io.pulse.actors.market.Side.BUY;
import static io.pulse.actors.market.Side.SELL;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.market.OrderBook.CancelResult;
import io.pulse.actors.market.OrderBook.LevelChange;
import io.pulse.actors.market.OrderBook.MatchResult;
import io.pulse.actors.market.OrderBook.PriceLevel;
import io.pulse.actors.market.OrderBook.ReplaceResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Thousands of random operation sequences, each step checked twice: against the book's invariants, and against a
 * reference model that is a plain list scanned from scratch on every match, written for being obviously right
 * rather than fast. A failure names the seed and step, so it replays exactly.
 */
class OrderBookRandomizedTest {
  private static final int SEEDS = 2_000;
  private static final int STEPS = 300;

  @Test
  void randomOperationsKeepTheInvariantsAndMatchTheReferenceModel() {
    long trades = 0;
    long selfTrades = 0;
    for (int seed = 1; seed <= SEEDS; seed++) {
      Run run = new Run(seed);
      run.steps(STEPS);
      trades += run.tradeCount;
      selfTrades += run.selfTradeCount;
    }
    // the generator must actually exercise matching and self-trade prevention, not just fill a book
    assertThat(trades).isGreaterThan(SEEDS * 30L);
    assertThat(selfTrades).isGreaterThan(SEEDS);
  }

  /** One seed: a book, the model, and the running quantity accounts. */
  private static final class Run {
    final int seed;
    final Random random;
    final OrderBook book = new OrderBook(16);
    final Model model = new Model();
    final int users;
    final long minPrice;
    final int priceRange;
    final List<String> ids = new ArrayList<>(); // every id ever used, resting or not
    long seq;
    long submitted;
    long cancelled;
    long traded;
    long tradeCount;
    long selfTradeCount;

    Run(int seed) {
      this.seed = seed;
      this.random = new Random(seed);
      // seeds differ in crowding: few users means many self-trades, a narrow range many crossings
      this.users = 2 + random.nextInt(5);
      this.priceRange = 2 + random.nextInt(15);
      this.minPrice = 1 + random.nextInt(100);
    }

    void steps(int n) {
      for (int step = 1; step <= n; step++) {
        String op = null;
        try {
          op = step();
          checkInvariants();
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError("seed " + seed + ", step " + step + " (" + op + "): " + e.getMessage(), e);
        }
      }
    }

    String user() {
      return "u" + random.nextInt(users);
    }

    long price() {
      return minPrice + random.nextInt(priceRange);
    }

    long quantity() {
      return 1 + random.nextInt(random.nextInt(10) == 0 ? 40 : 8);
    }

    String someId() {
      if (ids.isEmpty() || random.nextInt(20) == 0) return "x" + random.nextInt(1000);
      // mostly resting orders, sometimes one that is gone
      List<M> resting = model.orders;
      if (!resting.isEmpty() && random.nextInt(4) != 0) return resting.get(random.nextInt(resting.size())).id;
      return ids.get(random.nextInt(ids.size()));
    }

    String ownerOr(String id) {
      M m = model.byId(id);
      return m != null && random.nextInt(8) != 0 ? m.user : user();
    }

    String step() {
      int dice = random.nextInt(100);
      if (dice < 60) {
        String id = "o" + ids.size();
        ids.add(id);
        Side side = random.nextBoolean() ? BUY : SELL;
        Order order =
            dice < 45
                ? Order.limit(id, user(), "c" + id, side, price(), quantity(), TimeInForce.GTC, ++seq)
                : dice < 53
                    ? Order.limit(id, user(), "c" + id, side, price(), quantity(), TimeInForce.IOC, ++seq)
                    : Order.market(id, user(), "c" + id, side, quantity(), ++seq);
        add(order);
        return "add " + order;
      }
      String id = someId();
      String user = ownerOr(id);
      if (dice < 82) {
        cancel(id, user);
        return "cancel " + id + " by " + user;
      }
      M m = model.byId(id);
      long price = m != null && random.nextBoolean() ? m.price : price();
      long quantity = m != null && random.nextBoolean() ? Math.max(1, m.remaining - random.nextInt(3)) : quantity();
      long s = ++seq;
      replace(id, user, price, quantity, s);
      return "replace " + id + " by " + user + " to " + quantity + "@" + price;
    }

    void add(Order order) {
      Map<String, M> before = model.snapshot();
      Map<List<Object>, PriceLevel> levelsBefore = model.levels();
      submitted += order.quantity();
      MatchResult expected = model.add(order);
      MatchResult actual = book.add(order);
      checkMatch(order, actual, expected, before, levelsBefore);
    }

    void cancel(String id, String user) {
      Map<List<Object>, PriceLevel> levelsBefore = model.levels();
      CancelResult expected = model.cancel(id, user);
      CancelResult actual = book.cancel(id, user);
      assertThat(actual.refusal().map(OrderRules.Refusal::code)).isEqualTo(expected.refusal().map(OrderRules.Refusal::code));
      assertThat(actual.cancelled()).isEqualTo(expected.cancelled());
      if (actual.cancelled() != null) cancelled += actual.cancelled().remaining();
      checkLevelChanges(actual.levelChanges(), levelsBefore);
    }

    void replace(String id, String user, long price, long quantity, long s) {
      Map<String, M> before = model.snapshot();
      Map<List<Object>, PriceLevel> levelsBefore = model.levels();
      ReplaceResult expected = model.replace(id, user, price, quantity, s);
      ReplaceResult actual = book.replace(id, user, price, quantity, s);
      assertThat(actual.refusal().map(OrderRules.Refusal::code)).isEqualTo(expected.refusal().map(OrderRules.Refusal::code));
      if (actual.refusal().isPresent()) {
        assertThat(actual.match()).isNull();
        return;
      }
      assertThat(actual.previous()).isEqualTo(expected.previous());
      assertThat(actual.keptPriority()).isEqualTo(expected.keptPriority());
      // the old open quantity leaves, the new one enters: a cut in place is the difference leaving
      cancelled += actual.previous().remaining();
      submitted += quantity;
      Order replacement =
          Order.limit(id, user, actual.previous().clientOrderId(), actual.previous().side(), price, quantity, TimeInForce.GTC, s);
      checkMatch(replacement, actual.match(), expected.match(), before, levelsBefore);
    }

    void checkMatch(
        Order taker, MatchResult actual, MatchResult expected, Map<String, M> before, Map<List<Object>, PriceLevel> levelsBefore) {
      assertThat(actual.orderId()).isEqualTo(taker.orderId());
      assertThat(actual.trades()).as("trades").isEqualTo(expected.trades());
      assertThat(actual.selfTradeCancelled()).as("self-trade cancels").isEqualTo(expected.selfTradeCancelled());
      assertThat(actual.rested()).as("rested").isEqualTo(expected.rested());
      assertThat(actual.cancelledQuantity()).as("cancelled remainder").isEqualTo(expected.cancelledQuantity());
      checkLevelChanges(actual.levelChanges(), levelsBefore);

      cancelled += actual.cancelledQuantity();
      for (Order o : actual.selfTradeCancelled()) {
        cancelled += o.remaining();
        selfTradeCount++;
        assertThat(o.userId()).isEqualTo(taker.userId());
      }
      for (Trade t : actual.trades()) {
        traded += t.quantity();
        tradeCount++;
        M maker = before.get(t.makerOrderId());
        assertThat(maker).as("the maker was resting").isNotNull();
        assertThat(t.makerSide()).isEqualTo(maker.side).isEqualTo(taker.side().opposite());
        assertThat(t.takerOrderId()).isEqualTo(taker.orderId());
        assertThat(t.price()).as("trades at the maker's price").isEqualTo(maker.price);
        if (taker.type() == OrderType.LIMIT) {
          assertThat(taker.side() == BUY ? t.price() <= taker.price() : t.price() >= taker.price())
              .as("within the taker's limit")
              .isTrue();
        }
        assertThat(t.buyer()).isNotEqualTo(t.seller());
        // FIFO: no older order at the maker's level may still rest once a newer one there has traded
        for (Order o : book.orders(maker.side)) {
          if (o.price() == maker.price) {
            assertThat(o.seq()).as("older order %s skipped at %s", o.orderId(), maker.price).isGreaterThanOrEqualTo(maker.seq);
          }
        }
      }
    }

    /** Each changed level exactly once, with its new aggregate; no unchanged level. */
    void checkLevelChanges(List<LevelChange> changes, Map<List<Object>, PriceLevel> before) {
      Map<List<Object>, PriceLevel> after = model.levels();
      Set<List<Object>> keys = new HashSet<>(before.keySet());
      keys.addAll(after.keySet());
      Map<List<Object>, LevelChange> expected = new HashMap<>();
      for (List<Object> k : keys) {
        PriceLevel b = before.get(k);
        PriceLevel a = after.get(k);
        if (Objects.equals(a, b)) continue;
        expected.put(k, new LevelChange((Side) k.get(0), (Long) k.get(1), a == null ? 0 : a.quantity(), a == null ? 0 : a.orders()));
      }
      Map<List<Object>, LevelChange> actual = new HashMap<>();
      for (LevelChange c : changes) {
        assertThat(actual.put(List.of(c.side(), c.price()), c)).as("level %s reported twice", c).isNull();
      }
      assertThat(actual).as("level changes").isEqualTo(expected);
    }

    void checkInvariants() {
      book.checkIntegrity();

      var bid = book.bestBid();
      var ask = book.bestAsk();
      if (bid.isPresent() && ask.isPresent()) assertThat(bid.get().price()).as("crossed").isLessThan(ask.get().price());

      List<Order> bids = book.orders(BUY);
      List<Order> asks = book.orders(SELL);
      assertThat(bids).as("bids").isEqualTo(model.sorted(BUY));
      assertThat(asks).as("asks").isEqualTo(model.sorted(SELL));

      long resting = 0;
      Map<String, Integer> perUser = new HashMap<>();
      for (List<Order> side : List.of(bids, asks)) {
        Map<Long, long[]> aggregates = new LinkedHashMap<>();
        Order prev = null;
        for (Order o : side) {
          resting += o.remaining();
          perUser.merge(o.userId(), 1, Integer::sum);
          assertThat(book.order(o.orderId())).contains(o);
          assertThat(o.rests()).isTrue();
          if (prev != null && prev.price() == o.price()) assertThat(prev.seq()).as("FIFO in a level").isLessThan(o.seq());
          long[] agg = aggregates.computeIfAbsent(o.price(), p -> new long[2]);
          agg[0] += o.remaining();
          agg[1]++;
          prev = o;
        }
        List<PriceLevel> expected = new ArrayList<>();
        aggregates.forEach((p, agg) -> expected.add(new PriceLevel(p, agg[0], (int) agg[1])));
        Side s = side == bids ? BUY : SELL;
        assertThat(book.depth(s, Integer.MAX_VALUE)).as("depth = sums of orders").isEqualTo(expected);
        assertThat(book.levels(s)).isEqualTo(expected.size());
      }
      assertThat(book.size()).as("index = resting orders").isEqualTo(bids.size() + asks.size());
      for (int u = 0; u < users; u++) {
        assertThat(book.openOrders("u" + u)).isEqualTo(perUser.getOrDefault("u" + u, 0));
      }
      assertThat(submitted).as("quantity conserved").isEqualTo(resting + 2 * traded + cancelled);

      if (random.nextInt(50) == 0) {
        OrderBook copy = book.copy();
        copy.checkIntegrity();
        assertThat(copy.orders(BUY)).isEqualTo(bids);
        assertThat(copy.orders(SELL)).isEqualTo(asks);
        assertThat(copy.nextTradeId()).isEqualTo(book.nextTradeId());
        assertThat(copy.lastTradePrice()).isEqualTo(book.lastTradePrice());
      }
    }
  }

  /** A resting order of the model. */
  private static final class M {
    final String id;
    final String user;
    final String clientOrderId;
    final Side side;
    long price;
    long quantity;
    long remaining;
    long seq;

    M(Order o) {
      id = o.orderId();
      user = o.userId();
      clientOrderId = o.clientOrderId();
      side = o.side();
      price = o.price();
      quantity = o.quantity();
      remaining = o.remaining();
      seq = o.seq();
    }

    M copy() {
      M m = new M(toOrder());
      return m;
    }

    Order toOrder() {
      return new Order(id, user, clientOrderId, side, OrderType.LIMIT, TimeInForce.GTC, price, quantity, remaining, seq);
    }
  }

  /**
   * The reference: every resting order in one list, in no particular order. Each match step scans the whole list
   * for the best opposite order (best price, then lowest seq).
   */
  private static final class Model {
    final List<M> orders = new ArrayList<>();
    long nextTradeId = 1;

    M byId(String id) {
      for (M m : orders) if (m.id.equals(id)) return m;
      return null;
    }

    Map<String, M> snapshot() {
      Map<String, M> out = new HashMap<>();
      for (M m : orders) out.put(m.id, m.copy());
      return out;
    }

    List<Order> sorted(Side side) {
      Comparator<M> byPrice = Comparator.comparingLong(m -> m.price);
      if (side == BUY) byPrice = byPrice.reversed();
      return orders.stream()
          .filter(m -> m.side == side)
          .sorted(byPrice.thenComparingLong(m -> m.seq))
          .map(M::toOrder)
          .toList();
    }

    Map<List<Object>, PriceLevel> levels() {
      Map<List<Object>, PriceLevel> out = new HashMap<>();
      for (M m : orders) {
        out.merge(
            List.of(m.side, m.price),
            new PriceLevel(m.price, m.remaining, 1),
            (a, b) -> new PriceLevel(a.price(), a.quantity() + b.quantity(), a.orders() + b.orders()));
      }
      return out;
    }

    M bestAgainst(Side takerSide) {
      M best = null;
      for (M m : orders) {
        if (m.side == takerSide) continue;
        if (best == null) {
          best = m;
          continue;
        }
        boolean better = takerSide == BUY ? m.price < best.price : m.price > best.price;
        if (better || (m.price == best.price && m.seq < best.seq)) best = m;
      }
      return best;
    }

    MatchResult add(Order o) {
      long remaining = o.remaining();
      List<Trade> trades = new ArrayList<>();
      List<Order> selfTrades = new ArrayList<>();
      while (remaining > 0) {
        M maker = bestAgainst(o.side());
        if (maker == null) break;
        if (o.type() == OrderType.LIMIT && (o.side() == BUY ? maker.price > o.price() : maker.price < o.price())) break;
        if (maker.user.equals(o.userId())) {
          selfTrades.add(maker.toOrder());
          orders.remove(maker);
          continue;
        }
        long q = Math.min(remaining, maker.remaining);
        remaining -= q;
        maker.remaining -= q;
        trades.add(
            o.side() == BUY
                ? new Trade(nextTradeId++, maker.price, q, o.orderId(), maker.id, o.userId(), maker.user, SELL)
                : new Trade(nextTradeId++, maker.price, q, maker.id, o.orderId(), maker.user, o.userId(), BUY));
        if (maker.remaining == 0) orders.remove(maker);
      }
      Order rested = null;
      long cancelled = 0;
      if (remaining > 0 && o.type() == OrderType.LIMIT && o.timeInForce() == TimeInForce.GTC) {
        M m = new M(o);
        m.remaining = remaining;
        orders.add(m);
        rested = m.toOrder();
      } else {
        cancelled = remaining;
      }
      return new MatchResult(o.orderId(), trades, rested, cancelled, selfTrades, List.of());
    }

    private static OrderRules.Refusal ownership(M m, String user) {
      if (m == null) return new OrderRules.Refusal(OrderRules.UNKNOWN_ORDER, "");
      if (!m.user.equals(user)) return new OrderRules.Refusal(OrderRules.NOT_OWNER, "");
      return null;
    }

    CancelResult cancel(String id, String user) {
      M m = byId(id);
      OrderRules.Refusal refusal = ownership(m, user);
      if (refusal != null) return CancelResult.refused(refusal);
      orders.remove(m);
      return new CancelResult(java.util.Optional.empty(), m.toOrder(), List.of());
    }

    ReplaceResult replace(String id, String user, long price, long quantity, long seq) {
      M m = byId(id);
      OrderRules.Refusal refusal = ownership(m, user);
      if (refusal != null) return ReplaceResult.refused(refusal);
      Order previous = m.toOrder();
      if (price == m.price && quantity <= m.remaining) {
        m.quantity -= m.remaining - quantity;
        m.remaining = quantity;
        MatchResult inPlace = new MatchResult(id, List.of(), m.toOrder(), 0, List.of(), List.of());
        return new ReplaceResult(java.util.Optional.empty(), previous, true, inPlace);
      }
      orders.remove(m);
      Order next =
          new Order(id, user, m.clientOrderId, m.side, OrderType.LIMIT, TimeInForce.GTC, price, previous.filled() + quantity, quantity, seq);
      return new ReplaceResult(java.util.Optional.empty(), previous, false, add(next));
    }
  }
}
