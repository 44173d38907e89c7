package io.pulse.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.javadsl.EffectFactories;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

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
    /** A batch whose commands persisted nothing (rejections, resends): done, but no journal write to time. */
    NOTHING_WRITTEN,
    RECOVERED
  }

  // ---- the entity's side: decide each command, persist all their events at once -------------------

  /**
   * What one write command decides: the events to persist, and its reply given the state right after
   * its own events. The reply is sent only once the write holding those events is durable.
   */
  public record Decision<E, S>(List<E> events, java.util.function.Consumer<S> reply) {
    public static <E, S, T> Decision<E, S> reject(ActorRef<StatusReply<T>> replyTo, String code, String message) {
      return new Decision<>(List.of(), s -> replyTo.tell(Rejection.reply(code, message)));
    }

    /** Persists nothing and answers {@code value} (a read, or a resend answered with its first ack). */
    public static <E, S, T> Decision<E, S> answer(ActorRef<StatusReply<T>> replyTo, T value) {
      return new Decision<>(List.of(), s -> replyTo.tell(StatusReply.success(value)));
    }

    public static <E, S, T> Decision<E, S> persist(E event, ActorRef<StatusReply<T>> replyTo, java.util.function.Function<S, T> value) {
      return new Decision<>(List.of(event), s -> replyTo.tell(StatusReply.success(value.apply(s))));
    }
  }

  /** How an entity decides, applies and announces its events, for {@link #write}. */
  public interface Writer<C, E, S> {
    Decision<E, S> decide(S state, C command);

    S apply(S state, E event);

    /** After the write is durable, for each event with the state right after it: live delivery and the like. */
    void published(S stateAfter, E event);

    /** A writer of three functions, usually the entity's own methods. */
    static <C, E, S> Writer<C, E, S> of(
        BiFunction<S, C, Decision<E, S>> decide, BiFunction<S, E, S> apply, java.util.function.BiConsumer<S, E> published) {
      return new Writer<>() {
        @Override
        public Decision<E, S> decide(S state, C command) {
          return decide.apply(state, command);
        }

        @Override
        public S apply(S state, E event) {
          return apply.apply(state, event);
        }

        @Override
        public void published(S stateAfter, E event) {
          published.accept(stateAfter, event);
        }
      };
    }
  }

  /**
   * Decides each command against the state its predecessors leave (so a resend inside one batch is
   * still recognised), persists all their events in one write, then publishes the events and sends
   * every reply in order, and tells {@code front} (null without one) that the write is done.
   */
  public static <C, E, S> ReplyEffect<E, S> write(
      EffectFactories<E, S> effect, S state, List<C> commands, Writer<C, E, S> writer, ActorRef<Signal> front) {
    List<E> events = new ArrayList<>();
    List<S> statesAfterEvent = new ArrayList<>();
    List<Runnable> replies = new ArrayList<>(commands.size());
    S current = state;
    for (C command : commands) {
      Decision<E, S> decision = writer.decide(current, command);
      for (E event : decision.events()) {
        current = writer.apply(current, event);
        events.add(event);
        statesAfterEvent.add(current);
      }
      S after = current;
      replies.add(() -> decision.reply().accept(after));
    }
    Runnable afterWrite =
        () -> {
          for (int i = 0; i < events.size(); i++) writer.published(statesAfterEvent.get(i), events.get(i));
          replies.forEach(Runnable::run);
          if (front != null) front.tell(events.isEmpty() ? Signal.NOTHING_WRITTEN : Signal.WRITTEN);
        };
    if (events.isEmpty()) return effect.none().thenRun(s -> afterWrite.run()).thenNoReply();
    return effect.persist(events).thenRun(s -> afterWrite.run()).thenNoReply();
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
              return new Front<>(ctx, child, isWrite, batch, signals, new java.util.ArrayDeque<>(), JournalWriteTimings.get(ctx.getSystem())).idle();
            })
        .narrow();
  }

  private record Front<C>(
      ActorContext<Object> ctx,
      ActorRef<C> child,
      Predicate<C> isWrite,
      BiFunction<List<C>, ActorRef<Signal>, C> batch,
      ActorRef<Signal> signals,
      // when each batch in flight was handed to the entity, oldest first (batches complete in order);
      // a batch lost to a restart after a failed write leaves its entry, so later timings of that
      // incarnation read one batch early (rare: only a journal failure restarts an entity)
      java.util.ArrayDeque<Long> sentAt,
      JournalWriteTimings timings) {

    private void send(List<C> commands) {
      sentAt.add(System.nanoTime());
      child.tell(batch.apply(commands, signals));
    }

    /** A batch is done: its write is timed from hand-over to durable, if it wrote anything. */
    private void done(boolean wrote) {
      Long sent = sentAt.poll();
      if (wrote && sent != null) timings.observe(System.nanoTime() - sent);
    }

    /** Nothing in flight: a write goes at once, as a batch of one. */
    Behavior<Object> idle() {
      return Behaviors.receive(Object.class)
          // a batch sent before the entity's first recovery finished is written after it: still timed
          .onMessageEquals(Signal.WRITTEN, () -> timed(true))
          .onMessageEquals(Signal.NOTHING_WRITTEN, () -> timed(false))
          .onMessage(Signal.class, s -> Behaviors.same())
          .onAnyMessage(
              msg -> {
                @SuppressWarnings("unchecked")
                C command = (C) msg;
                if (!isWrite.test(command)) {
                  child.tell(command);
                  return Behaviors.same();
                }
                send(List.of(command));
                return writing(1, List.of());
              })
          .build();
    }

    /** {@code inFlight} batches written and not yet confirmed; {@code held} waits, in arrival order. */
    Behavior<Object> writing(int inFlight, List<C> held) {
      return Behaviors.receive(Object.class)
          .onMessageEquals(Signal.WRITTEN, () -> written(true, inFlight, held))
          .onMessageEquals(Signal.NOTHING_WRITTEN, () -> written(false, inFlight, held))
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

    private Behavior<Object> timed(boolean wrote) {
      done(wrote);
      return Behaviors.same();
    }

    private Behavior<Object> written(boolean wrote, int inFlight, List<C> held) {
      done(wrote);
      return inFlight > 1 ? writing(inFlight - 1, held) : flush(held);
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
            send(List.copyOf(run));
            batches++;
            run.clear();
          }
          child.tell(command);
        }
      }
      if (!run.isEmpty()) {
        send(List.copyOf(run));
        batches++;
      }
      return batches == 0 ? idle() : writing(batches, List.of());
    }
  }
}
