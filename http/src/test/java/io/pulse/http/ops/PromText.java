package io.pulse.http.ops;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads samples out of the Prometheus text format, for tests: series as written (name{labels}) to value. */
public final class PromText {
  private PromText() {}

  public static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      int space = line.lastIndexOf(' ');
      // a sample is "series value" (the writer adds no timestamps)
      String series = line.substring(0, space);
      samples.put(series, Double.parseDouble(line.substring(space + 1)));
    }
    return samples;
  }

  /** The value of {@code series} (e.g. {@code pulse_frames_in_total{kind="Ping"}}), 0 when absent. */
  public static double value(String text, String series) {
    return parse(text).getOrDefault(series, 0.0);
  }
}
