package io.pulse.actors.alerting;

import io.pulse.actors.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every command, event, reply and state of alerting survives CBOR and comes back equal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertingSerializationTest {
  private final ActorTestKit testKit = ActorTestKit.create("AlertingSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  private static final TreeMap<String, String> LABELS = new TreeMap<>(Map.of("alertname", "cpu", "host", "a"));
  private static final Rules.RuleSpec SPEC = new Rules.RuleSpec("cpu_usage > 0", Comparison.GE, 90.5, 60_000, 10_000, LABELS, new TreeMap<>(Map.of("summary", "hot")), "ops");
  private static final AlertState FIRING = new AlertState(LABELS, AlertStatus.FIRING, 1, 2, 0, 95.5);
  private static final AlertState GONE = new AlertState(LABELS, AlertStatus.RESOLVED, 1, 2, 3, Double.NaN);
  private static final AlertNotice NOTICE = new AlertNotice("cpu", 1, "ops", "firing", LABELS, new TreeMap<>(), 95.5, 1, 0, 2);
  private static final Silence SILENCE = new Silence("s1", List.of(new LabelMatcher("host", "=~", "a|b"), new LabelMatcher("env", "!=", "dev")), 1, 2, "ops", "why");
  private static final AlertDelivery.Delivery DELIVERY = new AlertDelivery.Delivery("id-1", "ops", "{alertname=\"cpu\"}", List.of(NOTICE), 5, 2, 9, "503", "retrying", 0);

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private <T> ActorRef<T> ref() {
    return testKit.<T>createTestProbe().ref();
  }

  private void roundTrip(List<?> messages) {
    for (Object m : messages) serialization.verifySerialization(m, true);
  }

  @Test
  void ruleMessagesRoundTrip() {
    roundTrip(
        List.of(
            new AlertRule.Define(SPEC, ref()),
            new AlertRule.Get(ref()),
            new AlertRule.Delete(ref()),
            new AlertRule.Evaluate(),
            new AlertRule.Evaluated("q", 5, List.of(new LabeledValue(LABELS, 1.5))),
            new AlertRule.SilencesKnown("q", 5, List.of(new LabeledValue(LABELS, 1.5)), List.of(SILENCE)),
            new AlertRule.EvaluationFailed(5, "down"),
            new AlertRule.HandoffDone(3, null),
            new AlertRule.HandoffDone(3, "timeout"),
            new AlertRule.RetryHandoff(),
            new AlertRule.Defined(SPEC, 1),
            new AlertRule.Deleted(2),
            new AlertRule.AlertChanged("{host=\"a\"}", AlertStatus.PENDING, FIRING, false, NOTICE, 3),
            new AlertRule.AlertChanged("{host=\"a\"}", AlertStatus.FIRING, GONE, true, null, 3),
            new AlertRule.Forgotten(List.of("{host=\"a\"}"), 4),
            new AlertRule.HandedOff(1, 4),
            AlertRule.State.EMPTY,
            new AlertRule.State(SPEC, Map.of("{host=\"a\"}", FIRING), 1, 0, List.of(NOTICE)),
            new AlertRule.View("cpu", SPEC, List.of(FIRING), 1, 1, 5, null, 6, 7),
            StatusReply.success(new AlertRule.View("cpu", SPEC, List.of(GONE), 1, 1, 5, "err", 6, 7)),
            StatusReply.success(Done.getInstance())));
  }

  @Test
  void deliveryMessagesRoundTrip() {
    AlertDelivery.Waiting waiting = new AlertDelivery.Waiting(3, List.of(NOTICE));
    roundTrip(
        List.of(
            new AlertDelivery.Enqueue(List.of(NOTICE), ref()),
            new AlertDelivery.GetDeliveries(ref()),
            new AlertDelivery.Wake(),
            new AlertDelivery.AttemptDone("id-1", 2, false, "503"),
            new AlertDelivery.AttemptDone("id-1", 3, true, null),
            new AlertDelivery.Enqueued(NOTICE, "{alertname=\"cpu\"}", 3),
            new AlertDelivery.Formed("id-1", "{alertname=\"cpu\"}", 4),
            new AlertDelivery.AttemptFailed("id-1", 1, "503", 9, 5),
            new AlertDelivery.Delivered("id-1", 2, 10),
            AlertDelivery.State.EMPTY,
            new AlertDelivery.State(Map.of("cpu", 1L), Map.of("{alertname=\"cpu\"}", waiting), Map.of("{}", 3L), List.of(DELIVERY), List.of(DELIVERY)),
            new AlertDelivery.Policy(List.of("alertname"), Duration.ofSeconds(1), Duration.ofSeconds(5), new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ZERO)),
            StatusReply.success(new AlertDelivery.Deliveries("ops", List.of(DELIVERY), List.of(waiting), List.of()))));
  }

  @Test
  void tenantMessagesRoundTrip() {
    roundTrip(
        List.of(
            new AlertTenant.CreateSilence(SILENCE, ref()),
            new AlertTenant.ExpireSilence("s1", ref()),
            new AlertTenant.ListSilences(ref()),
            new AlertTenant.ActiveSilences(5, ref()),
            new AlertTenant.AddRule("cpu", ref()),
            new AlertTenant.RemoveRule("cpu", ref()),
            new AlertTenant.ListRules(ref()),
            new AlertTenant.SilenceCreated(SILENCE, 1),
            new AlertTenant.SilenceExpired("s1", 2),
            new AlertTenant.RuleAdded("cpu"),
            new AlertTenant.RuleRemoved("cpu"),
            AlertTenant.State.EMPTY,
            new AlertTenant.State(Map.of("s1", SILENCE), java.util.Set.of("cpu")),
            StatusReply.success(new AlertTenant.SilenceList(List.of(SILENCE))),
            StatusReply.success(new AlertTenant.RuleIds(List.of("cpu")))));
  }
}
