package io.pulse.actors.market;

import io.pulse.actors.market.OrderRules.Refusal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One instrument's limit order book and its matching engine: price-time priority, integer ticks and lots, no clock and
 * no randomness, so the same operations in the same order always give the same trades, trade ids and book.
 *
 * <p><b>Mutable on purpose.</b> Matching touches a handful of orders per operation; copying a persistent structure
 * per event would cost more than the matching itself. The book is meant to be owned by one event-sourced entity as
 * part of its state, changed only by that entity's event handler, and rebuilt on recovery by replaying the same
 * operations (a snapshot plus the events after it). Nothing outside gets a reference to its insides: every answer is
 * an immutable record. Use {@link #copy()} to hand a frozen book to a snapshot store or to compare in tests. Not
 * thread-safe: an entity processes one message at a time.
 *
 * <p><b>Matching.</b> A buy takes the lowest asks at or below its limit (any ask for a market order), oldest first
 * within a price; a sell the highest bids. Each fill is at the resting order's price. What is left of a GTC limit
 * order rests; what is left of an IOC or market order is cancelled and reported in {@link
 * MatchResult#cancelledQuantity()}.
 *
 * <p><b>Self-trade prevention: cancel resting.</b> When an incoming order meets a resting order of the same user, the
 * resting (older) order is cancelled, reported in {@link MatchResult#selfTradeCancelled()}, and matching goes on
 * with the next resting order. A user never trades with themself, the newer instruction wins, and the incoming order
 * still gets the liquidity of others behind it.
 *
 * <p><b>Replace.</b> Keeps the order id; a new price or a larger quantity is a cancel plus a new order at the back of
 * its price (new {@code seq}), which may trade at once; the same price with the same or a smaller quantity changes
 * the order in place and keeps its time priority, since it only gives up volume nobody queued behind it.
 *
 * <p><b>Structures.</b> Each side is an array of price levels sorted so the best price is at the end: most activity
 * is at or near the top of the book, so finding a level is a binary search over primitive longs, removing the best
 * level is O(1), and a new level near the top moves only the few references after it. Each level is an intrusive
 * doubly-linked FIFO of its orders, and an id index finds an order for an O(1) cancel.
 *
 * <p><b>Level changes.</b> Every operation reports each price level whose aggregated quantity it changed, once, with
 * the level's new quantity and order count (0 when the level is gone), so market data can publish L2 diffs without
 * scanning the book.
 */
public final class OrderBook {

  /** A level whose aggregated quantity changed: its new total ({@code 0} = the level is gone) and order count. */
  public record LevelChange(Side side, long price, long quantity, int orders) {}

  /** One aggregated price level of {@link #depth}. */
  public record PriceLevel(long price, long quantity, int orders) {}

  /**
   * What one incoming order did.
   *
   * @param trades the fills, in matching order
   * @param rested the order as it now rests, or {@code null} when nothing of it rests
   * @param cancelledQuantity the unfilled remainder of an IOC or market order, cancelled
   * @param selfTradeCancelled resting orders of the same user cancelled instead of trading (as they were)
   * @param levelChanges each changed level once, both sides
   */
  public record MatchResult(
      String orderId,
      List<Trade> trades,
      Order rested,
      long cancelledQuantity,
      List<Order> selfTradeCancelled,
      List<LevelChange> levelChanges) {

    public long filledQuantity() {
      long filled = 0;
      for (Trade t : trades) filled += t.quantity();
      return filled;
    }
  }

  /** A cancel: refused, or the order as it was when cancelled. */
  public record CancelResult(Optional<Refusal> refusal, Order cancelled, List<LevelChange> levelChanges) {
    static CancelResult refused(Refusal refusal) {
      return new CancelResult(Optional.of(refusal), null, List.of());
    }
  }

  /**
   * A replace: refused, or the order as it was before and what its replacement did ({@code match.rested()} is null
   * when the replacement traded in full). {@code keptPriority}: changed in place, no trades possible.
   */
  public record ReplaceResult(Optional<Refusal> refusal, Order previous, boolean keptPriority, MatchResult match) {
    static ReplaceResult refused(Refusal refusal) {
      return new ReplaceResult(Optional.of(refusal), null, false, null);
    }
  }

  private final Ladder bids;
  private final Ladder asks;
  private final HashMap<String, Node> index;
  private final HashMap<String, Count> openByUser = new HashMap<>();
  private long nextTradeId = 1;
  /** 0 until the first trade: prices are positive. */
  private long lastTradePrice;

  /** Stamps the levels an operation touched, so each is reported once without a set. */
  private long op;

  private final ArrayList<Level> touched = new ArrayList<>();

  public OrderBook() {
    this(1024);
  }

  /** {@code expectedOrders}: sizes the id index, so a large book does not rehash while it fills. */
  public OrderBook(int expectedOrders) {
    bids = new Ladder(Side.BUY);
    asks = new Ladder(Side.SELL);
    index = new HashMap<>(Math.max(16, (int) (expectedOrders / 0.75f) + 1));
  }

  // ---------------------------------------------------------------------------------------------------- operations

  /**
   * Matches an incoming order and rests what a GTC limit order has left. The caller checks it with {@link
   * OrderRules} first; an order id already resting here is a programming error.
   */
  public MatchResult add(Order order) {
    if (index.containsKey(order.orderId())) {
      throw new IllegalArgumentException("order " + order.orderId() + " is already in the book");
    }
    begin();
    return match(order);
  }

  /** Cancels a resting order; only its owner may. */
  public CancelResult cancel(String orderId, String userId) {
    Node node = index.get(orderId);
    Optional<Refusal> refusal = ownership(node, orderId, userId);
    if (refusal.isPresent()) return CancelResult.refused(refusal.get());
    begin();
    Order cancelled = node.snapshot();
    remove(node);
    return new CancelResult(Optional.empty(), cancelled, levelChanges());
  }

  /**
   * Replaces a resting order's price and open quantity; only its owner may. {@code newQuantity} is the new open
   * quantity: what has filled stays filled, so the order's {@code quantity} becomes filled + newQuantity. Keeps time
   * priority when the price stays and the open quantity does not grow; otherwise the order goes to the back of its new
   * price with time priority {@code seq} and may trade at once (and cancel the owner's own resting orders it meets).
   */
  public ReplaceResult replace(String orderId, String userId, long newPrice, long newQuantity, long seq) {
    if (newPrice <= 0 || newQuantity <= 0) throw new IllegalArgumentException("price and quantity must be positive");
    Node node = index.get(orderId);
    Optional<Refusal> refusal = ownership(node, orderId, userId);
    if (refusal.isPresent()) return ReplaceResult.refused(refusal.get());
    Order previous = node.snapshot();
    begin();
    if (newPrice == node.price && newQuantity <= node.remaining) {
      long cut = node.remaining - newQuantity;
      if (cut > 0) {
        node.remaining = newQuantity;
        node.quantity -= cut;
        node.level.quantity -= cut;
        touch(node.level);
      }
      MatchResult inPlace = new MatchResult(orderId, List.of(), node.snapshot(), 0, List.of(), levelChanges());
      return new ReplaceResult(Optional.empty(), previous, true, inPlace);
    }
    Order next =
        new Order(
            orderId, userId, node.clientOrderId, node.side, OrderType.LIMIT, TimeInForce.GTC, newPrice,
            previous.filled() + newQuantity, newQuantity, seq);
    if (newPrice == node.price) {
      // more at the same price: to the back of the same level; it rested there, so it cannot cross now either
      Level level = node.level;
      detach(node);
      Node moved = new Node(next, newQuantity);
      attach(level, moved);
      touch(level);
      MatchResult requeued = new MatchResult(orderId, List.of(), moved.snapshot(), 0, List.of(), levelChanges());
      return new ReplaceResult(Optional.empty(), previous, false, requeued);
    }
    remove(node);
    // one operation: the old level and the new ones are reported together, each once (different prices)
    return new ReplaceResult(Optional.empty(), previous, false, match(next));
  }

  // ------------------------------------------------------------------------------------------------------- queries

  public Optional<PriceLevel> bestBid() {
    return best(bids);
  }

  public Optional<PriceLevel> bestAsk() {
    return best(asks);
  }

  /** Up to {@code levels} aggregated levels of one side, best first. */
  public List<PriceLevel> depth(Side side, int levels) {
    Ladder ladder = ladder(side);
    int n = Math.min(Math.max(levels, 0), ladder.size);
    List<PriceLevel> out = new ArrayList<>(n);
    for (int i = ladder.size - 1; i >= ladder.size - n; i--) {
      Level l = ladder.levels[i];
      out.add(new PriceLevel(l.price, l.quantity, l.orders));
    }
    return out;
  }

  /** A resting order; empty once it has filled or been cancelled (the book forgets it). */
  public Optional<Order> order(String orderId) {
    Node node = index.get(orderId);
    return node == null ? Optional.empty() : Optional.of(node.snapshot());
  }

  /** All resting orders of one side in matching order: best price first, oldest first within a price. */
  public List<Order> orders(Side side) {
    Ladder ladder = ladder(side);
    List<Order> out = new ArrayList<>();
    for (int i = ladder.size - 1; i >= 0; i--) {
      for (Node n = ladder.levels[i].head; n != null; n = n.next) out.add(n.snapshot());
    }
    return out;
  }

  /** Resting orders of one user, what {@link OrderRules} limits. */
  public int openOrders(String userId) {
    Count c = openByUser.get(userId);
    return c == null ? 0 : c.n;
  }

  /** Resting orders, both sides. */
  public int size() {
    return index.size();
  }

  public int levels(Side side) {
    return ladder(side).size;
  }

  /** The price of the last trade, the reference of the price band; empty before the first. */
  public OptionalLong lastTradePrice() {
    return lastTradePrice == 0 ? OptionalLong.empty() : OptionalLong.of(lastTradePrice);
  }

  /** The id the next trade will get. */
  public long nextTradeId() {
    return nextTradeId;
  }

  /** An independent book in the same state, trade numbering included; O(orders). */
  public OrderBook copy() {
    OrderBook c = new OrderBook(index.size());
    copySide(bids, c, c.bids);
    copySide(asks, c, c.asks);
    c.nextTradeId = nextTradeId;
    c.lastTradePrice = lastTradePrice;
    return c;
  }

  /**
   * A book holding exactly {@code resting}, given in matching order per side (as {@link #orders} answers them), with
   * the trade numbering and last trade price of the book they came from: what {@link #copy()} gives, rebuilt from
   * plain records (an entity's snapshot). Every order must be a resting one: a GTC limit with something open.
   */
  public static OrderBook restore(List<Order> resting, long nextTradeId, long lastTradePrice) {
    if (nextTradeId < 1 || lastTradePrice < 0) throw new IllegalArgumentException("bad trade numbering");
    OrderBook b = new OrderBook(resting.size());
    for (Order o : resting) {
      if (!o.rests()) throw new IllegalArgumentException("order " + o.orderId() + " cannot rest");
      if (b.index.containsKey(o.orderId())) throw new IllegalArgumentException("order " + o.orderId() + " twice");
      b.attach(b.ladder(o.side()).getOrCreate(o.price()), new Node(o, o.remaining()));
    }
    b.nextTradeId = nextTradeId;
    b.lastTradePrice = lastTradePrice;
    return b;
  }

  // ---------------------------------------------------------------------------------------------------- internals

  private MatchResult match(Order order) {
    boolean buy = order.side() == Side.BUY;
    boolean limit = order.type() == OrderType.LIMIT;
    long price = order.price();
    String taker = order.userId();
    Ladder other = buy ? asks : bids;
    long remaining = order.remaining();
    List<Trade> trades = null;
    List<Order> selfTrades = null;
    while (remaining > 0 && other.size > 0) {
      Level level = other.levels[other.size - 1];
      if (limit && (buy ? level.price > price : level.price < price)) break;
      touch(level);
      Node maker = level.head;
      while (remaining > 0 && maker != null) {
        Node next = maker.next;
        if (maker.userId.equals(taker)) {
          if (selfTrades == null) selfTrades = new ArrayList<>(2);
          selfTrades.add(maker.snapshot());
          detach(maker);
        } else {
          long q = Math.min(remaining, maker.remaining);
          remaining -= q;
          maker.remaining -= q;
          level.quantity -= q;
          if (trades == null) trades = new ArrayList<>(4);
          trades.add(
              buy
                  ? new Trade(nextTradeId++, level.price, q, order.orderId(), maker.orderId, taker, maker.userId, Side.SELL)
                  : new Trade(nextTradeId++, level.price, q, maker.orderId, order.orderId(), maker.userId, taker, Side.BUY));
          lastTradePrice = level.price;
          if (maker.remaining == 0) detach(maker);
        }
        maker = next;
      }
      if (level.orders == 0) other.removeBest();
    }
    Order rested = null;
    long cancelled = 0;
    if (remaining > 0) {
      if (order.rests()) {
        Node node = new Node(order, remaining);
        Level level = (buy ? bids : asks).getOrCreate(price);
        attach(level, node);
        touch(level);
        rested = node.snapshot();
      } else {
        cancelled = remaining;
      }
    }
    return new MatchResult(
        order.orderId(),
        trades == null ? List.of() : trades,
        rested,
        cancelled,
        selfTrades == null ? List.of() : selfTrades,
        levelChanges());
  }

  private static Optional<Refusal> ownership(Node node, String orderId, String userId) {
    if (node == null) return Optional.of(new Refusal(OrderRules.UNKNOWN_ORDER, "no open order " + orderId));
    if (!node.userId.equals(userId)) {
      return Optional.of(new Refusal(OrderRules.NOT_OWNER, "order " + orderId + " belongs to another user"));
    }
    return Optional.empty();
  }

  private void begin() {
    op++;
    touched.clear();
  }

  private void touch(Level level) {
    if (level.touchedOp != op) {
      level.touchedOp = op;
      touched.add(level);
    }
  }

  private List<LevelChange> levelChanges() {
    int n = touched.size();
    if (n == 0) return List.of();
    List<LevelChange> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Level l = touched.get(i);
      out.add(new LevelChange(l.side, l.price, l.quantity, l.orders));
    }
    touched.clear(); // drop the references: removed levels should not live on in the scratch list
    return out;
  }

  private static Optional<PriceLevel> best(Ladder ladder) {
    if (ladder.size == 0) return Optional.empty();
    Level l = ladder.levels[ladder.size - 1];
    return Optional.of(new PriceLevel(l.price, l.quantity, l.orders));
  }

  private Ladder ladder(Side side) {
    return side == Side.BUY ? bids : asks;
  }

  /** Links a new order at the back of its level and indexes it. */
  private void attach(Level level, Node node) {
    node.level = level;
    node.prev = level.tail;
    if (level.tail == null) level.head = node;
    else level.tail.next = node;
    level.tail = node;
    level.orders++;
    level.quantity += node.remaining;
    index.put(node.orderId, node);
    Count c = openByUser.get(node.userId);
    if (c == null) openByUser.put(node.userId, c = new Count());
    c.n++;
  }

  /** Unlinks and forgets an order; the caller removes its level if it is now empty. */
  private void detach(Node node) {
    Level level = node.level;
    if (node.prev == null) level.head = node.next;
    else node.prev.next = node.next;
    if (node.next == null) level.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = null;
    level.orders--;
    level.quantity -= node.remaining;
    index.remove(node.orderId);
    Count c = openByUser.get(node.userId);
    if (--c.n == 0) openByUser.remove(node.userId);
  }

  /** Cancels a resting order out of the book, with its level if that empties. */
  private void remove(Node node) {
    Level level = node.level;
    detach(node);
    touch(level);
    if (level.orders == 0) ladder(level.side).remove(level);
  }

  private static void copySide(Ladder from, OrderBook into, Ladder to) {
    for (int i = 0; i < from.size; i++) {
      Level source = from.levels[i];
      Level level = to.append(source.price);
      for (Node n = source.head; n != null; n = n.next) into.attach(level, n.copy());
    }
  }

  /**
   * For tests: every structural invariant the public answers rely on, checked against each other. Throws
   * IllegalStateException on the first broken one.
   */
  void checkIntegrity() {
    int nodes = 0;
    HashMap<String, Integer> perUser = new HashMap<>();
    for (Ladder ladder : List.of(bids, asks)) {
      for (int i = 0; i < ladder.size; i++) {
        Level l = ladder.levels[i];
        check(l.side == ladder.side, "level on the wrong side");
        check(ladder.keys[i] == ladder.key(l.price), "level key differs from its price");
        check(i == 0 || ladder.keys[i - 1] < ladder.keys[i], "levels not strictly sorted");
        check(l.orders > 0 && l.head != null, "empty level kept");
        long qty = 0;
        int count = 0;
        Node prev = null;
        for (Node n = l.head; n != null; prev = n, n = n.next) {
          check(n.prev == prev, "broken back link");
          check(n.level == l && n.price == l.price && n.side == l.side, "order in the wrong level");
          check(n.remaining > 0 && n.remaining <= n.quantity, "bad remaining");
          check(index.get(n.orderId) == n, "order missing from the index");
          qty += n.remaining;
          count++;
          perUser.merge(n.userId, 1, Integer::sum);
        }
        check(l.tail == prev, "broken tail");
        check(qty == l.quantity && count == l.orders, "level aggregate differs from its orders");
        nodes += count;
      }
      for (int i = ladder.size; i < ladder.levels.length; i++) check(ladder.levels[i] == null, "stale level ref");
    }
    check(nodes == index.size(), "index holds orders that are not in the book");
    check(perUser.size() == openByUser.size(), "open order counts of users without orders");
    perUser.forEach((u, n) -> check(openByUser.get(u) != null && openByUser.get(u).n == n, "open count of " + u));
  }

  private static void check(boolean ok, String what) {
    if (!ok) throw new IllegalStateException("order book integrity: " + what);
  }

  /** A resting order. Mutable: fills and in-place replaces change it; never leaves the book. */
  private static final class Node {
    final String orderId;
    final String userId;
    final String clientOrderId;
    final Side side;
    final long price;
    final long seq;
    long quantity;
    long remaining;
    Level level;
    Node prev;
    Node next;

    Node(Order order, long remaining) {
      this(order.orderId(), order.userId(), order.clientOrderId(), order.side(), order.price(), order.seq(),
          order.quantity(), remaining);
    }

    private Node(
        String orderId, String userId, String clientOrderId, Side side, long price, long seq, long quantity,
        long remaining) {
      this.orderId = orderId;
      this.userId = userId;
      this.clientOrderId = clientOrderId;
      this.side = side;
      this.price = price;
      this.seq = seq;
      this.quantity = quantity;
      this.remaining = remaining;
    }

    Node copy() {
      return new Node(orderId, userId, clientOrderId, side, price, seq, quantity, remaining);
    }

    Order snapshot() {
      return new Order(
          orderId, userId, clientOrderId, side, OrderType.LIMIT, TimeInForce.GTC, price, quantity, remaining, seq);
    }
  }

  /** One price of one side: its orders oldest first, and their aggregate kept up to date. */
  private static final class Level {
    final Side side;
    final long price;
    long quantity;
    int orders;
    Node head;
    Node tail;
    long touchedOp;

    Level(Side side, long price) {
      this.side = side;
      this.price = price;
    }
  }

  /**
   * The levels of one side sorted by key, best last. The key is the price for bids and minus the price for asks, so
   * on both sides a larger key is a better price.
   */
  private static final class Ladder {
    final Side side;
    long[] keys = new long[64];
    Level[] levels = new Level[64];
    int size;

    Ladder(Side side) {
      this.side = side;
    }

    long key(long price) {
      return side == Side.BUY ? price : -price;
    }

    Level getOrCreate(long price) {
      long key = key(price);
      if (size > 0 && keys[size - 1] == key) return levels[size - 1]; // joining the best price is the common case
      int i = Arrays.binarySearch(keys, 0, size, key);
      if (i >= 0) return levels[i];
      i = -i - 1;
      if (size == keys.length) {
        keys = Arrays.copyOf(keys, size * 2);
        levels = Arrays.copyOf(levels, size * 2);
      }
      System.arraycopy(keys, i, keys, i + 1, size - i);
      System.arraycopy(levels, i, levels, i + 1, size - i);
      Level level = new Level(side, price);
      keys[i] = key;
      levels[i] = level;
      size++;
      return level;
    }

    /** Adds a level better than all present: {@link OrderBook#copy()} walks each side from worst to best. */
    Level append(long price) {
      if (size == keys.length) {
        keys = Arrays.copyOf(keys, size * 2);
        levels = Arrays.copyOf(levels, size * 2);
      }
      Level level = new Level(side, price);
      keys[size] = key(price);
      levels[size++] = level;
      return level;
    }

    void removeBest() {
      levels[--size] = null;
    }

    void remove(Level level) {
      if (levels[size - 1] == level) {
        removeBest();
        return;
      }
      int i = Arrays.binarySearch(keys, 0, size, key(level.price));
      System.arraycopy(keys, i + 1, keys, i, size - i - 1);
      System.arraycopy(levels, i + 1, levels, i, size - i - 1);
      levels[--size] = null;
    }
  }

  private static final class Count {
    int n;
  }
}
