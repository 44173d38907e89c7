package io.pulse.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulse's CQL schema ({@code pulse/schema.cql}): rendered for a keyspace, and applied statement by statement.
 * Every statement is {@code CREATE ... IF NOT EXISTS}, so applying it again is harmless.
 */
public final class SchemaApplier {
  private static final Logger log = LoggerFactory.getLogger(SchemaApplier.class);

  static final String RESOURCE = "pulse/schema.cql";
  private static final String PLACEHOLDER = "${keyspace}";
  /** Unquoted CQL identifiers are case-insensitive; insisting on lower case keeps the name unambiguous. */
  private static final Pattern KEYSPACE = Pattern.compile("[a-z_][a-z0-9_]*");
  /** Cassandra's limit for keyspace names. */
  private static final int MAX_KEYSPACE_LENGTH = 48;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Table creation waits for schema agreement and can take seconds on a busy node. */
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

  private SchemaApplier() {}

  /** The schema's CQL text, comments included, with {@code keyspace} filled in. */
  public static String render(String keyspace) {
    return template().replace(PLACEHOLDER, validKeyspace(keyspace));
  }

  /** The schema's statements in order, without comments or terminating semicolons. */
  public static List<String> statements(String keyspace) {
    String withoutComments =
        render(keyspace).lines().filter(line -> !line.strip().startsWith("--")).reduce("", (a, b) -> a + b + "\n");
    // No statement in the schema contains a ';' inside a literal, so splitting on it is exact.
    return Arrays.stream(withoutComments.split(";")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /**
   * Connects to {@code host:port} (local datacenter {@code datacenter}) and executes every statement.
   *
   * @throws IllegalStateException with a one-line message if Cassandra cannot be reached or rejects a statement
   */
  public static void apply(String host, int port, String datacenter, String keyspace) {
    List<String> statements = statements(keyspace);
    long start = System.nanoTime();
    try (CqlSession session = Cql.open(host, port, datacenter, CONNECT_TIMEOUT, DDL_TIMEOUT)) {
      for (String statement : statements) {
        session.execute(SimpleStatement.newInstance(statement));
      }
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          CassandraStartException.oneLine(
              "cannot apply the Pulse schema to keyspace %s at %s:%d (datacenter %s): %s"
                  .formatted(keyspace, host, port, datacenter, e.getMessage())),
          e);
    }
    log.info(
        "Applied the Pulse schema ({} statements) to keyspace {} at {}:{} in {} ms",
        statements.size(),
        keyspace,
        host,
        port,
        Duration.ofNanos(System.nanoTime() - start).toMillis());
  }

  static String validKeyspace(String keyspace) {
    if (keyspace == null || !KEYSPACE.matcher(keyspace).matches() || keyspace.length() > MAX_KEYSPACE_LENGTH) {
      throw new IllegalArgumentException(
          "invalid keyspace name '%s': use at most %d of a-z, 0-9 and _, not starting with a digit"
              .formatted(keyspace, MAX_KEYSPACE_LENGTH));
    }
    return keyspace;
  }

  private static String template() {
    try (InputStream in = SchemaApplier.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the schema resource " + RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
