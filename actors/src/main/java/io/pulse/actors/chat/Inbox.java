package io.pulse.actors.chat;

import io.pulse.actors.user.UserPresence;
import io.pulse.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The conversations a user belongs to, newest join first. Conversations tell it when the user joins or
 * leaves; the last message and unread count of each are asked of the conversations themselves, so a
 * message costs the inbox nothing. Each stored join or leave is told to the user's presence hub, which
 * pushes it to the user's open connections (a live client learns it was added without polling).
 */
public final class Inbox extends EventSourcedBehaviorWithEnforcedReplies<Inbox.Command, Inbox.Event, Inbox.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Inbox");

  /**
   * The same list for documents: the documents a user owns or that are shared with them. Its joins and
   * leaves are not pushed (a document list is read with {@code doc.list}).
   */
  public static final EntityTypeKey<Command> DOCUMENTS = EntityTypeKey.create(Command.class, "DocumentInbox");

  public sealed interface Command extends CborSerializable {}

  /** Idempotent: a join already known stores nothing. */
  public record Joined(String conversationId) implements Command {}

  public record Left(String conversationId) implements Command {}

  public record GetConversations(ActorRef<StatusReply<Conversations>> replyTo) implements Command {}

  /** The reply to {@link GetConversations}: conversation ids, newest join first. */
  public record Conversations(List<String> conversationIds) implements CborSerializable {
    public Conversations {
      conversationIds = List.copyOf(conversationIds);
    }
  }

  public sealed interface Event extends CborSerializable {}

  public record ConversationJoined(String conversationId) implements Event {}

  public record ConversationLeft(String conversationId) implements Event {}

  public record State(List<String> conversations) implements CborSerializable {
    public State {
      conversations = List.copyOf(conversations);
    }
  }

  private final RecipientRef<UserPresence.Command> hub;

  public static void init(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(
        Entity.of(
            ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), sharding.entityRefFor(UserPresence.ENTITY_TYPE_KEY, ctx.getEntityId()))));
    sharding.init(Entity.of(DOCUMENTS, ctx -> new Inbox(DOCUMENTS, ctx.getEntityId(), null)));
  }

  /** {@code hub} is the user's presence hub, told of every stored join and leave. */
  public static Behavior<Command> create(String userId, RecipientRef<UserPresence.Command> hub) {
    return new Inbox(ENTITY_TYPE_KEY, userId, hub);
  }

  /** A list of another kind's ids ({@link #DOCUMENTS}), whose changes nobody is told of. */
  public static Behavior<Command> create(EntityTypeKey<Command> kind, String userId) {
    return new Inbox(kind, userId, null);
  }

  private Inbox(EntityTypeKey<Command> kind, String userId, RecipientRef<UserPresence.Command> hub) {
    super(
        PersistenceId.of(kind.name(), userId),
        SupervisorStrategy.restartWithBackoff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(5), 0.1));
    this.hub = hub;
  }

  @Override
  public State emptyState() {
    return new State(List.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(
            Joined.class,
            (state, cmd) ->
                state.conversations().contains(cmd.conversationId())
                    ? Effect().noReply()
                    : Effect()
                        .persist(new ConversationJoined(cmd.conversationId()))
                        .thenRun(s -> notify(cmd.conversationId(), true))
                        .thenNoReply())
        .onCommand(
            Left.class,
            (state, cmd) ->
                state.conversations().contains(cmd.conversationId())
                    ? Effect()
                        .persist(new ConversationLeft(cmd.conversationId()))
                        .thenRun(s -> notify(cmd.conversationId(), false))
                        .thenNoReply()
                    : Effect().noReply())
        .onCommand(GetConversations.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(new Conversations(state.conversations()))))
        .build();
  }

  private void notify(String conversationId, boolean member) {
    if (hub != null) hub.tell(new UserPresence.NotifyInbox(new UserPresence.InboxChanged(conversationId, member)));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            ConversationJoined.class,
            (state, e) -> {
              List<String> next = new ArrayList<>(state.conversations().size() + 1);
              next.add(e.conversationId());
              next.addAll(state.conversations());
              return new State(next);
            })
        .onEvent(
            ConversationLeft.class,
            (state, e) -> new State(state.conversations().stream().filter(id -> !id.equals(e.conversationId())).toList()))
        .build();
  }
}
