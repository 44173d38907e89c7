package io.pulse.actors.driver;

import io.pulse.persistence.CborSerializable;

/**
 * An available driver as a cell knows it: its last position and heading, the device time of that fix,
 * and {@code seq}, the driver's membership sequence number (higher is newer), which resolves a driver
 * briefly seen in two cells while it crosses a boundary.
 */
public record Candidate(String driverId, double lat, double lng, double heading, long at, long seq) implements CborSerializable {}
