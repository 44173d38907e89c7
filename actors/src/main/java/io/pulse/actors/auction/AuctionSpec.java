package io.pulse.actors.auction;

import io.pulse.persistence.CborSerializable;

/**
 * What a seller puts up: the terms an auction is judged by, fixed once it is created. Money in minor
 * units, times in epoch milliseconds. {@link AuctionRules#validate} says whether a spec is usable.
 *
 * @param reservePrice the lowest price the seller sells at, hidden from bidders; null for none
 * @param endsAt the scheduled end, which late bids may push back (see {@link AuctionRules#bid})
 * @param snipeWindowMs a bid accepted this close to the current end extends it; 0 disables extensions
 * @param extendByMs after a late bid the auction stays open at least this long
 * @param hardEndAt no extension goes past this
 */
public record AuctionSpec(
    String seller,
    String item,
    long startingPrice,
    IncrementRule increment,
    Long reservePrice,
    long startsAt,
    long endsAt,
    long snipeWindowMs,
    long extendByMs,
    long hardEndAt)
    implements CborSerializable {}
