package io.pulse.persistence.cassandra;

import io.pulse.config.PulseSettings.EmbeddedSettings;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Cassandra 5.0 node in a forked JVM, for development and tests; or a handle on one that already listens.
 *
 * <p>{@link #startOrReuse} reuses whatever Cassandra answers CQL at {@code host:nativePort} (then {@link #owned()}
 * is false and {@link #close()} does nothing). Otherwise it forks {@code CassandraDaemon} with the classpath that
 * the {@code cassandra-runtime} module resolved, a generated single-node {@code cassandra.yaml} and a file-only
 * logback configuration, all under the data directory, and waits until the node answers CQL. The data survives
 * restarts: starting again on the same directory recovers what was written.
 *
 * <p>{@link #close()} stops an owned node with SIGTERM (Cassandra drains and flushes), then kills it after 30 s.
 * A JVM shutdown hook does the same if the owner exits without closing it.
 */
public final class EmbeddedCassandra implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandra.class);

  /** Written by the cassandra-runtime module: absolute jar paths, separated by ':'. */
  static final String CLASSPATH_RESOURCE = "pulse/cassandra/classpath.txt";

  private static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final long INITIAL_HEAP_MB = 256;

  /** The JPMS section of Cassandra 5.0's conf/jvm17-server.options: without it the server fails on JDK 17. */
  private static final List<String> JDK17_MODULE_OPTIONS =
      List.of(
          "-Djdk.attach.allowAttachSelf=true",
          "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
          "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
          "--add-exports=java.sql/java.sql=ALL-UNNAMED",
          "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
          "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
          "--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
          "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          // the Netty section of the same file
          "-Dio.netty.tryReflectionSetAccessible=true",
          "-Dio.netty.allocator.useCacheForAllThreads=true",
          "-Dio.netty.allocator.maxOrder=11");

  /**
   * Measured to help a single node here (ring delay and gossip-settle overrides made no difference and are left
   * out): with no peers to tell, skipping the 2 s shutdown announcement and the 2 s messaging quiesce cuts a stop
   * from ~4.5 s to ~0.5 s; and the memtable row overhead that Cassandra otherwise measures at every start (~0.4 s)
   * is the value it measures on JDK 17 with compressed oops. It only sizes memtable flushes.
   */
  private static final List<String> SINGLE_NODE_OPTIONS =
      List.of(
          "-Dcassandra.shutdown_announce_in_ms=0",
          "-Dcassandra.test.messagingService.nonGracefulShutdown=true",
          "-Dcassandra.memtable.row_overhead_size=180");

  private static final Pattern HEAP_SIZE = Pattern.compile("(\\d+)([kKmMgG]?)");
  private static final Pattern NATIVE_PORT_LINE = Pattern.compile("^native_transport_port:\\s*(\\d+)\\s*$");

  private final String host;
  private final int port;
  private final Process process; // null when this handle does not own the node
  private final Thread shutdownHook;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private EmbeddedCassandra(String host, int port, Process process) {
    this.host = host;
    this.port = port;
    this.process = process;
    this.shutdownHook = process == null ? null : new Thread(this::stop, "pulse-embedded-cassandra-stop");
  }

  /**
   * Reuses the Cassandra that answers CQL at {@code host:nativePort}, or starts one there with the data directory,
   * storage port, JDK and heap of {@code settings}, waiting up to {@code settings.startupTimeout()}.
   *
   * @throws CassandraStartException with a one-line message if the port is taken by something else, the data
   *     directory is unusable, the storage port is taken, or the node does not come up in time
   */
  public static EmbeddedCassandra startOrReuse(EmbeddedSettings settings, String host, int nativePort) {
    if (accepts(host, nativePort)) {
      return reuse(host, nativePort);
    }
    Layout layout = prepare(settings.dataDir());
    Optional<EmbeddedCassandra> sibling = awaitSiblingOnSameDataDir(layout, host, nativePort, settings.startupTimeout());
    if (sibling.isPresent()) {
      return sibling.get();
    }
    requireFree(host, settings.storagePort());
    return start(settings, layout, host, nativePort);
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** True if this handle started the node and {@link #close()} stops it. */
  public boolean owned() {
    return process != null;
  }

  /** The pid of the forked node, or -1 if this handle does not own it. */
  public long pid() {
    return process == null ? -1 : process.pid();
  }

  /** Stops the node if this handle owns it; idempotent. */
  @Override
  public void close() {
    if (process == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // the hook is running or about to: stop() below is idempotent
    }
    stop();
  }

  @Override
  public String toString() {
    return "EmbeddedCassandra[" + host + ":" + port + (owned() ? ", pid " + pid() : ", not owned") + "]";
  }

  // ---- reuse ---------------------------------------------------------------------------------------------------

  private static EmbeddedCassandra reuse(String host, int port) {
    String version =
        Cql.releaseVersion(host, port, PROBE_TIMEOUT)
            .orElseThrow(
                () ->
                    new CassandraStartException(
                        "port %d on %s is in use by something that is not Cassandra (no CQL answer within %d s); stop it or set pulse.cassandra.port (PULSE_CASSANDRA_PORT) to another port"
                            .formatted(port, host, PROBE_TIMEOUT.toSeconds())));
    log.info("Using the Cassandra {} that already listens on {}:{}", version, host, port);
    return new EmbeddedCassandra(host, port, null);
  }

  /**
   * Two nodes of the local-cluster profile may start at once on one data directory, and a node killed with -9
   * leaves its Cassandra behind. Such a process is found through /proc (its command line is too long for
   * ProcessHandle) and reused if it serves our port: a second Cassandra on the same files would corrupt them.
   */
  private static Optional<EmbeddedCassandra> awaitSiblingOnSameDataDir(
      Layout layout, String host, int port, Duration timeout) {
    Optional<ProcessHandle> sibling = cassandraUsing(layout.root());
    if (sibling.isEmpty()) {
      return Optional.empty();
    }
    long pid = sibling.get().pid();
    OptionalInt siblingPort = nativePortIn(layout.yaml());
    if (siblingPort.isEmpty() || siblingPort.getAsInt() != port) {
      throw new CassandraStartException(
          "Cassandra (pid %d) already runs on data dir %s%s, not on %s:%d; set pulse.cassandra.port to its port or stop it (kill %d)"
              .formatted(
                  pid,
                  layout.root(),
                  siblingPort.isPresent() ? " with native port " + siblingPort.getAsInt() : "",
                  host,
                  port,
                  pid));
    }
    log.info("Waiting for the Cassandra (pid {}) that is starting on data dir {}", pid, layout.root());
    long deadline = System.nanoTime() + timeout.toNanos();
    CompletableFuture<ProcessHandle> exit = sibling.get().onExit();
    while (System.nanoTime() < deadline) {
      if (exit.isDone()) {
        return Optional.empty(); // it gave up: start our own
      }
      if (accepts(host, port)) {
        return Optional.of(reuse(host, port));
      }
      if (awaitExit(exit)) {
        return Optional.empty();
      }
    }
    throw new CassandraStartException(
        "Cassandra (pid %d) on data dir %s did not accept CQL on %s:%d within %d s; see %s"
            .formatted(pid, layout.root(), host, port, timeout.toSeconds(), layout.systemLog()));
  }

  // ---- start ---------------------------------------------------------------------------------------------------

  private static EmbeddedCassandra start(EmbeddedSettings settings, Layout layout, String host, int port) {
    String classpath = serverClasspath();
    Path javaHome = javaHome(settings.javaHome());
    Path java = javaHome.resolve("bin").resolve(isWindows() ? "java.exe" : "java");
    if (!Files.isExecutable(java)) {
      throw new CassandraStartException(
          "no java executable at %s; set pulse.cassandra.embedded.java-home (PULSE_CASSANDRA_JAVA_HOME) to a JDK 11 or 17"
              .formatted(java));
    }
    long maxHeapMb = heapMegabytes(settings.maxHeap());
    writeConfiguration(layout, host, port, settings.storagePort());

    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("-Xms" + Math.min(INITIAL_HEAP_MB, maxHeapMb) + "m");
    command.add("-Xmx" + maxHeapMb + "m");
    // Cassandra's own stack size; with mlockall (as root) every thread stack is resident, so it matters.
    command.add("-Xss256k");
    command.add("-XX:+UseG1GC");
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-XX:ErrorFile=" + layout.logs().resolve("hs_err_pid%p.log"));
    command.add("-Djava.net.preferIPv4Stack=true");
    command.addAll(JDK17_MODULE_OPTIONS);
    command.addAll(SINGLE_NODE_OPTIONS);
    command.add("-Dcassandra-foreground=yes");
    command.add("-Dcassandra.config=" + layout.yaml().toUri());
    command.add("-Dcassandra.storagedir=" + layout.root());
    command.add("-Dcassandra.logdir=" + layout.logs());
    command.add("-Dcassandra.triggers_dir=" + layout.triggers());
    command.add("-Dlogback.configurationFile=" + layout.logback());
    command.add("-cp");
    command.add(classpath);
    command.add(MAIN_CLASS);

    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(layout.root().toFile())
            .redirectErrorStream(true)
            .redirectOutput(Redirect.to(layout.stdout().toFile()));
    // Options meant for this JVM (a debug agent, say) must not reach Cassandra's.
    builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));

    long startNanos = System.nanoTime();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new CassandraStartException("cannot start %s: %s".formatted(java, e.getMessage()), e);
    }
    EmbeddedCassandra node = new EmbeddedCassandra(host, port, process);
    Runtime.getRuntime().addShutdownHook(node.shutdownHook);
    try {
      String version = node.awaitReady(layout, settings.startupTimeout(), javaHome);
      log.info(
          "Embedded Cassandra {} started on {}:{} in {} ms (pid {}, data {}, log {})",
          version,
          host,
          port,
          Duration.ofNanos(System.nanoTime() - startNanos).toMillis(),
          process.pid(),
          layout.root(),
          layout.systemLog());
      return node;
    } catch (RuntimeException e) {
      node.kill();
      throw e;
    }
  }

  private String awaitReady(Layout layout, Duration timeout, Path javaHome) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new CassandraStartException(
            "Cassandra exited with code %d during startup%s%s; see %s (JVM output in %s)"
                .formatted(
                    process.exitValue(),
                    lastProblem(layout).map(p -> ": " + p).orElse(""),
                    jdkHint(javaHome),
                    layout.systemLog(),
                    layout.stdout()));
      }
      if (accepts(host, port)) {
        Optional<String> version = Cql.releaseVersion(host, port, PROBE_TIMEOUT);
        if (version.isPresent()) {
          return version.get();
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new CassandraStartException(
            "Cassandra (pid %d) did not accept CQL on %s:%d within %d s; see %s"
                .formatted(process.pid(), host, port, timeout.toSeconds(), layout.systemLog()));
      }
      awaitExit(process.onExit());
    }
  }

  /** Waits one poll interval, or less if the process exits; true if it exited. */
  private static boolean awaitExit(CompletableFuture<?> exit) {
    try {
      exit.get(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException stillRunning) {
      return false;
    } catch (ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CassandraStartException("interrupted while waiting for Cassandra to start", e);
    }
  }

  // ---- stop ----------------------------------------------------------------------------------------------------

  private void stop() {
    if (process == null || !stopped.compareAndSet(false, true)) {
      return;
    }
    long startNanos = System.nanoTime();
    process.destroy(); // SIGTERM: Cassandra's own hook drains and flushes
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn(
            "Embedded Cassandra (pid {}) did not stop within {} s of SIGTERM; killing it",
            process.pid(),
            STOP_TIMEOUT.toSeconds());
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    log.info(
        "Embedded Cassandra (pid {}) stopped in {} ms",
        process.pid(),
        Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
  }

  /** After a failed start: nothing to drain, so no need to wait politely. */
  private void kill() {
    stopped.set(true);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // the hook does nothing once stopped is set
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- files ---------------------------------------------------------------------------------------------------

  /** Everything the node writes lives under one directory. */
  private record Layout(Path root) {
    Path conf() {
      return root.resolve("conf");
    }

    Path logs() {
      return root.resolve("logs");
    }

    Path triggers() {
      return root.resolve("triggers");
    }

    Path yaml() {
      return conf().resolve("cassandra.yaml");
    }

    Path logback() {
      return conf().resolve("logback.xml");
    }

    Path systemLog() {
      return logs().resolve("system.log");
    }

    Path stdout() {
      return logs().resolve("cassandra-stdout.log");
    }

    List<Path> directories() {
      return List.of(
          root,
          conf(),
          logs(),
          triggers(),
          root.resolve("data"),
          root.resolve("commitlog"),
          root.resolve("hints"),
          root.resolve("saved_caches"),
          root.resolve("cdc_raw"));
    }
  }

  private static Layout prepare(Path dataDir) {
    Layout layout = new Layout(dataDir.toAbsolutePath().normalize());
    try {
      for (Path dir : layout.directories()) {
        Files.createDirectories(dir);
      }
      Files.delete(Files.createTempFile(layout.root(), ".write-check", ".tmp"));
    } catch (IOException | SecurityException e) {
      throw new CassandraStartException(
          "cannot create or write the Cassandra data directory %s (%s); set pulse.cassandra.embedded.data-dir (PULSE_CASSANDRA_DATA_DIR) to a writable directory"
              .formatted(layout.root(), blockingFile(layout.root()).map(f -> f + " is not a directory").orElse(describe(e))),
          e);
    }
    return layout;
  }

  /** The nearest existing ancestor that is a regular file: the usual reason a data directory cannot be made. */
  private static Optional<Path> blockingFile(Path dir) {
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        return Files.isDirectory(p) ? Optional.empty() : Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static String describe(Exception e) {
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " exists and is not a directory";
    }
    if (e instanceof AccessDeniedException f) {
      return f.getFile() + ": permission denied";
    }
    if (e instanceof FileSystemException f) {
      return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static void writeConfiguration(Layout layout, String host, int nativePort, int storagePort) {
    try {
      Files.writeString(layout.yaml(), cassandraYaml(layout, host, nativePort, storagePort));
      Files.writeString(layout.logback(), logbackXml(layout));
    } catch (IOException e) {
      throw new CassandraStartException(
          "cannot write the Cassandra configuration in %s: %s".formatted(layout.conf(), describe(e)), e);
    }
  }

  /** Cassandra 5.0 option names; everything not set here keeps Cassandra's default. */
  private static String cassandraYaml(Layout layout, String host, int nativePort, int storagePort) {
    String root = layout.root().toString();
    return """
        # Written by Pulse's EmbeddedCassandra at every start: edits are overwritten.
        # One node for development and tests; production runs a real cluster.
        cluster_name: pulse
        num_tokens: 1
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        endpoint_snitch: SimpleSnitch
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "%s"
        listen_address: %s
        rpc_address: %s
        storage_port: %d
        native_transport_port: %d
        start_native_transport: true
        data_file_directories:
          - %s
        commitlog_directory: %s
        hints_directory: %s
        saved_caches_directory: %s
        cdc_raw_directory: %s
        commitlog_sync: periodic
        commitlog_sync_period: 10000ms
        # A fresh 5.0 node: no 4.x nodes to stay compatible with.
        storage_compatibility_mode: NONE
        # Dev data is disposable: do not snapshot on TRUNCATE or DROP.
        auto_snapshot: false
        concurrent_compactors: 1
        authenticator: AllowAllAuthenticator
        authorizer: AllowAllAuthorizer
        """
        .formatted(
            host + ":" + storagePort,
            host,
            host,
            storagePort,
            nativePort,
            yamlString(root + "/data"),
            yamlString(root + "/commitlog"),
            yamlString(root + "/hints"),
            yamlString(root + "/saved_caches"),
            yamlString(root + "/cdc_raw"));
  }

  /** Cassandra's logback 1.2 would otherwise log DEBUG to the console of whoever started it. */
  private static String logbackXml(Layout layout) {
    String logs = xml(layout.logs().toString());
    return """
        <!-- Written by Pulse's EmbeddedCassandra at every start: edits are overwritten. -->
        <configuration scan="false">
          <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
            <file>LOGS/system.log</file>
            <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
              <fileNamePattern>LOGS/system.log.%d{yyyy-MM-dd}.%i.gz</fileNamePattern>
              <maxFileSize>50MB</maxFileSize>
              <maxHistory>7</maxHistory>
              <totalSizeCap>500MB</totalSizeCap>
            </rollingPolicy>
            <encoder>
              <pattern>%-5level [%thread] %date{ISO8601} %logger{0} - %msg%n</pattern>
            </encoder>
          </appender>
          <root level="INFO">
            <appender-ref ref="FILE"/>
          </root>
        </configuration>
        """
        .replace("LOGS", logs);
  }

  private static String yamlString(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private static String xml(String value) {
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static String serverClasspath() {
    String text;
    try (InputStream in = EmbeddedCassandra.class.getClassLoader().getResourceAsStream(CLASSPATH_RESOURCE)) {
      if (in == null) {
        throw new CassandraStartException(
            "the Cassandra server classpath (" + CLASSPATH_RESOURCE + ") is missing: add the cassandra-runtime module");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + CLASSPATH_RESOURCE, e);
    }
    Optional<String> missing =
        Stream.of(text.split(Pattern.quote(File.pathSeparator))).filter(jar -> !Files.exists(Path.of(jar))).findFirst();
    if (text.isEmpty() || missing.isPresent()) {
      throw new CassandraStartException(
          "the Cassandra server jars are not where the build resolved them (%s is missing); run mvn install on this machine or use an external Cassandra (pulse.cassandra.embedded.enabled = false)"
              .formatted(missing.orElse("the classpath is empty")));
    }
    return text;
  }

  private static Path javaHome(String configured) {
    return configured == null || configured.isBlank()
        ? Path.of(System.getProperty("java.home"))
        : Path.of(configured).toAbsolutePath();
  }

  /** Cassandra 5.0 runs on JDK 11 and 17 only; say so when an early exit may be the JDK's fault. */
  private static String jdkHint(Path javaHome) {
    OptionalInt feature = jdkFeatureVersion(javaHome);
    if (feature.isEmpty() || feature.getAsInt() == 11 || feature.getAsInt() == 17) {
      return "";
    }
    return " (Cassandra 5.0 needs JDK 11 or 17, %s is JDK %d: set pulse.cassandra.embedded.java-home or PULSE_CASSANDRA_JAVA_HOME)"
        .formatted(javaHome, feature.getAsInt());
  }

  private static OptionalInt jdkFeatureVersion(Path javaHome) {
    try (Stream<String> lines = Files.lines(javaHome.resolve("release"))) {
      return lines
          .filter(line -> line.startsWith("JAVA_VERSION="))
          .map(line -> line.substring("JAVA_VERSION=".length()).replace("\"", ""))
          .map(version -> version.split("[.+-]")[0])
          .filter(major -> major.matches("\\d+"))
          .mapToInt(Integer::parseInt)
          .findFirst();
    } catch (IOException | UncheckedIOException e) {
      return OptionalInt.empty();
    }
  }

  /** The last ERROR in Cassandra's log, else the last error-looking line the JVM printed. */
  private static Optional<String> lastProblem(Layout layout) {
    Optional<String> logged =
        lastMatching(layout.systemLog(), line -> line.startsWith("ERROR"))
            .map(line -> line.contains(" - ") ? line.substring(line.indexOf(" - ") + 3) : line);
    Optional<String> problem =
        logged.or(() -> lastMatching(layout.stdout(), line -> line.contains("Error") || line.contains("Exception")));
    return problem.map(String::strip).map(p -> p.length() > 300 ? p.substring(0, 300) + "..." : p);
  }

  private static Optional<String> lastMatching(Path file, java.util.function.Predicate<String> test) {
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.filter(test).reduce((first, second) -> second);
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  private static OptionalInt nativePortIn(Path yaml) {
    try (Stream<String> lines = Files.lines(yaml)) {
      return lines
          .map(NATIVE_PORT_LINE::matcher)
          .filter(Matcher::matches)
          .mapToInt(m -> Integer.parseInt(m.group(1)))
          .findFirst();
    } catch (IOException | UncheckedIOException e) {
      return OptionalInt.empty();
    }
  }

  // ---- processes and ports -------------------------------------------------------------------------------------

  /** A live CassandraDaemon whose storage dir is {@code root}, read from /proc/PID/cmdline (Linux). */
  static Optional<ProcessHandle> cassandraUsing(Path root) {
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc)) {
      return Optional.empty();
    }
    String storageDirArg = "-Dcassandra.storagedir=" + root;
    long self = ProcessHandle.current().pid();
    try (Stream<Path> entries = Files.list(proc)) {
      return entries
          .map(p -> p.getFileName().toString())
          .filter(name -> name.chars().allMatch(Character::isDigit))
          .mapToLong(Long::parseLong)
          .filter(pid -> pid != self)
          .filter(pid -> isCassandraWith(proc.resolve(Long.toString(pid)), storageDirArg))
          .boxed()
          .map(ProcessHandle::of)
          .flatMap(Optional::stream)
          .filter(ProcessHandle::isAlive)
          .findFirst();
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  private static boolean isCassandraWith(Path procDir, String argument) {
    try {
      byte[] raw = Files.readAllBytes(procDir.resolve("cmdline"));
      List<String> args = List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
      return args.contains(MAIN_CLASS) && args.contains(argument);
    } catch (IOException | SecurityException e) {
      return false; // gone, or not ours to read
    }
  }

  static boolean accepts(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) PROBE_TIMEOUT.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void requireFree(String host, int storagePort) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true); // as Cassandra binds it: a TIME_WAIT leftover is no conflict
      socket.bind(new InetSocketAddress(host, storagePort));
    } catch (IOException e) {
      throw new CassandraStartException(
          "storage port %d on %s is in use (%s); stop what holds it or set pulse.cassandra.embedded.storage-port (PULSE_CASSANDRA_STORAGE_PORT) to a free port"
              .formatted(storagePort, host, e.getMessage()),
          e);
    }
  }

  static long heapMegabytes(String size) {
    Matcher m = HEAP_SIZE.matcher(size == null ? "" : size.strip());
    if (!m.matches()) {
      throw new CassandraStartException(
          "invalid pulse.cassandra.embedded.max-heap '%s': use a JVM size such as 512m or 1g".formatted(size));
    }
    long value = Long.parseLong(m.group(1));
    long mb =
        switch (m.group(2).toLowerCase()) {
          case "g" -> value * 1024;
          case "m" -> value;
          case "k" -> value / 1024;
          default -> value / (1024 * 1024);
        };
    if (mb < 128) {
      throw new CassandraStartException(
          "pulse.cassandra.embedded.max-heap '%s' is too small for Cassandra: use at least 128m".formatted(size));
    }
    return mb;
  }

  private static boolean isWindows() {
    return System.getProperty("os.name", "").toLowerCase().startsWith("windows");
  }
}
