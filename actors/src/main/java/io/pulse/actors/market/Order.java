package io.pulse.actors.market;

import java.util.Objects;

/**
 * An order as the book sees it: immutable, so one handed in or out can be kept, logged or persisted. The book keeps
 * its own mutable copy of a resting order and answers fresh snapshots of it.
 *
 * <p>Prices are integer ticks and quantities integer lots: no floating point anywhere in matching. {@code price} is 0
 * for a market order. {@code quantity} is everything the order was ever asked to trade and {@code remaining} what is
 * still open, so {@code quantity - remaining} has filled. {@code seq} is the time priority, given by the caller
 * (the owning entity's sequence), so that replaying the same commands rebuilds the same book.
 *
 * @param orderId unique in its book, assigned by the caller
 * @param userId the owner: the only user who may cancel or replace it
 * @param clientOrderId the owner's own reference, carried along untouched
 */
public record Order(
    String orderId,
    String userId,
    String clientOrderId,
    Side side,
    OrderType type,
    TimeInForce timeInForce,
    long price,
    long quantity,
    long remaining,
    long seq) {

  public Order {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(side, "side");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(timeInForce, "timeInForce");
    // the book's invariants, not user input: OrderRules refuses bad input before an Order is built
    if (type == OrderType.MARKET && (price != 0 || timeInForce != TimeInForce.IOC)) {
      throw new IllegalArgumentException("a market order has no price and is IOC");
    }
    if (type == OrderType.LIMIT && price <= 0) throw new IllegalArgumentException("limit price must be positive");
    if (remaining <= 0 || remaining > quantity) {
      throw new IllegalArgumentException("need 0 < remaining <= quantity, got " + remaining + " of " + quantity);
    }
  }

  public static Order limit(
      String orderId, String userId, String clientOrderId, Side side, long price, long quantity, TimeInForce tif, long seq) {
    return new Order(orderId, userId, clientOrderId, side, OrderType.LIMIT, tif, price, quantity, quantity, seq);
  }

  public static Order market(String orderId, String userId, String clientOrderId, Side side, long quantity, long seq) {
    return new Order(orderId, userId, clientOrderId, side, OrderType.MARKET, TimeInForce.IOC, 0, quantity, quantity, seq);
  }

  public long filled() {
    return quantity - remaining;
  }

  /** Whether what remains after matching rests in the book. */
  public boolean rests() {
    return type == OrderType.LIMIT && timeInForce == TimeInForce.GTC;
  }
}
