package io.pulse.http.ops;

import com.typesafe.config.Config;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pekko Management on its own port ({@code pulse.management}, docs/operations.md): cluster HTTP
 * (members, shard regions; read-only), health checks with the node's /alive and /ready semantics, and,
 * with {@code pulse.cluster.bootstrap} on, Cluster Bootstrap forming the cluster from discovered
 * contact points instead of static seed nodes. Started right after the actor system, before the node
 * waits to be Up, since bootstrap is how it becomes Up.
 */
public final class Management {
  private static final Logger log = LoggerFactory.getLogger(Management.class);

  private Management() {}

  /** Starts management if enabled; returns whether it did. Fails if its port cannot be bound. */
  public static boolean start(ActorSystem<?> system) throws Exception {
    Config c = system.settings().config();
    if (!c.getBoolean("pulse.management.enabled")) return false;
    PekkoManagement management = PekkoManagement.get(system.classicSystem());
    org.apache.pekko.http.javadsl.model.Uri uri = management.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    log.info("Pekko Management on {}", uri);
    // stopped late, so that its readiness answers "not ready" while the node drains
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "stop-management",
            () -> management.stop().toCompletableFuture().exceptionally(e -> Done.getInstance()));
    if (c.getBoolean("pulse.cluster.bootstrap")) {
      if (!c.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        throw new IllegalStateException("pulse.cluster.bootstrap is on but pekko.cluster.seed-nodes is not empty: use one or the other");
      }
      ClusterBootstrap.get(system.classicSystem()).start();
      log.info("Cluster Bootstrap started: contact points from discovery '{}'", c.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    }
    return true;
  }
}
