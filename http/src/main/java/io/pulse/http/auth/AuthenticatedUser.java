package io.pulse.http.auth;

import java.util.Set;

/**
 * The user a verified token speaks for, with the roles its token grants ({@code roles} claim, an array of
 * strings; none for most users). Roles the node knows: {@link #DRIVER} (reports its own location, takes
 * trips), {@link #FLEET} (a fleet gateway relaying the fixes of the drivers under its prefix) and
 * {@link #DISPATCHER} (defines geofences). Unknown roles are kept and ignored.
 */
public record AuthenticatedUser(String userId, Set<String> roles) {
  public static final String DRIVER = "driver";
  public static final String FLEET = "fleet";
  public static final String DISPATCHER = "dispatcher";

  public AuthenticatedUser {
    roles = roles == null ? Set.of() : Set.copyOf(roles);
  }

  public AuthenticatedUser(String userId) {
    this(userId, Set.of());
  }

  public boolean has(String role) {
    return roles.contains(role);
  }
}
