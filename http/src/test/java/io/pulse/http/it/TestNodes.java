package io.pulse.http.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.config.PulseConfig;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** Starts real Pulse nodes against the test JVM's one real Cassandra. */
public final class TestNodes {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SECRET_DIR;

  static {
    try {
      // under the module's build directory, so a test run leaves nothing behind outside it
      Path target = Files.createDirectories(Path.of("target"));
      SECRET_DIR = Files.createTempDirectory(target, "pulse-it");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private TestNodes() {}

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A node on free ports with {@code extra} HOCON on top (e.g. a short presence TTL). */
  public static PulseNode start(String extra) {
    return PulseNode.start(PulseConfig.load(overrides(freePort(), extra)));
  }

  public static String overrides(int remotePort, String extra) {
    return CassandraExtension.configOverrides()
        + "\npulse.http.port = 0"
        + "\npekko.remote.artery.canonical.port = " + remotePort
        + "\npulse.auth.dev-tokens.secret-file = \"" + SECRET_DIR.resolve("dev-secret") + "\""
        + "\npekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"
        + "\n" + extra + "\n";
  }

  /** Waits until {@code condition} holds, checking every 50 ms; fails after {@code timeout}. */
  public static void awaitCondition(java.util.function.BooleanSupplier condition, java.time.Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
  }

  /** A client of {@code user} on the node at {@code port}, past its welcome frame. */
  public static WsClient connect(int port, String user) {
    return connect(port, user, new String[0]);
  }

  /** As {@link #connect(int, String)}, with a token granting {@code roles} (e.g. "driver"). */
  public static WsClient connect(int port, String user, String... roles) {
    WsClient ws = WsClient.connect(port, devToken(port, user, roles));
    com.fasterxml.jackson.databind.JsonNode welcome = ws.next();
    if (!"welcome".equals(welcome.path("type").asText()) || !user.equals(welcome.path("userId").asText())) {
      throw new AssertionError("expected the welcome of " + user + ", got " + welcome);
    }
    return ws;
  }

  /** Members of {@code node}'s cluster that are Up, as it sees them. */
  public static long upMembers(PulseNode node) {
    return java.util.stream.StreamSupport.stream(
            org.apache.pekko.cluster.typed.Cluster.get(node.system()).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == org.apache.pekko.cluster.MemberStatus.up())
        .count();
  }

  public static String devToken(int port, String userId, String... roles) {
    String granted = roles.length == 0 ? "" : ",\"roles\":[\"" + String.join("\",\"", roles) + "\"]";
    HttpResponse<String> r = post(port, "/api/dev/tokens", "{\"userId\":\"" + userId + "\"" + granted + "}");
    if (r.statusCode() != 200) throw new AssertionError("dev token: " + r.statusCode() + " " + r.body());
    try {
      return JSON.readTree(r.body()).get("token").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static HttpResponse<String> get(int port, String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build());
  }

  /** A GET with {@code Authorization: Bearer <token>}. */
  public static HttpResponse<String> get(int port, String path, String token) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + token).GET().build());
  }

  public static HttpResponse<String> post(int port, String path, String json) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** A user id no other test uses: the journal is shared by every class in this JVM. */
  public static String uniqueUser(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
