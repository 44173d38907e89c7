package io.pulse.bench;

import com.typesafe.config.Config;
import io.pulse.config.PulseConfig;
import io.pulse.config.PulseSettings;
import io.pulse.config.PulseSettings.EmbeddedSettings;
import io.pulse.persistence.cassandra.EmbeddedCassandra;
import io.pulse.persistence.cassandra.SchemaApplier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How much of the journal's physical write capacity Pulse's entities turn into acknowledged commands.
 *
 * <p>One run: starts its own embedded Cassandra on free ports in a temporary directory and applies Pulse's schema;
 * measures the baseline (raw single-event inserts into the journal table with the driver, at fixed numbers of
 * requests in flight); starts a Pulse node's actor system in this JVM against that Cassandra and measures
 * {@code Conversation.Send} asks through Cluster Sharding by closed-loop senders (one hot conversation; many
 * conversations); prints a table and writes it as markdown to {@code benchmarks/target/persistence-benchmark.md};
 * stops Cassandra, also when something fails.
 *
 * <pre>
 *   mvn -B -ntp -o -q install -DskipTests
 *   mvn -B -ntp -o -q -pl benchmarks exec:java [-Dbench.duration=20s -Dbench.scenarios=hot-32,entities-100 ...]
 * </pre>
 *
 * Parameters: see {@link BenchParams}. A plain main class, not a test: {@code mvn verify} never runs it.
 */
public final class PersistenceBenchmark {
  static final String HOST = "127.0.0.1";
  static final String KEYSPACE = "pulse";
  /** SimpleSnitch's datacenter. */
  static final String DATACENTER = "datacenter1";
  static final String REPORT_FILE = "persistence-benchmark.md";

  /** Ports that a developer's node, Cassandra or Pekko Management may hold on this machine: never ours. */
  private static final Set<Integer> RESERVED_PORTS = Set.of(7000, 7001, 7199, 7626, 8080, 9042, 25520, 25521);

  private final BenchParams params;
  private final long startNanos = System.nanoTime();
  private final List<Row> rows = new ArrayList<>();
  private final Map<String, String> facts = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private final List<String> rowLoads = new ArrayList<>();

  /** One line of the result table. {@code concurrency}: requests in flight (raw) or senders (entities). */
  record Row(String scenario, boolean raw, int concurrency, ClosedLoop.Measurement m) {}

  private PersistenceBenchmark(BenchParams params) {
    this.params = params;
  }

  public static void main(String[] args) throws Exception {
    new PersistenceBenchmark(BenchParams.fromSystemProperties()).run();
  }

  private void run() throws Exception {
    say("Persistence benchmark: warm-up %d s, measured %d s per row; baseline in flight %s; scenarios %s"
        .formatted(params.warmup().toSeconds(), params.duration().toSeconds(), params.baselineInFlight(),
            params.scenarios().stream().map(BenchParams.EntityScenario::name).toList()));
    String loadBefore = loadAverage();
    Path dataDir = Files.createTempDirectory("pulse-bench-cassandra-");
    int[] ports = freePorts(3);
    int nativePort = ports[0];
    int storagePort = ports[1];
    int arteryPort = ports[2];
    StartedCassandra cassandra = null;
    Exception failure = null;
    try {
      cassandra = startCassandra(dataDir, nativePort, storagePort);
      SchemaApplier.apply(HOST, nativePort, DATACENTER, KEYSPACE);
      Config config = PulseConfig.load(nodeOverrides(nativePort, arteryPort));
      if (!params.baselineInFlight().isEmpty()) baseline(config);
      if (!params.scenarios().isEmpty()) entities(config);
    } catch (Exception e) {
      failure = e;
      notes.add("**The run failed**: " + ClosedLoop.describe(e) + " (rows above it are complete)");
    } finally {
      if (cassandra != null) {
        say("Stopping Cassandra (pid %d)".formatted(cassandra.pid()));
        cassandra.close();
      }
      if (failure == null) {
        deleteRecursively(dataDir);
      } else {
        say("Kept %s for Cassandra's logs (logs/system.log)".formatted(dataDir));
      }
    }
    facts.put("wall time", "%.0f s".formatted((System.nanoTime() - startNanos) / 1e9));
    facts.put(
        "load average (1 min) at start / end",
        loadBefore + " / " + loadAverage() + " (everything else running on this machine competes for its cores)");
    if (!rowLoads.isEmpty()) facts.put("load average (1 min) after each row", String.join("; ", rowLoads));
    String table = textTable();
    System.out.println();
    System.out.println(table);
    notes.forEach(n -> System.out.println("  " + n.replace("**", "")));
    Path report = writeReport();
    say("Wrote " + report);
    if (failure != null) throw failure;
  }

  // ---- Cassandra ---------------------------------------------------------------------------------------------

  private StartedCassandra startCassandra(Path dataDir, int nativePort, int storagePort) {
    StartedCassandra cassandra = startEmbedded(dataDir, nativePort, storagePort, params.cassandraHeap());
    facts.put("Cassandra", "embedded, single node, heap " + cassandra.heap());
    return cassandra;
  }

  /** Our own embedded Cassandra (heap: null for the node's configured one); fails if another answers the port. */
  static StartedCassandra startEmbedded(Path dataDir, int nativePort, int storagePort, String heapOrNull) {
    // JDK and startup timeout as the node is configured (PULSE_CASSANDRA_JAVA_HOME works here too)
    EmbeddedSettings configured = PulseSettings.from(PulseConfig.load("")).cassandra().embedded();
    String heap = heapOrNull != null ? heapOrNull : configured.maxHeap();
    EmbeddedSettings settings =
        new EmbeddedSettings(true, dataDir, storagePort, configured.javaHome(), heap, configured.startupTimeout());
    say("Starting Cassandra on %s:%d (storage port %d, heap %s) in %s".formatted(HOST, nativePort, storagePort, heap, dataDir));
    long start = System.nanoTime();
    EmbeddedCassandra cassandra = EmbeddedCassandra.startOrReuse(settings, HOST, nativePort);
    if (!cassandra.owned()) {
      throw new IllegalStateException("a Cassandra that is not ours answers on the free port " + nativePort + "; not benchmarking it");
    }
    say("  Cassandra (pid %d) up in %.1f s".formatted(cassandra.pid(), (System.nanoTime() - start) / 1e9));
    return new StartedCassandra(cassandra, heap);
  }

  /** The embedded Cassandra and the heap it was given. */
  record StartedCassandra(EmbeddedCassandra cassandra, String heap) implements AutoCloseable {
    long pid() {
      return cassandra.pid();
    }

    @Override
    public void close() {
      cassandra.close();
    }
  }

  /** The node's default profile pointed at the benchmark's Cassandra, with a free remoting port; no HTTP. */
  static String nodeOverrides(int nativePort, int arteryPort) {
    return PulseConfig.externalCassandra(HOST, nativePort, KEYSPACE)
        + """
        pekko.remote.artery.canonical.hostname = "%s"
        pekko.remote.artery.canonical.port = %d
        pekko.cluster.jmx.enabled = off
        """
            .formatted(HOST, arteryPort);
  }

  // ---- the two phases ----------------------------------------------------------------------------------------

  private void baseline(Config config) throws InterruptedException {
    try (RawJournalLoad raw = RawJournalLoad.open(config)) {
      facts.put("Cassandra", "%s %s".formatted(raw.releaseVersion(), facts.get("Cassandra")));
      facts.put(
          "journal write",
          "consistency %s (profile %s; one replica, so it waits for the one node)".formatted(raw.consistency(), raw.writeProfile()));
      for (int inFlight : params.baselineInFlight()) {
        String name = "raw INSERT into " + raw.table();
        say("%s, %d in flight ...".formatted(name, inFlight));
        ClosedLoop.Measurement m =
            raw.run(inFlight, params.payloadBytes(), params.warmup(), params.duration(), Duration.ofSeconds(15));
        record(new Row(name, true, inFlight, m));
      }
    }
    notes.add(
        "raw: one prepared single-row INSERT per event with the plugin's columns (partition 0, timeuuid, hour bucket,"
            + " writer uuid, ser_id/manifest, a %d-byte event blob, no meta, no tags); each request slot writes its own"
            .formatted(params.payloadBytes())
            + " persistence id with increasing sequence numbers; driver session built from the node's datastax-java-driver config.");
  }

  private void entities(Config config) throws Exception {
    say("Starting the Pulse actor system (cluster of one, every entity type registered) ...");
    long start = System.nanoTime();
    try (EntityLoad load = EntityLoad.start(config)) {
      say("  up in %.1f s".formatted((System.nanoTime() - start) / 1e9));
      facts.put("Pulse event", "MessageSent of %d text characters: %s".formatted(params.text().length(), load.eventSize(params.text())));
      int index = 0;
      for (BenchParams.EntityScenario s : params.scenarios()) {
        say("%s, %d senders ...".formatted(s.label(), s.senders()));
        ClosedLoop.Measurement m = load.run(index++, s, params, PersistenceBenchmark::say);
        record(new Row(s.label(), false, s.senders(), m));
      }
      say("Stopping the actor system");
    }
    notes.add(
        "Pulse: Conversation.Send asks (askWithStatus) through ClusterSharding.entityRefFor, closed loop: each sender"
            + " sends, awaits the ack (sent only once the event is persisted), records the latency, sends the next; unique"
            + " clientMsgId per send. Hot: one group of %d members, sender k is member s<k>. Many: conversation e is a group"
            .formatted(params.members())
            + " with the single member s<e mod %d>; sender k's n-th send goes to conversation (k + n * senders) mod N."
            .formatted(params.members())
            + " One event per command; Conversation's group commit may put several into one journal write.");
  }

  private void record(Row row) {
    rows.add(row);
    ClosedLoop.Measurement m = row.m();
    String load = loadAverage();
    rowLoads.add("%s at %d: %s".formatted(row.raw() ? "raw" : row.scenario().replace("Pulse: ", ""), row.concurrency(), load));
    say("  %,.0f events/s, p50 %s ms, p99 %s ms, max %s ms, %,d errors%s; load average %s"
        .formatted(m.perSecond(), ms(m.percentileMillis(50)), ms(m.percentileMillis(99)),
            ms(m.completed() == 0 ? Double.NaN : m.latencyMicros().getMaxValue() / 1000.0), m.errors(),
            m.stuck() > 0 ? ", %d still in flight at the end".formatted(m.stuck()) : "", load));
    if (m.errors() > 0) {
      notes.add("%s at %d: %,d errors, first: %s".formatted(row.scenario(), row.concurrency(), m.errors(), m.firstError()));
    }
    if (m.stuck() > 0) {
      notes.add("%s at %d: %d requests had not finished when the run stopped waiting for them".formatted(row.scenario(), row.concurrency(), m.stuck()));
    }
  }

  // ---- the report --------------------------------------------------------------------------------------------

  private static final String[] HEADER = {
    "scenario", "in flight / senders", "events/s", "p50 ms", "p99 ms", "vs raw, same in-flight", "errors"
  };

  private List<String[]> cells() {
    List<String[]> lines = new ArrayList<>();
    for (Row r : rows) {
      ClosedLoop.Measurement m = r.m();
      lines.add(
          new String[] {
            r.scenario(),
            r.raw() ? r.concurrency() + " in flight" : r.concurrency() + " senders",
            "%,.0f".formatted(m.perSecond()),
            ms(m.percentileMillis(50)),
            ms(m.percentileMillis(99)),
            ratio(r),
            Long.toString(m.errors())
          });
    }
    return lines;
  }

  /** Events/s over the raw baseline's at the same number in flight, or "n/a" without one. */
  private String ratio(Row row) {
    if (row.raw()) return "1.00 (baseline)";
    return rows.stream()
        .filter(r -> r.raw() && r.concurrency() == row.concurrency() && r.m().perSecond() > 0)
        .findFirst()
        .map(raw -> "%.2f".formatted(row.m().perSecond() / raw.m().perSecond()))
        .orElse("n/a (no raw row at " + row.concurrency() + ")");
  }

  private String textTable() {
    List<String[]> lines = new ArrayList<>();
    lines.add(HEADER);
    lines.addAll(cells());
    int[] width = new int[HEADER.length];
    for (String[] line : lines) {
      for (int i = 0; i < line.length; i++) width[i] = Math.max(width[i], line[i].length());
    }
    StringBuilder out = new StringBuilder();
    for (int l = 0; l < lines.size(); l++) {
      String[] line = lines.get(l);
      for (int i = 0; i < line.length; i++) {
        boolean left = i < 2;
        out.append(i == 0 ? "" : "  ")
            .append(left ? pad(line[i], width[i], false) : pad(line[i], width[i], true));
      }
      out.append('\n');
      if (l == 0) {
        for (int i = 0; i < width.length; i++) out.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        out.append('\n');
      }
    }
    return out.toString();
  }

  private Path writeReport() throws IOException {
    facts.put("machine", "%d cores, JDK %s".formatted(Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
    StringBuilder md = new StringBuilder();
    md.append("# Persistence benchmark: raw journal inserts vs Pulse entities\n\n");
    md.append("Run ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(", warm-up ")
        .append(params.warmup().toSeconds()).append(" s then ").append(params.duration().toSeconds())
        .append(" s measured per row, closed loop (a fixed number of requests in flight).\n\n");
    md.append("| ").append(String.join(" | ", HEADER)).append(" |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|\n");
    for (String[] line : cells()) md.append("| ").append(String.join(" | ", line)).append(" |\n");
    md.append('\n');
    facts.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    notes.forEach(n -> md.append("- ").append(n).append('\n'));
    md.append("\nCommand: `mvn -B -ntp -o -q install -DskipTests && mvn -B -ntp -o -q -pl benchmarks exec:java`")
        .append(" (parameters: `-Dbench.warmup`, `-Dbench.duration`, `-Dbench.baseline`, `-Dbench.scenarios`, see BenchParams).\n");
    Files.createDirectories(params.outputDir());
    Path file = params.outputDir().resolve(REPORT_FILE);
    Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    return file;
  }

  private static String ms(double millis) {
    if (Double.isNaN(millis)) return "-";
    return millis < 10 ? "%.2f".formatted(millis) : "%.1f".formatted(millis);
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(Math.max(0, width - s.length()));
    return right ? fill + s : s + fill;
  }

  // ---- plumbing ----------------------------------------------------------------------------------------------

  private static final long T0 = System.nanoTime();

  static void say(String line) {
    System.out.printf("[%6.1f s] %s%n", (System.nanoTime() - T0) / 1e9, line);
    System.out.flush();
  }

  /** The 1-minute load average, from /proc/loadavg (Linux), or "?". */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /** Distinct free ports on {@link #HOST}, none of the well-known ones a developer's node may hold. */
  static int[] freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      int found = 0;
      while (found < count) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST));
        held.add(socket);
        if (!RESERVED_PORTS.contains(socket.getLocalPort())) ports[found++] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : held) s.close();
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      say("Could not delete %s: %s".formatted(dir, e.getMessage()));
    }
  }
}
