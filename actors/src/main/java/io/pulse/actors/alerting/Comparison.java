package io.pulse.actors.alerting;

import java.util.Optional;

/** How a rule compares a series' value with its threshold. NaN never satisfies a comparison (as in PromQL). */
public enum Comparison {
  GT(">"),
  GE(">="),
  LT("<"),
  LE("<="),
  EQ("=="),
  NE("!=");

  public final String symbol;

  Comparison(String symbol) {
    this.symbol = symbol;
  }

  public boolean holds(double value, double threshold) {
    if (Double.isNaN(value)) return false;
    return switch (this) {
      case GT -> value > threshold;
      case GE -> value >= threshold;
      case LT -> value < threshold;
      case LE -> value <= threshold;
      case EQ -> value == threshold;
      case NE -> value != threshold;
    };
  }

  public static Optional<Comparison> parse(String symbol) {
    for (Comparison c : values()) if (c.symbol.equals(symbol)) return Optional.of(c);
    return Optional.empty();
  }
}
