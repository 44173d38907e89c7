package io.pulse.persistence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Where the continuation of a reply runs. Pekko's Java API hands back Scala-backed futures whose
 * {@code thenApply}, {@code whenComplete} and friends always run asynchronously on the JDK's default
 * executor, and on a machine with two cores that executor is a new thread per callback (the common
 * pool has one thread, so {@code CompletableFuture} falls back to thread-per-task). Measured on a chat
 * node at ~2,100 messages/s: a fifth of its CPU went to creating and tearing down those threads. The
 * continuations here are short (render a reply, hand it to a socket's operator), so they run on the
 * thread that completes the reply instead.
 */
public final class Continuations {
  private static final Executor COMPLETING_THREAD = Runnable::run;

  private Continuations() {}

  /** {@code stage}'s outcome as a plain future whose dependents run on the thread that completes it. */
  public static <T> CompletableFuture<T> onCompletingThread(CompletionStage<T> stage) {
    CompletableFuture<T> out = new CompletableFuture<>();
    stage.whenCompleteAsync(
        (value, failure) -> {
          if (failure == null) out.complete(value);
          else out.completeExceptionally(failure);
        },
        COMPLETING_THREAD);
    return out;
  }
}
