package io.pulse.http.gateway;

import io.pulse.actors.metrics.InfluxLine;
import io.pulse.actors.metrics.MetricCodes;
import io.pulse.actors.metrics.MetricsIngest;
import io.pulse.actors.metrics.MetricsWatch;
import io.pulse.actors.metrics.ParsedBatch;
import io.pulse.actors.metrics.PrometheusText;
import io.pulse.actors.metrics.QueryEngine;
import io.pulse.config.MetricsSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How metric writes, query results and dashboard points look on the wire (docs/protocol.md, "Live metrics"). */
public final class MetricsWire {
  private MetricsWire() {}

  public static final String PROMETHEUS = "prometheus";
  public static final String INFLUX = "influx";

  /** A write refused whole, before any of it is parsed: {@code batch_too_large} or a bad parameter. */
  public static final class Refused extends Exception {
    public final String code;

    public Refused(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** Parses a write body in {@code format} ({@link #PROMETHEUS} or {@link #INFLUX}), after the whole-batch limits. */
  public static ParsedBatch parse(String body, String format, String precision, MetricsSettings m, long now) throws Refused {
    long bytes = body.length() <= m.maxBatchBytes() / 3 ? body.length() : body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > m.maxBatchBytes()) throw new Refused(MetricCodes.BATCH_TOO_LARGE, "the batch is " + bytes + " bytes; at most " + m.maxBatchBytes());
    int lines = 1;
    for (int i = 0; i < body.length(); i++) if (body.charAt(i) == '\n') lines++;
    if (lines > m.maxBatchLines()) throw new Refused(MetricCodes.BATCH_TOO_LARGE, "the batch has " + lines + " lines; at most " + m.maxBatchLines());
    ParsedBatch.Limits limits =
        new ParsedBatch.Limits(now, m.maxSampleAge().toMillis(), m.maxFuture().toMillis(), m.maxLabels(), m.maxLabelValueLength());
    if (PROMETHEUS.equals(format)) return PrometheusText.parse(body, limits);
    if (!INFLUX.equals(format)) throw new Refused(ErrorCode.INVALID_FIELD, "format must be prometheus or influx");
    InfluxLine.Precision p;
    try {
      p = InfluxLine.Precision.parse(precision);
    } catch (IllegalArgumentException e) {
      throw new Refused(ErrorCode.INVALID_FIELD, e.getMessage());
    }
    return InfluxLine.parse(body, p, limits);
  }

  public static Map<String, Object> written(MetricsIngest.WriteResult r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("accepted", r.accepted());
    List<Map<String, Object>> failed = new ArrayList<>();
    for (ParsedBatch.LineError e : r.failed()) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("line", e.line());
      f.put("code", e.code());
      f.put("message", e.message());
      failed.add(f);
    }
    out.put("failed", failed);
    return out;
  }

  /** A range query's series: {@code {"labels":{…},"points":[[t, v], …]}}. */
  public static List<Map<String, Object>> series(List<QueryEngine.Result> results) {
    List<Map<String, Object>> out = new ArrayList<>(results.size());
    for (QueryEngine.Result r : results) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("labels", r.labels());
      List<List<Object>> points = new ArrayList<>(r.points().size());
      for (QueryEngine.Point p : r.points()) points.add(List.of(p.t(), p.v()));
      s.put("points", points);
      out.add(s);
    }
    return out;
  }

  /** A dashboard point: the window's start and length and each series' value in it. */
  public static Map<String, Object> point(MetricsWatch.Pushed p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("t", p.t());
    out.put("step", p.step());
    List<Map<String, Object>> values = new ArrayList<>();
    for (QueryEngine.Result r : p.series()) {
      if (r.points().isEmpty()) continue;
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("labels", r.labels());
      v.put("value", r.points().get(r.points().size() - 1).v());
      values.add(v);
    }
    out.put("series", values);
    return out;
  }
}
