package io.pulse.actors.metrics;

import io.pulse.actors.metrics.ParsedBatch.BadLine;
import io.pulse.actors.metrics.ParsedBatch.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The Prometheus text exposition format, version 0.0.4: one sample per line, {@code name{label="value",...} value
 * [timestamp_ms]}, with {@code # HELP} / {@code # TYPE} lines and comments. No maintained Java parser of the format
 * is published (the Prometheus Java client only writes it), so this is a small strict one: each line parses on its
 * own, so a bad line costs only itself. Empty label values are dropped, as Prometheus treats them as absent.
 */
public final class PrometheusText {
  private PrometheusText() {}

  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
  /** Go's ParseFloat syntax without hex floats: what the format's writers emit. */
  private static final Pattern FLOAT = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern INT = Pattern.compile("-?\\d{1,19}");

  public static ParsedBatch parse(String text, Limits limits) {
    List<ParsedBatch.Line> samples = new ArrayList<>();
    List<ParsedBatch.LineError> errors = new ArrayList<>();
    int lineNo = 0;
    int start = 0;
    int n = text.length();
    while (start <= n) {
      int end = text.indexOf('\n', start);
      if (end < 0) end = n;
      lineNo++;
      String line = text.substring(start, end);
      if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
      try {
        ParsedBatch.Line sample = parseLine(line, lineNo, limits);
        if (sample != null) samples.add(sample);
      } catch (BadLine e) {
        errors.add(new ParsedBatch.LineError(lineNo, e.code, e.getMessage()));
      }
      start = end + 1;
    }
    return new ParsedBatch(samples, errors);
  }

  /** A sample, or null for a blank, comment, HELP or TYPE line. */
  static ParsedBatch.Line parseLine(String line, int lineNo, Limits limits) throws BadLine {
    Cursor c = new Cursor(line);
    c.skipBlanks();
    if (c.atEnd()) return null;
    if (c.peek() == '#') {
      comment(line.substring(c.pos + 1).strip());
      return null;
    }
    String name = c.token(ch -> ch != '{' && ch != ' ' && ch != '\t');
    if (!Labels.isMetricName(name)) throw new BadLine(MetricCodes.INVALID_METRIC_NAME, "metric name '" + name + "' is not [a-zA-Z_:][a-zA-Z0-9_:]*");
    TreeMap<String, String> labels = new TreeMap<>();
    c.skipBlanks();
    if (!c.atEnd() && c.peek() == '{') {
      c.pos++;
      labels(c, labels);
    }
    c.skipBlanks();
    String valueText = c.token(ch -> ch != ' ' && ch != '\t');
    if (valueText.isEmpty()) throw new BadLine(MetricCodes.MALFORMED_LINE, "missing value");
    double value = value(valueText);
    c.skipBlanks();
    long ts = limits.nowMs();
    if (!c.atEnd()) {
      String tsText = c.token(ch -> ch != ' ' && ch != '\t');
      if (!INT.matcher(tsText).matches()) throw new BadLine(MetricCodes.INVALID_TIMESTAMP, "timestamp '" + tsText + "' is not integer milliseconds");
      try {
        ts = Long.parseLong(tsText);
      } catch (NumberFormatException e) {
        throw new BadLine(MetricCodes.INVALID_TIMESTAMP, "timestamp out of range");
      }
      c.skipBlanks();
      if (!c.atEnd()) throw new BadLine(MetricCodes.MALFORMED_LINE, "unexpected text after the timestamp");
    }
    ParsedBatch.check(name, labels, value, limits);
    String tooFar = limits.timestampViolation(ts);
    if (tooFar != null) throw new BadLine(tooFar, "timestamp " + ts + " is outside the accepted range");
    return new ParsedBatch.Line(lineNo, name, labels, ts, value);
  }

  private static void comment(String body) throws BadLine {
    if (body.startsWith("TYPE ") || body.equals("TYPE")) {
      String[] parts = body.substring(4).strip().split("[ \t]+");
      if (parts.length != 2 || !Labels.isMetricName(parts[0]) || !TYPES.contains(parts[1])) {
        throw new BadLine(MetricCodes.MALFORMED_LINE, "TYPE needs a metric name and one of " + TYPES);
      }
    } else if (body.startsWith("HELP ") || body.equals("HELP")) {
      String rest = body.substring(4).strip();
      String name = rest.split("[ \t]", 2)[0];
      if (!Labels.isMetricName(name)) throw new BadLine(MetricCodes.MALFORMED_LINE, "HELP needs a metric name");
    }
    // any other comment is ignored
  }

  private static void labels(Cursor c, TreeMap<String, String> labels) throws BadLine {
    while (true) {
      c.skipBlanks();
      if (c.atEnd()) throw new BadLine(MetricCodes.MALFORMED_LINE, "unterminated label set");
      if (c.peek() == '}') {
        c.pos++;
        labels.values().removeIf(java.util.Objects::isNull);
        return;
      }
      String label = c.token(ch -> ch != '=' && ch != ' ' && ch != '\t' && ch != ',' && ch != '}');
      if (!Labels.isLabelName(label)) {
        throw new BadLine(MetricCodes.INVALID_LABEL_NAME, "label name '" + label + "' is not [a-zA-Z_][a-zA-Z0-9_]* or starts with __");
      }
      c.skipBlanks();
      if (c.atEnd() || c.peek() != '=') throw new BadLine(MetricCodes.MALFORMED_LINE, "expected = after label '" + label + "'");
      c.pos++;
      c.skipBlanks();
      if (c.atEnd() || c.peek() != '"') throw new BadLine(MetricCodes.MALFORMED_LINE, "label value of '" + label + "' must be quoted");
      c.pos++;
      String value = quoted(c);
      if (labels.containsKey(label)) throw new BadLine(MetricCodes.DUPLICATE_LABEL, "label '" + label + "' given twice");
      if (!value.isEmpty()) labels.put(label, value);
      else labels.put(label, null); // remembered for the duplicate check, dropped below
      c.skipBlanks();
      if (c.atEnd()) throw new BadLine(MetricCodes.MALFORMED_LINE, "unterminated label set");
      if (c.peek() == ',') c.pos++;
      else if (c.peek() != '}') throw new BadLine(MetricCodes.MALFORMED_LINE, "expected , or } after a label value");
      if (!c.atEnd() && c.peek() == '}') {
        c.pos++;
        labels.values().removeIf(java.util.Objects::isNull);
        return;
      }
    }
  }

  private static String quoted(Cursor c) throws BadLine {
    StringBuilder b = new StringBuilder();
    while (!c.atEnd()) {
      char ch = c.line.charAt(c.pos++);
      if (ch == '"') return b.toString();
      if (ch == '\\') {
        if (c.atEnd()) break;
        char e = c.line.charAt(c.pos++);
        switch (e) {
          case '\\' -> b.append('\\');
          case '"' -> b.append('"');
          case 'n' -> b.append('\n');
          default -> throw new BadLine(MetricCodes.MALFORMED_LINE, "unknown escape \\" + e + " in a label value");
        }
      } else {
        b.append(ch);
      }
    }
    throw new BadLine(MetricCodes.MALFORMED_LINE, "unterminated label value");
  }

  /** A float as the format writes it; NaN and ±Inf parse (and are refused later, with their own code). */
  static double value(String text) throws BadLine {
    String lower = text.toLowerCase(java.util.Locale.ROOT);
    switch (lower) {
      case "nan":
        return Double.NaN;
      case "+inf", "inf", "+infinity", "infinity":
        return Double.POSITIVE_INFINITY;
      case "-inf", "-infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        if (!FLOAT.matcher(text).matches()) throw new BadLine(MetricCodes.INVALID_VALUE, "value '" + text + "' is not a number");
        return Double.parseDouble(text);
    }
  }

  private static final class Cursor {
    final String line;
    int pos;

    Cursor(String line) {
      this.line = line;
    }

    boolean atEnd() {
      return pos >= line.length();
    }

    char peek() {
      return line.charAt(pos);
    }

    void skipBlanks() {
      while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) pos++;
    }

    String token(java.util.function.IntPredicate in) {
      int from = pos;
      while (pos < line.length() && in.test(line.charAt(pos))) pos++;
      return line.substring(from, pos);
    }
  }
}
