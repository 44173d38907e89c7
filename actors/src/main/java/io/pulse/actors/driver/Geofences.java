package io.pulse.actors.driver;

import static io.pulse.persistence.Continuations.onCompletingThread;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/** What the node's endpoints ask of geofences: the registry for definitions, a fence for who is inside. */
public final class Geofences {
  private final ClusterSharding sharding;
  private final FenceDirectory directory;
  private final Duration timeout;

  public Geofences(ActorSystem<?> system, Duration timeout) {
    this.sharding = ClusterSharding.get(system);
    this.directory = FenceDirectory.get(system);
    this.timeout = timeout;
  }

  private EntityRef<FenceRegistry.Command> registry() {
    return sharding.entityRefFor(FenceRegistry.ENTITY_TYPE_KEY, FenceRegistry.ID);
  }

  /** Defines or replaces a fence; this node's drivers see it at once, other nodes' within a refresh. */
  public CompletionStage<FenceRegistry.Defined> define(String id, String name, List<Position> vertices) {
    return onCompletingThread(registry().<FenceRegistry.Defined>askWithStatus(r -> new FenceRegistry.Define(id, name, vertices, r), timeout))
        .whenComplete((ok, e) -> directory.refreshNow());
  }

  public CompletionStage<Done> delete(String id) {
    return onCompletingThread(registry().<Done>askWithStatus(r -> new FenceRegistry.Delete(id, r), timeout)).whenComplete((ok, e) -> directory.refreshNow());
  }

  public CompletionStage<FenceRegistry.Fences> list() {
    return onCompletingThread(registry().<FenceRegistry.Fences>ask(r -> new FenceRegistry.GetFences(-1, r), timeout));
  }

  public CompletionStage<Geofence.Inside> inside(String id) {
    return onCompletingThread(sharding.entityRefFor(Geofence.ENTITY_TYPE_KEY, id).<Geofence.Inside>askWithStatus(Geofence.GetInside::new, timeout));
  }
}
