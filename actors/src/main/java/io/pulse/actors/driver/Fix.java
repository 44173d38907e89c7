package io.pulse.actors.driver;

import io.pulse.persistence.CborSerializable;

/**
 * One location fix as a driver's device reports it: degrees, heading in degrees clockwise from north
 * (0..360), speed in m/s as the device measured it (informational; ETAs use the fixes' own distances),
 * and {@code at}, the device's time in epoch milliseconds.
 */
public record Fix(double lat, double lng, double heading, double speed, long at) implements CborSerializable {
  public Position position() {
    return new Position(lat, lng);
  }
}
