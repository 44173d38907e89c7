package io.pulse.http.gateway;

import io.pulse.actors.market.OrderType;
import io.pulse.actors.market.Side;
import io.pulse.actors.market.TimeInForce;

/** The {@code market.*} frames (docs/protocol.md, "Markets"). Prices are integer ticks, quantities integer lots. */
public sealed interface MarketFrame extends ClientFrame {
  String symbol();

  /** {@code price} 0 for a market order. */
  record Place(String ref, String symbol, String clientOrderId, Side side, OrderType type, TimeInForce timeInForce, long price, long quantity)
      implements MarketFrame {}

  record Cancel(String ref, String symbol, String orderId) implements MarketFrame {}

  record Replace(String ref, String symbol, String orderId, long price, long quantity) implements MarketFrame {}

  /** A level-2 snapshot of {@code depth} levels per side (0: all). */
  record Book(String ref, String symbol, int depth) implements MarketFrame {}
}
