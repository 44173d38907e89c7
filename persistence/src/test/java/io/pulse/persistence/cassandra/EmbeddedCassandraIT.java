package io.pulse.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pulse.config.PulseSettings.EmbeddedSettings;
import io.pulse.persistence.testkit.CassandraExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(CassandraExtension.class)
class EmbeddedCassandraIT {
  private static final String HOST = "127.0.0.1";

  @TempDir Path temp;

  private static EmbeddedSettings settings(Path dataDir, int storagePort) {
    return new EmbeddedSettings(true, dataDir, storagePort, "", "512m", Duration.ofSeconds(60));
  }

  private static ServerSocket listen() throws IOException {
    return new ServerSocket(0, 50, InetAddress.getByName(HOST));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = listen()) {
      return socket.getLocalPort();
    }
  }

  @Test
  void reusesTheCassandraThatAlreadyListensWithoutOwningIt() throws IOException {
    Path untouched = temp.resolve("never-created");

    EmbeddedCassandra reused =
        EmbeddedCassandra.startOrReuse(settings(untouched, freePort()), HOST, CassandraExtension.port());
    reused.close();
    reused.close();

    assertThat(reused.owned()).isFalse();
    assertThat(reused.pid()).isEqualTo(-1);
    assertThat(reused.host()).isEqualTo(HOST);
    assertThat(reused.port()).isEqualTo(CassandraExtension.port());
    assertThat(untouched).doesNotExist();
    // closing a handle that does not own the node leaves the node running
    assertThat(Cql.releaseVersion(HOST, CassandraExtension.port(), Duration.ofSeconds(10))).hasValueSatisfying(
        version -> assertThat(version).startsWith("5.0."));
  }

  @Test
  void refusesANativePortHeldBySomethingThatIsNotCassandra() throws IOException {
    Path dataDir = temp.resolve("data");
    try (ServerSocket squatter = listen()) {
      int port = squatter.getLocalPort();

      assertThatThrownBy(() -> EmbeddedCassandra.startOrReuse(settings(dataDir, freePort()), HOST, port))
          .isInstanceOf(CassandraStartException.class)
          .hasMessageStartingWith("port " + port + " on " + HOST + " is in use by something that is not Cassandra")
          .hasMessageNotContaining("\n");
    }
    assertThat(dataDir).doesNotExist();
  }

  @Test
  void refusesADataDirectoryThatCannotBeCreated() throws IOException {
    Path regularFile = Files.writeString(temp.resolve("a-file"), "not a directory");
    Path dataDir = regularFile.resolve("cassandra");

    assertThatThrownBy(() -> EmbeddedCassandra.startOrReuse(settings(dataDir, freePort()), HOST, freePort()))
        .isInstanceOf(CassandraStartException.class)
        .hasMessageStartingWith("cannot create or write the Cassandra data directory " + dataDir)
        .hasMessageContaining("(" + regularFile + " is not a directory)")
        .hasMessageNotContaining("\n");
  }

  @Test
  void refusesAStoragePortThatIsTaken() throws IOException {
    try (ServerSocket storage = listen()) {
      int storagePort = storage.getLocalPort();

      assertThatThrownBy(
              () -> EmbeddedCassandra.startOrReuse(settings(temp.resolve("data"), storagePort), HOST, freePort()))
          .isInstanceOf(CassandraStartException.class)
          .hasMessageStartingWith("storage port " + storagePort + " on " + HOST + " is in use")
          .hasMessageContaining("pulse.cassandra.embedded.storage-port")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void refusesAnUnusableMaxHeapBeforeStartingAnything() throws IOException {
    EmbeddedSettings badHeap = new EmbeddedSettings(true, temp.resolve("data"), freePort(), "", "lots", Duration.ofSeconds(5));

    assertThatThrownBy(() -> EmbeddedCassandra.startOrReuse(badHeap, HOST, freePort()))
        .isInstanceOf(CassandraStartException.class)
        .hasMessage("invalid pulse.cassandra.embedded.max-heap 'lots': use a JVM size such as 512m or 1g");
  }
}
