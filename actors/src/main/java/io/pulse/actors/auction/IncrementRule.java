package io.pulse.actors.auction;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.pulse.persistence.CborSerializable;
import java.util.List;
import java.util.Optional;

/**
 * How much a bid must beat the current price by, in minor units: a fixed step, or a step that grows
 * with the price (a table of bands, as auction sites publish). Records never throw on construction, so
 * a persisted spec always reads back; {@link #problem()} says what makes a rule unusable and
 * {@link AuctionRules#validate} refuses such a spec.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = IncrementRule.Fixed.class, name = "Fixed"),
  @JsonSubTypes.Type(value = IncrementRule.Banded.class, name = "Banded")
})
public sealed interface IncrementRule extends CborSerializable {

  /** The step above {@code currentPrice} the next bid must reach. */
  long increment(long currentPrice);

  /** Why this rule cannot be used, or empty when it can. */
  Optional<String> problem();

  static IncrementRule fixed(long step) {
    return new Fixed(step);
  }

  static IncrementRule banded(List<Band> bands) {
    return new Banded(bands);
  }

  /** The US-dollar table of a large auction site, in cents: 5 cents under $1 up to $100 from $5,000. */
  static IncrementRule usdTable() {
    return new Banded(
        List.of(
            new Band(0, 5),
            new Band(100, 25),
            new Band(500, 50),
            new Band(2_500, 100),
            new Band(10_000, 250),
            new Band(25_000, 500),
            new Band(50_000, 1_000),
            new Band(100_000, 2_500),
            new Band(250_000, 5_000),
            new Band(500_000, 10_000)));
  }

  record Fixed(long step) implements IncrementRule {
    @Override
    public long increment(long currentPrice) {
      return step;
    }

    @Override
    public Optional<String> problem() {
      if (step < 1 || step > AuctionRules.MAX_AMOUNT) return Optional.of("the increment must be 1-" + AuctionRules.MAX_AMOUNT);
      return Optional.empty();
    }
  }

  /** From {@code fromPrice} (inclusive) up to the next band's, bids go up by {@code increment}. */
  record Band(long fromPrice, long increment) implements CborSerializable {}

  /** Bands sorted by {@code fromPrice}, the first from 0 so that every price has a step. */
  record Banded(List<Band> bands) implements IncrementRule {
    public Banded {
      bands = List.copyOf(bands);
    }

    @Override
    public long increment(long currentPrice) {
      // Binary search for the last band starting at or below the price; tables are short but bids are hot.
      int lo = 0;
      int hi = bands.size() - 1;
      while (lo < hi) {
        int mid = (lo + hi + 1) >>> 1;
        if (bands.get(mid).fromPrice() <= currentPrice) lo = mid;
        else hi = mid - 1;
      }
      return bands.get(lo).increment();
    }

    @Override
    public Optional<String> problem() {
      if (bands.isEmpty()) return Optional.of("an increment table needs at least one band");
      if (bands.get(0).fromPrice() != 0) return Optional.of("the first band must start at price 0");
      for (int i = 0; i < bands.size(); i++) {
        Band band = bands.get(i);
        if (band.increment() < 1 || band.increment() > AuctionRules.MAX_AMOUNT) {
          return Optional.of("band increments must be 1-" + AuctionRules.MAX_AMOUNT);
        }
        if (i > 0 && band.fromPrice() <= bands.get(i - 1).fromPrice()) {
          return Optional.of("bands must be sorted by strictly increasing fromPrice");
        }
      }
      return Optional.empty();
    }
  }
}
