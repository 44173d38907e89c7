package io.pulse.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaToolTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return SchemaTool.run(
        List.of(args),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printWritesTheSchemaForTheKeyspace() {
    assertThat(run("print", "orders")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(SchemaApplier.render("orders"));
  }

  @Test
  void printDefaultsToThePulseKeyspace() {
    assertThat(run("print")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("CREATE TABLE IF NOT EXISTS pulse.messages");
  }

  @Test
  void usageErrorsExitWithTwoAndOneErrorLine() {
    assertThat(run()).isEqualTo(2);
    assertThat(run("drop")).isEqualTo(2);
    assertThat(run("print", "Bad-Name")).isEqualTo(2);
    assertThat(run("apply", "--host", "127.0.0.1", "--port", "9042", "--datacenter", "dc1")).isEqualTo(2);
    assertThat(run("apply", "--host", "h", "--port", "nine", "--datacenter", "dc1", "--keyspace", "k")).isEqualTo(2);

    assertThat(err().lines().filter(line -> line.startsWith("error: ")).toList())
        .containsExactly(
            "error: missing command",
            "error: unknown command 'drop'",
            "error: invalid keyspace name 'Bad-Name': use at most 48 of a-z, 0-9 and _, not starting with a digit",
            "error: missing --keyspace",
            "error: --port must be a number from 1 to 65535, not 'nine'");
    assertThat(out.size()).isZero();
  }

  @Test
  void applyToAnUnreachableCassandraFailsWithOneLineAndExitOne() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    int code =
        run("apply", "--host", "127.0.0.1", "--port", "" + closedPort, "--datacenter", "dc1", "--keyspace", "pulse");

    assertThat(code).isEqualTo(1);
    assertThat(err().lines().toList())
        .singleElement()
        .asString()
        .startsWith("error: cannot apply the Pulse schema to keyspace pulse at 127.0.0.1:" + closedPort);
  }
}
