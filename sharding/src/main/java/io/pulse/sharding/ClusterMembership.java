package io.pulse.sharding;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/** This node's view of its own cluster membership, for readiness checks. */
public final class ClusterMembership {
  private ClusterMembership() {}

  /** True once this node is an Up member (joined via its seed nodes, or itself when it is the only one). */
  public static boolean isUp(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().status() == MemberStatus.up();
  }
}
