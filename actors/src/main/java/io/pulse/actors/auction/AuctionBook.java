package io.pulse.actors.auction;

import io.pulse.actors.auction.AuctionEvent.AuctionCreated;
import io.pulse.actors.auction.AuctionEvent.BidAccepted;
import io.pulse.actors.auction.AuctionEvent.Closed;
import io.pulse.actors.auction.AuctionEvent.EndExtended;
import io.pulse.actors.idempotency.IdempotencyKeys;
import io.pulse.persistence.CborSerializable;
import java.util.List;
import org.pcollections.TreePVector;

/**
 * The state of one auction's bidding, immutable: what {@link AuctionRules} decide against and what an
 * entity keeps (and snapshots). Changed only by {@link #apply}, one event at a time.
 *
 * @param price the current price; 0 until the first bid
 * @param leader the current high bidder; null until the first bid
 * @param leaderMaximum the leader's hidden maximum; 0 until the first bid
 * @param endsAt the current end, the spec's end pushed back by late bids
 * @param bids every accepted bid, oldest first
 * @param closed the closing result; null while open
 * @param keys the idempotency keys of recent accepted bids, scoped to their bidder
 */
public record AuctionBook(
    AuctionSpec spec,
    long price,
    String leader,
    long leaderMaximum,
    long endsAt,
    List<BidAccepted> bids,
    Closed closed,
    IdempotencyKeys<BidAccepted> keys)
    implements CborSerializable {

  public AuctionBook {
    // A persistent vector: appending a bid to a long history shares it instead of copying it.
    bids = bids instanceof TreePVector<BidAccepted> v ? v : TreePVector.from(bids);
  }

  public static AuctionBook initial(AuctionSpec spec) {
    return initial(spec, IdempotencyKeys.DEFAULT_CAPACITY);
  }

  public static AuctionBook initial(AuctionSpec spec, int idempotencyCapacity) {
    return new AuctionBook(spec, 0, null, 0, spec.endsAt(), TreePVector.empty(), null, IdempotencyKeys.empty(idempotencyCapacity));
  }

  /** Rebuilds a book from its journal, which starts with {@link AuctionCreated}. */
  public static AuctionBook replay(List<? extends AuctionEvent> events) {
    if (events.isEmpty() || !(events.get(0) instanceof AuctionCreated created)) {
      throw new IllegalArgumentException("an auction's events start with AuctionCreated");
    }
    return initial(created.spec()).applyAll(events.subList(1, events.size()));
  }

  public AuctionBook apply(AuctionEvent event) {
    if (event instanceof BidAccepted bid) return withBid(bid);
    if (event instanceof EndExtended extended) {
      // Extensions only move the end later and never past the hard end: anything else is a bug upstream.
      if (extended.newEnd() <= endsAt || extended.newEnd() > spec.hardEndAt()) {
        throw new IllegalStateException("cannot move the end from " + endsAt + " to " + extended.newEnd());
      }
      return new AuctionBook(spec, price, leader, leaderMaximum, extended.newEnd(), bids, closed, keys);
    }
    if (event instanceof Closed c) {
      if (closed != null) throw new IllegalStateException("the auction is already closed");
      return new AuctionBook(spec, price, leader, leaderMaximum, endsAt, bids, c, keys);
    }
    throw new IllegalStateException("an auction is created once; start from AuctionBook.initial: " + event);
  }

  public AuctionBook applyAll(List<? extends AuctionEvent> events) {
    AuctionBook book = this;
    for (AuctionEvent e : events) book = book.apply(e);
    return book;
  }

  private AuctionBook withBid(BidAccepted bid) {
    if (closed != null) throw new IllegalStateException("a bid on a closed auction");
    // The event carries the outcome; the leader's maximum follows from who leads after it.
    long maximumAfter = bid.leaderAfter().equals(bid.bidder()) ? bid.maximum() : leaderMaximum;
    IdempotencyKeys<BidAccepted> keysAfter =
        bid.idempotencyKey() == null
            ? keys
            : keys.remember(
                IdempotencyKeys.scoped(bid.bidder(), bid.idempotencyKey()),
                AuctionRules.fingerprint(bid.bidder(), bid.maximum()),
                bid);
    return new AuctionBook(
        spec, bid.priceAfter(), bid.leaderAfter(), maximumAfter, endsAt, ((TreePVector<BidAccepted>) bids).plus(bid), closed, keysAfter);
  }

  public boolean hasBids() {
    return leader != null;
  }

  public boolean ended() {
    return closed != null;
  }

  /** The lowest maximum a bidder other than the leader may submit now. */
  public long minimumBid() {
    return leader == null ? spec.startingPrice() : price + spec.increment().increment(price);
  }

  /** Whether the current price reaches the reserve (true when there is none). */
  public boolean reserveMet() {
    return spec.reservePrice() == null || price >= spec.reservePrice();
  }
}
