package io.pulse.persistence;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the journal's Cassandra answers. It asks through the Cassandra plugin's own shared session, so a true
 * answer means the session the journal writes with is connected, not merely that some Cassandra is up.
 */
public final class JournalHealth {
  private static final Logger log = LoggerFactory.getLogger(JournalHealth.class);

  /** The plugin's configuration path; the session registry shares one session per path. */
  static final String PLUGIN_PATH = "pekko.persistence.cassandra";

  private JournalHealth() {}

  /** Completes with true if Cassandra answered within {@code timeout}; with false, never exceptionally, otherwise. */
  public static CompletionStage<Boolean> check(ActorSystem<?> system, Duration timeout) {
    try {
      return Continuations.onCompletingThread(
              CassandraSessionRegistry.get(system).sessionFor(PLUGIN_PATH).selectOne("SELECT release_version FROM system.local"))
          .thenApply(Optional::isPresent)
          .completeOnTimeout(false, timeout.toMillis(), TimeUnit.MILLISECONDS)
          .exceptionally(
              e -> {
                log.debug("Journal health check failed", e);
                return false;
              });
    } catch (RuntimeException e) {
      log.debug("Journal health check failed", e);
      return CompletableFuture.completedFuture(false);
    }
  }
}
