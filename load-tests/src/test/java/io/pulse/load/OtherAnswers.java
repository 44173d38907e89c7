package io.pulse.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Answers a simulation did not expect, counted by code with one example each, for its report. */
final class OtherAnswers {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, String> examples = new ConcurrentHashMap<>();

  void count(String code, String example) {
    counts.computeIfAbsent(code, k -> new LongAdder()).increment();
    examples.putIfAbsent(code, example.length() > 300 ? example.substring(0, 300) : example);
  }

  /** "code=n (e.g. …); …", or "none". */
  String summary() {
    List<String> out = new ArrayList<>();
    counts.forEach((k, v) -> out.add(k + "=" + v.sum() + " (e.g. " + examples.get(k) + ")"));
    return out.isEmpty() ? "none" : String.join("; ", out);
  }
}
