package io.pulse.actors.auction;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.pulse.persistence.CborSerializable;

/**
 * The facts of a flash sale's stock, as decided by {@link StockRules} and folded into a {@link
 * StockLedger} by {@link StockLedger#apply}. A hold ends exactly once: confirmed, expired or released.
 */
// Held by interface type in the ledger's idempotency answers: Jackson writes the concrete type.
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = StockEvent.SaleCreated.class, name = "SaleCreated"),
  @JsonSubTypes.Type(value = StockEvent.HoldPlaced.class, name = "HoldPlaced"),
  @JsonSubTypes.Type(value = StockEvent.HoldConfirmed.class, name = "HoldConfirmed"),
  @JsonSubTypes.Type(value = StockEvent.HoldExpired.class, name = "HoldExpired"),
  @JsonSubTypes.Type(value = StockEvent.HoldReleased.class, name = "HoldReleased")
})
public sealed interface StockEvent extends CborSerializable {

  /** The first event of a sale (or bucket): start from {@link StockLedger#initial(SaleSpec)}. */
  record SaleCreated(SaleSpec spec, long at) implements StockEvent {}

  /**
   * {@code units} taken from the free stock for {@code userId} until {@code expiresAt} (exclusive).
   *
   * @param idempotencyKey the client's key, unscoped; null when the purchase came without one
   */
  record HoldPlaced(HoldId holdId, String userId, int units, long expiresAt, String idempotencyKey)
      implements StockEvent {}

  /** Paid: the units are sold for good. */
  record HoldConfirmed(HoldId holdId) implements StockEvent {}

  /** Not confirmed in time: the units go back to the free stock. */
  record HoldExpired(HoldId holdId) implements StockEvent {}

  /** The buyer cancelled: the units go back to the free stock. */
  record HoldReleased(HoldId holdId) implements StockEvent {}
}
