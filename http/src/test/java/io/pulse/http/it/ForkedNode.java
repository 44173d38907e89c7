package io.pulse.http.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Pulse node in a JVM of its own, started from the node's runnable jar against the test JVM's
 * Cassandra: for faults that a node in the test's own JVM cannot suffer, such as {@code kill -9}.
 * Its log goes to a file under {@code target/}.
 */
final class ForkedNode implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final int httpPort;
  final int remotePort;
  final Path log;
  private final Process process;

  private ForkedNode(int httpPort, int remotePort, Path log, Process process) {
    this.httpPort = httpPort;
    this.remotePort = remotePort;
    this.log = log;
    this.process = process;
  }

  /** Starts a node on its own ports with {@code extra} HOCON on top, and waits until it is ready. */
  static ForkedNode start(int remotePort, String extra, Duration timeout) {
    return start(remotePort, extra, timeout, false);
  }

  /** As above; {@code withTestClasses} puts this module's test classes on the node's classpath (test plug-ins, e.g. a query engine). */
  static ForkedNode start(int remotePort, String extra, Duration timeout, boolean withTestClasses) {
    int httpPort = TestNodes.freePort();
    try {
      Path dir = Files.createDirectories(Path.of("target", "forked-nodes"));
      Path conf = dir.resolve("node-" + remotePort + ".conf");
      Files.writeString(
          conf,
          "include classpath(\"application\")\n"
              + TestNodes.overrides(remotePort, extra).replace("pulse.http.port = 0", "pulse.http.port = " + httpPort));
      Path log = dir.resolve("node-" + remotePort + ".log");
      Path jar = Path.of("target", "pulse-node.jar");
      if (!Files.exists(jar)) throw new IllegalStateException("no " + jar.toAbsolutePath() + ": forked nodes run in the integration-test phase, after package");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx512m");
      command.add("-Dconfig.file=" + conf.toAbsolutePath());
      if (withTestClasses) {
        command.add("-cp");
        command.add(jar.toAbsolutePath() + java.io.File.pathSeparator + Path.of("target", "test-classes").toAbsolutePath());
        command.add("io.pulse.http.Main");
      } else {
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
      }
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      ForkedNode node = new ForkedNode(httpPort, remotePort, log, process);
      node.awaitReady(timeout);
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready()) {
      if (!process.isAlive()) throw new AssertionError("node on " + httpPort + " exited; see " + log.toAbsolutePath());
      if (System.nanoTime() > deadline) throw new AssertionError("node on " + httpPort + " not ready within " + timeout + "; see " + log.toAbsolutePath());
      java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
    }
  }

  boolean ready() {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready")).timeout(Duration.ofSeconds(2)).build();
      return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook, no hand-off, no leaving the cluster. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (!process.isAlive()) return;
    process.destroy(); // SIGTERM: the node's own orderly stop
    try {
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
  }
}
