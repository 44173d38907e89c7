package io.pulse.sharding;

import io.pulse.actors.user.User;
import io.pulse.actors.user.UserPresence;
import io.pulse.config.PulseSettings;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Registers every entity type with Cluster Sharding on this node. Each node of the cluster runs this
 * once at start, so any node can reach any entity: connections are never sticky.
 */
public final class PulseSharding {
  private PulseSharding() {}

  public static void init(ActorSystem<?> system, PulseSettings settings) {
    User.init(system);
    UserPresence.init(system, settings.presence().ttl());
  }
}
