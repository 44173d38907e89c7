package io.pulse.bench;

import static io.pulse.bench.PersistenceBenchmark.HOST;
import static io.pulse.bench.PersistenceBenchmark.say;

import com.typesafe.config.Config;
import io.pulse.actors.document.Document;
import io.pulse.actors.document.TextOperation;
import io.pulse.config.PulseConfig;
import io.pulse.persistence.cassandra.SchemaApplier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * How long a document entity takes to recover (issue 18: "say how long a 100,000-op document takes").
 *
 * <p>For each snapshot interval ({@code bench.snapshot-every}, default {@code 1000} — the shipped
 * {@code pulse.documents.snapshot-every} — and {@code 1000000000}, snapshots effectively off, the
 * baseline): starts a Pulse actor system in this JVM against its own embedded Cassandra with that
 * interval, creates a document and writes {@code bench.ops} ops to it through Cluster Sharding, as
 * the gateway does ({@code bench.writers} closed-loop writers, so the entity's group commit puts many
 * ops into one journal write; each op is a random insert of 1-3 letters or, once the text has
 * {@code bench.text-length} characters, a delete, based on the newest version any writer has seen),
 * plus a small probe document, reads the text, and stops the system. Then {@code bench.runs} times:
 * starts a fresh actor system, recovers the probe (it warms sharding and the journal connection and
 * is the floor: a recovery of a handful of events), then times the first {@code Document.Get} reply of
 * the big document, which recovers it (snapshot, if any, plus the events after it), checks the text and
 * version against those before the stop, and stops the system. Prints the medians and writes
 * {@code benchmarks/target/document-recovery.md}.
 *
 * <pre>
 *   mvn -B -ntp -o -q install -DskipTests
 *   mvn -B -ntp -o -q -pl benchmarks exec:java -Dexec.mainClass=io.pulse.bench.DocumentRecoveryBenchmark
 *     [-Dbench.ops=100000 -Dbench.runs=5 -Dbench.snapshot-every=1000,1000000000 -Dbench.writers=64]
 * </pre>
 *
 * A plain main class, not a test: {@code mvn verify} never runs it.
 */
public final class DocumentRecoveryBenchmark {
  private static final String OWNER = "owner";
  private static final Duration ASK = Duration.ofSeconds(30);
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(300);

  private final int ops = Integer.getInteger("bench.ops", 100_000);
  private final int runs = Integer.getInteger("bench.runs", 5);
  private final int writers = Integer.getInteger("bench.writers", 64);
  private final int textLength = Integer.getInteger("bench.text-length", 10_000);
  private final List<Long> intervals =
      Arrays.stream(System.getProperty("bench.snapshot-every", "1000,1000000000").split(",")).map(s -> Long.parseLong(s.strip())).toList();
  private final String cassandraHeap = System.getProperty("bench.cassandra-heap");
  private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

  /** One interval's results. */
  record Result(long interval, long events, int textChars, double writeSeconds, long[] recoveryMillis, long[] probeMillis, long liveGetMicros) {
    long median(long[] values) {
      long[] sorted = values.clone();
      Arrays.sort(sorted);
      return sorted[sorted.length / 2];
    }
  }

  public static void main(String[] args) throws Exception {
    new DocumentRecoveryBenchmark().run();
  }

  private void run() throws Exception {
    say("Document recovery: %,d ops, %d writers, text ~%,d characters, intervals %s, %d recoveries each"
        .formatted(ops, writers, textLength, intervals, runs));
    String loadBefore = PersistenceBenchmark.loadAverage();
    long t0 = System.nanoTime();
    Path dataDir = Files.createTempDirectory("pulse-bench-cassandra-");
    int[] ports = PersistenceBenchmark.freePorts(2);
    List<Result> results = new ArrayList<>();
    Exception failure = null;
    PersistenceBenchmark.StartedCassandra cassandra = null;
    try {
      cassandra = PersistenceBenchmark.startEmbedded(dataDir, ports[0], ports[1], cassandraHeap);
      SchemaApplier.apply(HOST, ports[0], PersistenceBenchmark.DATACENTER, PersistenceBenchmark.KEYSPACE);
      // every system's configuration before any system starts: loading one (it invalidates Typesafe
      // Config's caches) while a terminated system's threads still read theirs failed once ("No
      // configuration setting found for key 'profile'")
      java.util.Map<Long, java.util.Deque<Config>> configs = new java.util.LinkedHashMap<>();
      for (long interval : intervals) {
        java.util.Deque<Config> list = new java.util.ArrayDeque<>();
        for (int i = 0; i <= runs; i++) list.add(config(ports[0], interval));
        configs.put(interval, list);
      }
      for (long interval : intervals) results.add(measure(configs.get(interval), interval));
    } catch (Exception e) {
      failure = e;
    } finally {
      if (cassandra != null) {
        say("Stopping Cassandra (pid %d)".formatted(cassandra.pid()));
        cassandra.close();
      }
      if (failure == null) PersistenceBenchmark.deleteRecursively(dataDir);
      else say("Kept %s for Cassandra's logs".formatted(dataDir));
    }
    String report = report(results, loadBefore, (System.nanoTime() - t0) / 1e9, cassandra == null ? "?" : cassandra.heap());
    System.out.println();
    System.out.println(report);
    Path out = outputDir().resolve("document-recovery.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report, StandardCharsets.UTF_8);
    say("Wrote " + out);
    if (failure != null) throw failure;
  }

  private Config config(int nativePort, long interval) throws Exception {
    int artery = PersistenceBenchmark.freePorts(1)[0];
    return PulseConfig.load(PersistenceBenchmark.nodeOverrides(nativePort, artery) + "\npulse.documents.snapshot-every = " + interval + "\n");
  }

  private Result measure(java.util.Deque<Config> configs, long interval) throws Exception {
    String big = "recovery-" + runId + "-" + interval;
    String probe = big + "-probe";
    String text;
    long version;
    double writeSeconds;
    long liveGetMicros;
    say("snapshot-every %d: writing %,d ops ...".formatted(interval, ops));
    try (EntityLoad node = EntityLoad.start(configs.pop())) {
      EntityRef<Document.Command> doc = node.sharding().entityRefFor(Document.ENTITY_TYPE_KEY, big);
      create(doc);
      long start = System.nanoTime();
      write(doc, ops);
      writeSeconds = (System.nanoTime() - start) / 1e9;
      EntityRef<Document.Command> small = node.sharding().entityRefFor(Document.ENTITY_TYPE_KEY, probe);
      create(small);
      write(small, 5);
      long g = System.nanoTime();
      Document.View view = get(doc, ASK);
      liveGetMicros = (System.nanoTime() - g) / 1000;
      text = view.text();
      version = view.version();
      say("  %,d ops in %.1f s (%,.0f ops/s); version %d, %,d characters; Get of the live entity %d µs"
          .formatted(ops, writeSeconds, ops / writeSeconds, version, text.length(), liveGetMicros));
    }
    long[] recovery = new long[runs];
    long[] probeMs = new long[runs];
    for (int r = 0; r < runs; r++) {
      try (EntityLoad node = EntityLoad.start(configs.pop())) {
        long p = System.nanoTime();
        get(node.sharding().entityRefFor(Document.ENTITY_TYPE_KEY, probe), RECOVERY_TIMEOUT);
        probeMs[r] = (System.nanoTime() - p) / 1_000_000;
        long s = System.nanoTime();
        Document.View view = get(node.sharding().entityRefFor(Document.ENTITY_TYPE_KEY, big), RECOVERY_TIMEOUT);
        recovery[r] = (System.nanoTime() - s) / 1_000_000;
        if (view.version() != version || !view.text().equals(text)) {
          throw new IllegalStateException("recovered version %d (%d characters), expected %d (%d)"
              .formatted(view.version(), view.text().length(), version, text.length()));
        }
        say("  recovery %d: %,d ms (probe %d ms); load average %s".formatted(r + 1, recovery[r], probeMs[r], PersistenceBenchmark.loadAverage()));
      }
    }
    return new Result(interval, version, text.length(), writeSeconds, recovery, probeMs, liveGetMicros);
  }

  private static void create(EntityRef<Document.Command> doc) throws Exception {
    doc.<Document.View>askWithStatus(r -> new Document.Create(OWNER, "recovery benchmark", r), ASK).toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static Document.View get(EntityRef<Document.Command> doc, Duration timeout) throws Exception {
    return doc.<Document.View>askWithStatus(r -> new Document.Get(OWNER, r), timeout)
        .toCompletableFuture()
        .get(timeout.toSeconds() + 5, TimeUnit.SECONDS);
  }

  /** Newest version and text length any writer has seen: the base of the next op. */
  private record Base(long version, int length) {}

  /** {@code count} ops by {@link #writers} closed-loop writers; fails on the first refused op. */
  private void write(EntityRef<Document.Command> doc, int count) throws Exception {
    Document.View start = get(doc, ASK);
    AtomicReference<Base> base = new AtomicReference<>(new Base(start.version(), start.text().length()));
    AtomicInteger left = new AtomicInteger(count);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    for (int w = 0; w < Math.min(writers, count); w++) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      loops.add(done);
      next(doc, "w" + w, new AtomicLong(), new SplittableRandom(w), base, left, failed, done);
    }
    CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
    if (failed.get() != null) throw new IllegalStateException("an op was refused: " + ClosedLoop.describe(failed.get()), failed.get());
  }

  private void next(
      EntityRef<Document.Command> doc,
      String clientId,
      AtomicLong clientSeq,
      SplittableRandom random,
      AtomicReference<Base> base,
      AtomicInteger left,
      AtomicReference<Throwable> failed,
      CompletableFuture<Void> done) {
    if (failed.get() != null || left.getAndDecrement() <= 0) {
      done.complete(null);
      return;
    }
    Base b = base.get();
    TextOperation op = edit(random, b.length());
    long seq = clientSeq.incrementAndGet();
    CompletionStage<Document.OpAck> ack =
        doc.askWithStatus(r -> new Document.Apply(OWNER, clientId, seq, b.version(), op, r), ASK);
    ack.whenComplete(
        (a, e) -> {
          if (e != null) {
            failed.compareAndSet(null, e);
            done.complete(null);
            return;
          }
          base.accumulateAndGet(new Base(a.version(), a.length()), (x, y) -> y.version() > x.version() ? y : x);
          next(doc, clientId, clientSeq, random, base, left, failed, done);
        });
  }

  private TextOperation edit(SplittableRandom random, int length) {
    if (length < textLength) {
      int at = random.nextInt(length + 1);
      StringBuilder s = new StringBuilder();
      for (int i = 1 + random.nextInt(3); i > 0; i--) s.append((char) ('a' + random.nextInt(26)));
      return TextOperation.empty().retain(at).insert(s.toString()).retain(length - at);
    }
    int n = 1 + random.nextInt(3);
    int at = random.nextInt(length - n + 1);
    return TextOperation.empty().retain(at).delete(n).retain(length - at - n);
  }

  private String report(List<Result> results, String loadBefore, double wallSeconds, String heap) {
    StringBuilder md = new StringBuilder("# Document recovery benchmark\n\n");
    md.append("Run ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append("; ").append(runs)
        .append(" recoveries per interval, each on a fresh actor system (same JVM) after a warm-up recovery of a 5-op probe document.\n\n");
    md.append("| pulse.documents.snapshot-every | events | text chars | write ops/s | recovery median ms | recoveries ms | probe median ms |\n");
    md.append("|---:|---:|---:|---:|---:|---|---:|\n");
    for (Result r : results) {
      md.append("| %,d | %,d | %,d | %,.0f | %,d | %s | %d |\n".formatted(
          r.interval(), r.events(), r.textChars(), ops / r.writeSeconds(), r.median(r.recoveryMillis()),
          Arrays.toString(r.recoveryMillis()), r.median(r.probeMillis())));
    }
    md.append("\n- machine: %d cores, JDK %s; embedded single-node Cassandra, heap %s\n"
        .formatted(Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), heap));
    md.append("- ops: %,d by %d closed-loop writers through Cluster Sharding (group commit on); random 1-3 letter inserts up to ~%,d characters, then deletes\n"
        .formatted(ops, writers, textLength));
    md.append("- load average (1 min) at start / end: %s / %s (other work on this machine competes for its cores)\n"
        .formatted(loadBefore, PersistenceBenchmark.loadAverage()));
    md.append("- wall time: %.0f s\n".formatted(wallSeconds));
    md.append("\nCommand: `mvn -B -ntp -o -q -pl benchmarks exec:java -Dexec.mainClass=io.pulse.bench.DocumentRecoveryBenchmark`\n");
    return md.toString();
  }

  private static Path outputDir() {
    String configured = System.getProperty("bench.output-dir");
    if (configured != null && !configured.isBlank()) return Path.of(configured).toAbsolutePath();
    Path module = Path.of("benchmarks");
    return (Files.isDirectory(module) ? module.resolve("target") : Path.of("target")).toAbsolutePath();
  }
}
