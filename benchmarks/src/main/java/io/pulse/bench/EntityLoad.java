package io.pulse.bench;

import com.typesafe.config.Config;
import io.pulse.actors.chat.Conversation;
import io.pulse.actors.Rejection;
import io.pulse.actors.chat.ConversationRules;
import io.pulse.config.PulseSettings;
import io.pulse.persistence.JournalHealth;
import io.pulse.sharding.ClusterMembership;
import io.pulse.sharding.PulseSharding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * Pulse's own write path in this JVM: a single-node cluster started from Pulse's configuration, every entity type
 * registered by {@link PulseSharding#init}, and {@link Conversation.Send} asks through Cluster Sharding, as the
 * WebSocket gateway makes them (without the gateway's per-connection rate limit, which direct asks bypass).
 */
final class EntityLoad implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
  private static final int CREATE_ATTEMPTS = 3;

  private final ActorSystem<Void> system;
  private final ClusterSharding sharding;
  private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

  private EntityLoad(ActorSystem<Void> system) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
  }

  /** Starts the node's actor system (system name "pulse", as its seed nodes say) and waits until it can persist. */
  static EntityLoad start(Config config) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "pulse", config);
    try {
      PulseSharding.init(system, PulseSettings.from(config));
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (!ClusterMembership.isUp(system)
          || !JournalHealth.check(system, Duration.ofSeconds(2)).toCompletableFuture().get()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the node did not join itself or reach the journal within " + START_TIMEOUT.toSeconds() + " s");
        }
        Thread.sleep(100);
      }
      return new EntityLoad(system);
    } catch (Exception e) {
      terminate(system);
      throw e;
    }
  }

  /** The running system, for harnesses that drive other entity types (DocumentRecoveryBenchmark). */
  ActorSystem<Void> system() {
    return system;
  }

  ClusterSharding sharding() {
    return sharding;
  }

  /** The journal payload of one benchmark message, as the plugin stores it: serializer id and bytes. */
  String eventSize(String text) {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(system));
    Conversation.MessageSent event = new Conversation.MessageSent("s127", clientMsgId(9, 511, 123_456), text, System.currentTimeMillis());
    byte[] bytes = serialization.serialize(event).get();
    return "%d bytes (serializer %d, manifest %s)"
        .formatted(bytes.length, serialization.findSerializerFor(event).identifier(), Conversation.MessageSent.class.getName());
  }

  /**
   * Creates the scenario's conversations, then measures closed-loop sends.
   *
   * <p>Hot: one group of {@code members} members s0.., sender k sends as s&lt;k&gt;. Spread: conversation e is a group
   * whose only member is s&lt;e mod members&gt;, so that creating 10,000 of them costs no more than one inbox write
   * each (an inbox is an entity per member); sender k's n-th message goes to conversation (k + n * senders) mod N,
   * as that conversation's member.
   */
  ClosedLoop.Measurement run(int index, BenchParams.EntityScenario scenario, BenchParams p, Progress progress) throws Exception {
    String prefix = "bench-" + runId + "-" + index + "-";
    int n = scenario.entities();
    List<EntityRef<Conversation.Command>> refs = new ArrayList<>(n);
    for (int e = 0; e < n; e++) {
      refs.add(sharding.entityRefFor(Conversation.ENTITY_TYPE_KEY, prefix + e));
    }
    long createStart = System.nanoTime();
    if (scenario.hot()) {
      List<String> invited = new ArrayList<>();
      for (int m = 1; m < p.members(); m++) invited.add(user(m));
      create(refs, e -> new Creation(user(0), invited), p.createParallelism());
    } else {
      create(refs, e -> new Creation(user(e % p.members()), List.of()), p.createParallelism());
    }
    progress.say(
        "  created %,d conversation%s in %.1f s"
            .formatted(n, n == 1 ? "" : "s", (System.nanoTime() - createStart) / 1e9));

    int senders = scenario.senders();
    String text = p.text();
    Duration askTimeout = p.askTimeout();
    ClosedLoop.Operation send =
        scenario.hot()
            ? (k, i) -> send(refs.get(0), user(k), clientMsgId(index, k, i), text, askTimeout)
            : (k, i) -> {
              int e = (int) ((k + i * (long) senders) % n);
              return send(refs.get(e), user(e % p.members()), clientMsgId(index, k, i), text, askTimeout);
            };
    return ClosedLoop.run(
        senders, send, system.executionContext(), p.warmup(), p.duration(), askTimeout.plusSeconds(5));
  }

  private static CompletionStage<Conversation.SendAck> send(
      EntityRef<Conversation.Command> ref, String user, String clientMsgId, String text, Duration timeout) {
    return ref.askWithStatus(replyTo -> new Conversation.Send(user, clientMsgId, text, replyTo), timeout);
  }

  private record Creation(String creator, List<String> invited) {}

  /** Creates every conversation, {@code parallelism} at a time; a timed-out create is retried. */
  private void create(List<EntityRef<Conversation.Command>> refs, IntFunction<Creation> creation, int parallelism)
      throws InterruptedException {
    Semaphore permits = new Semaphore(parallelism);
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    for (int e = 0; e < refs.size(); e++) {
      permits.acquire();
      createOne(refs.get(e), creation.apply(e), 1)
          .whenComplete(
              (ok, failure) -> {
                if (failure != null) {
                  failed.incrementAndGet();
                  firstFailure.compareAndSet(null, ClosedLoop.describe(failure));
                }
                permits.release();
              });
    }
    if (!permits.tryAcquire(parallelism, CREATE_TIMEOUT.multipliedBy(CREATE_ATTEMPTS + 1).toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("creating conversations did not finish");
    }
    if (failed.get() > 0) {
      throw new IllegalStateException("%d conversations could not be created; first: %s".formatted(failed.get(), firstFailure.get()));
    }
  }

  private CompletionStage<Conversation.Summary> createOne(EntityRef<Conversation.Command> ref, Creation c, int attempt) {
    CompletionStage<Conversation.Summary> ask =
        ref.askWithStatus(
            replyTo -> new Conversation.Create(c.creator(), Conversation.GROUP, c.invited(), "benchmark", replyTo),
            CREATE_TIMEOUT);
    return ask.<CompletionStage<Conversation.Summary>>handle((summary, failure) -> {
          if (failure == null) return CompletableFuture.<Conversation.Summary>completedFuture(summary);
          // a retry after a create that did land (its ack was lost) finds the conversation there
          if (attempt > 1 && ConversationRules.CONFLICT.equals(Rejection.of(unwrap(failure)).code())) {
            return CompletableFuture.<Conversation.Summary>completedFuture(null);
          }
          if (attempt < CREATE_ATTEMPTS) return createOne(ref, c, attempt + 1);
          return CompletableFuture.<Conversation.Summary>failedFuture(failure);
        })
        .thenCompose(stage -> stage);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  static String user(int i) {
    return "s" + i;
  }

  /** Unique per run, scenario, sender and message; at most ConversationRules.MAX_CLIENT_MSG_ID characters. */
  private static String clientMsgId(int scenario, int sender, long n) {
    return "b" + scenario + "-" + sender + "-" + n;
  }

  @Override
  public void close() {
    terminate(system);
  }

  private static void terminate(ActorSystem<?> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("The actor system did not terminate within 60 s: " + ClosedLoop.describe(e));
    }
  }

  /** Where progress lines go. */
  interface Progress {
    void say(String line);
  }
}
