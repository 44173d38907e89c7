package io.pulse.actors.metrics;

import io.pulse.actors.metrics.ParsedBatch.BadLine;
import io.pulse.actors.metrics.ParsedBatch.Limits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * InfluxDB line protocol: {@code measurement[,tag=value...] field=value[,field=value...] [timestamp]}. Each numeric
 * field becomes one sample named {@code <measurement>_<field>} ({@code <measurement>} alone for the field {@code
 * value}), its tags its labels; the name and labels must then pass Prometheus' rules (they are not rewritten, so what
 * a client sent is what it queries). Integers ({@code 12i}, {@code 12u}) and booleans (1/0) are numbers; a string field
 * fails its line with {@code unsupported_value}. InfluxDB's client libraries only write the protocol, so this is a
 * small strict parser, line by line.
 */
public final class InfluxLine {
  private InfluxLine() {}

  /** Timestamp units, as InfluxDB's {@code precision} parameter. */
  public enum Precision {
    NS(1_000_000L, false), US(1_000L, false), MS(1L, false), S(1_000L, true);

    private final long factor;
    private final boolean multiply;

    Precision(long factor, boolean multiply) {
      this.factor = factor;
      this.multiply = multiply;
    }

    long toMillis(long ts) throws BadLine {
      if (!multiply) return Math.floorDiv(ts, factor);
      try {
        return Math.multiplyExact(ts, factor);
      } catch (ArithmeticException e) {
        throw new BadLine(MetricCodes.INVALID_TIMESTAMP, "timestamp out of range");
      }
    }

    public static Precision parse(String text) {
      return switch (text == null ? "ns" : text) {
        case "ns", "n" -> NS;
        case "us", "u" -> US;
        case "ms" -> MS;
        case "s" -> S;
        default -> throw new IllegalArgumentException("precision must be ns, us, ms or s");
      };
    }
  }

  private static final Pattern FLOAT = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+[iu]");
  private static final Pattern TIMESTAMP = Pattern.compile("-?\\d{1,19}");

  public static ParsedBatch parse(String text, Precision precision, Limits limits) {
    List<ParsedBatch.Line> samples = new ArrayList<>();
    List<ParsedBatch.LineError> errors = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
      try {
        samples.addAll(parseLine(line, i + 1, precision, limits));
      } catch (BadLine e) {
        errors.add(new ParsedBatch.LineError(i + 1, e.code, e.getMessage()));
      }
    }
    return new ParsedBatch(samples, errors);
  }

  static List<ParsedBatch.Line> parseLine(String line, int lineNo, Precision precision, Limits limits) throws BadLine {
    String trimmed = line.strip();
    if (trimmed.isEmpty() || trimmed.startsWith("#")) return List.of();
    List<String> sections = sections(trimmed);
    if (sections.size() < 2) throw new BadLine(MetricCodes.MALFORMED_LINE, "a line needs a measurement and at least one field");
    if (sections.size() > 3) throw new BadLine(MetricCodes.MALFORMED_LINE, "unexpected text after the timestamp");

    // measurement and tags: split on unescaped commas
    List<String> head = split(sections.get(0), ',');
    String measurement = unescape(head.get(0));
    if (measurement.isEmpty()) throw new BadLine(MetricCodes.MALFORMED_LINE, "empty measurement");
    TreeMap<String, String> labels = new TreeMap<>();
    for (int i = 1; i < head.size(); i++) {
      List<String> kv = split(head.get(i), '=');
      if (kv.size() != 2 || kv.get(0).isEmpty() || kv.get(1).isEmpty()) throw new BadLine(MetricCodes.MALFORMED_LINE, "a tag is key=value");
      String key = unescape(kv.get(0));
      if (!Labels.isLabelName(key)) throw new BadLine(MetricCodes.INVALID_LABEL_NAME, "tag '" + key + "' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, no __ prefix)");
      if (labels.put(key, unescape(kv.get(1))) != null) throw new BadLine(MetricCodes.DUPLICATE_LABEL, "tag '" + key + "' given twice");
    }

    Map<String, Double> fields = new LinkedHashMap<>();
    for (String field : splitFields(sections.get(1))) {
      int eq = unescapedIndex(field, '=');
      if (eq <= 0 || eq == field.length() - 1) throw new BadLine(MetricCodes.MALFORMED_LINE, "a field is key=value");
      String key = unescape(field.substring(0, eq));
      String raw = field.substring(eq + 1);
      if (fields.put(key, fieldValue(key, raw)) != null) throw new BadLine(MetricCodes.DUPLICATE_LABEL, "field '" + key + "' given twice");
    }

    long ts = limits.nowMs();
    if (sections.size() == 3) {
      String t = sections.get(2);
      if (!TIMESTAMP.matcher(t).matches()) throw new BadLine(MetricCodes.INVALID_TIMESTAMP, "timestamp '" + t + "' is not an integer");
      try {
        ts = precision.toMillis(Long.parseLong(t));
      } catch (NumberFormatException e) {
        throw new BadLine(MetricCodes.INVALID_TIMESTAMP, "timestamp out of range");
      }
    }
    String tooFar = limits.timestampViolation(ts);
    if (tooFar != null) throw new BadLine(tooFar, "timestamp " + ts + " ms is outside the accepted range");

    List<ParsedBatch.Line> out = new ArrayList<>(fields.size());
    for (Map.Entry<String, Double> f : fields.entrySet()) {
      String name = "value".equals(f.getKey()) ? measurement : measurement + "_" + f.getKey();
      ParsedBatch.check(name, labels, f.getValue(), limits);
      out.add(new ParsedBatch.Line(lineNo, name, labels, ts, f.getValue()));
    }
    return out;
  }

  private static double fieldValue(String key, String raw) throws BadLine {
    if (raw.startsWith("\"")) throw new BadLine(MetricCodes.UNSUPPORTED_VALUE, "field '" + key + "' is a string; only numbers and booleans are kept");
    switch (raw) {
      case "t", "T", "true", "True", "TRUE":
        return 1;
      case "f", "F", "false", "False", "FALSE":
        return 0;
      default:
        break;
    }
    if (INTEGER.matcher(raw).matches()) {
      String digits = raw.substring(0, raw.length() - 1);
      if (raw.endsWith("u") && digits.startsWith("-")) throw new BadLine(MetricCodes.INVALID_VALUE, "unsigned field '" + key + "' is negative");
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException e) {
        return Double.parseDouble(digits); // beyond a long: a u64 or an overflow, kept as the nearest double
      }
    }
    if (FLOAT.matcher(raw).matches()) return Double.parseDouble(raw);
    throw new BadLine(MetricCodes.INVALID_VALUE, "field '" + key + "' value '" + raw + "' is not a number");
  }

  /** The line's sections, split on unescaped spaces outside a quoted string field. */
  private static List<String> sections(String line) throws BadLine {
    List<String> out = new ArrayList<>(3);
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        cur.append(c).append(line.charAt(++i));
        continue;
      }
      if (c == '"' && out.size() == 1) quoted = !quoted; // only field values are quoted
      if (c == ' ' && !quoted) {
        if (cur.length() > 0) out.add(cur.toString());
        cur.setLength(0);
        continue;
      }
      cur.append(c);
    }
    if (quoted) throw new BadLine(MetricCodes.MALFORMED_LINE, "unterminated string field");
    if (cur.length() > 0) out.add(cur.toString());
    return out;
  }

  /** Fields split on commas outside quoted strings. */
  private static List<String> splitFields(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        cur.append(c).append(s.charAt(++i));
        continue;
      }
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) {
        out.add(cur.toString());
        cur.setLength(0);
        continue;
      }
      cur.append(c);
    }
    out.add(cur.toString());
    return out;
  }

  private static List<String> split(String s, char sep) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        cur.append(c).append(s.charAt(++i));
        continue;
      }
      if (c == sep) {
        out.add(cur.toString());
        cur.setLength(0);
        continue;
      }
      cur.append(c);
    }
    out.add(cur.toString());
    return out;
  }

  private static int unescapedIndex(String s, char target) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') i++;
      else if (c == target) return i;
    }
    return -1;
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) return s;
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length() && ",= \\\"".indexOf(s.charAt(i + 1)) >= 0) b.append(s.charAt(++i));
      else b.append(c);
    }
    return b.toString();
  }
}
