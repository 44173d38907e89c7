package io.pulse.actors.market;

/** Which side of the book an order is on: a buy rests among the bids, a sell among the asks. */
public enum Side {
  BUY,
  SELL;

  public Side opposite() {
    return this == BUY ? SELL : BUY;
  }
}
