package io.pulse.http.gateway;

import io.pulse.actors.auction.IncrementRule;

/** The {@code auction.*} frames (docs/protocol.md, "Auctions and flash sales"). Amounts in minor units once parsed. */
public sealed interface AuctionFrame extends ClientFrame {

  /** Times in epoch ms; {@code startsAt} null: now. */
  record AuctionCreate(
      String ref,
      String item,
      long startingPrice,
      IncrementRule increment,
      Long reservePrice,
      Long startsAt,
      long endsAt,
      long snipeWindowMs,
      long extendByMs,
      Long hardEndAt)
      implements AuctionFrame {}

  /** {@code maximum}: the most the bidder would pay; a plain bid is a maximum equal to its amount. */
  record AuctionBid(String ref, String auctionId, long maximum, String idempotencyKey) implements AuctionFrame {}

  record AuctionGet(String ref, String auctionId) implements AuctionFrame {}
}
