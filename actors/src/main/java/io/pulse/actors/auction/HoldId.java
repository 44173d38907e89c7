package io.pulse.actors.auction;

import io.pulse.persistence.CborSerializable;

/**
 * One purchase's hold on units. Chosen by the entity (say its bucket and journal sequence number, or a
 * UUID), unique within a ledger; a client that retries a purchase with its idempotency key gets the
 * first hold's id back.
 */
public record HoldId(String value) implements CborSerializable {}
