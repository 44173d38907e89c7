package io.pulse.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Merges the reports of a {@link ChatSimulation} run split over several processes ({@code -Dshards=N})
 * into one: counters summed, latency histograms added.
 *
 * <pre>
 * mvn -q -pl load-tests exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.pulse.load.ChatReport
 * </pre>
 *
 * reads {@code chat-latency-shard*.txt} in the given folder (default: this module's {@code target}) and writes
 * {@code chat-latency.txt} beside them.
 */
public final class ChatReport {
  private ChatReport() {}

  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]) : ChatSimulation.targetDir();
    List<Map<String, String>> parts = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().matches("chat-latency-shard\\d+\\.txt")).sorted().toList()) {
        parts.add(ChatStats.readRaw(f));
      }
    }
    if (parts.isEmpty()) throw new IllegalArgumentException("no chat-latency-shard*.txt in " + dir.toAbsolutePath());
    // one report per shard of one split run: "shard: i/N" for every i < N, once
    Set<String> shards = new TreeSet<>();
    for (Map<String, String> p : parts) shards.add(p.get("shard"));
    int n = Integer.parseInt(parts.get(0).get("shard").split("/")[1]);
    Set<String> wanted = new TreeSet<>();
    for (int i = 0; i < n; i++) wanted.add(i + "/" + n);
    if (!shards.equals(wanted) || parts.size() != n) {
      throw new IllegalArgumentException("expected the reports of shards " + wanted + ", found " + shards
          + " in " + parts.size() + " files: remove those of other runs");
    }
    String summary = ChatStats.summary(parts);
    Path out = dir.resolve("chat-latency.txt");
    Files.writeString(out, summary);
    System.out.print(summary);
    System.out.println("  written to " + out.toAbsolutePath());
  }
}
