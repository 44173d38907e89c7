package io.pulse.actors.market;

import java.util.Objects;

/**
 * What one market accepts. Prices must be multiples of {@code tickSize} ticks and quantities multiples of
 * {@code lotSize} lots; a limit price may lie at most {@code bandBps} basis points (1/100 of a percent) from the
 * last trade; one user may hold at most {@code maxOpenOrdersPerUser} resting orders.
 */
public record InstrumentSpec(String symbol, long tickSize, long lotSize, int bandBps, int maxOpenOrdersPerUser) {
  public InstrumentSpec {
    Objects.requireNonNull(symbol, "symbol");
    if (tickSize <= 0) throw new IllegalArgumentException("tickSize must be positive");
    if (lotSize <= 0) throw new IllegalArgumentException("lotSize must be positive");
    if (bandBps <= 0) throw new IllegalArgumentException("bandBps must be positive");
    if (maxOpenOrdersPerUser <= 0) throw new IllegalArgumentException("maxOpenOrdersPerUser must be positive");
  }
}
