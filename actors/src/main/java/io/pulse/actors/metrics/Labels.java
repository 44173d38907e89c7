package io.pulse.actors.metrics;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Prometheus' rules for metric and label names, and the canonical text of a series. */
public final class Labels {
  private Labels() {}

  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  public static boolean isMetricName(String name) {
    return name != null && !name.isEmpty() && METRIC_NAME.matcher(name).matches();
  }

  /** A valid label name that is not reserved ({@code __} is Prometheus' internal prefix). */
  public static boolean isLabelName(String name) {
    return name != null && !name.isEmpty() && LABEL_NAME.matcher(name).matches() && !name.startsWith("__");
  }

  /**
   * {@code name{a="1",b="2"}} with labels sorted by name and values escaped as in the exposition format: one text per
   * series, used as its entity id (after the tenant) and as its key in Cassandra.
   */
  public static String canonical(String name, Map<String, String> labels) {
    SortedMap<String, String> sorted = labels instanceof SortedMap<String, String> s ? s : new TreeMap<>(labels);
    StringBuilder b = new StringBuilder(name.length() + 16 * sorted.size());
    b.append(name).append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      if (!first) b.append(',');
      first = false;
      b.append(e.getKey()).append("=\"");
      escape(e.getValue(), b);
      b.append('"');
    }
    return b.append('}').toString();
  }

  static void escape(String value, StringBuilder b) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        default -> b.append(c);
      }
    }
  }
}
