package io.pulse.actors.auction;

import io.pulse.actors.auction.AuctionEvent.AuctionCreated;
import io.pulse.actors.auction.AuctionEvent.BidAccepted;
import io.pulse.actors.auction.AuctionEvent.Closed;
import io.pulse.actors.auction.AuctionEvent.EndExtended;
import io.pulse.actors.idempotency.IdempotencyKeys;
import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of a live auction with proxy bidding. Pure: each command is decided against an
 * {@link AuctionBook} into the events to persist, a refusal, or the replay of a first answer; the book
 * changes only when the entity applies those events.
 *
 * <h2>Proxy bidding</h2>
 *
 * A bidder submits the most they would pay (a plain bid is a maximum equal to its amount); the book
 * bids for them, just enough to lead. When maximum {@code M} of bidder {@code B} meets leader {@code X}
 * with maximum {@code L}:
 *
 * <ul>
 *   <li>{@code M > L}: B leads at {@code min(M, L + increment(L))}, and at least the minimum bid;
 *   <li>{@code M <= L}: X keeps the lead and the price rises to {@code min(L, M + increment(M))}; on
 *       equal maxima the earlier one wins, which is always the leader's;
 *   <li>{@code B == X}: a leader may raise their maximum (the price stays), never lower it, so the
 *       maximum others were measured against only grows.
 * </ul>
 *
 * <h2>Reserve</h2>
 *
 * As the large auction sites do: once the leader's maximum reaches the reserve, the price jumps to the
 * reserve (if it is not already above it), whether the maximum reached it by a first bid, an outbid or
 * a raise. Below the reserve the price follows the proxy rules alone, so at close the reserve is met
 * exactly when the leader's maximum reached it.
 *
 * <h2>Soft close</h2>
 *
 * A bid accepted at {@code t} with {@code endsAt - t <= snipeWindowMs} moves the end to {@code
 * min(hardEndAt, max(endsAt, t + extendByMs))}: the auction stays open at least {@code extendByMs}
 * after a late bid, the end never moves earlier, and never past the hard end. Any accepted bid counts,
 * a leader's raise included. {@link EndExtended} follows the bid when the end moves.
 */
public final class AuctionRules {
  private AuctionRules() {}

  public static final String INVALID_AUCTION = "invalid_auction";
  public static final String NOT_STARTED = "not_started";
  public static final String AUCTION_CLOSED = "auction_closed";
  public static final String NOT_ENDED = "not_ended";
  public static final String SELLER_CANNOT_BID = "seller_cannot_bid";
  public static final String INVALID_AMOUNT = "invalid_amount";
  public static final String BID_TOO_LOW = "bid_too_low";
  public static final String IDEMPOTENCY_KEY_REUSED = IdempotencyKeys.KEY_REUSED;
  public static final String INVALID_IDEMPOTENCY_KEY = IdempotencyKeys.INVALID_KEY;

  public static final int MAX_ITEM = 200;

  /**
   * No price, bid or increment above 10^15 minor units (ten trillion dollars): far above any real
   * auction, and low enough that a price plus an increment never overflows a long.
   */
  public static final long MAX_AMOUNT = 1_000_000_000_000_000L;

  /**
   * A refused command: a stable code and a reason for humans. {@code minimumAmount} is set for {@link
   * #BID_TOO_LOW}: the lowest maximum that would be accepted now.
   */
  public record Refusal(String code, String reason, Long minimumAmount) implements CborSerializable {
    public Refusal(String code, String reason) {
      this(code, reason, null);
    }
  }

  /** What a command comes to. {@link #events()} is empty unless it was {@link Accepted}. */
  public sealed interface Decision {
    List<AuctionEvent> events();
  }

  /** Persist these, in order, then answer. */
  public record Accepted(List<AuctionEvent> events) implements Decision {
    public Accepted {
      events = List.copyOf(events);
    }
  }

  public record Refused(Refusal refusal) implements Decision {
    @Override
    public List<AuctionEvent> events() {
      return List.of();
    }
  }

  /** A retry of a bid already accepted: answer with the first outcome again, persist nothing. */
  public record Replayed(BidAccepted first) implements Decision {
    @Override
    public List<AuctionEvent> events() {
      return List.of();
    }
  }

  private static Refused refuse(String code, String reason) {
    return new Refused(new Refusal(code, reason));
  }

  private static Optional<Refusal> invalid(String reason) {
    return Optional.of(new Refusal(INVALID_AUCTION, reason));
  }

  public static Optional<Refusal> validate(AuctionSpec spec) {
    if (spec.seller() == null || spec.seller().isBlank()) return invalid("a seller is required");
    if (spec.item() == null || spec.item().isBlank()) return invalid("an item is required");
    if (spec.item().codePointCount(0, spec.item().length()) > MAX_ITEM) {
      return invalid("item longer than " + MAX_ITEM + " characters");
    }
    if (spec.startingPrice() <= 0 || spec.startingPrice() > MAX_AMOUNT) {
      return invalid("the starting price must be 1-" + MAX_AMOUNT);
    }
    if (spec.increment() == null) return invalid("an increment rule is required");
    Optional<String> increment = spec.increment().problem();
    if (increment.isPresent()) return invalid(increment.get());
    Long reserve = spec.reservePrice();
    if (reserve != null && (reserve < spec.startingPrice() || reserve > MAX_AMOUNT)) {
      return invalid("the reserve must be at least the starting price and at most " + MAX_AMOUNT);
    }
    if (spec.endsAt() <= spec.startsAt()) return invalid("the auction must end after it starts");
    if (spec.hardEndAt() < spec.endsAt()) return invalid("the hard end must not be before the end");
    if (spec.snipeWindowMs() < 0 || spec.extendByMs() < 0) {
      return invalid("the snipe window and the extension must not be negative");
    }
    return Optional.empty();
  }

  public static Decision create(AuctionSpec spec, long at) {
    Optional<Refusal> invalid = validate(spec);
    return invalid.isPresent() ? new Refused(invalid.get()) : new Accepted(List.of(new AuctionCreated(spec, at)));
  }

  /** The fingerprint of a bid's body, which a retry under the same key must match. */
  public static String fingerprint(String bidder, long maximum) {
    return IdempotencyKeys.fingerprint("bid", bidder, Long.toString(maximum));
  }

  /**
   * Bidder {@code bidder} submits {@code maximum} at {@code at}, optionally under a client key. A retry
   * with the same key and body replays the first answer, even after the close; only accepted bids are
   * remembered (a refusal changed nothing, so retrying it is simply decided again).
   */
  public static Decision bid(AuctionBook book, String bidder, long maximum, long at, String idempotencyKey) {
    Objects.requireNonNull(bidder, "bidder");
    AuctionSpec spec = book.spec();
    if (idempotencyKey != null) {
      if (!IdempotencyKeys.valid(idempotencyKey)) {
        return refuse(INVALID_IDEMPOTENCY_KEY, "an idempotency key is 1-" + IdempotencyKeys.MAX_KEY_LENGTH + " characters");
      }
      IdempotencyKeys.Lookup<BidAccepted> seen =
          book.keys().lookup(IdempotencyKeys.scoped(bidder, idempotencyKey), fingerprint(bidder, maximum));
      if (seen instanceof IdempotencyKeys.Same<BidAccepted> same) return new Replayed(same.answer());
      if (seen instanceof IdempotencyKeys.Different<BidAccepted>) {
        return refuse(IDEMPOTENCY_KEY_REUSED, "idempotency key " + idempotencyKey + " was used for another bid");
      }
    }
    if (at < spec.startsAt()) return refuse(NOT_STARTED, "bidding opens at " + spec.startsAt());
    if (book.ended() || at >= book.endsAt()) return refuse(AUCTION_CLOSED, "bidding closed at " + book.endsAt());
    if (bidder.equals(spec.seller())) return refuse(SELLER_CANNOT_BID, "the seller cannot bid on their own item");
    if (maximum <= 0 || maximum > MAX_AMOUNT) return refuse(INVALID_AMOUNT, "a bid must be 1-" + MAX_AMOUNT);

    IncrementRule increment = spec.increment();
    long minimum = book.minimumBid();
    boolean leads = bidder.equals(book.leader());
    if (leads) minimum = Math.max(minimum, book.leaderMaximum() + 1); // a maximum is only ever raised
    if (maximum < minimum) {
      String reason =
          leads
              ? "you lead with a maximum of " + book.leaderMaximum() + "; a new maximum must be at least " + minimum
              : "the lowest acceptable bid is " + minimum;
      return new Refused(new Refusal(BID_TOO_LOW, reason, minimum));
    }

    long price;
    String leader;
    long leaderMaximum;
    if (!book.hasBids()) {
      price = spec.startingPrice();
      leader = bidder;
      leaderMaximum = maximum;
    } else if (leads) {
      price = book.price();
      leader = bidder;
      leaderMaximum = maximum;
    } else if (maximum > book.leaderMaximum()) {
      long l = book.leaderMaximum();
      price = Math.max(book.minimumBid(), Math.min(maximum, l + increment.increment(l)));
      leader = bidder;
      leaderMaximum = maximum;
    } else {
      // Equal maxima included: the leader's came first, so it wins and the price meets it.
      price = Math.min(book.leaderMaximum(), maximum + increment.increment(maximum));
      leader = book.leader();
      leaderMaximum = book.leaderMaximum();
    }
    Long reserve = spec.reservePrice();
    if (reserve != null && leaderMaximum >= reserve) price = Math.max(price, reserve);

    List<AuctionEvent> events = new ArrayList<>(2);
    events.add(new BidAccepted(bidder, maximum, price, leader, at, idempotencyKey));
    if (book.endsAt() - at <= spec.snipeWindowMs()) {
      long newEnd = Math.min(spec.hardEndAt(), Math.max(book.endsAt(), at + spec.extendByMs()));
      if (newEnd > book.endsAt()) events.add(new EndExtended(newEnd));
    }
    return new Accepted(events);
  }

  public static Decision bid(AuctionBook book, String bidder, long maximum, long at) {
    return bid(book, bidder, maximum, at, null);
  }

  /**
   * Closes the auction once its current end has passed (the entity's timer fires at {@link
   * AuctionBook#endsAt()} and re-arms on {@link #NOT_ENDED} after an extension). The leader wins at the
   * current price unless a reserve was set and the price stayed below it.
   */
  public static Decision close(AuctionBook book, long at) {
    if (book.ended()) return refuse(AUCTION_CLOSED, "the auction closed at " + book.closed().at());
    if (at < book.endsAt()) return refuse(NOT_ENDED, "the auction ends at " + book.endsAt());
    boolean reserveMet = book.reserveMet();
    String winner = reserveMet ? book.leader() : null;
    return new Accepted(List.of(new Closed(winner, book.price(), reserveMet, at)));
  }
}
