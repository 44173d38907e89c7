package io.pulse.actors.chat;

import io.pulse.actors.user.UserPresence;
import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The live side of one conversation, a child of its entity: pushes each persisted event to the
 * connections watching it (on any node), replays what a resuming client missed before it goes live,
 * and carries the ephemeral streams, typing and presence, which are never persisted.
 *
 * <p>Presence costs one watch per member, not one per pair: this actor watches each member's
 * presence hub once and sends watchers one batch of changes per interval, so a group of N members who
 * all connect costs about N hub messages and N watcher messages per interval instead of N².
 */
public final class ConversationFanout {
  private ConversationFanout() {}

  /** A connection holding more events than this while its catch-up read runs is told to resubscribe. */
  static final int MAX_PENDING = 10_000;

  // ---- what watchers receive ------------------------------------------------------------------------

  public sealed interface Push extends CborSerializable {}

  /** A durable event, in order: {@code entry.seq()} follows the previous one without gaps. */
  public record Appended(String conversationId, Timeline.Entry entry) implements Push {}

  public record TypingChanged(String conversationId, String userId, boolean typing, long expiresInMs) implements Push {}

  /** Members whose presence changed (or, with {@code snapshot}, every member's presence). */
  public record PresenceChanged(String conversationId, Map<String, Boolean> online, boolean snapshot) implements Push {}

  /** The subscription ended (membership removed, or too far behind): resubscribe or stop. */
  public record Ended(String conversationId, String code, String reason) implements Push {}

  // ---- what the entity tells it -----------------------------------------------------------------

  public sealed interface Command {}

  public record Published(Timeline.Entry entry) implements Command {}

  /** Replay the journal range (if not empty), then {@code replay}, then go live. */
  public record Register(String userId, ActorRef<Push> watcher, List<Timeline.Entry> replay, long journalFrom, long journalTo)
      implements Command {}

  public record Unregister(ActorRef<Push> watcher) implements Command {}

  public record Members(Set<String> members) implements Command {}

  public record UserTyping(String userId) implements Command {}

  private record TypingExpired(String userId) implements Command {}

  private record WatcherGone(ActorRef<Push> watcher) implements Command {}

  private record CaughtUp(ActorRef<Push> watcher, List<Timeline.Entry> entries, Throwable failure) implements Command {}

  private record Presence(UserPresence.UserEvent event) implements Command {}

  private enum FlushPresence implements Command { INSTANCE }

  private enum RefreshWatches implements Command { INSTANCE }

  // ---- state ---------------------------------------------------------------------------------------

  /** {@code pending} holds what a catching-up watcher gets after its journal read; null once live. */
  private record Watcher(String userId, List<Timeline.Entry> pending) {
    boolean live() {
      return pending == null;
    }
  }

  private record State(
      Map<ActorRef<Push>, Watcher> watchers, Set<String> members, Map<String, Boolean> online, Map<String, Boolean> diff, Set<String> typing) {
    static final State EMPTY = new State(Map.of(), Set.of(), Map.of(), Map.of(), Set.of());

    State watchers(Map<ActorRef<Push>, Watcher> next) {
      return new State(Map.copyOf(next), members, online, diff, typing);
    }

    State typing(Set<String> next) {
      return new State(watchers, members, online, diff, Set.copyOf(next));
    }
  }

  public static Behavior<Command> create(
      String conversationId,
      String persistenceId,
      Conversation.Settings settings,
      HistoryReader history,
      Function<String, RecipientRef<UserPresence.Command>> presence) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  ActorRef<UserPresence.UserEvent> presenceAdapter = ctx.messageAdapter(UserPresence.UserEvent.class, Presence::new);
                  timers.startTimerWithFixedDelay(FlushPresence.INSTANCE, settings.presenceBatch());
                  timers.startTimerWithFixedDelay(RefreshWatches.INSTANCE, java.time.Duration.ofSeconds(30));
                  return new Running(ctx, timers, conversationId, persistenceId, settings, history, presence, presenceAdapter)
                      .behavior(State.EMPTY);
                }));
  }

  private record Running(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String conversationId,
      String persistenceId,
      Conversation.Settings settings,
      HistoryReader history,
      Function<String, RecipientRef<UserPresence.Command>> presence,
      ActorRef<UserPresence.UserEvent> presenceAdapter) {

    Behavior<Command> behavior(State state) {
      return Behaviors.receive(Command.class)
          .onMessage(Published.class, m -> onPublished(state, m.entry()))
          .onMessage(Register.class, m -> onRegister(state, m))
          .onMessage(Unregister.class, m -> remove(state, m.watcher()))
          .onMessage(WatcherGone.class, m -> remove(state, m.watcher()))
          .onMessage(CaughtUp.class, m -> onCaughtUp(state, m))
          .onMessage(Members.class, m -> onMembers(state, m.members()))
          .onMessage(UserTyping.class, m -> onTyping(state, m.userId()))
          .onMessage(TypingExpired.class, m -> stopTyping(state, m.userId()))
          .onMessage(Presence.class, m -> onPresence(state, m.event()))
          .onMessage(FlushPresence.class, m -> onFlush(state))
          .onMessage(RefreshWatches.class, m -> {
            if (!state.watchers().isEmpty()) state.members().forEach(u -> presence.apply(u).tell(new UserPresence.Watch(presenceAdapter, false)));
            return Behaviors.same();
          })
          .build();
    }

    private void toLive(State state, Push push) {
      state.watchers().forEach((ref, w) -> {
        if (w.live()) ref.tell(push);
      });
    }

    private Behavior<Command> onPublished(State state, Timeline.Entry entry) {
      Appended push = new Appended(conversationId, entry);
      Map<ActorRef<Push>, Watcher> next = null;
      for (Map.Entry<ActorRef<Push>, Watcher> e : state.watchers().entrySet()) {
        Watcher w = e.getValue();
        if (w.live()) {
          e.getKey().tell(push);
        } else {
          if (next == null) next = new HashMap<>(state.watchers());
          if (w.pending().size() >= MAX_PENDING) {
            e.getKey().tell(new Ended(conversationId, "resume", "too far behind while catching up; resubscribe with since"));
            next.remove(e.getKey());
          } else {
            List<Timeline.Entry> pending = new ArrayList<>(w.pending());
            pending.add(entry);
            next.put(e.getKey(), new Watcher(w.userId(), List.copyOf(pending)));
          }
        }
      }
      State current = next == null ? state : state.watchers(next);
      // Sending a message ends that member's typing.
      if (entry.event() instanceof Conversation.MessageSent sent && current.typing().contains(sent.sender())) {
        return stopTyping(current, sent.sender());
      }
      return behavior(current);
    }

    private Behavior<Command> onRegister(State state, Register m) {
      if (!state.watchers().containsKey(m.watcher())) ctx.watchWith(m.watcher(), new WatcherGone(m.watcher()));
      boolean firstWatcher = state.watchers().isEmpty();
      Map<ActorRef<Push>, Watcher> next = new HashMap<>(state.watchers());
      if (m.journalTo() < m.journalFrom()) {
        m.replay().forEach(e -> m.watcher().tell(new Appended(conversationId, e)));
        next.put(m.watcher(), new Watcher(m.userId(), null));
      } else {
        next.put(m.watcher(), new Watcher(m.userId(), List.copyOf(m.replay())));
        ctx.pipeToSelf(
            history.read(persistenceId, m.journalFrom(), m.journalTo()),
            (entries, failure) -> new CaughtUp(m.watcher(), entries, failure));
      }
      State current = state.watchers(next);
      if (firstWatcher) watchHubs(current.members());
      m.watcher().tell(new PresenceChanged(conversationId, snapshot(current), true));
      return behavior(current);
    }

    private Behavior<Command> onCaughtUp(State state, CaughtUp m) {
      Watcher w = state.watchers().get(m.watcher());
      if (w == null || w.live()) return Behaviors.same();
      if (m.failure() != null) {
        ctx.getLog().warn("Catch-up read of {} failed", conversationId, m.failure());
        m.watcher().tell(new Ended(conversationId, "unavailable", "history is unavailable; resubscribe with since"));
        return remove(state, m.watcher());
      }
      long last = 0;
      for (Timeline.Entry e : m.entries()) {
        m.watcher().tell(new Appended(conversationId, e));
        last = e.seq();
      }
      for (Timeline.Entry e : w.pending()) {
        if (e.seq() > last) m.watcher().tell(new Appended(conversationId, e));
      }
      Map<ActorRef<Push>, Watcher> next = new HashMap<>(state.watchers());
      next.put(m.watcher(), new Watcher(w.userId(), null));
      return behavior(state.watchers(next));
    }

    private Behavior<Command> remove(State state, ActorRef<Push> watcher) {
      if (!state.watchers().containsKey(watcher)) return Behaviors.same();
      ctx.unwatch(watcher);
      Map<ActorRef<Push>, Watcher> next = new HashMap<>(state.watchers());
      next.remove(watcher);
      State current = state.watchers(next);
      if (next.isEmpty()) {
        // Nobody looks: let the members' hubs go, and forget presence until someone subscribes again.
        state.members().forEach(u -> presence.apply(u).tell(new UserPresence.Unwatch(presenceAdapter)));
        current = new State(current.watchers(), current.members(), Map.of(), Map.of(), current.typing());
      }
      return behavior(current);
    }

    private Behavior<Command> onMembers(State state, Set<String> members) {
      Set<String> added = new HashSet<>(members);
      added.removeAll(state.members());
      Set<String> removed = new HashSet<>(state.members());
      removed.removeAll(members);
      Map<ActorRef<Push>, Watcher> next = new HashMap<>(state.watchers());
      Map<String, Boolean> online = new HashMap<>(state.online());
      for (String gone : removed) {
        online.remove(gone);
        if (!state.watchers().isEmpty()) presence.apply(gone).tell(new UserPresence.Unwatch(presenceAdapter));
      }
      // A removed member's connections stop receiving at once.
      state.watchers().forEach((ref, w) -> {
        if (removed.contains(w.userId())) {
          ref.tell(new Ended(conversationId, "not_a_member", "removed from the conversation"));
          ctx.unwatch(ref);
          next.remove(ref);
        }
      });
      if (!next.isEmpty()) watchHubs(added);
      return behavior(new State(Map.copyOf(next), Set.copyOf(members), Map.copyOf(online), state.diff(), state.typing()));
    }

    private void watchHubs(Set<String> users) {
      users.forEach(u -> presence.apply(u).tell(new UserPresence.Watch(presenceAdapter, true)));
    }

    private Behavior<Command> onTyping(State state, String userId) {
      timers.startSingleTimer("typing:" + userId, new TypingExpired(userId), settings.typingTtl());
      if (state.typing().contains(userId)) return Behaviors.same(); // conflated: one event per start
      toLive(state, new TypingChanged(conversationId, userId, true, settings.typingTtl().toMillis()));
      Set<String> next = new HashSet<>(state.typing());
      next.add(userId);
      return behavior(state.typing(next));
    }

    private Behavior<Command> stopTyping(State state, String userId) {
      timers.cancel("typing:" + userId);
      if (!state.typing().contains(userId)) return Behaviors.same();
      toLive(state, new TypingChanged(conversationId, userId, false, 0));
      Set<String> next = new HashSet<>(state.typing());
      next.remove(userId);
      return behavior(state.typing(next));
    }

    private Behavior<Command> onPresence(State state, UserPresence.UserEvent event) {
      if (!(event instanceof UserPresence.PresenceChanged p) || !state.members().contains(p.userId())) return Behaviors.same();
      if (Boolean.valueOf(p.online()).equals(state.online().get(p.userId()))) return Behaviors.same();
      Map<String, Boolean> online = new HashMap<>(state.online());
      online.put(p.userId(), p.online());
      Map<String, Boolean> diff = new HashMap<>(state.diff());
      diff.put(p.userId(), p.online());
      return behavior(new State(state.watchers(), state.members(), Map.copyOf(online), Map.copyOf(diff), state.typing()));
    }

    private Behavior<Command> onFlush(State state) {
      if (state.diff().isEmpty()) return Behaviors.same();
      // To catching-up watchers too: presence is not ordered with the events, and a diff missed here
      // would leave their view wrong until the member's next flip.
      PresenceChanged batch = new PresenceChanged(conversationId, state.diff(), false);
      state.watchers().keySet().forEach(ref -> ref.tell(batch));
      return behavior(new State(state.watchers(), state.members(), state.online(), Map.of(), state.typing()));
    }

    private Map<String, Boolean> snapshot(State state) {
      Map<String, Boolean> all = new HashMap<>();
      state.members().forEach(m -> all.put(m, state.online().getOrDefault(m, false)));
      return Map.copyOf(all);
    }
  }
}
