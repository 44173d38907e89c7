package io.pulse.http.ops;

import io.pulse.persistence.JournalHealth;
import io.pulse.sharding.ClusterMembership;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Pekko Management's readiness check ({@code /ready} on the management port), with the node's
 * {@code /ready} semantics: an Up member whose journal answers, and whose HTTP port serves.
 */
public final class ReadyCheck implements Supplier<CompletionStage<Boolean>> {
  private final org.apache.pekko.actor.typed.ActorSystem<?> system;

  /** Management creates it by reflection with the classic system. */
  public ReadyCheck(org.apache.pekko.actor.ActorSystem system) {
    this.system = Adapter.toTyped(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return readyAndServing(system);
  }

  /** The node's readiness, for {@code /ready} and management alike. */
  public static CompletionStage<Boolean> ready(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    if (!ClusterMembership.isUp(system)) return CompletableFuture.completedFuture(false);
    return JournalHealth.check(system, Duration.ofSeconds(2));
  }

  /** Ready, and the node's own port bound: what a load balancer needs before sending clients. */
  static CompletionStage<Boolean> readyAndServing(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    if (!Serving.get(system).isServing()) return CompletableFuture.completedFuture(false);
    return ready(system);
  }
}
