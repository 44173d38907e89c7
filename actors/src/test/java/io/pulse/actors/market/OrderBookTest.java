package io.pulse.actors.market;

import static io.pulse.actors.market.Side.BUY;
import static io.pulse.actors.market.Side.SELL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pulse.actors.market.OrderBook.CancelResult;
import io.pulse.actors.market.OrderBook.LevelChange;
import io.pulse.actors.market.OrderBook.MatchResult;
import io.pulse.actors.market.OrderBook.PriceLevel;
import io.pulse.actors.market.OrderBook.ReplaceResult;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrderBookTest {
  private final OrderBook book = new OrderBook();
  private long seq;

  private Order limit(String id, String user, Side side, long price, long qty) {
    return Order.limit(id, user, "c-" + id, side, price, qty, TimeInForce.GTC, ++seq);
  }

  private Order ioc(String id, String user, Side side, long price, long qty) {
    return Order.limit(id, user, "c-" + id, side, price, qty, TimeInForce.IOC, ++seq);
  }

  private Order market(String id, String user, Side side, long qty) {
    return Order.market(id, user, "c-" + id, side, qty, ++seq);
  }

  /** Trades as (price, quantity, buy order, sell order), the part most tests care about. */
  private static List<String> fills(MatchResult result) {
    return result.trades().stream()
        .map(t -> t.price() + "x" + t.quantity() + " " + t.buyOrderId() + "/" + t.sellOrderId())
        .toList();
  }

  private static String code(Optional<OrderRules.Refusal> refusal) {
    assertThat(refusal).as("expected a refusal").isPresent();
    return refusal.get().code();
  }

  @AfterEach
  void bookStaysConsistent() {
    book.checkIntegrity();
  }

  @Test
  void aLimitOrderThatDoesNotCrossRests() {
    MatchResult r = book.add(limit("b1", "alice", BUY, 100, 10));

    assertThat(r.trades()).isEmpty();
    assertThat(r.rested()).isEqualTo(new Order("b1", "alice", "c-b1", BUY, OrderType.LIMIT, TimeInForce.GTC, 100, 10, 10, 1));
    assertThat(r.cancelledQuantity()).isZero();
    assertThat(r.levelChanges()).containsExactly(new LevelChange(BUY, 100, 10, 1));
    assertThat(book.bestBid()).contains(new PriceLevel(100, 10, 1));
    assertThat(book.bestAsk()).isEmpty();
    assertThat(book.order("b1")).contains(r.rested());
    assertThat(book.size()).isEqualTo(1);
  }

  @Test
  void aCrossingOrderTradesAtTheRestingPriceAndRestsItsRemainder() {
    book.add(limit("s1", "bob", SELL, 101, 5));
    MatchResult r = book.add(limit("b1", "alice", BUY, 102, 8));

    assertThat(r.trades()).containsExactly(new Trade(1, 101, 5, "b1", "s1", "alice", "bob", SELL));
    assertThat(r.rested().remaining()).isEqualTo(3);
    assertThat(r.rested().quantity()).isEqualTo(8);
    assertThat(r.rested().price()).isEqualTo(102);
    assertThat(r.filledQuantity()).isEqualTo(5);
    assertThat(r.levelChanges()).containsExactly(new LevelChange(SELL, 101, 0, 0), new LevelChange(BUY, 102, 3, 1));
    assertThat(book.bestAsk()).isEmpty();
    assertThat(book.bestBid()).contains(new PriceLevel(102, 3, 1));
    assertThat(book.lastTradePrice()).hasValue(101);
  }

  @Test
  void aSmallTakerPartlyFillsTheMaker() {
    book.add(limit("s1", "bob", SELL, 101, 10));
    MatchResult r = book.add(limit("b1", "alice", BUY, 101, 4));

    assertThat(fills(r)).containsExactly("101x4 b1/s1");
    assertThat(r.rested()).isNull();
    assertThat(r.levelChanges()).containsExactly(new LevelChange(SELL, 101, 6, 1));
    Order maker = book.order("s1").orElseThrow();
    assertThat(maker.remaining()).isEqualTo(6);
    assertThat(maker.filled()).isEqualTo(4);
  }

  @Test
  void aBuyTakesTheLowestAsksFirstAndTheOldestWithinAPrice() {
    book.add(limit("s1", "bob", SELL, 101, 5));
    book.add(limit("s2", "carol", SELL, 100, 5));
    book.add(limit("s3", "dave", SELL, 100, 5));
    book.add(limit("s4", "erin", SELL, 102, 5));

    MatchResult r = book.add(limit("b1", "alice", BUY, 101, 12));

    assertThat(fills(r)).containsExactly("100x5 b1/s2", "100x5 b1/s3", "101x2 b1/s1");
    assertThat(r.trades()).extracting(Trade::tradeId).containsExactly(1L, 2L, 3L);
    assertThat(r.rested()).isNull();
    assertThat(r.levelChanges()).containsExactly(new LevelChange(SELL, 100, 0, 0), new LevelChange(SELL, 101, 3, 1));
    assertThat(book.depth(SELL, 10)).containsExactly(new PriceLevel(101, 3, 1), new PriceLevel(102, 5, 1));
  }

  @Test
  void aSellTakesTheHighestBidsFirstAndTheOldestWithinAPrice() {
    book.add(limit("b1", "bob", BUY, 99, 5));
    book.add(limit("b2", "carol", BUY, 100, 5));
    book.add(limit("b3", "dave", BUY, 100, 5));

    MatchResult r = book.add(limit("s1", "alice", SELL, 99, 7));

    assertThat(fills(r)).containsExactly("100x5 b2/s1", "100x2 b3/s1");
    assertThat(r.trades()).allSatisfy(t -> assertThat(t.makerSide()).isEqualTo(BUY));
    assertThat(r.trades().get(0).seller()).isEqualTo("alice");
    assertThat(r.trades().get(0).buyer()).isEqualTo("carol");
    assertThat(book.depth(BUY, 10)).containsExactly(new PriceLevel(100, 3, 1), new PriceLevel(99, 5, 1));
  }

  @Test
  void aLimitOrderStopsAtItsPrice() {
    book.add(limit("s1", "bob", SELL, 100, 3));
    book.add(limit("s2", "bob", SELL, 101, 5));

    MatchResult r = book.add(limit("b1", "alice", BUY, 100, 10));

    assertThat(fills(r)).containsExactly("100x3 b1/s1");
    assertThat(r.rested().remaining()).isEqualTo(7);
    assertThat(book.bestBid()).contains(new PriceLevel(100, 7, 1));
    assertThat(book.bestAsk()).contains(new PriceLevel(101, 5, 1));
  }

  @Test
  void theRemainderOfAnIocOrderIsCancelled() {
    book.add(limit("s1", "bob", SELL, 101, 5));

    MatchResult r = book.add(ioc("b1", "alice", BUY, 101, 8));

    assertThat(fills(r)).containsExactly("101x5 b1/s1");
    assertThat(r.rested()).isNull();
    assertThat(r.cancelledQuantity()).isEqualTo(3);
    assertThat(r.levelChanges()).containsExactly(new LevelChange(SELL, 101, 0, 0));
    assertThat(book.size()).isZero();
    assertThat(book.order("b1")).isEmpty();
  }

  @Test
  void anIocOrderThatDoesNotCrossIsCancelledWholeAndChangesNothing() {
    book.add(limit("s1", "bob", SELL, 101, 5));

    MatchResult r = book.add(ioc("b1", "alice", BUY, 100, 8));

    assertThat(r.trades()).isEmpty();
    assertThat(r.cancelledQuantity()).isEqualTo(8);
    assertThat(r.levelChanges()).isEmpty();
    assertThat(book.bestBid()).isEmpty();
  }

  @Test
  void aMarketOrderSweepsWhateverThePriceAndCancelsTheRest() {
    book.add(limit("b1", "bob", BUY, 100, 2));
    book.add(limit("b2", "bob", BUY, 90, 2));
    book.add(limit("b3", "carol", BUY, 1, 2));

    MatchResult r = book.add(market("s1", "alice", SELL, 10));

    assertThat(fills(r)).containsExactly("100x2 b1/s1", "90x2 b2/s1", "1x2 b3/s1");
    assertThat(r.cancelledQuantity()).isEqualTo(4);
    assertThat(r.rested()).isNull();
    assertThat(r.levelChanges())
        .containsExactly(new LevelChange(BUY, 100, 0, 0), new LevelChange(BUY, 90, 0, 0), new LevelChange(BUY, 1, 0, 0));
    assertThat(book.size()).isZero();
    assertThat(book.lastTradePrice()).hasValue(1);
  }

  @Test
  void aMarketOrderOnAnEmptySideIsCancelledWhole() {
    MatchResult r = book.add(market("b1", "alice", BUY, 10));

    assertThat(r.trades()).isEmpty();
    assertThat(r.cancelledQuantity()).isEqualTo(10);
    assertThat(r.levelChanges()).isEmpty();
    assertThat(book.lastTradePrice()).isEmpty();
  }

  @Test
  void aLevelIsReportedOnceHoweverManyOrdersAnOperationTouchedThere() {
    book.add(limit("s1", "bob", SELL, 100, 1));
    book.add(limit("s2", "carol", SELL, 100, 1));
    book.add(limit("s3", "dave", SELL, 100, 1));

    MatchResult r = book.add(limit("b1", "alice", BUY, 100, 2));

    assertThat(r.trades()).hasSize(2);
    assertThat(r.levelChanges()).containsExactly(new LevelChange(SELL, 100, 1, 1));
  }

  @Test
  void selfTradePreventionCancelsTheOwnersRestingOrderAndMatchesOn() {
    book.add(limit("s1", "alice", SELL, 100, 5));
    book.add(limit("s2", "bob", SELL, 100, 5));
    book.add(limit("s3", "alice", SELL, 101, 5));

    MatchResult r = book.add(limit("b1", "alice", BUY, 100, 7));

    assertThat(r.selfTradeCancelled()).extracting(Order::orderId).containsExactly("s1");
    assertThat(r.selfTradeCancelled().get(0).remaining()).isEqualTo(5);
    assertThat(fills(r)).containsExactly("100x5 b1/s2");
    assertThat(r.rested().remaining()).isEqualTo(2);
    assertThat(r.levelChanges()).containsExactly(new LevelChange(SELL, 100, 0, 0), new LevelChange(BUY, 100, 2, 1));
    // s3 was never reached: it stays
    assertThat(book.order("s3")).isPresent();
    assertThat(book.order("s1")).isEmpty();
    assertThat(book.openOrders("alice")).isEqualTo(2);
    assertThat(book.openOrders("bob")).isZero();
  }

  @Test
  void selfTradePreventionWithNothingElseLeavesTheTakerToRestOrBeCancelled() {
    book.add(limit("s1", "alice", SELL, 100, 5));

    MatchResult market = book.add(market("b1", "alice", BUY, 3));
    assertThat(market.trades()).isEmpty();
    assertThat(market.selfTradeCancelled()).extracting(Order::orderId).containsExactly("s1");
    assertThat(market.cancelledQuantity()).isEqualTo(3);
    assertThat(market.levelChanges()).containsExactly(new LevelChange(SELL, 100, 0, 0));
    assertThat(book.size()).isZero();
  }

  @Test
  void theOwnerCancelsAnOpenOrder() {
    book.add(limit("b1", "alice", BUY, 100, 10));
    book.add(limit("b2", "bob", BUY, 100, 4));

    CancelResult r = book.cancel("b1", "alice");

    assertThat(r.refusal()).isEmpty();
    assertThat(r.cancelled().orderId()).isEqualTo("b1");
    assertThat(r.cancelled().remaining()).isEqualTo(10);
    assertThat(r.levelChanges()).containsExactly(new LevelChange(BUY, 100, 4, 1));
    assertThat(book.order("b1")).isEmpty();
    assertThat(book.openOrders("alice")).isZero();

    assertThat(book.cancel("b2", "bob").levelChanges()).containsExactly(new LevelChange(BUY, 100, 0, 0));
    assertThat(book.bestBid()).isEmpty();
  }

  @Test
  void onlyTheOwnerCancelsAndOnlyAnOpenOrder() {
    book.add(limit("b1", "alice", BUY, 100, 10));
    book.add(limit("s1", "bob", SELL, 100, 10)); // fills b1, which the book then forgets

    assertThat(code(book.cancel("nope", "alice"))).isEqualTo(OrderRules.UNKNOWN_ORDER);
    assertThat(code(book.cancel("b1", "alice"))).isEqualTo(OrderRules.UNKNOWN_ORDER);

    book.add(limit("b2", "alice", BUY, 99, 10));
    CancelResult refused = book.cancel("b2", "mallory");
    assertThat(code(refused.refusal())).isEqualTo(OrderRules.NOT_OWNER);
    assertThat(refused.levelChanges()).isEmpty();
    assertThat(book.order("b2")).isPresent();
  }

  private static String code(CancelResult r) {
    return code(r.refusal());
  }

  @Test
  void cuttingTheQuantityAtTheSamePriceKeepsTimePriority() {
    book.add(limit("b1", "alice", BUY, 100, 10));
    book.add(limit("b2", "bob", BUY, 100, 10));

    ReplaceResult r = book.replace("b1", "alice", 100, 4, ++seq);

    assertThat(r.refusal()).isEmpty();
    assertThat(r.keptPriority()).isTrue();
    assertThat(r.previous().remaining()).isEqualTo(10);
    assertThat(r.match().rested()).isEqualTo(new Order("b1", "alice", "c-b1", BUY, OrderType.LIMIT, TimeInForce.GTC, 100, 4, 4, 1));
    assertThat(r.match().trades()).isEmpty();
    assertThat(r.match().levelChanges()).containsExactly(new LevelChange(BUY, 100, 14, 2));

    assertThat(fills(book.add(limit("s1", "carol", SELL, 100, 6)))).containsExactly("100x4 b1/s1", "100x2 b2/s1");
  }

  @Test
  void replacingWithTheSameQuantityAndPriceChangesNothing() {
    book.add(limit("b1", "alice", BUY, 100, 10));

    ReplaceResult r = book.replace("b1", "alice", 100, 10, ++seq);

    assertThat(r.keptPriority()).isTrue();
    assertThat(r.match().levelChanges()).isEmpty();
    assertThat(book.order("b1").orElseThrow().seq()).isEqualTo(1);
  }

  @Test
  void growingTheQuantityLosesTimePriority() {
    book.add(limit("b1", "alice", BUY, 100, 10));
    book.add(limit("b2", "bob", BUY, 100, 10));

    ReplaceResult r = book.replace("b1", "alice", 100, 12, ++seq);

    assertThat(r.keptPriority()).isFalse();
    assertThat(r.match().rested().seq()).isEqualTo(3);
    assertThat(r.match().levelChanges()).containsExactly(new LevelChange(BUY, 100, 22, 2));
    assertThat(book.orders(BUY)).extracting(Order::orderId).containsExactly("b2", "b1");

    assertThat(fills(book.add(limit("s1", "carol", SELL, 100, 12)))).containsExactly("100x10 b2/s1", "100x2 b1/s1");
  }

  @Test
  void aNewPriceLosesTimePriorityAndMayTradeAtOnce() {
    book.add(limit("b1", "alice", BUY, 100, 10));
    book.add(limit("s0", "bob", SELL, 100, 4)); // b1 now 4 filled, 6 open
    book.add(limit("s1", "bob", SELL, 101, 5));

    ReplaceResult r = book.replace("b1", "alice", 101, 8, ++seq);

    assertThat(r.keptPriority()).isFalse();
    assertThat(r.previous().remaining()).isEqualTo(6);
    assertThat(fills(r.match())).containsExactly("101x5 b1/s1");
    // what had filled stays filled: 4 before + 8 asked now
    assertThat(r.match().rested()).isEqualTo(new Order("b1", "alice", "c-b1", BUY, OrderType.LIMIT, TimeInForce.GTC, 101, 12, 3, 4));
    assertThat(r.match().levelChanges())
        .containsExactly(new LevelChange(BUY, 100, 0, 0), new LevelChange(SELL, 101, 0, 0), new LevelChange(BUY, 101, 3, 1));
  }

  @Test
  void aReplaceThatTradesInFullLeavesNothingResting() {
    book.add(limit("b1", "alice", BUY, 99, 5));
    book.add(limit("s1", "bob", SELL, 100, 5));

    ReplaceResult r = book.replace("b1", "alice", 100, 5, ++seq);

    assertThat(fills(r.match())).containsExactly("100x5 b1/s1");
    assertThat(r.match().rested()).isNull();
    assertThat(book.size()).isZero();
    assertThat(book.openOrders("alice")).isZero();
  }

  @Test
  void onlyTheOwnerReplacesAndOnlyAnOpenOrder() {
    book.add(limit("b1", "alice", BUY, 100, 10));

    assertThat(code(book.replace("b1", "mallory", 101, 1, ++seq).refusal())).isEqualTo(OrderRules.NOT_OWNER);
    assertThat(code(book.replace("nope", "alice", 101, 1, ++seq).refusal())).isEqualTo(OrderRules.UNKNOWN_ORDER);
    assertThat(book.order("b1").orElseThrow().price()).isEqualTo(100);
    assertThatThrownBy(() -> book.replace("b1", "alice", 0, 1, ++seq)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void depthAggregatesEachPriceBestFirst() {
    book.add(limit("b1", "a", BUY, 98, 1));
    book.add(limit("b2", "b", BUY, 100, 2));
    book.add(limit("b3", "c", BUY, 100, 3));
    book.add(limit("b4", "d", BUY, 99, 4));
    book.add(limit("s1", "e", SELL, 103, 5));
    book.add(limit("s2", "f", SELL, 101, 6));

    assertThat(book.depth(BUY, 2)).containsExactly(new PriceLevel(100, 5, 2), new PriceLevel(99, 4, 1));
    assertThat(book.depth(BUY, 10)).hasSize(3);
    assertThat(book.depth(SELL, 10)).containsExactly(new PriceLevel(101, 6, 1), new PriceLevel(103, 5, 1));
    assertThat(book.depth(SELL, 0)).isEmpty();
    assertThat(book.levels(BUY)).isEqualTo(3);
    assertThat(book.orders(BUY)).extracting(Order::orderId).containsExactly("b2", "b3", "b4", "b1");
  }

  @Test
  void openOrdersAreCountedPerUser() {
    book.add(limit("b1", "alice", BUY, 100, 1));
    book.add(limit("b2", "alice", BUY, 99, 1));
    book.add(limit("s1", "bob", SELL, 105, 1));
    book.add(ioc("b3", "alice", BUY, 90, 1)); // never rests

    assertThat(book.openOrders("alice")).isEqualTo(2);
    assertThat(book.openOrders("bob")).isEqualTo(1);
    assertThat(book.openOrders("nobody")).isZero();
    assertThat(book.size()).isEqualTo(3);
  }

  @Test
  void anOrderIdAlreadyInTheBookIsAProgrammingError() {
    book.add(limit("b1", "alice", BUY, 100, 1));
    assertThatThrownBy(() -> book.add(limit("b1", "alice", BUY, 101, 1))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aCopyIsIndependentAndNumbersTradesOnFromTheSamePlace() {
    book.add(limit("s1", "bob", SELL, 101, 5));
    book.add(limit("s2", "bob", SELL, 102, 5));
    book.add(limit("b1", "alice", BUY, 101, 1));

    OrderBook copy = book.copy();
    copy.checkIntegrity();
    assertThat(copy.orders(SELL)).isEqualTo(book.orders(SELL));
    assertThat(copy.lastTradePrice()).isEqualTo(book.lastTradePrice());

    MatchResult original = book.add(market("b2", "carol", BUY, 6));
    assertThat(copy.orders(SELL)).extracting(Order::remaining).containsExactly(4L, 5L);

    MatchResult replayed = copy.add(market("b2", "carol", BUY, 6));
    assertThat(replayed).isEqualTo(original);
    assertThat(copy.orders(SELL)).isEqualTo(book.orders(SELL));
    assertThat(copy.nextTradeId()).isEqualTo(4);
  }

  @Test
  void ordersAreValidatedAsTheBooksInvariants() {
    assertThatThrownBy(() -> Order.limit("x", "u", null, BUY, 0, 1, TimeInForce.GTC, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Order.market("x", "u", null, BUY, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Order("x", "u", null, BUY, OrderType.MARKET, TimeInForce.GTC, 0, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Order.market("x", "u", null, BUY, 1, 1).rests()).isFalse();
    assertThat(Order.limit("x", "u", null, BUY, 1, 1, TimeInForce.IOC, 1).rests()).isFalse();
  }
}
