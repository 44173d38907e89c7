package io.pulse.actors.auction;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.auction.IncrementRule.Band;
import java.util.List;
import org.junit.jupiter.api.Test;

class IncrementRuleTest {

  @Test
  void aFixedStepIsTheSameAtEveryPrice() {
    IncrementRule rule = IncrementRule.fixed(100);
    assertThat(rule.increment(0)).isEqualTo(100);
    assertThat(rule.increment(1_000_000)).isEqualTo(100);
    assertThat(rule.problem()).isEmpty();
  }

  @Test
  void aBandAppliesFromItsPriceUpToTheNextBand() {
    IncrementRule rule = IncrementRule.banded(List.of(new Band(0, 10), new Band(1_000, 50), new Band(5_000, 200)));
    assertThat(rule.increment(0)).isEqualTo(10);
    assertThat(rule.increment(999)).isEqualTo(10);
    assertThat(rule.increment(1_000)).isEqualTo(50);
    assertThat(rule.increment(4_999)).isEqualTo(50);
    assertThat(rule.increment(5_000)).isEqualTo(200);
    assertThat(rule.increment(Long.MAX_VALUE)).isEqualTo(200);
    assertThat(rule.problem()).isEmpty();
  }

  @Test
  void theUsdTableSteps() {
    IncrementRule usd = IncrementRule.usdTable();
    assertThat(usd.problem()).isEmpty();
    assertThat(usd.increment(99)).isEqualTo(5); // $0.99 -> 5 cents
    assertThat(usd.increment(100)).isEqualTo(25);
    assertThat(usd.increment(2_499)).isEqualTo(50);
    assertThat(usd.increment(2_500)).isEqualTo(100);
    assertThat(usd.increment(9_999)).isEqualTo(100);
    assertThat(usd.increment(10_000)).isEqualTo(250);
    assertThat(usd.increment(499_999)).isEqualTo(5_000);
    assertThat(usd.increment(500_000)).isEqualTo(10_000);
  }

  @Test
  void aSingleBandIsAFixedStep() {
    IncrementRule rule = IncrementRule.banded(List.of(new Band(0, 7)));
    assertThat(rule.increment(0)).isEqualTo(7);
    assertThat(rule.increment(123_456)).isEqualTo(7);
  }

  @Test
  void unusableRulesSayWhy() {
    assertThat(IncrementRule.fixed(0).problem()).isPresent();
    assertThat(IncrementRule.fixed(-5).problem()).isPresent();
    assertThat(IncrementRule.fixed(AuctionRules.MAX_AMOUNT + 1).problem()).isPresent();
    assertThat(IncrementRule.banded(List.of()).problem()).isPresent();
    assertThat(IncrementRule.banded(List.of(new Band(10, 5))).problem()).hasValueSatisfying(p -> assertThat(p).contains("price 0"));
    assertThat(IncrementRule.banded(List.of(new Band(0, 5), new Band(0, 10))).problem()).hasValueSatisfying(p -> assertThat(p).contains("sorted"));
    assertThat(IncrementRule.banded(List.of(new Band(0, 5), new Band(500, 10), new Band(100, 20))).problem()).isPresent();
    assertThat(IncrementRule.banded(List.of(new Band(0, 5), new Band(100, 0))).problem()).isPresent();
  }

  @Test
  void theBandListIsCopied() {
    List<Band> bands = new java.util.ArrayList<>(List.of(new Band(0, 5)));
    IncrementRule rule = IncrementRule.banded(bands);
    bands.add(new Band(100, 500));
    assertThat(rule.increment(1_000)).isEqualTo(5);
  }
}
