package io.pulse.actors.user;

import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * A user's live presence and the hub that pushes it, one sharded entity per user. Not persisted:
 * presence is what the user's connections say now, rebuilt from their heartbeats after a move.
 *
 * <p>A user is online while at least one connection has heartbeated within the TTL. Watchers (the
 * connection actors of clients subscribed to {@code user:<id>}) get a snapshot when they start
 * watching and a diff only when online flips, never per heartbeat, so a chatty device costs its
 * watchers nothing.
 */
public final class UserPresence {
  private UserPresence() {}

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "UserPresence");

  public sealed interface Command extends CborSerializable {}

  /**
   * A connection of this user is alive; the first one brings the user online. {@code connection}
   * receives the user's own notifications ({@link InboxChanged}) while it heartbeats.
   */
  public record Heartbeat(String connectionId, ActorRef<UserEvent> connection) implements Command {}

  /** A connection closed; the last one takes the user offline at once. */
  public record Disconnected(String connectionId) implements Command {}

  /**
   * Start (or keep) pushing this user's events to {@code watcher}. A new watcher gets the current
   * presence at once; a repeated Watch only refreshes the registration, unless {@code snapshot} asks.
   */
  public record Watch(ActorRef<UserEvent> watcher, boolean snapshot) implements Command {
    public Watch(ActorRef<UserEvent> watcher) {
      this(watcher, true);
    }
  }

  public record Unwatch(ActorRef<UserEvent> watcher) implements Command {}

  public record GetPresence(ActorRef<PresenceChanged> replyTo) implements Command {}

  /** The user's profile was persisted; relayed to watchers. */
  public record ProfileChanged(User.Profile profile) implements Command {}

  /** The user's inbox changed; relayed to the user's own connections only, never to watchers. */
  public record NotifyInbox(InboxChanged change) implements Command {}

  private enum Sweep implements Command { INSTANCE }

  private record WatcherGone(ActorRef<UserEvent> watcher) implements Command {}

  /** What watchers receive. */
  public sealed interface UserEvent extends CborSerializable {}

  /**
   * {@code version} grows with every flip and stays monotonic across hub restarts (it starts from the
   * wall clock), so a client keeps the presence with the highest version.
   */
  public record PresenceChanged(String userId, boolean online, int connections, long version) implements UserEvent {}

  public record ProfileUpdated(User.Profile profile) implements UserEvent {}

  /** The user joined ({@code member}) or left a conversation: sent to each of the user's connections. */
  public record InboxChanged(String conversationId, boolean member) implements UserEvent {}

  public static void init(ActorSystem<?> system, Duration ttl) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), ttl, ctx.getShard()))
                // The hub decides when it is idle (no connections, no watchers); a timer must not.
                .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  /** {@code shard} receives the hub's passivation request once nothing is attached to it. */
  public static Behavior<Command> create(
      String userId, Duration ttl, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Sweep.INSTANCE, ttl.dividedBy(4));
                  return new Hub(ctx, userId, ttl.toNanos(), shard).behavior(State.initial());
                }));
  }

  /** A connection's last heartbeat (System.nanoTime) and its address. */
  private record Seen(long at, ActorRef<UserEvent> connection) {}

  /** The user's live connections by id, and who watches. */
  private record State(Map<String, Seen> connections, Set<ActorRef<UserEvent>> watchers, long version) {
    static State initial() {
      return new State(Map.of(), Set.of(), System.currentTimeMillis());
    }

    boolean online() {
      return !connections.isEmpty();
    }

    boolean idle() {
      return connections.isEmpty() && watchers.isEmpty();
    }

    State seen(String connectionId, ActorRef<UserEvent> connection, long now) {
      Map<String, Seen> next = new HashMap<>(connections);
      next.put(connectionId, new Seen(now, connection));
      return new State(Map.copyOf(next), watchers, version);
    }

    State withoutConnections(Set<String> gone) {
      Map<String, Seen> next = new HashMap<>(connections);
      next.keySet().removeAll(gone);
      return new State(Map.copyOf(next), watchers, version);
    }

    State withWatcher(ActorRef<UserEvent> watcher) {
      Set<ActorRef<UserEvent>> next = new HashSet<>(watchers);
      next.add(watcher);
      return new State(connections, Set.copyOf(next), version);
    }

    State withoutWatcher(ActorRef<UserEvent> watcher) {
      Set<ActorRef<UserEvent>> next = new HashSet<>(watchers);
      next.remove(watcher);
      return new State(connections, Set.copyOf(next), version);
    }

    State bumped() {
      return new State(connections, watchers, Math.max(version + 1, System.currentTimeMillis()));
    }
  }

  private record Hub(ActorContext<Command> ctx, String userId, long ttlNanos, ActorRef<ClusterSharding.ShardCommand> shard) {

    /**
     * One small closure per state rather than a builder of nine cases: a hub exists per connected
     * user, and its behavior is rebuilt on every heartbeat.
     */
    Behavior<Command> behavior(State state) {
      return Behaviors.receiveMessage(m -> onMessage(state, m));
    }

    private Behavior<Command> onMessage(State state, Command command) {
      if (command instanceof Heartbeat m) return next(state, state.seen(m.connectionId(), m.connection(), System.nanoTime()));
      if (command instanceof Disconnected m) return next(state, state.withoutConnections(Set.of(m.connectionId())));
      if (command instanceof Watch m) return onWatch(state, m);
      if (command instanceof Unwatch m) return onUnwatch(state, m.watcher());
      if (command instanceof WatcherGone m) return onUnwatch(state, m.watcher());
      if (command instanceof GetPresence m) return onGet(state, m);
      if (command instanceof ProfileChanged m) return onProfile(state, m);
      if (command instanceof NotifyInbox m) return onInbox(state, m);
      if (command instanceof Sweep) return onSweep(state);
      throw new IllegalArgumentException("unhandled " + command.getClass());
    }

    private Behavior<Command> onWatch(State state, Watch m) {
      boolean known = state.watchers().contains(m.watcher());
      if (!known) ctx.watchWith(m.watcher(), new WatcherGone(m.watcher()));
      if (!known || m.snapshot()) m.watcher().tell(view(state));
      return known ? Behaviors.same() : behavior(state.withWatcher(m.watcher()));
    }

    private Behavior<Command> onUnwatch(State state, ActorRef<UserEvent> watcher) {
      if (!state.watchers().contains(watcher)) return Behaviors.same();
      ctx.unwatch(watcher);
      return settle(state.withoutWatcher(watcher));
    }

    private Behavior<Command> onGet(State state, GetPresence m) {
      m.replyTo().tell(view(state));
      return settle(state);
    }

    private Behavior<Command> onProfile(State state, ProfileChanged m) {
      ProfileUpdated event = new ProfileUpdated(m.profile());
      state.watchers().forEach(w -> w.tell(event));
      return settle(state);
    }

    private Behavior<Command> onInbox(State state, NotifyInbox m) {
      state.connections().values().forEach(c -> c.connection().tell(m.change()));
      return settle(state);
    }

    private Behavior<Command> onSweep(State state) {
      long now = System.nanoTime();
      Set<String> expired = new HashSet<>();
      state.connections().forEach((id, seen) -> {
        if (now - seen.at() > ttlNanos) expired.add(id);
      });
      return expired.isEmpty() ? settle(state) : next(state, state.withoutConnections(expired));
    }

    /** Publishes a flip of online, then settles. */
    private Behavior<Command> next(State before, State after) {
      State current = after;
      if (before.online() != after.online()) {
        current = after.bumped();
        PresenceChanged diff = view(current);
        current.watchers().forEach(w -> w.tell(diff));
      }
      return settle(current);
    }

    private Behavior<Command> settle(State state) {
      // Nothing attached: free the memory. A later message starts a fresh hub.
      if (state.idle()) shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
      return behavior(state);
    }

    private PresenceChanged view(State state) {
      return new PresenceChanged(userId, state.online(), state.connections().size(), state.version());
    }
  }
}
