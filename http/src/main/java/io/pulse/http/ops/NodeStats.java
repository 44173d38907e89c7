package io.pulse.http.ops;

import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * One per node, registered with the Receptionist: answers this node's gauges to whichever node builds
 * the operator's cluster view. Rates are per second over the last sampling interval, from the
 * gateway's frame totals; shard and entity counts are {@link ShardCounts}' cached figures.
 */
public final class NodeStats {
  private NodeStats() {}

  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "pulse-node-stats");

  public sealed interface Command {}

  /** Asked across the cluster. */
  public record Get(ActorRef<Stats> replyTo) implements Command, CborSerializable {}

  private enum Sample implements Command {
    INSTANCE
  }

  /** One node's figures; {@code address} is its cluster address, to match it to its member. */
  public record Stats(
      String address,
      int connections,
      double framesInPerSec,
      double framesOutPerSec,
      Map<String, Integer> shards,
      Map<String, Integer> entities)
      implements CborSerializable {}

  public static Behavior<Command> create(NodeMetrics metrics, Duration interval) {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
          String address = Cluster.get(ctx.getSystem()).selfMember().address().toString();
          return Behaviors.withTimers(
              timers -> {
                timers.startTimerWithFixedDelay(Sample.INSTANCE, interval);
                return sampling(metrics, address, new Rates(System.nanoTime(), metrics.framesInTotal(), metrics.framesOutTotal(), 0, 0));
              });
        });
  }

  /** The totals at the last sample and the rates over the interval before it. */
  private record Rates(long at, long in, long out, double inPerSec, double outPerSec) {
    Rates next(long now, long in, long out) {
      double seconds = Math.max(1e-3, (now - at) / 1e9);
      return new Rates(now, in, out, (in - this.in) / seconds, (out - this.out) / seconds);
    }
  }

  private static Behavior<Command> sampling(NodeMetrics metrics, String address, Rates rates) {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Sample.INSTANCE, () -> sampling(metrics, address, rates.next(System.nanoTime(), metrics.framesInTotal(), metrics.framesOutTotal())))
        .onMessage(
            Get.class,
            get -> {
              get.replyTo()
                  .tell(new Stats(address, metrics.connections(), round(rates.inPerSec()), round(rates.outPerSec()), metrics.shards(), metrics.entities()));
              return Behaviors.same();
            })
        .build();
  }

  private static double round(double perSec) {
    return Math.round(perSec * 10) / 10.0;
  }
}
