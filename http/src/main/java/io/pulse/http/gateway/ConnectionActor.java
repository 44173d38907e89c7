package io.pulse.http.gateway;

import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.ConversationFanout;
import io.pulse.actors.user.UserPresence;
import io.pulse.http.ws.CloseCodes;
import io.pulse.http.ws.CloseWith;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
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

  /**
   * Follow a conversation: every event after {@code since} (null: from now), in order and without
   * duplicates, across moves of the conversation to other nodes.
   */
  public record SubscribeConversation(String conversationId, Long since, ActorRef<StatusReply<Conversation.Subscribed>> replyTo)
      implements Command {}

  public record UnsubscribeConversation(String conversationId, ActorRef<Boolean> replyTo) implements Command {}

  /** The socket closed: leave presence and stop. */
  public enum SocketClosed implements Command { INSTANCE }

  private record Pushed(UserPresence.UserEvent event) implements Command {}

  private enum Tick implements Command { INSTANCE }

  private record ConvPushed(ConversationFanout.Push push) implements Command {}

  private record ConvSubscribed(
      String conversationId, Conversation.Subscribed subscribed, Throwable failure, ActorRef<StatusReply<Conversation.Subscribed>> replyTo)
      implements Command {}

  /** The conversation's live side stopped (its node left, or it was rebalanced): resubscribe. */
  private record FanoutGone(String conversationId, ActorRef<?> fanout) implements Command {}

  private record Resubscribe(String conversationId) implements Command {}

  /**
   * One followed conversation: the last seq forwarded ({@code -1}: none yet, take the next as the
   * start) and the live side being watched (null until subscribed).
   */
  private record ConvSub(long lastSeq, ActorRef<?> fanout) {}

  /**
   * {@code ticksSinceFrame}: 0 while the client has sent a frame since the last tick (it is active);
   * each tick adds one. A new socket starts at 1: it has been heard by nothing but its upgrade.
   */
  private record State(Set<String> watching, Map<String, ConvSub> conversations, int ticksSinceFrame) {
    static final State INITIAL = new State(Set.of(), Map.of(), 1);

    boolean activeSinceTick() {
      return ticksSinceFrame == 0;
    }

    State with(String userId) {
      Set<String> next = new HashSet<>(watching);
      next.add(userId);
      return new State(Set.copyOf(next), conversations, ticksSinceFrame);
    }

    State without(String userId) {
      Set<String> next = new HashSet<>(watching);
      next.remove(userId);
      return new State(Set.copyOf(next), conversations, ticksSinceFrame);
    }

    State active() {
      return new State(watching, conversations, 0);
    }

    State ticked() {
      return new State(watching, conversations, ticksSinceFrame + 1);
    }

    State conversation(String id, ConvSub sub) {
      Map<String, ConvSub> next = new HashMap<>(conversations);
      if (sub == null) next.remove(id);
      else next.put(id, sub);
      return new State(watching, Map.copyOf(next), ticksSinceFrame);
    }
  }

  public static Behavior<Command> create(
      String userId,
      String connectionId,
      Duration heartbeatInterval,
      Duration idleTimeout,
      Duration askTimeout,
      Function<String, RecipientRef<UserPresence.Command>> hubs,
      Function<String, RecipientRef<Conversation.Command>> conversations) {
    // Silence is counted in ticks: one timer per connection does presence, healing and idleness.
    int idleTicks = (int) Math.max(1, -Math.floorDiv(-idleTimeout.toMillis(), heartbeatInterval.toMillis()));
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
                                ActorRef<ConversationFanout.Push> convPushes =
                                    ctx.messageAdapter(ConversationFanout.Push.class, ConvPushed::new);
                                Running running =
                                    new Running(
                                        ctx, timers, userId, connectionId, idleTicks, askTimeout, hubs, conversations, attach.outbound(), pushes, convPushes);
                                return stash.unstashAll(running.behavior(State.INITIAL));
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
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String userId,
      String connectionId,
      int idleTicks,
      Duration askTimeout,
      Function<String, RecipientRef<UserPresence.Command>> hubs,
      Function<String, RecipientRef<Conversation.Command>> conversations,
      BoundedSourceQueue<Outbound> outbound,
      ActorRef<UserPresence.UserEvent> pushes,
      ActorRef<ConversationFanout.Push> convPushes) {

    Behavior<Command> behavior(State state) {
      return Behaviors.receive(
          (c, msg) -> onMessage(state, msg),
          (c, signal) -> {
            if (signal instanceof PostStop) onStop(state);
            return Behaviors.same();
          });
    }

    private Behavior<Command> onMessage(State state, Command msg) {
      if (msg == ClientActive.INSTANCE) return state.activeSinceTick() ? Behaviors.same() : behavior(state.active());
      if (msg instanceof Pushed p) return offer(PushFrames.render(p.event()));
      if (msg instanceof ConvPushed p) return onConvPushed(state, p.push());
      if (msg instanceof SubscribeConversation m) return onSubscribeConversation(state, m);
      if (msg instanceof ConvSubscribed m) return onConvSubscribed(state, m);
      if (msg instanceof UnsubscribeConversation m) return onUnsubscribeConversation(state, m);
      if (msg instanceof FanoutGone m) return onFanoutGone(state, m);
      if (msg instanceof Resubscribe m) return resubscribe(state, m.conversationId());
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

    private Behavior<Command> offer(Outbound frame) {
      QueueOfferResult result = outbound.offer(frame);
      if (result instanceof QueueOfferResult.Dropped$) {
        // The buffer in front of the socket is full: close so the client resumes, rather than lose a frame.
        close(new CloseWith(CloseCodes.SLOW_CONSUMER, "outbound buffer overflow: resume with since"));
      }
      // Otherwise enqueued, or the socket is already closing (SocketClosed follows): nothing to do.
      return Behaviors.same();
    }

    /** Closes the socket with {@code reason}; a socket already closing (its queue completed) is left as it is. */
    private void close(CloseWith reason) {
      try {
        outbound.fail(reason);
      } catch (IllegalStateException alreadyCompleted) {
        // the stream ended first: SocketClosed is on its way
      }
    }

    private Behavior<Command> onTick(State state) {
      // Only an active client keeps the user online: a silent one lets presence expire after its TTL.
      if (state.activeSinceTick()) hubs.apply(userId).tell(new UserPresence.Heartbeat(connectionId));
      // Idempotent re-registration (no snapshot): heals subscriptions whose hub was moved or restarted.
      for (String watched : state.watching()) hubs.apply(watched).tell(new UserPresence.Watch(pushes, false));
      State next = state.ticked();
      // Once: later ticks may come before SocketClosed does. The tick that ends the last active
      // interval does not count as silence.
      if (next.ticksSinceFrame() == idleTicks + 1) close(new CloseWith(CloseCodes.IDLE, "idle: no frame from the client; send a ping every heartbeatMs"));
      return behavior(next);
    }

    private void onStop(State state) {
      hubs.apply(userId).tell(new UserPresence.Disconnected(connectionId));
      for (String watched : state.watching()) hubs.apply(watched).tell(new UserPresence.Unwatch(pushes));
      for (String id : state.conversations().keySet()) conversations.apply(id).tell(new Conversation.Unsubscribe(convPushes));
    }

    // ---- conversations ----------------------------------------------------------------------------

    private Behavior<Command> onSubscribeConversation(State state, SubscribeConversation m) {
      ConvSub current = state.conversations().get(m.conversationId());
      long since = m.since() != null ? m.since() : current != null ? current.lastSeq() : -1;
      if (current != null && current.fanout() != null) ctx.unwatch(current.fanout());
      askSubscribe(m.conversationId(), since, m.replyTo());
      return behavior(state.conversation(m.conversationId(), new ConvSub(since, null)));
    }

    private void askSubscribe(String conversationId, long since, ActorRef<StatusReply<Conversation.Subscribed>> replyTo) {
      ctx.askWithStatus(
          Conversation.Subscribed.class,
          conversations.apply(conversationId),
          askTimeout,
          r -> new Conversation.Subscribe(userId, since, convPushes, r),
          (ok, failure) -> new ConvSubscribed(conversationId, ok, failure, replyTo));
    }

    private Behavior<Command> onConvSubscribed(State state, ConvSubscribed m) {
      ConvSub sub = state.conversations().get(m.conversationId());
      if (m.failure() != null) {
        if (m.replyTo() != null) {
          m.replyTo().tell(StatusReply.error(m.failure()));
          return behavior(state.conversation(m.conversationId(), null));
        }
        // A resubscription after a move: the conversation may still be starting elsewhere; try again.
        if (sub != null) timers.startSingleTimer("resubscribe:" + m.conversationId(), new Resubscribe(m.conversationId()), Duration.ofSeconds(1));
        return Behaviors.same();
      }
      if (m.replyTo() != null) m.replyTo().tell(StatusReply.success(m.subscribed()));
      if (sub == null) {
        // unsubscribed meanwhile
        conversations.apply(m.conversationId()).tell(new Conversation.Unsubscribe(convPushes));
        return Behaviors.same();
      }
      ActorRef<?> fanout = m.subscribed().fanout();
      ctx.watchWith(fanout, new FanoutGone(m.conversationId(), fanout));
      long lastSeq = sub.lastSeq() >= 0 ? sub.lastSeq() : m.subscribed().lastSeq();
      return behavior(state.conversation(m.conversationId(), new ConvSub(lastSeq, fanout)));
    }

    private Behavior<Command> onConvPushed(State state, ConversationFanout.Push push) {
      String id = conversationOf(push);
      ConvSub sub = state.conversations().get(id);
      if (sub == null) return Behaviors.same();
      if (push instanceof ConversationFanout.Appended a) {
        long seq = a.entry().seq();
        if (sub.lastSeq() >= 0 && seq <= sub.lastSeq()) return Behaviors.same(); // already forwarded
        if (sub.lastSeq() >= 0 && seq > sub.lastSeq() + 1) {
          // A gap (a push lost in a move): start again from the last seq the client has.
          return resubscribe(state, id);
        }
        offer(ChatFrames.render(push));
        return behavior(state.conversation(id, new ConvSub(seq, sub.fanout())));
      }
      if (push instanceof ConversationFanout.Ended) {
        if (sub.fanout() != null) ctx.unwatch(sub.fanout());
        offer(ChatFrames.render(push));
        return behavior(state.conversation(id, null));
      }
      return offer(ChatFrames.render(push));
    }

    private Behavior<Command> onUnsubscribeConversation(State state, UnsubscribeConversation m) {
      ConvSub sub = state.conversations().get(m.conversationId());
      if (sub == null) {
        m.replyTo().tell(false);
        return Behaviors.same();
      }
      if (sub.fanout() != null) ctx.unwatch(sub.fanout());
      conversations.apply(m.conversationId()).tell(new Conversation.Unsubscribe(convPushes));
      m.replyTo().tell(true);
      return behavior(state.conversation(m.conversationId(), null));
    }

    private Behavior<Command> onFanoutGone(State state, FanoutGone m) {
      ConvSub sub = state.conversations().get(m.conversationId());
      if (sub == null || sub.fanout() != m.fanout()) return Behaviors.same();
      return resubscribe(state, m.conversationId());
    }

    /** Subscribes again from the last seq forwarded; the client sees one continuous sequence. */
    private Behavior<Command> resubscribe(State state, String conversationId) {
      ConvSub sub = state.conversations().get(conversationId);
      if (sub == null) return Behaviors.same();
      if (sub.fanout() != null) ctx.unwatch(sub.fanout());
      askSubscribe(conversationId, sub.lastSeq(), null);
      return behavior(state.conversation(conversationId, new ConvSub(sub.lastSeq(), null)));
    }

    private static String conversationOf(ConversationFanout.Push push) {
      if (push instanceof ConversationFanout.Appended a) return a.conversationId();
      if (push instanceof ConversationFanout.TypingChanged t) return t.conversationId();
      if (push instanceof ConversationFanout.PresenceChanged p) return p.conversationId();
      return ((ConversationFanout.Ended) push).conversationId();
    }
  }
}
