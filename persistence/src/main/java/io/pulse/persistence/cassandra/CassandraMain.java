package io.pulse.persistence.cassandra;

import io.pulse.config.PulseConfig;
import io.pulse.config.PulseSettings;

/**
 * The embedded Cassandra as a process of its own, for a local cluster whose every node may be
 * restarted: a node stops only a Cassandra it started, so one that merely reuses this one can come and
 * go. Applies the schema like a dev node, then runs until SIGTERM, which stops Cassandra (drain, flush).
 *
 * <pre>java -cp pulse-node.jar io.pulse.persistence.cassandra.CassandraMain</pre>
 */
public final class CassandraMain {
  private CassandraMain() {}

  public static void main(String[] args) throws Exception {
    PulseSettings.CassandraSettings cs = PulseSettings.from(PulseConfig.load()).cassandra();
    EmbeddedCassandra cassandra;
    try {
      cassandra = EmbeddedCassandra.startOrReuse(cs.embedded(), cs.host(), cs.port());
    } catch (CassandraStartException e) {
      System.err.println("pulse: " + e.getMessage());
      System.exit(1);
      return;
    }
    if (!cassandra.owned()) {
      System.err.println("pulse: a Cassandra already answers on " + cs.host() + ":" + cs.port() + "; not starting another");
      System.exit(1);
    }
    SchemaApplier.apply(cs.host(), cs.port(), cs.datacenter(), cs.keyspace());
    System.out.println("cassandra ready on " + cs.host() + ":" + cs.port() + " (pid " + cassandra.pid() + ")");
    // the launcher's own shutdown hook stops the forked node on SIGTERM
    Thread.currentThread().join();
  }
}
