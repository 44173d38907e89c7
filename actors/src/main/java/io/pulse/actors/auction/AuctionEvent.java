package io.pulse.actors.auction;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.pulse.persistence.CborSerializable;

/**
 * The facts of an auction, as decided by {@link AuctionRules} and folded into an {@link AuctionBook}
 * by {@link AuctionBook#apply}. Each carries its outcome (price, leader, new end), so applying one
 * never re-runs a rule: a journal replays to the same book even if the rules change later.
 */
// Held by interface type in the book (bid history, idempotency answers): Jackson writes the concrete type.
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AuctionEvent.AuctionCreated.class, name = "AuctionCreated"),
  @JsonSubTypes.Type(value = AuctionEvent.BidAccepted.class, name = "BidAccepted"),
  @JsonSubTypes.Type(value = AuctionEvent.EndExtended.class, name = "EndExtended"),
  @JsonSubTypes.Type(value = AuctionEvent.Closed.class, name = "Closed")
})
public sealed interface AuctionEvent extends CborSerializable {

  /** The first event of an auction: start from {@link AuctionBook#initial(AuctionSpec)}. */
  record AuctionCreated(AuctionSpec spec, long at) implements AuctionEvent {}

  /**
   * A bidder's new maximum was accepted. {@code maximum} is private to its bidder (proxy bidding is
   * pointless if others see it): publish {@code priceAfter} and {@code leaderAfter}, never this record.
   *
   * @param idempotencyKey the client's key, unscoped; null when the bid came without one
   */
  record BidAccepted(String bidder, long maximum, long priceAfter, String leaderAfter, long at, String idempotencyKey)
      implements AuctionEvent {}

  /** A late bid pushed the end back to {@code newEnd}. Follows the bid that caused it. */
  record EndExtended(long newEnd) implements AuctionEvent {}

  /**
   * The auction is over. {@code winner} is null when nobody bid or the reserve was not met;
   * {@code price} is the final price either way (0 without bids), so a seller sees how far it got.
   */
  record Closed(String winner, long price, boolean reserveMet, long at) implements AuctionEvent {}
}
