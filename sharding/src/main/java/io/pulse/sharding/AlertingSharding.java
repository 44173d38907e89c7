package io.pulse.sharding;

import io.pulse.actors.alerting.AlertDelivery;
import io.pulse.actors.alerting.AlertRule;
import io.pulse.actors.alerting.AlertTenant;
import io.pulse.actors.alerting.Backoff;
import io.pulse.actors.alerting.RuleQuery;
import io.pulse.actors.alerting.WebhookSender;
import io.pulse.config.AlertingSettings;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;

/** Registers alerting's entities (rules, tenants' silences, receivers' delivery queues) with Cluster Sharding. */
public final class AlertingSharding {
  private AlertingSharding() {}

  public static void init(ActorSystem<?> system, AlertingSettings s, RuleQuery query, WebhookSender sender) {
    AlertTenant.init(system, new AlertTenant.Settings(s.maxSilences(), s.maxMatchers(), s.keepExpiredSilences(), s.snapshotEvery()));
    AlertDelivery.init(system, new AlertDelivery.Settings(receiver -> policy(s, receiver), s.keepDelivered(), s.snapshotEvery()), sender);
    AlertRule.init(
        system,
        new AlertRule.Settings(s.receivers().keySet(), s.minInterval(), s.keepResolved(), s.handoffTimeout(), s.handoffRetry(), s.snapshotEvery()),
        query);
  }

  public static Optional<AlertDelivery.Policy> policy(AlertingSettings s, String receiver) {
    AlertingSettings.Receiver r = s.receivers().get(receiver);
    if (r == null) return Optional.empty();
    return Optional.of(new AlertDelivery.Policy(r.groupBy(), r.groupWait(), r.groupInterval(), new Backoff(r.backoffBase(), r.backoffCap(), r.backoffFloor())));
  }

  /**
   * The configured {@link RuleQuery}: {@code rule-query-class} names a class with a public constructor taking the
   * ActorSystem (or none); empty gives {@link RuleQuery#NONE}. Code that has the query engine at hand passes its own
   * to {@link #init} instead.
   */
  public static RuleQuery ruleQuery(ActorSystem<?> system, AlertingSettings s) {
    if (s.ruleQueryClass().isBlank()) return RuleQuery.NONE;
    try {
      Class<?> c = Class.forName(s.ruleQueryClass());
      try {
        return (RuleQuery) c.getConstructor(ActorSystem.class).newInstance(system);
      } catch (NoSuchMethodException e) {
        return (RuleQuery) c.getConstructor().newInstance();
      }
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalArgumentException("pulse.alerting.rule-query-class: cannot make a RuleQuery of " + s.ruleQueryClass(), e);
    }
  }
}
