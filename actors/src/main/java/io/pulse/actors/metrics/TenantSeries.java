package io.pulse.actors.metrics;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * How many series one tenant holds, event-sourced: every {@link SeriesRegistry} of the tenant reserves places here
 * (for all the series waiting to be admitted at once) before admitting them, so the per-tenant limit holds across all its metric names. A registry that dies
 * between its reservation and its own event leaves one place used (a tenant can only lose capacity, never exceed it).
 */
public final class TenantSeries extends EventSourcedBehaviorWithEnforcedReplies<TenantSeries.Command, TenantSeries.Event, TenantSeries.State> {
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "MetricTenant");

  public sealed interface Command extends CborSerializable {}

  /** Asks for {@code count} places; answered with how many were granted (at least one), or {@code cardinality_exceeded}. */
  public record Reserve(String name, int count, ActorRef<StatusReply<Integer>> replyTo) implements Command {}

  public record GetUsage(ActorRef<StatusReply<State>> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record SeriesReserved(String name, int count) implements Event {}

  public record State(long series) implements CborSerializable {}

  private final int maxSeries;

  public static Behavior<Command> create(String tenant, int maxSeries) {
    return new TenantSeries(tenant, maxSeries);
  }

  private TenantSeries(String tenant, int maxSeries) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), tenant), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.maxSeries = maxSeries;
  }

  @Override
  public State emptyState() {
    return new State(0);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(
            Reserve.class,
            (s, c) ->
                s.series() >= maxSeries
                    ? Effect().reply(c.replyTo(), Rejection.reply(MetricCodes.CARDINALITY_EXCEEDED, "the tenant already has " + maxSeries + " series"))
                    : reserve(s, c))
        .onCommand(GetUsage.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s)))
        .build();
  }

  private org.apache.pekko.persistence.typed.javadsl.ReplyEffect<Event, State> reserve(State s, Reserve c) {
    int granted = (int) Math.min(Math.max(1, c.count()), maxSeries - s.series());
    return Effect().persist(new SeriesReserved(c.name(), granted)).thenReply(c.replyTo(), after -> StatusReply.success(granted));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onEvent(SeriesReserved.class, (s, e) -> new State(s.series() + e.count())).build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1_000, 2);
  }
}
