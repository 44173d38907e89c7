package io.pulse.http;

import io.pulse.config.PulseConfig;
import io.pulse.persistence.cassandra.CassandraStartException;
import java.util.concurrent.TimeUnit;

/** Runs a Pulse node: {@code java -jar http/target/pulse-node.jar}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    PulseNode node;
    try {
      node = PulseNode.start(PulseConfig.load());
    } catch (CassandraStartException | IllegalStateException | com.typesafe.config.ConfigException e) {
      // Operators get one line that says what to fix, not a stack trace.
      System.err.println("pulse: " + e.getMessage());
      System.exit(1);
      return;
    }
    // Ctrl-C runs CoordinatedShutdown (leave cluster, close sockets, unbind); Cassandra stops after it.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
                  } catch (Exception ignored) {
                    // exiting anyway
                  }
                },
                "pulse-shutdown"));
    node.whenTerminated().toCompletableFuture().join();
    // However the system ended (Ctrl-C, downed by the cluster), Cassandra stops after it.
    node.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.exit(0);
  }
}
