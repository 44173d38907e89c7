package io.pulse.actors.metrics;

import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * One metric series (tenant, name, sorted labels), a sharded entity that holds the series' recent windows in memory
 * ({@link SeriesWindows}). Its durable state is its samples in Cassandra, not a journal: every sample goes to the raw
 * table through the node's {@link SampleBatcher} (the append is answered once that write is durable), and on start the
 * entity rebuilds its windows from the raw samples since the hour before the oldest sample it accepts ({@code
 * max-sample-age}), so every 1 min and 1 h window a new sample can land in is whole in memory. Journaling each sample
 * as an event as well would write it twice for nothing the table does not already give.
 *
 * <p>A series exists only once its {@link SeriesRegistry} admitted it (cardinality limits); the entity asks on its
 * first append. When a 1 min or 1 h window closes (its end plus the grace), the entity writes it whole to the
 * downsampled table; on passivation it writes every dirty window, open ones too (rewritten later if they change).
 *
 * <p>Entity id: {@code <tenant>|<canonical series text>} ({@link Labels#canonical}).
 */
public final class Series {
  private Series() {}

  public static final org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey<Command> ENTITY_TYPE_KEY =
      org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey.create(Command.class, "MetricSeries");

  /** {@code maxAgeMs}: the oldest sample accepted; recovery reloads that far back so every window it can change is whole. */
  public record Settings(Map<Resolution, Long> spans, long graceMs, long maxAgeMs, long maxFutureMs, Duration askTimeout) {}

  public sealed interface Command extends CborSerializable {}

  /** Adds samples; answered once they are durable, or with {@code cardinality_exceeded} for a series not admitted. */
  public record Append(List<Sample> samples, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** The windows of {@code resolution} starting in {@code [from, to)}, and from when memory holds them complete. */
  public record Read(Resolution resolution, long from, long to, ActorRef<StatusReply<Windows>> replyTo) implements Command {}

  public record Windows(List<Agg> windows, long memoryFrom) implements CborSerializable {}

  /** Sharding's stop message: write what is dirty, then stop. */
  public record Passivate() implements Command {}

  record Recovered(List<Sample> samples, String failure) implements Command {}

  record Admitted(String error) implements Command {}

  record Written(ActorRef<StatusReply<Done>> replyTo, String failure) implements Command {}

  record CloseTick() implements Command {}

  record RetryRecovery() implements Command {}

  public static String entityId(String tenant, String canonical) {
    return tenant + "|" + canonical;
  }

  public static String tenantOf(String entityId) {
    return entityId.substring(0, entityId.indexOf('|'));
  }

  /** The canonical series text of an entity id. */
  public static String seriesOf(String entityId) {
    return entityId.substring(entityId.indexOf('|') + 1);
  }

  public static String nameOf(String canonical) {
    int brace = canonical.indexOf('{');
    return brace < 0 ? canonical : canonical.substring(0, brace);
  }

  public static Behavior<Command> create(
      String entityId,
      Settings settings,
      SampleStore store,
      SampleBatcher batcher,
      Function<String, RecipientRef<SeriesRegistry.Command>> registries,
      LongSupplier clock) {
    return Behaviors.withStash(
        10_000,
        stash ->
            Behaviors.setup(
                ctx ->
                    Behaviors.withTimers(
                        timers -> new Series.Instance(entityId, settings, store, batcher, registries, clock, ctx, stash, timers).recovering())));
  }

  private static final class Instance {
    private final String id;
    private final Settings settings;
    private final SampleStore store;
    private final SampleBatcher batcher;
    private final Function<String, RecipientRef<SeriesRegistry.Command>> registries;
    private final LongSupplier clock;
    private final ActorContext<Command> ctx;
    private final StashBuffer<Command> stash;
    private final TimerScheduler<Command> timers;
    private final long loadedFrom;
    private SeriesWindows windows;
    private boolean admitted;
    private long refusedUntil = Long.MIN_VALUE;
    private String refusal;

    Instance(
        String id,
        Settings settings,
        SampleStore store,
        SampleBatcher batcher,
        Function<String, RecipientRef<SeriesRegistry.Command>> registries,
        LongSupplier clock,
        ActorContext<Command> ctx,
        StashBuffer<Command> stash,
        TimerScheduler<Command> timers) {
      this.id = id;
      this.settings = settings;
      this.store = store;
      this.batcher = batcher;
      this.registries = registries;
      this.clock = clock;
      this.ctx = ctx;
      this.stash = stash;
      this.timers = timers;
      this.loadedFrom = Resolution.H1.start(clock.getAsLong() - Math.max(settings.maxAgeMs(), settings.spans().get(Resolution.S10)));
    }

    private void load() {
      ctx.pipeToSelf(
          store.readRaw(id, loadedFrom, clock.getAsLong() + settings.maxFutureMs() + 1),
          (samples, e) -> new Recovered(samples, e == null ? null : String.valueOf(e.getMessage())));
    }

    Behavior<Command> recovering() {
      load();
      return Behaviors.receive(Command.class)
          .onMessage(Recovered.class, this::onRecovered)
          .onMessage(RetryRecovery.class, m -> {
            load();
            return Behaviors.same();
          })
          .onMessage(Passivate.class, m -> Behaviors.stopped())
          .onAnyMessage(m -> {
            stash.stash(m);
            return Behaviors.same();
          })
          .build();
    }

    private Behavior<Command> onRecovered(Recovered m) {
      if (m.failure() != null) {
        ctx.getLog().warn("Series {} could not read its samples ({}); retrying", id, m.failure());
        timers.startSingleTimer(new RetryRecovery(), Duration.ofSeconds(1));
        return Behaviors.same();
      }
      long now = clock.getAsLong();
      windows = new SeriesWindows(settings.spans(), loadedFrom);
      for (Sample s : m.samples()) windows.add(s.ts(), s.value(), now);
      scheduleClose(now);
      return stash.unstashAll(active());
    }

    Behavior<Command> active() {
      return Behaviors.receive(Command.class)
          .onMessage(Append.class, this::onAppend)
          .onMessage(Read.class, this::onRead)
          .onMessage(Written.class, m -> {
            m.replyTo().tell(m.failure() == null ? StatusReply.ack() : Rejection.reply(MetricCodes.UNAVAILABLE, "the samples could not be stored: " + m.failure()));
            return Behaviors.same();
          })
          .onMessage(CloseTick.class, m -> {
            closeWindows(false);
            return Behaviors.same();
          })
          .onMessage(Passivate.class, m -> {
            closeWindows(true);
            return Behaviors.stopped();
          })
          .onMessage(Admitted.class, m -> Behaviors.same())
          .build();
    }

    private Behavior<Command> onAppend(Append m) {
      long now = clock.getAsLong();
      if (!admitted) {
        if (now < refusedUntil) {
          m.replyTo().tell(Rejection.reply(MetricCodes.CARDINALITY_EXCEEDED, refusal));
          return Behaviors.same();
        }
        String series = seriesOf(id);
        String registry = tenantOf(id) + "|" + nameOf(series);
        ctx.askWithStatus(
            Done.class,
            registries.apply(registry),
            settings.askTimeout(),
            r -> new SeriesRegistry.Admit(series, r),
            (ok, e) -> new Admitted(e == null ? null : e.getMessage() == null ? e.toString() : e.getMessage()));
        stash.stash(m);
        return admitting();
      }
      windows.evict(now);
      List<SampleStore.RawRow> rows = new ArrayList<>(m.samples().size());
      for (Sample s : m.samples()) {
        windows.add(s.ts(), s.value(), now);
        rows.add(new SampleStore.RawRow(id, s.ts(), s.value()));
      }
      ctx.pipeToSelf(batcher.write(rows, List.of()), (d, e) -> new Written(m.replyTo(), e == null ? null : String.valueOf(e.getMessage())));
      if (!timers.isTimerActive("close")) scheduleClose(now);
      return Behaviors.same();
    }

    private Behavior<Command> admitting() {
      return Behaviors.receive(Command.class)
          .onMessage(Admitted.class, m -> {
            if (m.error() == null) {
              admitted = true;
              return stash.unstashAll(active());
            }
            Rejection r = Rejection.of(new RuntimeException(m.error()));
            boolean limit = MetricCodes.CARDINALITY_EXCEEDED.equals(r.code());
            // a refusal by the limit holds for a while, so a flood of writes to a refused series asks no one
            if (limit) {
              refusedUntil = clock.getAsLong() + 5_000;
              refusal = r.message();
            }
            String code = limit ? MetricCodes.CARDINALITY_EXCEEDED : MetricCodes.UNAVAILABLE;
            String message = limit ? r.message() : "the series registry did not answer: " + m.error();
            // the appends waiting for this answer are refused alike; later ones ask again
            Behavior<Command> next = active();
            stash.unstashAll(
                Behaviors.receive(Command.class)
                    .onMessage(Append.class, a -> {
                      a.replyTo().tell(Rejection.reply(code, message));
                      return Behaviors.same();
                    })
                    .onAnyMessage(other -> {
                      ctx.getSelf().tell(other);
                      return Behaviors.same();
                    })
                    .build());
            return next;
          })
          .onMessage(Passivate.class, m -> {
            closeWindows(true);
            return Behaviors.stopped();
          })
          .onAnyMessage(m -> {
            stash.stash(m);
            return Behaviors.same();
          })
          .build();
    }

    private Behavior<Command> onRead(Read m) {
      long now = clock.getAsLong();
      m.replyTo().tell(StatusReply.success(new Windows(windows.read(m.resolution(), m.from(), m.to()), windows.memoryFrom(m.resolution(), now))));
      return Behaviors.same();
    }

    private void closeWindows(boolean all) {
      long now = clock.getAsLong();
      windows.evict(now);
      List<SampleStore.RollupRow> rows = new ArrayList<>();
      for (Resolution r : List.of(Resolution.M1, Resolution.H1)) {
        for (Agg a : windows.takeDirty(r, now, settings.graceMs(), all)) rows.add(new SampleStore.RollupRow(id, r, a));
      }
      if (!rows.isEmpty()) {
        batcher.write(List.of(), rows).whenComplete((d, e) -> {
          if (e != null) ctx.getSystem().log().warn("Series {} could not write {} downsampled windows: {}", id, rows.size(), e.getMessage());
        });
      }
      if (!all) scheduleClose(now);
    }

    private void scheduleClose(long now) {
      long next = Long.MAX_VALUE;
      for (Resolution r : List.of(Resolution.M1, Resolution.H1)) {
        long at = windows.nextClose(r, settings.graceMs());
        if (at >= 0) next = Math.min(next, at);
      }
      if (next == Long.MAX_VALUE) return;
      timers.startSingleTimer("close", new CloseTick(), Duration.ofMillis(Math.max(0, next - now)));
    }
  }
}
