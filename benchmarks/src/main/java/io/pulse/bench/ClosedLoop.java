package io.pulse.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load: a fixed number of workers, each starting one operation, waiting for it to complete,
 * recording its latency and starting the next. So the number of operations in flight is exactly the number of
 * workers, and throughput is what the system under test sustains at that concurrency.
 *
 * <p>A run has a warm-up, whose results are discarded, and a measured window of fixed length; then the workers stop
 * starting operations and the run waits for those in flight to finish (they are not counted).
 */
final class ClosedLoop {
  /** Starts operation number {@code n} of {@code worker}; a failed stage counts as an error. */
  interface Operation {
    CompletionStage<?> start(int worker, long n);
  }

  /** What the measured window saw: latencies of successful operations in microseconds. */
  record Measurement(Histogram latencyMicros, double seconds, long errors, String firstError, long stuck) {
    long completed() {
      return latencyMicros.getTotalCount();
    }

    double perSecond() {
      return seconds <= 0 ? 0 : completed() / seconds;
    }

    double percentileMillis(double percentile) {
      return completed() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  private static final Duration BACKOFF_AFTER_ERROR = Duration.ofMillis(10);

  private final int workers;
  private final Operation operation;
  private final Executor continuation;
  private final Recorder recorder = new Recorder(3);
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean measuring = new AtomicBoolean(false);
  private final LongAdder errors = new LongAdder();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private final CountDownLatch stopped;

  /**
   * @param continuation where a worker continues after its operation completes (records, starts the next one);
   *     null to continue on the thread that completed it
   */
  private ClosedLoop(int workers, Operation operation, Executor continuation) {
    this.workers = workers;
    this.operation = operation;
    this.continuation = continuation;
    this.stopped = new CountDownLatch(workers);
  }

  static Measurement run(
      int workers, Operation operation, Executor continuation, Duration warmup, Duration duration, Duration drainTimeout)
      throws InterruptedException {
    return new ClosedLoop(workers, operation, continuation).run(warmup, duration, drainTimeout);
  }

  private Measurement run(Duration warmup, Duration duration, Duration drainTimeout) throws InterruptedException {
    for (int w = 0; w < workers; w++) {
      new Worker(w).next();
    }
    Thread.sleep(warmup.toMillis());
    recorder.getIntervalHistogram(); // discards the warm-up
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep(duration.toMillis());
    Histogram measured = recorder.getIntervalHistogram();
    long end = System.nanoTime();
    measuring.set(false);
    running.set(false);
    boolean drained = stopped.await(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
    return new Measurement(
        measured, (end - start) / 1e9, errors.sum(), firstError.get(), drained ? 0 : stopped.getCount());
  }

  private final class Worker {
    private final int id;
    private long n;

    Worker(int id) {
      this.id = id;
    }

    void next() {
      if (!running.get()) {
        stopped.countDown();
        return;
      }
      long started = System.nanoTime();
      CompletionStage<?> stage;
      try {
        stage = operation.start(id, n++);
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      BiConsumer<Object, Throwable> done =
          (result, failure) -> {
            long micros = Math.max(1, (System.nanoTime() - started) / 1_000);
            if (failure == null) {
              recorder.recordValue(micros);
              next();
            } else {
              if (measuring.get()) {
                errors.increment();
                firstError.compareAndSet(null, describe(failure));
              }
              // do not spin on an operation that fails at once
              CompletableFuture.delayedExecutor(BACKOFF_AFTER_ERROR.toMillis(), TimeUnit.MILLISECONDS).execute(this::next);
            }
          };
      if (continuation == null) {
        stage.whenComplete(done);
      } else {
        stage.whenCompleteAsync(done, continuation);
      }
    }
  }

  static String describe(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? "" : ": " + t.getMessage();
    String text = t.getClass().getSimpleName() + message;
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
