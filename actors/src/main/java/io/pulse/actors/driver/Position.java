package io.pulse.actors.driver;

import io.pulse.persistence.CborSerializable;

/** A point on the earth in degrees (WGS84): a pickup, a drop-off, where a driver was. */
public record Position(double lat, double lng) implements CborSerializable {}
