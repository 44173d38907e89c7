package io.pulse.actors.user;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
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
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A user's durable profile, one sharded event-sourced entity per user id. Presence is not here: it is
 * ephemeral and lives in {@link UserPresence}, which this entity tells about every persisted change so
 * that watchers see it.
 */
public final class User extends EventSourcedBehaviorWithEnforcedReplies<User.Command, User.Event, User.Profile> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "User");

  /** The profile as clients see it; {@code version} counts persisted changes. */
  public record Profile(String userId, String displayName, String avatarUrl, String statusText, long version)
      implements CborSerializable {
    static Profile empty(String userId) {
      return new Profile(userId, null, null, null, 0);
    }
  }

  /** A partial update: a null field is left as it is; an empty avatarUrl or statusText clears it. */
  public record ProfileChange(String displayName, String avatarUrl, String statusText) implements CborSerializable {}

  public sealed interface Command extends CborSerializable {}

  /** Replies with the new profile once its event is durable, or a {@link Rejection}. */
  public record UpdateProfile(ProfileChange change, ActorRef<StatusReply<Profile>> replyTo) implements Command {}

  public record GetProfile(ActorRef<StatusReply<Profile>> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable {}

  /** The whole profile after the change, so replay needs no rules. */
  public record ProfileUpdated(String displayName, String avatarUrl, String statusText) implements Event {}

  public static void init(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(
        Entity.of(
            ENTITY_TYPE_KEY,
            ctx -> create(ctx.getEntityId(), id -> sharding.entityRefFor(UserPresence.ENTITY_TYPE_KEY, id))));
  }

  /** {@code presenceHub} finds the presence hub of a user, which relays profile changes to watchers. */
  public static Behavior<Command> create(String userId, Function<String, RecipientRef<UserPresence.Command>> presenceHub) {
    return new User(userId, presenceHub);
  }

  private final String userId;
  private final Function<String, RecipientRef<UserPresence.Command>> presenceHub;

  private User(String userId, Function<String, RecipientRef<UserPresence.Command>> presenceHub) {
    super(
        PersistenceId.of(ENTITY_TYPE_KEY.name(), userId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.userId = userId;
    this.presenceHub = presenceHub;
  }

  @Override
  public Profile emptyState() {
    return Profile.empty(userId);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, Profile> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(UpdateProfile.class, this::onUpdate)
        .onCommand(GetProfile.class, (profile, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(profile)))
        .build();
  }

  private ReplyEffect<Event, Profile> onUpdate(Profile profile, UpdateProfile cmd) {
    Optional<String> violation = ProfileRules.violation(cmd.change());
    if (violation.isPresent()) {
      return Effect().reply(cmd.replyTo(), Rejection.reply(ProfileRules.INVALID_PROFILE, violation.get()));
    }
    Profile next = ProfileRules.apply(profile, cmd.change());
    return Effect()
        .persist(new ProfileUpdated(next.displayName(), next.avatarUrl(), next.statusText()))
        .thenRun(updated -> presenceHub.apply(userId).tell(new UserPresence.ProfileChanged(updated)))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  @Override
  public EventHandler<Profile, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            ProfileUpdated.class,
            (profile, e) -> new Profile(userId, e.displayName(), e.avatarUrl(), e.statusText(), profile.version() + 1))
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
