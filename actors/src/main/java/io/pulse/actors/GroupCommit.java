package io.pulse.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Group commit in front of an event-sourced entity, for any entity type: while one write is in flight,
 * the writes that arrive are held and then handed to the entity as one batch, which it validates one by
 * one and persists in a single journal write. A hot entity then pays one journal round trip per batch,
 * not per command. Each command is still answered on its own (rejections too), only after its events
 * are durable, and commands reach the entity in the order they arrived here.
 *
 * <p>The entity's part: a batch command carrying the commands and this front's address; after the
 * batch's events are persisted (or none were), it tells {@link Signal#WRITTEN}; after every recovery
 * (a restart drops the batch that failed) it tells {@link Signal#RECOVERED}.
 */
public final class GroupCommit {
  private GroupCommit() {}

  public enum Signal {
    WRITTEN,
    RECOVERED
  }

  /**
   * @param entity the event-sourced entity, given this front's address for its signals
   * @param isWrite the commands to group (those that persist); others pass in order
   * @param batch builds the entity's batch command
   */
  public static <C> Behavior<C> create(
      java.util.function.Function<ActorRef<Signal>, Behavior<C>> entity,
      Predicate<C> isWrite,
      BiFunction<List<C>, ActorRef<Signal>, C> batch) {
    return Behaviors.<Object>setup(
            ctx -> {
              ActorRef<Signal> signals = ctx.getSelf().narrow();
              ActorRef<C> child = ctx.spawn(entity.apply(signals), "entity");
              ctx.watch(child);
              return new Front<>(ctx, child, isWrite, batch, signals).idle();
            })
        .narrow();
  }

  private record Front<C>(
      ActorContext<Object> ctx,
      ActorRef<C> child,
      Predicate<C> isWrite,
      BiFunction<List<C>, ActorRef<Signal>, C> batch,
      ActorRef<Signal> signals) {

    /** Nothing in flight: a write goes at once, as a batch of one. */
    Behavior<Object> idle() {
      return Behaviors.receive(Object.class)
          .onMessage(Signal.class, s -> Behaviors.same())
          .onAnyMessage(
              msg -> {
                @SuppressWarnings("unchecked")
                C command = (C) msg;
                if (!isWrite.test(command)) {
                  child.tell(command);
                  return Behaviors.same();
                }
                child.tell(batch.apply(List.of(command), signals));
                return writing(1, List.of());
              })
          .build();
    }

    /** {@code inFlight} batches written and not yet confirmed; {@code held} waits, in arrival order. */
    Behavior<Object> writing(int inFlight, List<C> held) {
      return Behaviors.receive(Object.class)
          .onMessageEquals(Signal.WRITTEN, () -> inFlight > 1 ? writing(inFlight - 1, held) : flush(held))
          // the entity restarted: the batch in flight is gone (its askers time out and retry)
          .onMessageEquals(Signal.RECOVERED, () -> flush(held))
          .onAnyMessage(
              msg -> {
                @SuppressWarnings("unchecked")
                C command = (C) msg;
                List<C> next = new ArrayList<>(held.size() + 1);
                next.addAll(held);
                next.add(command);
                return writing(inFlight, next);
              })
          .build();
    }

    /** Sends what was held: runs of writes as one batch each, other commands between them as they came. */
    private Behavior<Object> flush(List<C> held) {
      if (held.isEmpty()) return idle();
      int batches = 0;
      List<C> run = new ArrayList<>();
      for (C command : held) {
        if (isWrite.test(command)) {
          run.add(command);
        } else {
          if (!run.isEmpty()) {
            child.tell(batch.apply(List.copyOf(run), signals));
            batches++;
            run.clear();
          }
          child.tell(command);
        }
      }
      if (!run.isEmpty()) {
        child.tell(batch.apply(List.copyOf(run), signals));
        batches++;
      }
      return batches == 0 ? idle() : writing(batches, List.of());
    }
  }
}
