package io.pulse.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Short-lived driver sessions for the launcher and the schema tool. They are configured from the driver's own
 * defaults only, never from application.conf, so the node's {@code datastax-java-driver} block (contact points,
 * local datacenter) cannot point them somewhere else.
 */
public final class Cql {
  private Cql() {}

  /**
   * A session to exactly {@code host:port}. With a null {@code datacenter} the local datacenter is inferred from
   * the contact point, which is right for a single node whose datacenter name is not known in advance.
   */
  public static CqlSession open(String host, int port, String datacenter, Duration connectTimeout, Duration requestTimeout) {
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(TypedDriverOption.SESSION_NAME, "pulse-admin");
    options.put(TypedDriverOption.CONTACT_POINTS, List.of(host + ":" + port));
    if (datacenter == null) {
      options.put(TypedDriverOption.LOAD_BALANCING_POLICY_CLASS, "DcInferringLoadBalancingPolicy");
    } else {
      options.put(TypedDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, datacenter);
    }
    options.put(TypedDriverOption.CONNECTION_CONNECT_TIMEOUT, connectTimeout);
    options.put(TypedDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, connectTimeout);
    options.put(TypedDriverOption.CONTROL_CONNECTION_TIMEOUT, connectTimeout);
    options.put(TypedDriverOption.REQUEST_TIMEOUT, requestTimeout);
    options.put(TypedDriverOption.RECONNECT_ON_INIT, false);
    options.put(TypedDriverOption.CONNECTION_POOL_LOCAL_SIZE, 1);
    options.put(TypedDriverOption.NETTY_IO_SIZE, 1);
    // Nothing here reads schema or token metadata; skipping them makes connect and DDL faster.
    options.put(TypedDriverOption.METADATA_SCHEMA_ENABLED, false);
    options.put(TypedDriverOption.METADATA_TOKEN_MAP_ENABLED, false);
    // The default 2 s quiet period would make every close() take 2 s.
    options.put(TypedDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0);
    options.put(TypedDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0);
    return CqlSession.builder().withConfigLoader(DriverConfigLoader.fromMap(options)).build();
  }

  /** The server's release version if {@code host:port} answers CQL within {@code timeout}, else empty. */
  static Optional<String> releaseVersion(String host, int port, Duration timeout) {
    try (CqlSession session = open(host, port, null, timeout, timeout)) {
      Row row = session.execute(SimpleStatement.newInstance("SELECT release_version FROM system.local")).one();
      return Optional.ofNullable(row).map(r -> r.getString("release_version"));
    } catch (RuntimeException notCassandra) {
      return Optional.empty();
    }
  }
}
