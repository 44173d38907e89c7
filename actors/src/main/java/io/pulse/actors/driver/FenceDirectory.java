package io.pulse.actors.driver;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * This node's copy of every geofence, as the {@link FenceIndex} each driver entity reads on every fix.
 * One per actor system (a Pekko extension); {@link #follow} starts the actor that keeps it current by
 * asking the {@link FenceRegistry} every {@code refresh} with the version it holds (an answer with no
 * fences while nothing changed), so a new fence reaches every node within one refresh, and the node
 * that defined it at once ({@link #refreshNow}). A fence's cells are computed once per definition and
 * kept while it is unchanged.
 */
public final class FenceDirectory implements Extension {

  public static final ExtensionId<FenceDirectory> ID =
      new ExtensionId<>() {
        @Override
        public FenceDirectory createExtension(ActorSystem<?> system) {
          return new FenceDirectory();
        }
      };

  public static FenceDirectory get(ActorSystem<?> system) {
    return system.registerExtension(ID);
  }

  private final AtomicReference<FenceIndex> current = new AtomicReference<>(FenceIndex.EMPTY);
  private volatile ActorRef<Poll> follower;

  private FenceDirectory() {}

  public FenceIndex current() {
    return current.get();
  }

  /** Builds the index of {@code fences} at {@code version}, reusing the cells of unchanged definitions. */
  public synchronized void update(long version, List<FenceDefinition> fences, FenceShapes shapes) {
    FenceIndex before = current.get();
    if (version <= before.version() && version != 0) return; // an older answer overtaken by a newer one
    Map<String, FenceDefinition> defs = new HashMap<>();
    Map<String, List<Long>> cells = new HashMap<>();
    for (FenceDefinition f : fences) {
      defs.put(f.id(), f);
      CachedCells known = cache.get(f.id());
      List<Long> c = known != null && known.at() == f.at() ? known.cells() : shapes.cells(f.vertices());
      cells.put(f.id(), c);
    }
    cache.keySet().retainAll(defs.keySet());
    defs.forEach((id, f) -> cache.put(id, new CachedCells(f.at(), cells.get(id))));
    current.set(FenceIndex.of(version, shapes.resolution(), defs, cells));
  }

  private record CachedCells(long at, List<Long> cells) {}

  private final Map<String, CachedCells> cache = new HashMap<>();

  /** Asks the registry now rather than at the next refresh (after a define or delete on this node). */
  public void refreshNow() {
    ActorRef<Poll> f = follower;
    if (f != null) f.tell(Poll.INSTANCE);
  }

  /** Starts following {@code registry}; once per system. */
  public synchronized void follow(ActorSystem<?> system, RecipientRef<FenceRegistry.Command> registry, FenceShapes shapes, Duration refresh) {
    if (follower != null) return;
    follower = system.systemActorOf(poller(registry, shapes, refresh), "fence-directory", org.apache.pekko.actor.typed.Props.empty());
  }

  /** The follower's only message: ask the registry (an answer arrives as {@link Answered}). */
  enum Poll {
    INSTANCE
  }

  private Behavior<Poll> poller(RecipientRef<FenceRegistry.Command> registry, FenceShapes shapes, Duration refresh) {
    return Behaviors.<Object>setup(
            ctx ->
                Behaviors.withTimers(
                    timers -> {
                      timers.startTimerWithFixedDelay("poll", Poll.INSTANCE, Duration.ZERO, refresh);
                      ActorRef<FenceRegistry.Fences> answers = ctx.messageAdapter(FenceRegistry.Fences.class, a -> a);
                      return Behaviors.receiveMessage(
                          m -> {
                            if (m == Poll.INSTANCE) registry.tell(new FenceRegistry.GetFences(current.get().version(), answers));
                            else if (m instanceof FenceRegistry.Fences f && f.changed()) update(f.version(), f.fences(), shapes);
                            return Behaviors.same();
                          });
                    }))
        .narrow();
  }
}
