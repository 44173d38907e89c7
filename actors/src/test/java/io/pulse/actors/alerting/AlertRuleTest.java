package io.pulse.actors.alerting;

import io.pulse.actors.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The AlertRule entity on the in-memory journal: a query the test sets, silences the test sets, the delivery queue a probe. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertRuleTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final AlertRule.Settings SETTINGS =
      new AlertRule.Settings(Set.of("ops", "pager"), Duration.ofMillis(10), Duration.ofMinutes(5), Duration.ofSeconds(3), Duration.ofMillis(100), 5);

  private final ActorTestKit testKit = ActorTestKit.create("AlertRuleTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  // new per test and captured by that test's rule: earlier tests' rules keep running on their own timers
  private AtomicReference<List<LabeledValue>> values;
  private AtomicReference<List<Silence>> silences;
  private AtomicReference<RuntimeException> queryFails;
  private TestClock clock;
  private TestProbe<AlertDelivery.Command> delivery;
  private EventSourcedBehaviorTestKit<AlertRule.Command, AlertRule.Event, AlertRule.State> rule;
  private String id;

  @BeforeEach
  void fresh() {
    id = "rule-" + ids.incrementAndGet();
    clock = new TestClock(1_000_000);
    rule = kit(SETTINGS);
  }

  private EventSourcedBehaviorTestKit<AlertRule.Command, AlertRule.Event, AlertRule.State> kit(AlertRule.Settings settings) {
    AtomicReference<List<LabeledValue>> v = values = new AtomicReference<>(List.of());
    AtomicReference<List<Silence>> sil = silences = new AtomicReference<>(List.of());
    AtomicReference<RuntimeException> fails = queryFails = new AtomicReference<>();
    TestProbe<AlertDelivery.Command> probe = delivery = testKit.createTestProbe();
    RuleQuery query =
        (q, at) -> {
          if (fails.get() != null) return CompletableFuture.failedFuture(fails.get());
          return CompletableFuture.completedFuture(v.get());
        };
    AlertRule.SilenceLookup lookup = at -> CompletableFuture.completedFuture(sil.get());
    return EventSourcedBehaviorTestKit.create(testKit.system(), AlertRule.create(id, settings, query, lookup, r -> probe.ref(), clock));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private static Rules.RuleSpec spec(long forMs) {
    return new Rules.RuleSpec(
        "cpu_usage", Comparison.GT, 90, forMs, 50, new TreeMap<>(Map.of("severity", "page")), new TreeMap<>(Map.of("summary", "CPU high")), "ops");
  }

  private AlertRule.View define(Rules.RuleSpec spec) {
    StatusReply<AlertRule.View> r = rule.<StatusReply<AlertRule.View>>runCommand(x -> new AlertRule.Define(spec, x)).reply();
    assertThat(r.isSuccess()).as("%s", r).isTrue();
    return r.getValue();
  }

  private void host(String h, double v) {
    values.set(List.of(LabeledValue.of(Map.of("host", h), v)));
  }

  private void awaitState(Predicate<AlertRule.State> condition, String what) {
    long until = System.nanoTime() + WAIT.toNanos();
    while (!condition.test(rule.getState())) {
      assertThat(System.nanoTime()).as("%s; state %s", what, rule.getState()).isLessThan(until);
      try {
        Thread.sleep(10); // the rule evaluates on its own timer; nothing to await but its state
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private AlertStatus status(String host) {
    AlertState a = rule.getState().alerts().get("{host=\"" + host + "\"}");
    return a == null ? null : a.status();
  }

  private AlertDelivery.Enqueue enqueued() {
    return delivery.expectMessageClass(AlertDelivery.Enqueue.class, WAIT);
  }

  @Test
  void pendingFiresAfterForThenResolvesEachHandedOnOnce() {
    host("a", 95);
    define(spec(10_000));
    awaitState(s -> status("a") == AlertStatus.PENDING, "pending");
    delivery.expectNoMessage(Duration.ofMillis(200));
    clock.advance(10_000);
    awaitState(s -> status("a") == AlertStatus.FIRING, "firing after for");
    AlertDelivery.Enqueue firing = enqueued();
    assertThat(firing.notices()).singleElement().satisfies(n -> {
      assertThat(n.seq()).isEqualTo(1);
      assertThat(n.status()).isEqualTo("firing");
      assertThat(n.receiver()).isEqualTo("ops");
      assertThat(n.labels()).containsEntry("alertname", id).containsEntry("host", "a").containsEntry("severity", "page");
      assertThat(n.annotations()).containsEntry("summary", "CPU high");
      assertThat(n.startsAt()).isEqualTo(1_000_000);
    });
    firing.replyTo().tell(StatusReply.success(Done.getInstance()));
    awaitState(s -> s.handedOff() == 1 && s.outbox().isEmpty(), "handed off");
    delivery.expectNoMessage(Duration.ofMillis(200)); // firing stays firing: nothing new

    host("a", 10);
    clock.advance(1_000);
    awaitState(s -> status("a") == AlertStatus.RESOLVED, "resolved");
    AlertDelivery.Enqueue resolved = enqueued();
    assertThat(resolved.notices()).singleElement().satisfies(n -> {
      assertThat(n.seq()).isEqualTo(2);
      assertThat(n.status()).isEqualTo("resolved");
      assertThat(n.endsAt()).isEqualTo(1_011_000);
    });
    resolved.replyTo().tell(StatusReply.success(Done.getInstance()));
    awaitState(s -> s.handedOff() == 2, "resolved handed off");
  }

  @Test
  void aRestartWhileFiringNeitherFiresAgainNorForgets() {
    host("a", 95);
    define(spec(0));
    awaitState(s -> status("a") == AlertStatus.FIRING, "firing");
    AlertDelivery.Enqueue first = enqueued(); // never acknowledged: the node "died" before the hand-off
    rule.restart();
    assertThat(status("a")).isEqualTo(AlertStatus.FIRING);
    AlertDelivery.Enqueue again = enqueued();
    assertThat(again.notices()).isEqualTo(first.notices()); // the same seq, so the same ids downstream
    again.replyTo().tell(StatusReply.success(Done.getInstance()));
    awaitState(s -> s.handedOff() == 1, "handed off after the restart");
    clock.advance(5_000);
    delivery.expectNoMessage(Duration.ofMillis(300));
    assertThat(rule.getState().lastSeq()).as("no second firing").isEqualTo(1);

    rule.restart();
    host("a", 10);
    clock.advance(1_000);
    awaitState(s -> status("a") == AlertStatus.RESOLVED, "resolved after a restart: it remembered firing");
    assertThat(enqueued().notices()).singleElement().satisfies(n -> assertThat(n.seq()).isEqualTo(2));
  }

  @Test
  void aPendingForKeepsCountingAcrossARestart() {
    host("a", 95);
    define(spec(10_000));
    awaitState(s -> status("a") == AlertStatus.PENDING, "pending");
    clock.advance(6_000);
    rule.restart();
    clock.advance(4_000);
    awaitState(s -> status("a") == AlertStatus.FIRING, "firing 10 s after it began, restart or not");
    assertThat(rule.getState().alerts().get("{host=\"a\"}").activeSince()).isEqualTo(1_000_000);
  }

  @Test
  void aSilencedTransitionIsPersistedButNotHandedOn() {
    silences.set(List.of(new Silence("s1", List.of(new LabelMatcher("host", "=", "a")), 0, Long.MAX_VALUE, "ops", "maintenance")));
    values.set(List.of(LabeledValue.of(Map.of("host", "a"), 95), LabeledValue.of(Map.of("host", "b"), 95)));
    define(spec(0));
    awaitState(s -> status("a") == AlertStatus.FIRING && status("b") == AlertStatus.FIRING, "both firing");
    AlertDelivery.Enqueue e = enqueued();
    assertThat(e.notices()).singleElement().satisfies(n -> assertThat(n.labels()).containsEntry("host", "b"));
    assertThat(rule.getState().lastSeq()).isEqualTo(1);
  }

  @Test
  void aFailedHandOffIsRetriedWithTheSameNotice() {
    rule = kit(new AlertRule.Settings(Set.of("ops"), Duration.ofMillis(10), Duration.ofMinutes(5), Duration.ofMillis(300), Duration.ofMillis(100), 5));
    host("a", 95);
    define(spec(0));
    AlertDelivery.Enqueue first = enqueued(); // not answered: the ask times out
    AlertDelivery.Enqueue retried = enqueued();
    assertThat(retried.notices()).isEqualTo(first.notices());
    retried.replyTo().tell(StatusReply.error("unknown_receiver: no"));
    AlertDelivery.Enqueue third = enqueued();
    third.replyTo().tell(StatusReply.success(Done.getInstance()));
    awaitState(s -> s.handedOff() == 1, "handed off at last");
  }

  @Test
  void aFailingQueryChangesNothingAndSaysWhy() {
    host("a", 95);
    define(spec(0));
    awaitState(s -> status("a") == AlertStatus.FIRING, "firing");
    enqueued().replyTo().tell(StatusReply.success(Done.getInstance()));
    queryFails.set(new IllegalStateException("engine down"));
    clock.advance(1_000);
    long until = System.nanoTime() + WAIT.toNanos();
    AlertRule.View v;
    do {
      v = rule.<StatusReply<AlertRule.View>>runCommand(AlertRule.Get::new).reply().getValue();
      assertThat(System.nanoTime()).isLessThan(until);
    } while (v.lastError() == null);
    assertThat(v.lastError()).contains("engine down");
    assertThat(status("a")).as("an outage of the engine does not resolve").isEqualTo(AlertStatus.FIRING);
    delivery.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void badDefinitionsUndefinedRulesAndDelete() {
    String code = Rejection.of(rule.<StatusReply<AlertRule.View>>runCommand(AlertRule.Get::new).reply().getError()).code();
    assertThat(code).isEqualTo(AlertRule.NOT_FOUND);
    Rules.RuleSpec unknown = new Rules.RuleSpec("q", Comparison.GT, 1, 0, 50, new TreeMap<>(), new TreeMap<>(), "nobody");
    StatusReply<AlertRule.View> refused = rule.<StatusReply<AlertRule.View>>runCommand(x -> new AlertRule.Define(unknown, x)).reply();
    assertThat(Rejection.of(refused.getError()).code()).isEqualTo(Rules.UNKNOWN_RECEIVER);
    assertThat(rule.getState().defined()).as("nothing persisted").isFalse();

    define(spec(0));
    assertThat(define(spec(0)).spec()).as("the same definition again is answered again").isEqualTo(spec(0));
    StatusReply<Done> deleted = rule.<StatusReply<Done>>runCommand(AlertRule.Delete::new).reply();
    assertThat(deleted.isSuccess()).isTrue();
    rule.restart();
    assertThat(rule.getState().defined()).isFalse();
    assertThat(Rejection.of(rule.<StatusReply<Done>>runCommand(AlertRule.Delete::new).reply().getError()).code()).isEqualTo(AlertRule.NOT_FOUND);
  }

  @Test
  void anEvaluationThatStartsLateReportsItsLag() {
    java.util.concurrent.ConcurrentLinkedQueue<Double> lags = new java.util.concurrent.ConcurrentLinkedQueue<>();
    AlertEvaluationLags.get(testKit.system()).observeWith(lags::add);
    try {
      long interval = Duration.ofMinutes(10).toMillis(); // long enough that the timer never fires during the test
      host("a", 10);
      define(new Rules.RuleSpec("cpu_usage", Comparison.GT, 90, 0, interval, new TreeMap<>(), new TreeMap<>(), "ops"));
      AlertRule.View first = awaitView(v -> v.lastEvaluatedAt() != 0, "first evaluation");
      assertThat(first.lastLagMs()).as("the definition's own evaluation runs at once").isZero();
      assertThat(first.nextEvaluationAt()).isEqualTo(1_000_000 + interval);

      // the evaluation the schedule wanted at +10 min starts 3 s after it (a busy node): the timer firing late
      clock.advance(interval + 3_000);
      rule.runCommand(new AlertRule.Evaluate());
      AlertRule.View late = awaitView(v -> v.lastEvaluatedAt() == 1_000_000 + interval + 3_000, "late evaluation");
      assertThat(late.lastLagMs()).isEqualTo(3_000);
      assertThat(lags).contains(3.0);
    } finally {
      AlertEvaluationLags.get(testKit.system()).observeWith(seconds -> {});
    }
  }

  private AlertRule.View awaitView(Predicate<AlertRule.View> condition, String what) {
    long until = System.nanoTime() + WAIT.toNanos();
    while (true) {
      AlertRule.View v = rule.<StatusReply<AlertRule.View>>runCommand(AlertRule.Get::new).reply().getValue();
      if (condition.test(v)) return v;
      assertThat(System.nanoTime()).as("%s; view %s", what, v).isLessThan(until);
      try {
        Thread.sleep(10); // the evaluation completes on a piped future; nothing to await but the view
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
