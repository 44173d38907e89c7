package io.pulse.actors.market;

import static io.pulse.actors.market.OrderRules.INVALID_PRICE;
import static io.pulse.actors.market.OrderRules.INVALID_QUANTITY;
import static io.pulse.actors.market.OrderRules.NOT_OWNER;
import static io.pulse.actors.market.OrderRules.ORDER_FILLED;
import static io.pulse.actors.market.OrderRules.PRICE_OUT_OF_BAND;
import static io.pulse.actors.market.OrderRules.TOO_MANY_OPEN_ORDERS;
import static io.pulse.actors.market.OrderRules.UNKNOWN_ORDER;
import static io.pulse.actors.market.Side.BUY;
import static io.pulse.actors.market.Side.SELL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class OrderRulesTest {
  /** Ticks of 5, lots of 10, a 10% band, 2 open orders per user. */
  private static final InstrumentSpec SPEC = new InstrumentSpec("PLS-USD", 5, 10, 1_000, 2);

  private static String code(Optional<OrderRules.Refusal> refusal) {
    assertThat(refusal).as("expected a refusal").isPresent();
    assertThat(refusal.get().reason()).isNotBlank();
    return refusal.get().code();
  }

  private static OrderBook bookWithLastTradeAt(long price) {
    OrderBook book = new OrderBook();
    book.add(Order.limit("s0", "maker", null, SELL, price, 10, TimeInForce.GTC, 1));
    book.add(Order.limit("b0", "taker", null, BUY, price, 10, TimeInForce.GTC, 2));
    assertThat(book.lastTradePrice()).hasValue(price);
    return book;
  }

  @Test
  void quantityIsAPositiveNumberOfLots() {
    assertThat(OrderRules.quantity(SPEC, 10)).isEmpty();
    assertThat(OrderRules.quantity(SPEC, 1_000)).isEmpty();
    assertThat(code(OrderRules.quantity(SPEC, 0))).isEqualTo(INVALID_QUANTITY);
    assertThat(code(OrderRules.quantity(SPEC, -10))).isEqualTo(INVALID_QUANTITY);
    assertThat(code(OrderRules.quantity(SPEC, 15))).isEqualTo(INVALID_QUANTITY);
  }

  @Test
  void priceIsPositiveAndOnTheTickGrid() {
    assertThat(OrderRules.price(SPEC, 5)).isEmpty();
    assertThat(OrderRules.price(SPEC, 1_005)).isEmpty();
    assertThat(code(OrderRules.price(SPEC, 0))).isEqualTo(INVALID_PRICE);
    assertThat(code(OrderRules.price(SPEC, -5))).isEqualTo(INVALID_PRICE);
    assertThat(code(OrderRules.price(SPEC, 1_003))).isEqualTo(INVALID_PRICE);
  }

  @Test
  void theBandIsMeasuredFromTheLastTradeBothWaysWithItsEdgesInside() {
    OptionalLong ref = OptionalLong.of(1_000);
    assertThat(OrderRules.band(SPEC, 1_100, ref)).isEmpty();
    assertThat(OrderRules.band(SPEC, 900, ref)).isEmpty();
    assertThat(OrderRules.band(SPEC, 1_000, ref)).isEmpty();
    assertThat(code(OrderRules.band(SPEC, 1_101, ref))).isEqualTo(PRICE_OUT_OF_BAND);
    assertThat(code(OrderRules.band(SPEC, 899, ref))).isEqualTo(PRICE_OUT_OF_BAND);
    // no trade yet: nothing to measure from
    assertThat(OrderRules.band(SPEC, 1_000_000, OptionalLong.empty())).isEmpty();
  }

  @Test
  void theBandDoesNotOverflowOnHugePrices() {
    InstrumentSpec wide = new InstrumentSpec("X", 1, 1, Integer.MAX_VALUE, 1);
    long ref = Long.MAX_VALUE / 2;
    assertThat(OrderRules.band(wide, Long.MAX_VALUE, OptionalLong.of(ref))).isEmpty();
    assertThat(code(OrderRules.band(SPEC, Long.MAX_VALUE, OptionalLong.of(1)))).isEqualTo(PRICE_OUT_OF_BAND);
    assertThat(OrderRules.productExceeds(Long.MAX_VALUE, 3, Long.MAX_VALUE, 2)).isTrue();
    assertThat(OrderRules.productExceeds(Long.MAX_VALUE, 2, Long.MAX_VALUE, 2)).isFalse();
    assertThat(OrderRules.productExceeds(3, 4, 2, 6)).isFalse();
  }

  @Test
  void openOrdersStopAtTheLimit() {
    assertThat(OrderRules.openOrders(SPEC, 0)).isEmpty();
    assertThat(OrderRules.openOrders(SPEC, 1)).isEmpty();
    assertThat(code(OrderRules.openOrders(SPEC, 2))).isEqualTo(TOO_MANY_OPEN_ORDERS);
  }

  @Test
  void submitChecksQuantityPriceBandAndOpenOrders() {
    OrderBook book = bookWithLastTradeAt(1_000);
    assertThat(OrderRules.submit(SPEC, book, "alice", OrderType.LIMIT, TimeInForce.GTC, 1_050, 20)).isEmpty();
    assertThat(code(OrderRules.submit(SPEC, book, "alice", OrderType.LIMIT, TimeInForce.GTC, 1_050, 25)))
        .isEqualTo(INVALID_QUANTITY);
    assertThat(code(OrderRules.submit(SPEC, book, "alice", OrderType.LIMIT, TimeInForce.GTC, 1_051, 20)))
        .isEqualTo(INVALID_PRICE);
    assertThat(code(OrderRules.submit(SPEC, book, "alice", OrderType.LIMIT, TimeInForce.IOC, 1_105, 20)))
        .isEqualTo(PRICE_OUT_OF_BAND);

    book.add(Order.limit("a1", "alice", null, BUY, 950, 10, TimeInForce.GTC, 3));
    book.add(Order.limit("a2", "alice", null, BUY, 955, 10, TimeInForce.GTC, 4));
    assertThat(code(OrderRules.submit(SPEC, book, "alice", OrderType.LIMIT, TimeInForce.GTC, 950, 10)))
        .isEqualTo(TOO_MANY_OPEN_ORDERS);
    // orders that cannot rest add nothing to the book: still allowed at the limit
    assertThat(OrderRules.submit(SPEC, book, "alice", OrderType.LIMIT, TimeInForce.IOC, 950, 10)).isEmpty();
    assertThat(OrderRules.submit(SPEC, book, "alice", OrderType.MARKET, TimeInForce.IOC, 0, 10)).isEmpty();
    assertThat(OrderRules.submit(SPEC, book, "bob", OrderType.LIMIT, TimeInForce.GTC, 950, 10)).isEmpty();
  }

  @Test
  void aMarketOrderHasNoPriceAndNoBand() {
    OrderBook book = bookWithLastTradeAt(1_000);
    assertThat(OrderRules.submit(SPEC, book, "alice", OrderType.MARKET, TimeInForce.GTC, 0, 10)).isEmpty();
    assertThat(code(OrderRules.submit(SPEC, book, "alice", OrderType.MARKET, TimeInForce.IOC, 1_000, 10)))
        .isEqualTo(INVALID_PRICE);
    assertThat(code(OrderRules.submit(SPEC, book, "alice", OrderType.MARKET, TimeInForce.IOC, 0, 5)))
        .isEqualTo(INVALID_QUANTITY);
  }

  @Test
  void beforeAnyTradeTheBandDoesNotApply() {
    OrderBook empty = new OrderBook();
    assertThat(OrderRules.submit(SPEC, empty, "alice", OrderType.LIMIT, TimeInForce.GTC, 1_000_000, 10)).isEmpty();
  }

  @Test
  void cancelNeedsAnOpenOrderOfTheUser() {
    OrderBook book = bookWithLastTradeAt(1_000); // s0 (maker) and b0 (taker) filled each other
    book.add(Order.limit("a1", "alice", null, BUY, 950, 10, TimeInForce.GTC, 3));
    Map<String, String> closed = Map.of("s0", "maker", "b0", "taker");

    assertThat(OrderRules.cancel(book, closed, "a1", "alice")).isEmpty();
    assertThat(code(OrderRules.cancel(book, closed, "a1", "mallory"))).isEqualTo(NOT_OWNER);
    assertThat(code(OrderRules.cancel(book, closed, "zz", "alice"))).isEqualTo(UNKNOWN_ORDER);
    assertThat(code(OrderRules.cancel(book, closed, "s0", "maker"))).isEqualTo(ORDER_FILLED);
    // not theirs: a stranger does not learn that it filled
    assertThat(code(OrderRules.cancel(book, closed, "s0", "mallory"))).isEqualTo(NOT_OWNER);
    // forgotten by the caller: unknown
    assertThat(code(OrderRules.cancel(book, Map.of(), "s0", "maker"))).isEqualTo(UNKNOWN_ORDER);
  }

  @Test
  void replaceChecksTheOrderThenTheNewPriceAndQuantity() {
    OrderBook book = bookWithLastTradeAt(1_000);
    book.add(Order.limit("a1", "alice", null, BUY, 950, 10, TimeInForce.GTC, 3));
    Map<String, String> closed = Map.of("s0", "maker");

    assertThat(OrderRules.replace(SPEC, book, closed, "a1", "alice", 960, 20)).isEmpty();
    assertThat(code(OrderRules.replace(SPEC, book, closed, "a1", "bob", 960, 20))).isEqualTo(NOT_OWNER);
    assertThat(code(OrderRules.replace(SPEC, book, closed, "zz", "alice", 960, 20))).isEqualTo(UNKNOWN_ORDER);
    assertThat(code(OrderRules.replace(SPEC, book, closed, "s0", "maker", 960, 20))).isEqualTo(ORDER_FILLED);
    assertThat(code(OrderRules.replace(SPEC, book, closed, "a1", "alice", 960, 0))).isEqualTo(INVALID_QUANTITY);
    assertThat(code(OrderRules.replace(SPEC, book, closed, "a1", "alice", 961, 20))).isEqualTo(INVALID_PRICE);
    assertThat(code(OrderRules.replace(SPEC, book, closed, "a1", "alice", 800, 20))).isEqualTo(PRICE_OUT_OF_BAND);
  }

  @Test
  void cuttingAnOrderLeftOutsideTheBandIsStillAllowed() {
    OrderBook book = new OrderBook();
    book.add(Order.limit("a1", "alice", null, BUY, 800, 20, TimeInForce.GTC, 1)); // before any trade: no band
    book.add(Order.limit("s0", "maker", null, SELL, 1_000, 10, TimeInForce.GTC, 2));
    book.add(Order.limit("b0", "taker", null, BUY, 1_000, 10, TimeInForce.GTC, 3));

    assertThat(OrderRules.replace(SPEC, book, Map.of(), "a1", "alice", 800, 10)).isEmpty();
    assertThat(code(OrderRules.replace(SPEC, book, Map.of(), "a1", "alice", 805, 10))).isEqualTo(PRICE_OUT_OF_BAND);
  }

  @Test
  void anInstrumentNeedsPositiveSizesAndLimits() {
    assertThatThrownBy(() -> new InstrumentSpec("X", 0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new InstrumentSpec("X", 1, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new InstrumentSpec("X", 1, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new InstrumentSpec("X", 1, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
