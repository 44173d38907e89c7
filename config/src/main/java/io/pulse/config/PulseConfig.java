package io.pulse.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** Loads the node's configuration: the selected profile, with optional overrides on top. */
public final class PulseConfig {
  private PulseConfig() {}

  /** The configuration a node runs with: {@code -Dconfig.resource} selects a profile, default application.conf. */
  public static Config load() {
    return ConfigFactory.load();
  }

  /**
   * The default profile with {@code overrides} (HOCON) applied before substitutions are resolved, so
   * that an override of e.g. {@code pulse.cassandra.port} also reaches the driver's contact points.
   */
  public static Config load(String overrides) {
    return load("application", overrides);
  }

  /** A named profile resource (without ".conf") with overrides applied before resolution. */
  public static Config load(String profileResource, String overrides) {
    ConfigFactory.invalidateCaches();
    Config unresolved =
        ConfigFactory.parseString(overrides)
            .withFallback(ConfigFactory.parseResourcesAnySyntax(profileResource));
    return ConfigFactory.load(unresolved);
  }

  /**
   * HOCON overrides that point a node at a Cassandra already running at {@code host:port} (tests,
   * benchmarks): the node neither starts its own nor applies the schema.
   */
  public static String externalCassandra(String host, int port, String keyspace) {
    return """
        pulse.cassandra.host = "%s"
        pulse.cassandra.port = %d
        pulse.cassandra.keyspace = "%s"
        pulse.cassandra.embedded.enabled = false
        pulse.cassandra.apply-schema = false
        """
        .formatted(host, port, keyspace);
  }
}
