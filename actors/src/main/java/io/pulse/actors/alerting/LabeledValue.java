package io.pulse.actors.alerting;

import io.pulse.persistence.CborSerializable;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** One series of a query's result at an instant: its labels (sorted, so equal sets compare and print equal) and its value. */
public record LabeledValue(SortedMap<String, String> labels, double value) implements CborSerializable {
  public LabeledValue {
    labels = Labels.sorted(labels);
  }

  public static LabeledValue of(Map<String, String> labels, double value) {
    return new LabeledValue(new TreeMap<>(labels), value);
  }

  /** Label-set helpers shared by rules, silences and grouping. */
  public static final class Labels {
    private Labels() {}

    public static SortedMap<String, String> sorted(Map<String, String> labels) {
      if (labels == null) return Collections.emptySortedMap();
      return Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    /** The canonical text of a label set, {@code {a="1",b="2"}}: the key of an alert within its rule. */
    public static String key(Map<String, String> labels) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
        if (b.length() > 1) b.append(',');
        b.append(e.getKey()).append("=\"").append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
      return b.append('}').toString();
    }
  }
}
