package io.pulse.persistence.testkit;

import io.pulse.config.PulseConfig;
import io.pulse.config.PulseSettings;
import io.pulse.config.PulseSettings.EmbeddedSettings;
import com.datastax.oss.driver.api.core.CqlSession;
import io.pulse.persistence.cassandra.Cql;
import io.pulse.persistence.cassandra.EmbeddedCassandra;
import io.pulse.persistence.cassandra.SchemaApplier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real Cassandra per test JVM, with Pulse's schema applied to keyspace {@value #KEYSPACE}.
 *
 * <p>The first test class annotated with {@code @ExtendWith(CassandraExtension.class)} starts an embedded node on
 * free ports with a temporary data directory; later classes reuse it. It lives in JUnit's root store, which
 * closes it (and deletes the data) at the end of the run. Tests never share its keyspace destructively: use
 * unique persistence ids.
 *
 * <p>The accessors work from {@code @BeforeAll} on (extensions run before it), not in field initialisers of a
 * {@code PER_CLASS} test, which JUnit creates before the extension runs:
 *
 * <pre>
 *   testKit = ActorTestKit.create(PulseConfig.load(CassandraExtension.configOverrides()));
 * </pre>
 */
public final class CassandraExtension implements BeforeAllCallback {
  public static final String HOST = "127.0.0.1";
  public static final String KEYSPACE = "pulse";
  /** SimpleSnitch's datacenter. */
  public static final String DATACENTER = "datacenter1";

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CassandraExtension.class);
  private static volatile Node node;

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Node.class, key -> Node.start(), Node.class);
  }

  public static String host() {
    return running().cassandra().host();
  }

  public static int port() {
    return running().cassandra().port();
  }

  /** A plain driver session to the shared node, for tests that read or write tables directly. */
  public static CqlSession openSession() {
    return Cql.open(host(), port(), DATACENTER, Duration.ofSeconds(10), Duration.ofSeconds(10));
  }

  /**
   * HOCON that points a node at this Cassandra, for {@code PulseConfig.load(overrides)}: the node neither starts
   * its own Cassandra nor applies the schema.
   */
  public static String configOverrides() {
    return io.pulse.config.PulseConfig.externalCassandra(host(), port(), KEYSPACE);
  }

  private static Node running() {
    Node current = node;
    if (current == null) {
      throw new IllegalStateException(
          "no test Cassandra yet: annotate the test class with @ExtendWith(CassandraExtension.class) and use it from @BeforeAll on");
    }
    return current;
  }

  /** The root store closes AutoCloseable values when the whole run ends. */
  private record Node(EmbeddedCassandra cassandra, Path dataDir) implements AutoCloseable {
    static Node start() {
      Path dataDir;
      int nativePort;
      int storagePort;
      try {
        dataDir = Files.createTempDirectory("pulse-test-cassandra-");
        try (ServerSocket a = freeSocket(); ServerSocket b = freeSocket()) {
          nativePort = a.getLocalPort();
          storagePort = b.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      // java-home and max-heap from the configuration, so PULSE_CASSANDRA_JAVA_HOME works for tests too
      EmbeddedSettings configured = PulseSettings.from(PulseConfig.load("")).cassandra().embedded();
      EmbeddedSettings settings =
          new EmbeddedSettings(
              true, dataDir, storagePort, configured.javaHome(), configured.maxHeap(), configured.startupTimeout());
      EmbeddedCassandra cassandra = EmbeddedCassandra.startOrReuse(settings, HOST, nativePort);
      try {
        SchemaApplier.apply(HOST, nativePort, DATACENTER, KEYSPACE);
      } catch (RuntimeException e) {
        cassandra.close();
        throw e;
      }
      Node started = new Node(cassandra, dataDir);
      node = started;
      return started;
    }

    @Override
    public void close() throws IOException {
      node = null;
      cassandra.close();
      try (Stream<Path> paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }

    private static ServerSocket freeSocket() throws IOException {
      return new ServerSocket(0, 1, InetAddress.getByName(HOST));
    }
  }
}
