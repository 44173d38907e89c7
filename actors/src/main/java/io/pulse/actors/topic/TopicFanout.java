package io.pulse.actors.topic;

import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The live side of one durable topic, a child of the entity that owns it (a document, an auction, a
 * sale): pushes each persisted event to the connections subscribed to it, on any node; replays what a
 * resuming subscriber missed (from the entity's recent events, and from the journal when it was away
 * longer) before it goes live; and carries the topic's ephemeral values, which are never persisted.
 *
 * <p>Ephemeral values are of two kinds: {@link Broadcast} (one value per key for the whole topic, such
 * as the time left) and {@link SetPresence} (one value per subscribed connection, such as a cursor),
 * which a new subscriber gets as a snapshot and which goes with its connection.
 */
public final class TopicFanout {
  private TopicFanout() {}

  /** A subscriber holding more events than this while its catch-up read runs is told to resubscribe. */
  static final int MAX_PENDING = 10_000;

  /** One persisted event with the entity's sequence number for it. */
  public record Entry(long seq, TopicEvent event) implements CborSerializable {}

  /** Reads a range of the entity's events back from the journal. */
  @FunctionalInterface
  public interface History {
    /** Events with sequence numbers {@code from..to} inclusive, oldest first. */
    CompletionStage<List<Entry>> read(String persistenceId, long from, long to);
  }

  /**
   * Moves a connection's presence value through a persisted event (a cursor through an operation), so a
   * new subscriber's snapshot is current. Returns the value unchanged when the event does not move it.
   */
  @FunctionalInterface
  public interface PresenceThrough {
    TopicEvent apply(TopicEvent presence, TopicEvent published);

    PresenceThrough UNCHANGED = (presence, published) -> presence;
  }

  // ---- what the entity tells it ------------------------------------------------------------------

  public sealed interface Command {}

  public record Published(Entry entry) implements Command {}

  /** Replay the journal range {@code journalFrom..journalTo} (none if empty), then {@code replay}, then go live. */
  public record Register(String userId, ActorRef<TopicPush> watcher, List<Entry> replay, long journalFrom, long journalTo)
      implements Command {}

  public record Unregister(ActorRef<TopicPush> watcher) implements Command {}

  /** An ephemeral value for every live subscriber; the connections keep only the newest per key. */
  public record Broadcast(String key, TopicEvent event) implements Command {}

  /** The presence value of one subscribed connection under {@code key} (its connection id). */
  public record SetPresence(ActorRef<TopicPush> watcher, String key, TopicEvent presence) implements Command {}

  /** Ends the subscriptions of these users (their access was revoked). */
  public record EndUsers(Set<String> userIds, String code, String reason) implements Command {}

  private record WatcherGone(ActorRef<TopicPush> watcher) implements Command {}

  private record CaughtUp(ActorRef<TopicPush> watcher, List<Entry> entries, Throwable failure) implements Command {}

  // ---- state ---------------------------------------------------------------------------------------

  /** {@code pending}: what a catching-up subscriber gets after its journal read; null once live. */
  private record Watcher(String userId, List<Entry> pending, String presenceKey, TopicEvent presence) {
    boolean live() {
      return pending == null;
    }

    Watcher live(List<Entry> next) {
      return new Watcher(userId, next, presenceKey, presence);
    }

    Watcher presence(String key, TopicEvent value) {
      return new Watcher(userId, pending, key, value);
    }
  }

  private record State(Map<ActorRef<TopicPush>, Watcher> watchers) {
    static final State EMPTY = new State(Map.of());

    State with(ActorRef<TopicPush> ref, Watcher w) {
      Map<ActorRef<TopicPush>, Watcher> next = new HashMap<>(watchers);
      next.put(ref, w);
      return new State(Map.copyOf(next));
    }

    State without(ActorRef<TopicPush> ref) {
      Map<ActorRef<TopicPush>, Watcher> next = new HashMap<>(watchers);
      next.remove(ref);
      return new State(Map.copyOf(next));
    }
  }

  /**
   * @param topic the wire name every push carries
   * @param persistenceId the owning entity's, for catch-up reads
   */
  public static Behavior<Command> create(String topic, String persistenceId, History history, PresenceThrough through) {
    return Behaviors.setup(ctx -> new Running(ctx, topic, persistenceId, history, through).behavior(State.EMPTY));
  }

  private record Running(ActorContext<Command> ctx, String topic, String persistenceId, History history, PresenceThrough through) {

    Behavior<Command> behavior(State state) {
      return Behaviors.receive(Command.class)
          .onMessage(Published.class, m -> onPublished(state, m.entry()))
          .onMessage(Register.class, m -> onRegister(state, m))
          .onMessage(Unregister.class, m -> remove(state, m.watcher()))
          .onMessage(WatcherGone.class, m -> remove(state, m.watcher()))
          .onMessage(CaughtUp.class, m -> onCaughtUp(state, m))
          .onMessage(Broadcast.class, m -> {
            toLive(state, new TopicPush.Ephemeral(topic, m.key(), m.event()), null);
            return Behaviors.same();
          })
          .onMessage(SetPresence.class, m -> onPresence(state, m))
          .onMessage(EndUsers.class, m -> onEndUsers(state, m))
          .build();
    }

    private void toLive(State state, TopicPush push, ActorRef<TopicPush> except) {
      state.watchers().forEach((ref, w) -> {
        if (w.live() && !ref.equals(except)) ref.tell(push);
      });
    }

    private Behavior<Command> onPublished(State state, Entry entry) {
      TopicPush.Appended push = new TopicPush.Appended(topic, entry.seq(), entry.event());
      Map<ActorRef<TopicPush>, Watcher> next = null;
      for (Map.Entry<ActorRef<TopicPush>, Watcher> e : state.watchers().entrySet()) {
        Watcher w = e.getValue();
        Watcher moved = w.presence() == null ? w : w.presence(w.presenceKey(), through.apply(w.presence(), entry.event()));
        if (w.live()) {
          e.getKey().tell(push);
        } else if (w.pending().size() >= MAX_PENDING) {
          e.getKey().tell(new TopicPush.Ended(topic, "resume", "too far behind while catching up; resubscribe with since"));
          if (next == null) next = new HashMap<>(state.watchers());
          next.remove(e.getKey());
          continue;
        } else {
          List<Entry> pending = new ArrayList<>(w.pending());
          pending.add(entry);
          moved = moved.live(List.copyOf(pending));
        }
        if (moved != w) {
          if (next == null) next = new HashMap<>(state.watchers());
          next.put(e.getKey(), moved);
        }
      }
      return behavior(next == null ? state : new State(Map.copyOf(next)));
    }

    private Behavior<Command> onRegister(State state, Register m) {
      Watcher before = state.watchers().get(m.watcher());
      if (before == null) ctx.watchWith(m.watcher(), new WatcherGone(m.watcher()));
      String key = before == null ? null : before.presenceKey();
      TopicEvent presence = before == null ? null : before.presence();
      Watcher w;
      if (m.journalTo() < m.journalFrom()) {
        m.replay().forEach(e -> m.watcher().tell(new TopicPush.Appended(topic, e.seq(), e.event())));
        w = new Watcher(m.userId(), null, key, presence);
      } else {
        w = new Watcher(m.userId(), List.copyOf(m.replay()), key, presence);
        ctx.pipeToSelf(
            history.read(persistenceId, m.journalFrom(), m.journalTo()),
            (entries, failure) -> new CaughtUp(m.watcher(), entries, failure));
      }
      // the others' presence, as a snapshot: ephemeral values carry no order with the events
      state.watchers().forEach((ref, other) -> {
        if (!ref.equals(m.watcher()) && other.presence() != null) {
          m.watcher().tell(new TopicPush.Ephemeral(topic, other.presenceKey(), other.presence()));
        }
      });
      return behavior(state.with(m.watcher(), w));
    }

    private Behavior<Command> onCaughtUp(State state, CaughtUp m) {
      Watcher w = state.watchers().get(m.watcher());
      if (w == null || w.live()) return Behaviors.same();
      if (m.failure() != null) {
        ctx.getLog().warn("Catch-up read of {} failed", topic, m.failure());
        m.watcher().tell(new TopicPush.Ended(topic, "unavailable", "history is unavailable; resubscribe with since"));
        return remove(state, m.watcher());
      }
      long last = 0;
      for (Entry e : m.entries()) {
        m.watcher().tell(new TopicPush.Appended(topic, e.seq(), e.event()));
        last = e.seq();
      }
      for (Entry e : w.pending()) {
        if (e.seq() > last) m.watcher().tell(new TopicPush.Appended(topic, e.seq(), e.event()));
      }
      return behavior(state.with(m.watcher(), w.live(null)));
    }

    private Behavior<Command> onPresence(State state, SetPresence m) {
      Watcher w = state.watchers().get(m.watcher());
      if (w == null) return Behaviors.same(); // not subscribed: nobody to tie the value's lifetime to
      toLive(state, new TopicPush.Ephemeral(topic, m.key(), m.presence()), m.watcher());
      return behavior(state.with(m.watcher(), w.presence(m.key(), m.presence())));
    }

    private Behavior<Command> onEndUsers(State state, EndUsers m) {
      State current = state;
      for (Map.Entry<ActorRef<TopicPush>, Watcher> e : state.watchers().entrySet()) {
        if (m.userIds().contains(e.getValue().userId())) {
          e.getKey().tell(new TopicPush.Ended(topic, m.code(), m.reason()));
          current = removed(current, e.getKey());
        }
      }
      return behavior(current);
    }

    private Behavior<Command> remove(State state, ActorRef<TopicPush> watcher) {
      if (!state.watchers().containsKey(watcher)) return Behaviors.same();
      return behavior(removed(state, watcher));
    }

    private State removed(State state, ActorRef<TopicPush> watcher) {
      Watcher w = state.watchers().get(watcher);
      ctx.unwatch(watcher);
      State next = state.without(watcher);
      if (w.presence() != null) toLive(next, new TopicPush.Gone(topic, w.presenceKey()), null);
      return next;
    }
  }
}
