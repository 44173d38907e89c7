package io.pulse.persistence;

/**
 * Marker for every message and event that crosses a node boundary or is written to the journal.
 * Bound to Jackson CBOR in serialization.conf.
 */
public interface CborSerializable {}
