package io.pulse.actors.alerting;

import io.pulse.persistence.CborSerializable;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A label matcher as Prometheus writes them: {@code name=value}, {@code name!=value}, {@code name=~regex}
 * (anchored at both ends). A missing label matches as the empty string, as in Prometheus.
 */
public record LabelMatcher(String name, String op, String value) implements CborSerializable {
  public static final String EQ = "=";
  public static final String NE = "!=";
  public static final String RE = "=~";

  public LabelMatcher {
    if (problem(name, op, value).isPresent()) throw new IllegalArgumentException(problem(name, op, value).get());
  }

  /** Why a matcher is invalid, if it is: the message of the {@code invalid_matcher} error. */
  public static Optional<String> problem(String name, String op, String value) {
    if (name == null || !Rules.LABEL_NAME.matcher(name).matches()) return Optional.of("label name '" + name + "' must match [a-zA-Z_][a-zA-Z0-9_]*");
    if (!EQ.equals(op) && !NE.equals(op) && !RE.equals(op)) return Optional.of("op must be one of =, !=, =~");
    if (value == null) return Optional.of("a matcher needs a value");
    if (RE.equals(op)) {
      try {
        Pattern.compile(value);
      } catch (PatternSyntaxException e) {
        return Optional.of("'" + value + "' is not a valid regular expression");
      }
    }
    return Optional.empty();
  }

  public boolean matches(Map<String, String> labels) {
    String actual = labels.getOrDefault(name, "");
    return switch (op) {
      case EQ -> actual.equals(value);
      case NE -> !actual.equals(value);
      default -> Pattern.compile(value).matcher(actual).matches();
    };
  }
}
