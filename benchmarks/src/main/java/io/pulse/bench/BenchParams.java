package io.pulse.bench;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's parameters, from system properties (all optional):
 *
 * <pre>
 *   bench.warmup             5s      warm-up before each measured window (discarded)
 *   bench.duration           20s     measured window of each row
 *   bench.baseline           128,512 raw-insert rows: requests in flight ("none" skips the baseline)
 *   bench.scenarios          hot-32,hot-128,entities-100,entities-10000   entity rows ("none" skips them):
 *                                    hot-S: one conversation, S concurrent senders (S &lt;= bench.members);
 *                                    entities-N[@S]: N conversations, S senders round-robin (default bench.senders)
 *   bench.senders            512     senders of an entities-N scenario without @S
 *   bench.members            128     members (s0..) of the hot conversation
 *   bench.payload-bytes      100     event blob of a raw insert
 *   bench.text               (24 characters)  the text of every Conversation.Send
 *   bench.ask-timeout        10s     timeout of one Send ask (a timeout counts as an error)
 *   bench.create-parallelism 256     concurrent Create asks while setting up conversations
 *   bench.cassandra-heap     (pulse.cassandra.embedded.max-heap)  heap of the embedded Cassandra
 *   bench.output-dir         benchmarks/target  where persistence-benchmark.md is written
 * </pre>
 *
 * A duration is a number of seconds or a HOCON duration ("20s", "1500ms", "1m").
 */
record BenchParams(
    Duration warmup,
    Duration duration,
    List<Integer> baselineInFlight,
    List<EntityScenario> scenarios,
    int members,
    int payloadBytes,
    String text,
    Duration askTimeout,
    int createParallelism,
    String cassandraHeap,
    Path outputDir) {

  /** One entity row: {@code entities} conversations driven by {@code senders} closed-loop senders. */
  record EntityScenario(String name, int entities, int senders) {
    boolean hot() {
      return entities == 1;
    }

    String label() {
      return hot() ? "Pulse: 1 hot conversation" : "Pulse: %,d conversations".formatted(entities);
    }
  }

  /** With it a MessageSent event serializes to about 100 bytes, like the raw rows' blob. */
  static final String DEFAULT_TEXT = "benchmark: the quick fox";

  private static final Pattern HOT = Pattern.compile("hot-(\\d+)");
  private static final Pattern SPREAD = Pattern.compile("entities-(\\d+)(?:@(\\d+))?");

  static BenchParams fromSystemProperties() {
    int members = intProp("bench.members", 128);
    int defaultSenders = intProp("bench.senders", 512);
    List<EntityScenario> scenarios = scenarios(prop("bench.scenarios", "hot-32,hot-128,entities-100,entities-10000"), defaultSenders);
    for (EntityScenario s : scenarios) {
      if (s.hot() && s.senders() > members) {
        throw new IllegalArgumentException(
            "scenario %s: more senders than members of the hot conversation (bench.members = %d)".formatted(s.name(), members));
      }
    }
    return new BenchParams(
        duration("bench.warmup", "5"),
        duration("bench.duration", "20"),
        ints(prop("bench.baseline", "128,512")),
        scenarios,
        members,
        intProp("bench.payload-bytes", 100),
        prop("bench.text", DEFAULT_TEXT),
        duration("bench.ask-timeout", "10"),
        intProp("bench.create-parallelism", 256),
        System.getProperty("bench.cassandra-heap"),
        defaultOutputDir());
  }

  private static List<EntityScenario> scenarios(String spec, int defaultSenders) {
    List<EntityScenario> result = new ArrayList<>();
    if (spec.isBlank() || spec.strip().equals("none")) return result;
    for (String part : spec.split(",")) {
      String name = part.strip();
      Matcher hot = HOT.matcher(name);
      Matcher spread = SPREAD.matcher(name);
      if (hot.matches()) {
        result.add(new EntityScenario(name, 1, positive(name, Integer.parseInt(hot.group(1)))));
      } else if (spread.matches()) {
        int senders = spread.group(2) == null ? defaultSenders : Integer.parseInt(spread.group(2));
        result.add(new EntityScenario(name, positive(name, Integer.parseInt(spread.group(1))), positive(name, senders)));
      } else {
        throw new IllegalArgumentException(
            "bench.scenarios: unknown scenario '%s' (use hot-<senders> or entities-<count>[@<senders>])".formatted(name));
      }
    }
    return result;
  }

  private static List<Integer> ints(String spec) {
    List<Integer> result = new ArrayList<>();
    if (spec.isBlank() || spec.strip().equals("none")) return result;
    for (String part : spec.split(",")) {
      result.add(positive("bench.baseline", Integer.parseInt(part.strip())));
    }
    return result;
  }

  private static int positive(String what, int value) {
    if (value <= 0) throw new IllegalArgumentException(what + ": must be positive, was " + value);
    return value;
  }

  private static Duration duration(String key, String fallback) {
    String value = prop(key, fallback).strip();
    Duration d =
        value.matches("\\d+")
            ? Duration.ofSeconds(Long.parseLong(value))
            : ConfigFactory.parseString("d = \"" + value + "\"").getDuration("d");
    if (d.isNegative()) throw new IllegalArgumentException(key + ": negative duration " + value);
    return d;
  }

  private static int intProp(String key, int fallback) {
    return positive(key, Integer.parseInt(prop(key, Integer.toString(fallback)).strip()));
  }

  private static String prop(String key, String fallback) {
    String value = System.getProperty(key);
    return value == null ? fallback : value;
  }

  private static Path defaultOutputDir() {
    String configured = System.getProperty("bench.output-dir");
    if (configured != null && !configured.isBlank()) return Path.of(configured).toAbsolutePath();
    // run from the reactor root or from the module directory
    Path module = Path.of("benchmarks");
    return (Files.isDirectory(module) ? module.resolve("target") : Path.of("target")).toAbsolutePath();
  }
}
