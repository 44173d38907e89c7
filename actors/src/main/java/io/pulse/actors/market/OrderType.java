package io.pulse.actors.market;

/** A limit order trades at its price or better; a market order takes whatever the other side offers. */
public enum OrderType {
  LIMIT,
  MARKET
}
