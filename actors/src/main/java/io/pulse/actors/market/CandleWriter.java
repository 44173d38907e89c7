package io.pulse.actors.market;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Writes an instrument's candles to the {@link CandleStore} in batches, a child of the {@link Instrument}: it keeps the
 * newest version of each candle that changed since the last write and writes them all every {@code interval}, one
 * write at a time, so a hot instrument costs a few writes per second however fast it trades and an older version of
 * a candle never overwrites a newer one. A failed write is retried with the next batch (the candles stay dirty).
 */
public final class CandleWriter {
  private CandleWriter() {}

  public sealed interface Command {}

  /** Candles as they are now (each whole): written with the next batch. */
  public record Changed(List<Candle> candles) implements Command {}

  private record Tick() implements Command {}

  private record Written(List<Candle> candles, Throwable failure) implements Command {}

  private record CandleKey(String interval, long start) {}

  public static Behavior<Command> create(CandleStore store, Duration interval) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(new Tick(), interval);
                  Map<CandleKey, Candle> dirty = new LinkedHashMap<>();
                  boolean[] writing = {false};
                  return Behaviors.receive(Command.class)
                      .onMessage(Changed.class, m -> {
                        for (Candle c : m.candles()) dirty.put(new CandleKey(c.interval(), c.start()), c);
                        return Behaviors.same();
                      })
                      .onMessage(Tick.class, m -> {
                        if (writing[0] || dirty.isEmpty()) return Behaviors.same();
                        List<Candle> batch = List.copyOf(dirty.values());
                        dirty.clear();
                        writing[0] = true;
                        ctx.pipeToSelf(store.write(batch), (Done d, Throwable e) -> new Written(batch, e));
                        return Behaviors.same();
                      })
                      .onMessage(Written.class, m -> {
                        writing[0] = false;
                        if (m.failure() != null) {
                          ctx.getLog().warn("Writing {} candles failed; retrying with the next batch", m.candles().size(), m.failure());
                          // newer versions that came meanwhile win
                          for (Candle c : m.candles()) dirty.putIfAbsent(new CandleKey(c.interval(), c.start()), c);
                        }
                        return Behaviors.same();
                      })
                      .build();
                }));
  }
}
