package io.pulse.actors.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The delivery queue on the in-memory journal with a sender the test controls. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertDeliveryTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final AlertDelivery.Policy POLICY =
      new AlertDelivery.Policy(List.of("alertname"), Duration.ofMillis(300), Duration.ofMillis(600), new Backoff(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMillis(5)));
  private static final AlertDelivery.Settings SETTINGS =
      new AlertDelivery.Settings(r -> r.startsWith("ops") ? Optional.of(POLICY) : Optional.empty(), 3, 5);

  record Sent(String id, int attempt, List<String> transitions) {}

  private final ActorTestKit testKit = ActorTestKit.create("AlertDeliveryTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private final List<Sent> sent = new CopyOnWriteArrayList<>();
  /** What the next attempt answers; null: never answers (the node dies mid-attempt). */
  private final AtomicReference<WebhookSender.Result> answer = new AtomicReference<>();
  private EventSourcedBehaviorTestKit<AlertDelivery.Command, AlertDelivery.Event, AlertDelivery.State> queue;

  @BeforeEach
  void fresh() {
    sent.clear();
    answer.set(WebhookSender.Result.ok());
    WebhookSender sender =
        (receiver, d, attempt) -> {
          sent.add(new Sent(d.id(), attempt, d.notices().stream().map(AlertNotice::id).toList()));
          WebhookSender.Result r = answer.get();
          return r == null ? new CompletableFuture<>() : CompletableFuture.completedFuture(r);
        };
    queue = EventSourcedBehaviorTestKit.create(testKit.system(), AlertDelivery.create("ops-" + ids.incrementAndGet(), SETTINGS, sender, Clock.systemUTC(), new Random(1)));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private static AlertNotice notice(String rule, long seq, String host, String status) {
    return new AlertNotice(rule, seq, "ops", status, new TreeMap<>(Map.of("alertname", rule, "host", host)), new TreeMap<>(), 95, 1, 0, 2);
  }

  private void enqueue(AlertNotice... notices) {
    StatusReply<Done> r = queue.<StatusReply<Done>>runCommand(x -> new AlertDelivery.Enqueue(List.of(notices), x)).reply();
    assertThat(r.isSuccess()).as("%s", r).isTrue();
  }

  private void await(Predicate<AlertDelivery.State> condition, String what) {
    long until = System.nanoTime() + WAIT.toNanos();
    while (!condition.test(queue.getState())) {
      assertThat(System.nanoTime()).as("%s; state %s; sent %s", what, queue.getState(), sent).isLessThan(until);
      try {
        Thread.sleep(10); // the queue works on its own timers
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void twoAlertsOfOneGroupGoOutAsOneNotification() {
    enqueue(notice("cpu", 1, "a", "firing"));
    enqueue(notice("cpu", 2, "b", "firing"));
    await(s -> s.delivered().size() == 1, "delivered");
    assertThat(sent).singleElement().satisfies(x -> {
      assertThat(x.transitions()).containsExactly("cpu/1", "cpu/2");
      assertThat(x.id()).isEqualTo(NotificationIds.notification(List.of("cpu/1", "cpu/2")));
    });
    AlertDelivery.Delivery d = queue.getState().delivered().get(0);
    assertThat(d.status()).isEqualTo("delivered");
    assertThat(d.attempts()).isEqualTo(1);
  }

  @Test
  void aResentHandOffIsEnqueuedOnce() {
    enqueue(notice("cpu", 1, "a", "firing"));
    enqueue(notice("cpu", 1, "a", "firing"), notice("cpu", 2, "a", "resolved"));
    enqueue(notice("cpu", 2, "a", "resolved"));
    await(s -> s.delivered().size() == 1, "delivered");
    assertThat(sent).singleElement().satisfies(x -> assertThat(x.transitions()).containsExactly("cpu/1", "cpu/2"));
  }

  @Test
  void aReceiverThatIsDownGetsEveryNotificationInOrderWithTheSameIds() {
    answer.set(WebhookSender.Result.failed("503 Service Unavailable"));
    enqueue(notice("cpu", 1, "a", "firing"));
    await(s -> !s.queue().isEmpty() && s.queue().get(0).attempts() >= 3, "three failed attempts");
    enqueue(notice("cpu", 2, "a", "resolved"), notice("disk", 1, "a", "firing"));
    AlertDelivery.Delivery head = queue.getState().queue().get(0);
    assertThat(head.status()).isEqualTo("retrying");
    assertThat(head.lastError()).isEqualTo("503 Service Unavailable");
    assertThat(head.nextAttemptAt()).isPositive();
    answer.set(WebhookSender.Result.ok());
    await(s -> s.queue().isEmpty() && s.waiting().isEmpty(), "all delivered");
    String first = NotificationIds.notification(List.of("cpu/1"));
    assertThat(sent.stream().filter(x -> !x.id().equals(first)).findFirst()).isPresent();
    // every attempt of the first carries its id, and nothing after it went out before it was delivered
    int lastOfFirst = 0;
    for (int i = 0; i < sent.size(); i++) if (sent.get(i).id().equals(first)) lastOfFirst = i;
    for (int i = 0; i <= lastOfFirst; i++) assertThat(sent.get(i).id()).isEqualTo(first);
    List<String> order = sent.stream().map(Sent::transitions).flatMap(List::stream).distinct().toList();
    assertThat(order.indexOf("cpu/1")).isLessThan(order.indexOf("cpu/2"));
    assertThat(order).containsExactlyInAnyOrder("cpu/1", "cpu/2", "disk/1");
    assertThat(sent.get(lastOfFirst).attempt()).isEqualTo(lastOfFirst + 1);
  }

  @Test
  void aNotificationInFlightWhenTheNodeDiesIsSentAgainWithItsId() {
    answer.set(null);
    enqueue(notice("cpu", 1, "a", "firing"));
    long until = System.nanoTime() + WAIT.toNanos();
    while (sent.isEmpty()) {
      assertThat(System.nanoTime()).isLessThan(until);
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
    }
    answer.set(WebhookSender.Result.ok());
    queue.restart();
    await(s -> s.delivered().size() == 1, "delivered after the restart");
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).id()).isEqualTo(sent.get(0).id());
  }

  @Test
  void retriesGoOnFromPersistedStateAfterARestart() {
    answer.set(WebhookSender.Result.failed("connection refused"));
    enqueue(notice("cpu", 1, "a", "firing"));
    await(s -> !s.queue().isEmpty() && s.queue().get(0).attempts() >= 2, "two failed attempts");
    answer.set(WebhookSender.Result.ok());
    queue.restart();
    int attempts = queue.getState().queue().isEmpty() ? 0 : queue.getState().queue().get(0).attempts();
    await(s -> s.delivered().size() == 1, "delivered after the restart");
    assertThat(queue.getState().delivered().get(0).attempts()).isGreaterThan(attempts == 0 ? 1 : attempts);
  }

  @Test
  void anUnknownReceiverIsRefused() {
    var unknown = EventSourcedBehaviorTestKit.<AlertDelivery.Command, AlertDelivery.Event, AlertDelivery.State>create(
        testKit.system(), AlertDelivery.create("nobody", SETTINGS, (r, d, a) -> CompletableFuture.completedFuture(WebhookSender.Result.ok()), Clock.systemUTC(), new Random(1)));
    StatusReply<Done> r = unknown.<StatusReply<Done>>runCommand(x -> new AlertDelivery.Enqueue(List.of(notice("cpu", 1, "a", "firing")), x)).reply();
    assertThat(Rejection.of(r.getError()).code()).isEqualTo(AlertDelivery.UNKNOWN_RECEIVER);
  }

  @Test
  void onlyTheNewestDeliveredAreKept() {
    for (int i = 1; i <= 5; i++) {
      enqueue(notice("r" + i, 1, "a", "firing"));
    }
    await(s -> s.queue().isEmpty() && s.waiting().isEmpty(), "all delivered");
    assertThat(queue.getState().delivered()).hasSize(3);
    var view = queue.<StatusReply<AlertDelivery.Deliveries>>runCommand(AlertDelivery.GetDeliveries::new).reply().getValue();
    assertThat(view.delivered()).hasSize(3);
    // 15 events with a snapshot every 5: recovery from the snapshot and the events after it gives the same state
    AlertDelivery.State before = queue.getState();
    queue.restart();
    assertThat(queue.getState()).isEqualTo(before);
    enqueue(notice("r5", 1, "a", "firing")); // still deduplicated after the restart
    assertThat(queue.getState()).isEqualTo(before);
  }
}
