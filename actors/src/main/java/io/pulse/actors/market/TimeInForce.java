package io.pulse.actors.market;

/**
 * What happens to the part of an order that does not trade at once: GTC rests in the book until filled or
 * cancelled; IOC is cancelled. A market order is always IOC: with no price it has nowhere to rest.
 */
public enum TimeInForce {
  GTC,
  IOC
}
