package io.pulse.http.alerting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.alerting.AlertDelivery;
import io.pulse.actors.alerting.AlertNotice;
import io.pulse.actors.alerting.AlertRule;
import io.pulse.actors.alerting.AlertState;
import io.pulse.actors.alerting.LabelMatcher;
import io.pulse.actors.alerting.Rules;
import io.pulse.actors.alerting.Silence;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alerting's JSON (docs/protocol.md, "Alerting"): the webhook payload and the REST answers. */
public final class AlertWire {
  private AlertWire() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  public static byte[] bytes(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A value as JSON: a number, or null for NaN/Inf (JSON has neither). */
  private static Double number(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static Long instant(long at) {
    return at > 0 ? at : null;
  }

  /** The webhook body. {@code status}: firing if any alert in it fires, else resolved. */
  public static Map<String, Object> payload(AlertDelivery.Delivery d, int attempt, long sentAt) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", d.id());
    body.put("receiver", d.receiver());
    body.put("group", d.groupKey());
    body.put("status", d.notices().stream().anyMatch(n -> "firing".equals(n.status())) ? "firing" : "resolved");
    body.put("attempt", attempt);
    body.put("sentAt", sentAt);
    body.put("alerts", d.notices().stream().map(AlertWire::notice).toList());
    return body;
  }

  public static Map<String, Object> notice(AlertNotice n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", n.id());
    m.put("rule", n.ruleId());
    m.put("seq", n.seq());
    m.put("status", n.status());
    m.put("labels", n.labels());
    m.put("annotations", n.annotations());
    m.put("value", number(n.value()));
    m.put("startsAt", n.startsAt());
    m.put("endsAt", instant(n.endsAt()));
    m.put("at", n.at());
    return m;
  }

  public static Map<String, Object> spec(String id, Rules.RuleSpec s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("query", s.query());
    m.put("comparison", s.comparison().symbol);
    m.put("threshold", s.threshold());
    m.put("forMs", s.forMillis());
    m.put("intervalMs", s.intervalMillis());
    m.put("labels", s.labels());
    m.put("annotations", s.annotations());
    m.put("receiver", s.receiver());
    return m;
  }

  public static Map<String, Object> rule(AlertRule.View v) {
    Map<String, Object> m = spec(v.ruleId(), v.spec());
    m.put("alerts", v.alerts().stream().map(a -> alert(v.ruleId(), v.spec(), a)).toList());
    m.put("lastSeq", v.lastSeq());
    m.put("handedOff", v.handedOff());
    m.put("lastEvaluatedAt", instant(v.lastEvaluatedAt()));
    m.put("lastError", v.lastError());
    m.put("nextEvaluationAt", instant(v.nextEvaluationAt()));
    m.put("lastLagMs", v.lastLagMs());
    return m;
  }

  public static Map<String, Object> alert(String ruleId, Rules.RuleSpec spec, AlertState a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rule", ruleId);
    m.put("status", a.status().wire());
    m.put("labels", Rules.alertLabels(ruleId, spec, a.labels()));
    m.put("value", number(a.value()));
    m.put("activeSince", instant(a.activeSince()));
    m.put("firedAt", instant(a.firedAt()));
    m.put("resolvedAt", instant(a.resolvedAt()));
    return m;
  }

  public static Map<String, Object> silence(Silence s, long now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("matchers", s.matchers().stream().map(AlertWire::matcher).toList());
    m.put("startsAt", s.startsAt());
    m.put("endsAt", s.endsAt());
    m.put("status", s.activeAt(now) ? "active" : now < s.startsAt() ? "pending" : "expired");
    m.put("createdBy", s.createdBy());
    m.put("comment", s.comment());
    return m;
  }

  private static Map<String, Object> matcher(LabelMatcher x) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", x.name());
    m.put("op", x.op());
    m.put("value", x.value());
    return m;
  }

  public static Map<String, Object> delivery(AlertDelivery.Delivery d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("receiver", d.receiver());
    m.put("group", d.groupKey());
    m.put("status", d.status());
    m.put("alerts", d.notices().stream().map(AlertNotice::id).toList());
    m.put("attempts", d.attempts());
    m.put("formedAt", d.formedAt());
    m.put("nextAttemptAt", "delivered".equals(d.status()) ? null : d.nextAttemptAt());
    m.put("lastError", d.lastError());
    m.put("deliveredAt", instant(d.deliveredAt()));
    return m;
  }

  public static Map<String, Object> waiting(String receiver, AlertDelivery.Waiting w) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("receiver", receiver);
    m.put("status", "grouping");
    m.put("alerts", w.notices().stream().map(AlertNotice::id).toList());
    m.put("since", w.firstAt());
    return m;
  }

  public static List<Map<String, Object>> deliveries(AlertDelivery.Deliveries d) {
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    d.waiting().forEach(w -> out.add(waiting(d.receiver(), w)));
    d.queue().forEach(x -> out.add(delivery(x)));
    d.delivered().forEach(x -> out.add(delivery(x)));
    return out;
  }
}
