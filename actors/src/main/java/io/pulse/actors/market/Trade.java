package io.pulse.actors.market;

/**
 * One fill between an incoming order (the taker) and a resting one (the maker), always at the maker's price: the
 * maker was there first and quoted it. {@code makerSide} says which of buyer and seller was resting.
 *
 * @param tradeId the book's own sequence, 1, 2, ...: deterministic, so a replay numbers trades the same way
 */
public record Trade(
    long tradeId,
    long price,
    long quantity,
    String buyOrderId,
    String sellOrderId,
    String buyer,
    String seller,
    Side makerSide) {

  public String makerOrderId() {
    return makerSide == Side.BUY ? buyOrderId : sellOrderId;
  }

  public String takerOrderId() {
    return makerSide == Side.BUY ? sellOrderId : buyOrderId;
  }
}
