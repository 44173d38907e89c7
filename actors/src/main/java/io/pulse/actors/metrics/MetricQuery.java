package io.pulse.actors.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A parsed query (docs/protocol.md, "Query syntax"):
 *
 * <pre>
 *   query       = aggregation | call | selector
 *   aggregation = ("sum"|"avg"|"max"|"min"|"count") ["by" "(" label {"," label} ")"] "(" (call | selector) ")"
 *   call        = function "(" selector ")"
 *   selector    = metric ["{" matcher {"," matcher} "}"] ["[" duration "]"]
 *   matcher     = label ("=" | "!=" | "=~" | "!~") "quoted value"
 *   function    = count | sum | min | max | mean | last | rate | increase | p50 | p90 | p95 | p99
 * </pre>
 *
 * A function applies per series over each step's window ({@code mean} when none is given); an aggregation then
 * combines the series' values per step, grouped by the {@code by} labels. {@code max(cpu)} is the function (one value
 * per series); {@code max(max(cpu))} or {@code max by (host) (cpu)} the aggregation. Regex matchers are anchored, as in
 * Prometheus. {@code [duration]} is the window of an instant evaluation (alert rules), default 1m.
 */
public record MetricQuery(String metric, List<Matcher> matchers, String function, String aggregation, List<String> by, long rangeMs) {
  public static final Set<String> FUNCTIONS = Set.of("count", "sum", "min", "max", "mean", "last", "rate", "increase", "p50", "p90", "p95", "p99");
  public static final Set<String> AGGREGATIONS = Set.of("sum", "avg", "max", "min", "count");
  public static final long DEFAULT_RANGE = 60_000L;

  public enum Op {
    EQ("="), NE("!="), RE("=~"), NRE("!~");

    public final String text;

    Op(String text) {
      this.text = text;
    }
  }

  public record Matcher(String label, Op op, String value, Pattern pattern) {
    public boolean matches(Map<String, String> labels) {
      String v = labels.getOrDefault(label, "");
      return switch (op) {
        case EQ -> v.equals(value);
        case NE -> !v.equals(value);
        case RE -> pattern.matcher(v).matches();
        case NRE -> !pattern.matcher(v).matches();
      };
    }
  }

  public static final class Invalid extends Exception {
    public Invalid(String message) {
      super(message, null, false, false);
    }
  }

  public boolean matches(Map<String, String> labels) {
    for (Matcher m : matchers) if (!m.matches(labels)) return false;
    return true;
  }

  /** The function's value of one window ({@code stepMs} long); NaN when the window holds no sample. */
  public double value(Agg a, long stepMs) {
    if (a.count() == 0) return Double.NaN;
    return switch (function) {
      case "count" -> a.count();
      case "sum" -> a.sum();
      case "min" -> a.min();
      case "max" -> a.max();
      case "last" -> a.last();
      case "rate" -> a.increase() / (stepMs / 1000.0);
      case "increase" -> a.increase();
      case "p50" -> a.quantile(0.5);
      case "p90" -> a.quantile(0.9);
      case "p95" -> a.quantile(0.95);
      case "p99" -> a.quantile(0.99);
      default -> a.mean();
    };
  }

  public static MetricQuery parse(String text) throws Invalid {
    if (text == null || text.isBlank()) throw new Invalid("empty query");
    if (text.length() > 4096) throw new Invalid("query longer than 4096 characters");
    Parser p = new Parser(text);
    MetricQuery q = p.query();
    p.blanks();
    if (!p.atEnd()) throw new Invalid("unexpected '" + p.rest() + "'");
    return q;
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    boolean atEnd() {
      return pos >= s.length();
    }

    String rest() {
      return s.substring(pos, Math.min(s.length(), pos + 20));
    }

    void blanks() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    boolean peek(char c) {
      blanks();
      return pos < s.length() && s.charAt(pos) == c;
    }

    void expect(char c) throws Invalid {
      if (!peek(c)) throw new Invalid("expected '" + c + "' at " + (pos + 1));
      pos++;
    }

    String ident() throws Invalid {
      blanks();
      int from = pos;
      while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_' || s.charAt(pos) == ':')) pos++;
      if (from == pos) throw new Invalid("expected a name at " + (pos + 1));
      return s.substring(from, pos);
    }

    MetricQuery query() throws Invalid {
      int start = pos;
      String first = ident();
      if (AGGREGATIONS.contains(first)) {
        List<String> by = List.of();
        int afterName = pos;
        blanks();
        if (s.startsWith("by", pos) && (pos + 2 < s.length()) && !Character.isLetterOrDigit(s.charAt(pos + 2)) && s.charAt(pos + 2) != '_') {
          pos += 2;
          by = labelList();
          expect('(');
          MetricQuery inner = callOrSelector();
          expect(')');
          return inner.aggregated(first, by);
        }
        pos = afterName;
        if (peek('(')) {
          int open = pos;
          pos++;
          String innerName = ident();
          if (peek('(')) {
            // an aggregation over a call: sum(rate(x))
            pos = open + 1;
            MetricQuery inner = callOrSelector();
            expect(')');
            return inner.aggregated(first, by);
          }
          pos = open; // a function over a selector: max(x)
          if (!FUNCTIONS.contains(first)) throw new Invalid("'" + first + "' needs a function or 'by': e.g. " + first + "(mean(" + innerName + "))");
        }
      }
      pos = start;
      return callOrSelector();
    }

    MetricQuery callOrSelector() throws Invalid {
      int start = pos;
      String name = ident();
      if (peek('(')) {
        if (!FUNCTIONS.contains(name)) throw new Invalid("unknown function '" + name + "'; one of " + new java.util.TreeSet<>(FUNCTIONS));
        pos++;
        MetricQuery sel = selector();
        expect(')');
        return new MetricQuery(sel.metric, sel.matchers, name, null, List.of(), sel.rangeMs);
      }
      pos = start;
      return selector();
    }

    MetricQuery selector() throws Invalid {
      String metric = ident();
      if (!Labels.isMetricName(metric)) throw new Invalid("'" + metric + "' is not a metric name");
      List<Matcher> matchers = new ArrayList<>();
      if (peek('{')) {
        pos++;
        while (!peek('}')) {
          String label = ident();
          blanks();
          Op op;
          if (s.startsWith("=~", pos)) op = Op.RE;
          else if (s.startsWith("!=", pos)) op = Op.NE;
          else if (s.startsWith("!~", pos)) op = Op.NRE;
          else if (s.startsWith("=", pos)) op = Op.EQ;
          else throw new Invalid("expected =, !=, =~ or !~ after '" + label + "'");
          pos += op.text.length();
          String value = quoted();
          Pattern pattern = null;
          if (op == Op.RE || op == Op.NRE) {
            try {
              pattern = Pattern.compile(value);
            } catch (PatternSyntaxException e) {
              throw new Invalid("bad regular expression for '" + label + "': " + e.getDescription());
            }
          }
          matchers.add(new Matcher(label, op, value, pattern));
          if (peek(',')) pos++;
          else if (!peek('}')) throw new Invalid("expected , or } in the matchers");
        }
        pos++;
      }
      long range = DEFAULT_RANGE;
      if (peek('[')) {
        pos++;
        blanks();
        int from = pos;
        while (pos < s.length() && s.charAt(pos) != ']') pos++;
        range = duration(s.substring(from, pos).strip());
        expect(']');
      }
      return new MetricQuery(metric, List.copyOf(matchers), "mean", null, List.of(), range);
    }

    List<String> labelList() throws Invalid {
      expect('(');
      List<String> out = new ArrayList<>();
      while (!peek(')')) {
        out.add(ident());
        if (peek(',')) pos++;
        else if (!peek(')')) throw new Invalid("expected , or ) in the by labels");
      }
      pos++;
      return List.copyOf(out);
    }

    String quoted() throws Invalid {
      blanks();
      if (pos >= s.length() || s.charAt(pos) != '"') throw new Invalid("expected a quoted value at " + (pos + 1));
      pos++;
      StringBuilder b = new StringBuilder();
      while (pos < s.length()) {
        char c = s.charAt(pos++);
        if (c == '"') return b.toString();
        if (c == '\\' && pos < s.length()) {
          char e = s.charAt(pos++);
          b.append(e == 'n' ? '\n' : e);
        } else {
          b.append(c);
        }
      }
      throw new Invalid("unterminated quoted value");
    }
  }

  /** {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}: a multiple of 10 s. */
  public static long duration(String text) throws Invalid {
    java.util.regex.Matcher m = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)").matcher(text == null ? "" : text);
    if (!m.matches()) throw new Invalid("a duration is a number and ms, s, m, h or d, e.g. 5m");
    long n = Long.parseLong(m.group(1));
    long ms =
        switch (m.group(2)) {
          case "ms" -> n;
          case "s" -> n * 1000;
          case "m" -> n * 60_000;
          case "h" -> n * 3_600_000;
          default -> n * 86_400_000;
        };
    if (ms <= 0 || ms % 10_000 != 0) throw new Invalid("a duration must be a positive multiple of 10s");
    return ms;
  }

  MetricQuery aggregated(String aggregation, List<String> by) {
    return new MetricQuery(metric, matchers, function, aggregation, by, rangeMs);
  }
}
