package io.pulse.actors.metrics;

import io.pulse.persistence.CborSerializable;

/** One raw sample of a series: epoch milliseconds and value. */
public record Sample(long ts, double value) implements CborSerializable {}
