package io.pulse.actors.market;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What an order command must satisfy before it reaches the book. Pure: every method answers the refusal code and
 * reason, or empty when the command may go ahead. The book trusts its input; these checks are where user input is
 * refused.
 *
 * <p>Cancels and replaces need to tell an order that never existed from one that existed and is gone. The book
 * forgets orders once they are done, so the caller passes {@code closedOwners}: the owner of every order it still
 * remembers as filled or cancelled (the entity may keep a bounded window of recent ones; an order it forgot reads as
 * {@code unknown_order}).
 */
public final class OrderRules {
  private OrderRules() {}

  /** Zero, negative, or not a whole number of lots. */
  public static final String INVALID_QUANTITY = "invalid_quantity";
  /** Zero, negative, or off the tick grid; or a price on a market order. */
  public static final String INVALID_PRICE = "invalid_price";
  /** A limit price further from the last trade than the instrument's band. */
  public static final String PRICE_OUT_OF_BAND = "price_out_of_band";
  /** The user already has the maximum of resting orders. */
  public static final String TOO_MANY_OPEN_ORDERS = "too_many_open_orders";
  public static final String UNKNOWN_ORDER = "unknown_order";
  public static final String NOT_OWNER = "not_owner";
  /** A cancel or replace of an order that is no longer open: filled, or already cancelled. */
  public static final String ORDER_FILLED = "order_filled";

  /** A refused command: a stable code and a reason for humans. */
  public record Refusal(String code, String reason) {}

  private static Optional<Refusal> refuse(String code, String reason) {
    return Optional.of(new Refusal(code, reason));
  }

  public static Optional<Refusal> quantity(InstrumentSpec spec, long quantity) {
    if (quantity <= 0) return refuse(INVALID_QUANTITY, "quantity must be positive");
    if (quantity % spec.lotSize() != 0) {
      return refuse(INVALID_QUANTITY, "quantity must be a multiple of the lot size " + spec.lotSize());
    }
    return Optional.empty();
  }

  public static Optional<Refusal> price(InstrumentSpec spec, long price) {
    if (price <= 0) return refuse(INVALID_PRICE, "price must be positive");
    if (price % spec.tickSize() != 0) {
      return refuse(INVALID_PRICE, "price must be a multiple of the tick size " + spec.tickSize());
    }
    return Optional.empty();
  }

  /**
   * A limit price may be at most {@code bandBps} basis points from {@code reference} (the last trade), either way,
   * so a fat-fingered price cannot sweep the book or park far from it. No reference yet: no band.
   */
  public static Optional<Refusal> band(InstrumentSpec spec, long price, OptionalLong reference) {
    if (reference.isEmpty()) return Optional.empty();
    long ref = reference.getAsLong();
    long distance = Math.abs(price - ref);
    // distance / ref > bandBps / 10_000, exactly, in 128 bits: no division, no overflow
    if (productExceeds(distance, 10_000L, ref, spec.bandBps())) {
      return refuse(
          PRICE_OUT_OF_BAND,
          "price " + price + " is more than " + spec.bandBps() + " bps from the last trade " + ref);
    }
    return Optional.empty();
  }

  public static Optional<Refusal> openOrders(InstrumentSpec spec, int open) {
    if (open >= spec.maxOpenOrdersPerUser()) {
      return refuse(TOO_MANY_OPEN_ORDERS, "at most " + spec.maxOpenOrdersPerUser() + " open orders per user");
    }
    return Optional.empty();
  }

  /**
   * A new order. A market order has no price (pass 0) and is IOC whatever {@code tif} says. The open-order limit
   * applies only to an order that may rest (GTC limit): it bounds what a user keeps in the book, and an order that
   * cannot rest adds nothing to it.
   */
  public static Optional<Refusal> submit(
      InstrumentSpec spec, OrderBook book, String userId, OrderType type, TimeInForce tif, long price, long quantity) {
    Optional<Refusal> refusal = quantity(spec, quantity);
    if (refusal.isPresent()) return refusal;
    if (type == OrderType.MARKET) {
      return price == 0 ? Optional.empty() : refuse(INVALID_PRICE, "a market order has no price");
    }
    refusal = price(spec, price);
    if (refusal.isPresent()) return refusal;
    refusal = band(spec, price, book.lastTradePrice());
    if (refusal.isPresent()) return refusal;
    if (tif == TimeInForce.GTC) return openOrders(spec, book.openOrders(userId));
    return Optional.empty();
  }

  /** A cancel: the order must be open and the user's own. */
  public static Optional<Refusal> cancel(OrderBook book, Map<String, String> closedOwners, String orderId, String userId) {
    Optional<Order> open = book.order(orderId);
    String owner = open.map(Order::userId).orElseGet(() -> closedOwners.get(orderId));
    if (owner == null) return refuse(UNKNOWN_ORDER, "no order " + orderId);
    // ownership first: someone else's order is not theirs to learn the state of
    if (!owner.equals(userId)) return refuse(NOT_OWNER, "order " + orderId + " belongs to another user");
    if (open.isEmpty()) return refuse(ORDER_FILLED, "order " + orderId + " is no longer open");
    return Optional.empty();
  }

  /**
   * A replace: what a cancel needs, and a valid new price and quantity. The band applies to a new price only: cutting
   * the quantity of an order at its old price is always allowed, even after the market has moved away from it.
   */
  public static Optional<Refusal> replace(
      InstrumentSpec spec,
      OrderBook book,
      Map<String, String> closedOwners,
      String orderId,
      String userId,
      long newPrice,
      long newQuantity) {
    Optional<Refusal> refusal = cancel(book, closedOwners, orderId, userId);
    if (refusal.isPresent()) return refusal;
    refusal = quantity(spec, newQuantity);
    if (refusal.isPresent()) return refusal;
    refusal = price(spec, newPrice);
    if (refusal.isPresent()) return refusal;
    if (newPrice == book.order(orderId).orElseThrow().price()) return Optional.empty();
    return band(spec, newPrice, book.lastTradePrice());
  }

  /** {@code a * b > c * d} for non-negative longs, on the full 128-bit products. */
  static boolean productExceeds(long a, long b, long c, long d) {
    long high1 = Math.multiplyHigh(a, b);
    long high2 = Math.multiplyHigh(c, d);
    if (high1 != high2) return high1 > high2;
    return Long.compareUnsigned(a * b, c * d) > 0;
  }
}
