package io.pulse.http.gateway;

import io.pulse.actors.user.UserPresence;
import io.pulse.http.ws.CloseCodes;
import io.pulse.http.ws.CloseWith;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * One per open WebSocket: the connection's address in the cluster. Presence hubs push to it; it keeps
 * the user's presence alive while the client is active, and re-registers its subscriptions each tick so
 * they heal after a hub moves to another node.
 *
 * <p>Thousands of these live on a node, so each holds little: one message lambda per state, no
 * per-message-type handler tables.
 */
public final class ConnectionActor {
  private ConnectionActor() {}

  public sealed interface Command {}

  /** The socket's outbound queue, once its stream has started. Comes first. */
  public record Attach(BoundedSourceQueue<Outbound> outbound) implements Command {}

  /** The client sent a frame. */
  public enum ClientActive implements Command { INSTANCE }

  public record Subscribe(String userId, ActorRef<Done> replyTo) implements Command {}

  public record Unsubscribe(String userId, ActorRef<Boolean> replyTo) implements Command {}

  /** The socket closed: leave presence and stop. */
  public enum SocketClosed implements Command { INSTANCE }

  private record Pushed(UserPresence.UserEvent event) implements Command {}

  private enum Tick implements Command { INSTANCE }

  private record State(Set<String> watching, boolean activeSinceTick) {
    State with(String userId) {
      Set<String> next = new HashSet<>(watching);
      next.add(userId);
      return new State(Set.copyOf(next), activeSinceTick);
    }

    State without(String userId) {
      Set<String> next = new HashSet<>(watching);
      next.remove(userId);
      return new State(Set.copyOf(next), activeSinceTick);
    }

    State active(boolean active) {
      return new State(watching, active);
    }
  }

  public static Behavior<Command> create(
      String userId,
      String connectionId,
      Duration heartbeatInterval,
      Function<String, RecipientRef<UserPresence.Command>> hubs) {
    return Behaviors.setup(
        ctx -> {
          hubs.apply(userId).tell(new UserPresence.Heartbeat(connectionId));
          return Behaviors.withStash(
              16,
              stash ->
                  Behaviors.receiveMessage(
                      msg -> {
                        if (msg instanceof Attach attach) {
                          return Behaviors.withTimers(
                              timers -> {
                                timers.startTimerWithFixedDelay(Tick.INSTANCE, heartbeatInterval);
                                ActorRef<UserPresence.UserEvent> pushes =
                                    ctx.messageAdapter(UserPresence.UserEvent.class, Pushed::new);
                                Running running = new Running(userId, connectionId, hubs, attach.outbound(), pushes);
                                return stash.unstashAll(running.behavior(new State(Set.of(), false)));
                              });
                        }
                        if (msg == SocketClosed.INSTANCE) {
                          hubs.apply(userId).tell(new UserPresence.Disconnected(connectionId));
                          return Behaviors.stopped();
                        }
                        if (!stash.isFull()) stash.stash(msg);
                        return Behaviors.same();
                      }));
        });
  }

  private record Running(
      String userId,
      String connectionId,
      Function<String, RecipientRef<UserPresence.Command>> hubs,
      BoundedSourceQueue<Outbound> outbound,
      ActorRef<UserPresence.UserEvent> pushes) {

    Behavior<Command> behavior(State state) {
      return Behaviors.receive(
          (ctx, msg) -> onMessage(state, msg),
          (ctx, signal) -> {
            if (signal instanceof PostStop) onStop(state);
            return Behaviors.same();
          });
    }

    private Behavior<Command> onMessage(State state, Command msg) {
      if (msg == ClientActive.INSTANCE) return state.activeSinceTick() ? Behaviors.same() : behavior(state.active(true));
      if (msg instanceof Pushed p) return onPushed(p.event());
      if (msg instanceof Subscribe m) return onSubscribe(state, m);
      if (msg instanceof Unsubscribe m) return onUnsubscribe(state, m);
      if (msg == Tick.INSTANCE) return onTick(state);
      if (msg == SocketClosed.INSTANCE) return Behaviors.stopped();
      return Behaviors.unhandled();
    }

    private Behavior<Command> onSubscribe(State state, Subscribe m) {
      hubs.apply(m.userId()).tell(new UserPresence.Watch(pushes));
      m.replyTo().tell(Done.getInstance());
      return behavior(state.with(m.userId()));
    }

    private Behavior<Command> onUnsubscribe(State state, Unsubscribe m) {
      if (!state.watching().contains(m.userId())) {
        m.replyTo().tell(false);
        return Behaviors.same();
      }
      hubs.apply(m.userId()).tell(new UserPresence.Unwatch(pushes));
      m.replyTo().tell(true);
      return behavior(state.without(m.userId()));
    }

    private Behavior<Command> onPushed(UserPresence.UserEvent event) {
      Outbound frame = PushFrames.render(event);
      QueueOfferResult result = outbound.offer(frame);
      if (!(result instanceof QueueOfferResult.Enqueued$)) {
        // The buffer in front of the socket is full: close so the client resumes, rather than lose a frame.
        outbound.fail(new CloseWith(CloseCodes.SLOW_CONSUMER, "outbound buffer overflow: resume with since"));
      }
      return Behaviors.same();
    }

    private Behavior<Command> onTick(State state) {
      // Only an active client keeps the user online: a silent one lets presence expire after its TTL.
      if (state.activeSinceTick()) hubs.apply(userId).tell(new UserPresence.Heartbeat(connectionId));
      // Idempotent re-registration (no snapshot): heals subscriptions whose hub was moved or restarted.
      for (String watched : state.watching()) hubs.apply(watched).tell(new UserPresence.Watch(pushes, false));
      return state.activeSinceTick() ? behavior(state.active(false)) : Behaviors.same();
    }

    private void onStop(State state) {
      hubs.apply(userId).tell(new UserPresence.Disconnected(connectionId));
      for (String watched : state.watching()) hubs.apply(watched).tell(new UserPresence.Unwatch(pushes));
    }
  }
}
