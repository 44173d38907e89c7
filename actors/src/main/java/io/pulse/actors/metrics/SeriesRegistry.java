package io.pulse.actors.metrics;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.pcollections.HashTreePSet;
import org.pcollections.PSet;

/**
 * The series of one metric name of one tenant ({@code <tenant>|<name>}), event-sourced: it admits each new series
 * once, within the per-name limit and, by asking the tenant's {@link TenantSeries}, the per-tenant limit, and it is the
 * index queries use to find the series a selector matches. An admitted series stays admitted (its samples expire by
 * TTL; the registry does not).
 */
public final class SeriesRegistry extends EventSourcedBehaviorWithEnforcedReplies<SeriesRegistry.Command, SeriesRegistry.Event, SeriesRegistry.State> {
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "MetricRegistry");

  public sealed interface Command extends CborSerializable {}

  /** Admits {@code series} (canonical text) or refuses with {@code cardinality_exceeded}; an admitted one is answered at once. */
  public record Admit(String series, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record ListSeries(ActorRef<StatusReply<SeriesList>> replyTo) implements Command {}

  public record SeriesList(List<String> series) implements CborSerializable {}

  /** The tenant's answer to a reservation: how many places it granted (the first ones of the batch), or an error. */
  record Reserved(int granted, String error) implements Command {}

  public sealed interface Event extends CborSerializable {}

  /** Series admitted together (one reservation at the tenant). */
  public record SeriesAdmitted(List<String> series) implements Event {}

  public record State(Set<String> series) implements CborSerializable {
    public State {
      series = series instanceof PSet<String> p ? p : HashTreePSet.from(series);
    }

    State plusAll(List<String> more) {
      return new State(((PSet<String>) series).plusAll(more));
    }
  }

  private final ActorContext<Command> ctx;
  private final String tenant;
  private final int maxSeries;
  private final Duration timeout;
  private final Function<String, RecipientRef<TenantSeries.Command>> tenants;
  /**
   * Admissions waiting for the tenant: those of the reservation in flight, and those that came since (the next
   * batch). Not state: a restart drops them and their askers time out (and ask again).
   */
  private Map<String, List<ActorRef<StatusReply<Done>>>> queued = new LinkedHashMap<>();

  private Map<String, List<ActorRef<StatusReply<Done>>>> reserving;

  public static Behavior<Command> create(String entityId, int maxSeries, Duration timeout, Function<String, RecipientRef<TenantSeries.Command>> tenants) {
    return Behaviors.setup(ctx -> new SeriesRegistry(ctx, entityId, maxSeries, timeout, tenants));
  }

  private SeriesRegistry(ActorContext<Command> ctx, String entityId, int maxSeries, Duration timeout, Function<String, RecipientRef<TenantSeries.Command>> tenants) {
    // the id holds "|" (tenant|name), which PersistenceId.of reserves as its own separator
    super(PersistenceId.ofUniqueId(ENTITY_TYPE_KEY.name() + "|" + entityId), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.tenant = entityId.substring(0, entityId.indexOf('|'));
    this.maxSeries = maxSeries;
    this.timeout = timeout;
    this.tenants = tenants;
  }

  @Override
  public State emptyState() {
    return new State(Set.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Admit.class, this::onAdmit)
        .onCommand(Reserved.class, this::onReserved)
        .onCommand(ListSeries.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(new SeriesList(List.copyOf(s.series())))))
        .build();
  }

  private ReplyEffect<Event, State> onAdmit(State state, Admit c) {
    if (state.series().contains(c.series())) return Effect().reply(c.replyTo(), StatusReply.ack());
    List<ActorRef<StatusReply<Done>>> waiting = queued.containsKey(c.series()) ? queued.get(c.series()) : reserving == null ? null : reserving.get(c.series());
    if (waiting != null) {
      waiting.add(c.replyTo());
      return Effect().noReply();
    }
    if (state.series().size() + queued.size() + (reserving == null ? 0 : reserving.size()) >= maxSeries) {
      return Effect()
          .reply(c.replyTo(), Rejection.reply(MetricCodes.CARDINALITY_EXCEEDED, "metric " + Series.nameOf(c.series()) + " already has " + maxSeries + " series"));
    }
    List<ActorRef<StatusReply<Done>>> waiters = new ArrayList<>();
    waiters.add(c.replyTo());
    queued.put(c.series(), waiters);
    if (reserving == null) reserve();
    return Effect().noReply();
  }

  /** Reserves places for every queued series at once: one ask and one event per batch, not per series. */
  private void reserve() {
    reserving = queued;
    queued = new LinkedHashMap<>();
    int count = reserving.size();
    String name = Series.nameOf(reserving.keySet().iterator().next());
    ctx.askWithStatus(
        Integer.class,
        tenants.apply(tenant),
        timeout,
        r -> new TenantSeries.Reserve(name, count, r),
        (granted, e) -> new Reserved(granted == null ? 0 : granted, e == null ? null : e.getMessage() == null ? e.toString() : e.getMessage()));
  }

  private ReplyEffect<Event, State> onReserved(State state, Reserved r) {
    Map<String, List<ActorRef<StatusReply<Done>>>> batch = reserving;
    reserving = null;
    if (batch == null) return Effect().noReply();
    List<String> admitted = new ArrayList<>();
    List<List<ActorRef<StatusReply<Done>>>> admittedWaiters = new ArrayList<>();
    String refusal = r.error() != null ? r.error() : MetricCodes.CARDINALITY_EXCEEDED + ": the tenant already has as many series as allowed";
    for (Map.Entry<String, List<ActorRef<StatusReply<Done>>>> e : batch.entrySet()) {
      if (admitted.size() < r.granted()) {
        admitted.add(e.getKey());
        admittedWaiters.add(e.getValue());
      } else {
        e.getValue().forEach(w -> w.tell(StatusReply.error(refusal)));
      }
    }
    if (admitted.isEmpty()) {
      if (!queued.isEmpty()) reserve();
      return Effect().noReply();
    }
    return Effect()
        .persist(new SeriesAdmitted(admitted))
        .thenRun(s -> {
          admittedWaiters.forEach(ws -> ws.forEach(w -> w.tell(StatusReply.ack())));
          if (!queued.isEmpty() && reserving == null) reserve();
        })
        .thenNoReply();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onEvent(SeriesAdmitted.class, (s, e) -> s.plusAll(e.series())).build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1_000, 2);
  }
}
