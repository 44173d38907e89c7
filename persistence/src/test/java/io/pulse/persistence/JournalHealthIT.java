package io.pulse.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.config.PulseConfig;
import io.pulse.persistence.testkit.CassandraExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(CassandraExtension.class)
class JournalHealthIT {
  private static final String LOCAL = "\npekko.actor.provider = local\n";
  /** Without a journal started with the system, the health check is the first to use the plugin's session. */
  private static final String NO_EAGER_JOURNAL =
      "\npekko.persistence.journal.auto-start-journals = []\npekko.persistence.snapshot-store.auto-start-snapshot-stores = []\n";

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  private record Outcome(boolean healthy, Duration took) {}

  private static Outcome check(String overrides, Duration timeout) throws Exception {
    ActorTestKit testKit = ActorTestKit.create("JournalHealthIT", PulseConfig.load(overrides + LOCAL));
    try {
      long start = System.nanoTime();
      CompletableFuture<Boolean> result = JournalHealth.check(testKit.system(), timeout).toCompletableFuture();
      boolean healthy = result.get(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      assertThat(result).isCompletedWithValue(healthy); // never exceptionally
      return new Outcome(healthy, Duration.ofNanos(System.nanoTime() - start));
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void trueWhenThePluginsSessionReachesCassandra() throws Exception {
    assertThat(check(CassandraExtension.configOverrides(), Duration.ofSeconds(15)).healthy()).isTrue();
  }

  @Test
  void falseWhenCassandraDoesNotAnswerWithinTheTimeout() throws Exception {
    // accepts connections but never answers: only the health check's own timeout can end the check
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Outcome outcome =
          check(
              "pulse.cassandra.port = "
                  + silent.getLocalPort()
                  + "\ndatastax-java-driver.advanced.reconnect-on-init = false"
                  + "\ndatastax-java-driver.advanced.connection.init-query-timeout = 60s"
                  + NO_EAGER_JOURNAL,
              Duration.ofMillis(500));

      assertThat(outcome.healthy()).isFalse();
      assertThat(outcome.took()).isLessThan(Duration.ofSeconds(5));
    } // closing the socket fails the driver's pending connection, so no session outlives the test
  }

  @Test
  void falseWhenTheSessionFails() throws Exception {
    Outcome outcome =
        check(
            "pulse.cassandra.port = "
                + closedPort()
                + "\ndatastax-java-driver.advanced.reconnect-on-init = false"
                + NO_EAGER_JOURNAL,
            Duration.ofSeconds(30));

    assertThat(outcome.healthy()).isFalse();
    // well before the timeout: the failure itself, not the timeout, answered
    assertThat(outcome.took()).isLessThan(Duration.ofSeconds(15));
  }
}
