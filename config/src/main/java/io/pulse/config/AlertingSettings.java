package io.pulse.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** pulse.alerting (alerting.conf), read once at start. */
public record AlertingSettings(
    Duration defaultInterval,
    Duration minInterval,
    Duration keepResolved,
    Duration handoffTimeout,
    Duration handoffRetry,
    int snapshotEvery,
    int maxSilences,
    int maxMatchers,
    Duration keepExpiredSilences,
    int keepDelivered,
    String ruleQueryClass,
    Duration connectTimeout,
    Duration requestTimeout,
    Map<String, Receiver> receivers) {

  /** A webhook receiver. */
  public record Receiver(
      String name, String url, String secret, List<String> groupBy, Duration groupWait, Duration groupInterval, Duration backoffBase, Duration backoffCap, Duration backoffFloor) {
    @Override
    public String toString() {
      return "Receiver[" + name + " " + url + "]"; // never the secret in a log
    }
  }

  public static AlertingSettings from(Config root) {
    Config c = root.getConfig("pulse.alerting");
    Config defaults = c.getConfig("receiver-defaults");
    Map<String, Receiver> receivers = new TreeMap<>();
    Config rs = c.getConfig("receivers");
    for (String name : rs.root().keySet()) {
      if (rs.root().get(name).valueType() != ConfigValueType.OBJECT) throw new IllegalArgumentException("pulse.alerting.receivers." + name + " must be an object");
      Config r = rs.getConfig("\"" + name + "\"").withFallback(defaults);
      String url = r.getString("url");
      if (!url.startsWith("http://") && !url.startsWith("https://")) throw new IllegalArgumentException("receiver " + name + ": url must be http(s)");
      String secret = r.getString("secret");
      if (secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 16) throw new IllegalArgumentException("receiver " + name + ": secret must be at least 16 bytes");
      receivers.put(
          name,
          new Receiver(
              name,
              url,
              secret,
              List.copyOf(r.getStringList("group-by")),
              r.getDuration("group-wait"),
              r.getDuration("group-interval"),
              r.getDuration("backoff.base"),
              r.getDuration("backoff.cap"),
              r.getDuration("backoff.floor")));
    }
    return new AlertingSettings(
        c.getDuration("default-interval"),
        c.getDuration("min-interval"),
        c.getDuration("keep-resolved"),
        c.getDuration("handoff-timeout"),
        c.getDuration("handoff-retry"),
        c.getInt("snapshot-every"),
        c.getInt("max-silences"),
        c.getInt("max-matchers"),
        c.getDuration("keep-expired-silences"),
        c.getInt("keep-delivered"),
        c.getString("rule-query-class"),
        c.getDuration("webhook.connect-timeout"),
        c.getDuration("webhook.request-timeout"),
        Map.copyOf(receivers));
  }
}
