package io.pulse.http.ops;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Pekko Management's liveness check ({@code /alive}), with the node's {@code /alive} semantics:
 * alive while the process and its actor system run (management answers only then). A node that is
 * alive but not ready is left alone by an orchestrator, not restarted.
 */
public final class AliveCheck implements Supplier<CompletionStage<Boolean>> {
  private final org.apache.pekko.actor.ActorSystem system;

  public AliveCheck(org.apache.pekko.actor.ActorSystem system) {
    this.system = system;
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(!system.whenTerminated().isCompleted());
  }
}
