package io.pulse.actors.alerting;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Prometheus writes them ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 2d}, {@code 0}), in milliseconds. */
public final class PromDuration {
  private PromDuration() {}

  private static final Pattern WHOLE = Pattern.compile("((\\d+)(ms|s|m|h|d|w))+");
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");
  private static final long MAX = 365L * 24 * 3600 * 1000;

  public static OptionalLong parseMillis(String text) {
    if (text == null) return OptionalLong.empty();
    String t = text.strip();
    if (t.equals("0")) return OptionalLong.of(0);
    if (!WHOLE.matcher(t).matches()) return OptionalLong.empty();
    Matcher m = PART.matcher(t);
    long total = 0;
    while (m.find()) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        return OptionalLong.empty();
      }
      long unit = switch (m.group(2)) {
        case "ms" -> 1;
        case "s" -> 1_000;
        case "m" -> 60_000;
        case "h" -> 3_600_000;
        case "d" -> 86_400_000;
        default -> 604_800_000;
      };
      if (n > MAX / unit) return OptionalLong.empty();
      total += n * unit;
      if (total > MAX) return OptionalLong.empty();
    }
    return OptionalLong.of(total);
  }
}
