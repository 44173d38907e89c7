package io.pulse.actors.metrics;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * Group commit for every series of a node: each series hands its rows here and gets a future; while {@code
 * parallelism} writes are in flight, rows wait and then go out together (up to {@code maxRows} per write), so
 * Cassandra sees a few large grouped writes per second however many series write. A failed write fails the futures
 * of the rows it carried (their series answer the client, which may send them again).
 */
public final class SampleBatcher {
  private record Pending(List<SampleStore.RawRow> raw, List<SampleStore.RollupRow> rollups, CompletableFuture<Done> done) {}

  private final SampleStore store;
  private final int maxRows;
  private final int parallelism;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  public SampleBatcher(SampleStore store, int maxRows, int parallelism) {
    this.store = store;
    this.maxRows = maxRows;
    this.parallelism = parallelism;
  }

  public CompletionStage<Done> write(List<SampleStore.RawRow> raw, List<SampleStore.RollupRow> rollups) {
    Pending p = new Pending(raw, rollups, new CompletableFuture<>());
    synchronized (this) {
      queue.add(p);
    }
    drain();
    return p.done();
  }

  private void drain() {
    while (true) {
      List<Pending> batch = new ArrayList<>();
      synchronized (this) {
        if (inFlight >= parallelism || queue.isEmpty()) return;
        int rows = 0;
        while (!queue.isEmpty() && (batch.isEmpty() || rows + size(queue.peek()) <= maxRows)) {
          Pending p = queue.poll();
          rows += size(p);
          batch.add(p);
        }
        inFlight++;
      }
      List<SampleStore.RawRow> raw = new ArrayList<>();
      List<SampleStore.RollupRow> rollups = new ArrayList<>();
      for (Pending p : batch) {
        raw.addAll(p.raw());
        rollups.addAll(p.rollups());
      }
      CompletionStage<Done> written;
      try {
        written = store.write(raw, rollups);
      } catch (RuntimeException e) {
        written = CompletableFuture.failedFuture(e);
      }
      written.whenComplete((d, e) -> {
        synchronized (this) {
          inFlight--;
        }
        for (Pending p : batch) {
          if (e != null) p.done().completeExceptionally(e);
          else p.done().complete(Done.getInstance());
        }
        drain();
      });
    }
  }

  private static int size(Pending p) {
    return p.raw().size() + p.rollups().size();
  }
}
