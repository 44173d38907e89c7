package io.pulse.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import scala.concurrent.Promise;
import scala.jdk.javaapi.FutureConverters;

/** A reply's continuation runs on the thread that completes the reply, not on a thread of its own. */
class ContinuationsTest {

  /** Completes {@code promise} from a thread of its own and returns that thread once it has. */
  private static Thread completeFromAnotherThread(Runnable complete) throws InterruptedException {
    Thread completer = new Thread(complete, "completer");
    completer.start();
    completer.join(TimeUnit.SECONDS.toMillis(10));
    return completer;
  }

  @Test
  void dependentsOfAScalaBackedReplyRunOnTheCompletingThread() throws Exception {
    // what Pekko's Java ask hands back: a CompletableFuture over a Scala future
    Promise<String> reply = Promise.apply();
    CompletableFuture<String> javaReply = FutureConverters.asJava(reply.future()).toCompletableFuture();

    CompletableFuture<Thread> ranOn = Continuations.onCompletingThread(javaReply).thenApply(v -> Thread.currentThread());
    Thread completer = completeFromAnotherThread(() -> reply.success("ack"));

    assertThat(ranOn.get(10, TimeUnit.SECONDS)).isSameAs(completer);
  }

  @Test
  void withoutItTheSameDependentRunsElsewhere() throws Exception {
    // the reason for the helper: a Scala-backed future runs even thenApply asynchronously
    Promise<String> reply = Promise.apply();
    CompletableFuture<String> javaReply = FutureConverters.asJava(reply.future()).toCompletableFuture();

    CompletableFuture<Thread> ranOn = javaReply.thenApply(v -> Thread.currentThread());
    Thread completer = completeFromAnotherThread(() -> reply.success("ack"));

    assertThat(ranOn.get(10, TimeUnit.SECONDS)).isNotSameAs(completer);
  }

  @Test
  void aFailureIsPassedOnAsItIs() {
    IllegalStateException rejected = new IllegalStateException("rejected");
    CompletableFuture<String> out = Continuations.onCompletingThread(CompletableFuture.failedFuture(rejected));

    assertThatThrownBy(out::join).isInstanceOf(CompletionException.class).hasCause(rejected);
  }
}
