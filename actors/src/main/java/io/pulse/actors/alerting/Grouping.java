package io.pulse.actors.alerting;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alertmanager's grouping, without actors: alerts whose {@code group_by} labels agree share a group; a new group
 * waits {@code group_wait} for more alerts, then goes out as one notification; later alerts of a group that was
 * just sent wait until {@code group_interval} after that send.
 */
public final class Grouping {
  private Grouping() {}

  /** The group of an alert: the receiver's {@code group_by} labels it has, canonically printed. */
  public static String key(Map<String, String> labels, List<String> groupBy) {
    Map<String, String> picked = new TreeMap<>();
    for (String name : groupBy) picked.put(name, labels.getOrDefault(name, ""));
    return LabeledValue.Labels.key(picked);
  }

  /**
   * When a group holding alerts since {@code firstAt} is due to go out; {@code lastSentAt} is when it last went out
   * (0 for never).
   */
  public static long dueAt(long firstAt, long lastSentAt, long groupWaitMillis, long groupIntervalMillis) {
    long due = firstAt + groupWaitMillis;
    if (lastSentAt > 0) due = Math.max(due, lastSentAt + groupIntervalMillis);
    return due;
  }
}
