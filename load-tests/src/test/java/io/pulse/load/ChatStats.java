package io.pulse.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatling.http.action.ws.WsInboundMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.Deflater;
import java.util.zip.DataFormatException;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What {@link ChatSimulation} measures, shared by all virtual users of one Gatling process: every
 * inbound frame of every member goes through {@link Member#onFrame}, which records the delivery
 * latency of each message sent by another member (receive time minus the send time the sender wrote
 * into the text; both from {@link #nowMicros()}, one clock on one machine).
 *
 * <p>Frames reach it two ways, and between them every frame is seen exactly once: frames that arrive
 * while the socket is idle sit in Gatling's unmatched-message buffer until the member drains it
 * (right before each frame it sends, because sending clears that buffer, and at least once a second);
 * frames that arrive while the member awaits a reply are not buffered by Gatling at all, so the reply
 * check's matching condition hands them over as they arrive.
 */
final class ChatStats {
  private ChatStats() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_MICROS = 3_600_000_000L; // 1 h: anything slower is clamped

  // --- clock -------------------------------------------------------------------------------------
  // Anchored like Gatling's own clock (wall time at start, then nanoTime), in microseconds.
  private static final long BASE_MICROS = System.currentTimeMillis() * 1000;
  private static final long BASE_NANOS = System.nanoTime();

  static long nowMicros() {
    return BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1000;
  }

  // --- the steady window, set once the simulation starts ----------------------------------------
  static volatile long windowStartMicros = Long.MAX_VALUE;
  static volatile long windowEndMicros = Long.MAX_VALUE;

  // --- results ------------------------------------------------------------------------------------
  static final Histogram DELIVERY = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram ACK = new ConcurrentHistogram(MAX_MICROS, 3);
  /**
   * A delivery split at the conversation's timestamp ({@code at}, taken when it handles the send,
   * right before the write, in milliseconds): send to handled (socket, connection, sharding hop,
   * the conversation's queue) and handled to received (journal write, fan-out, socket, load generator).
   */
  static final Histogram TO_HANDLED = new ConcurrentHistogram(MAX_MICROS, 3);
  static final Histogram FROM_HANDLED = new ConcurrentHistogram(MAX_MICROS, 3);
  /** How late each send left against its slot: a sender waits for its ack, so a slow server delays it. */
  static final Histogram SEND_LAG = new ConcurrentHistogram(MAX_MICROS, 3);
  /** Delivery latency by when the message was sent, in slices of the sending window (up to 2 h). */
  static final long SLICE_MICROS = 10_000_000L;
  static final LatencyOverTime DELIVERY_OVER_TIME = new LatencyOverTime(SLICE_MICROS, 720);
  static final LongAdder SCHEDULED = new LongAdder(); // send slots inside the steady window
  static final LongAdder SENDS = new LongAdder(); // conv.send frames written
  static final LongAdder ACKED = new LongAdder(); // ... answered by a reply with a seq
  static final LongAdder DELIVERIES = new LongAdder(); // message events of others received
  static final Set<String> MESSAGES = ConcurrentHashMap.newKeySet(); // distinct ones among them
  static final LongAdder WINDOW_DELIVERIES = new LongAdder(); // ... received inside the steady window
  static final LongAdder SELF_ECHOES = new LongAdder(); // own messages coming back (not counted)
  static final LongAdder SEQ_GAPS = new LongAdder(); // conversation seqs a member never saw
  static final LongAdder SEQ_REPEATS = new LongAdder(); // events at or below a seq already seen
  static final LongAdder UNSUBSCRIBED = new LongAdder(); // "unsubscribed" events
  static final LongAdder ERROR_FRAMES = new LongAdder();
  static final Map<String, LongAdder> ERROR_CODES = new ConcurrentHashMap<>();
  static final LongAdder UNPARSABLE = new LongAdder();
  static final LongAdder SUBSCRIBED = new LongAdder();
  static final LongAdder SUBSCRIBED_LATE = new LongAdder(); // after the steady window had begun
  static final LongAdder GROUP_WAIT_FAILED = new LongAdder(); // never learnt their group's id
  static final LongAdder GROUPS_CREATED = new LongAdder();

  private static final Map<String, Member> MEMBERS = new ConcurrentHashMap<>();

  static Member member(String userId) {
    return MEMBERS.computeIfAbsent(userId, Member::new);
  }

  /** Per virtual user; touched only from that user's event loop. */
  static final class Member {
    final String userId;
    private long lastSeq = -1;
    volatile long lastSendMicros;
    private volatile String awaitedRef;

    Member(String userId) {
      this.userId = userId;
    }

    /** Drains frames Gatling buffered while the socket was idle; their timestamps are Gatling's. */
    void onBuffered(List<WsInboundMessage> frames) {
      for (WsInboundMessage m : frames) {
        if (m instanceof WsInboundMessage.Text t) {
          // Gatling's clock has millisecond resolution: take the middle of that millisecond.
          onFrame(t.message(), t.timestamp() * 1000 + 500);
        }
      }
    }

    void awaiting(String ref) {
      this.awaitedRef = ref;
    }

    /**
     * The matching condition of a reply check: true for the answer to the awaited ref; every other
     * frame is recorded here, since Gatling drops it once this returns false.
     */
    boolean matchesAwaited(String text) {
      long now = nowMicros();
      JsonNode frame = parse(text);
      if (frame == null) return false;
      String ref = frame.path("ref").asText(null);
      if (ref != null && ref.equals(awaitedRef)) {
        String type = frame.path("type").asText();
        if ("error".equals(type)) countError(frame);
        if (ref.startsWith("s") && "reply".equals(type) && frame.path("data").has("seq")) {
          ACKED.increment();
          record(ACK, now - lastSendMicros);
        }
        return true;
      }
      onFrame(frame, now);
      return false;
    }

    void onFrame(String text, long receivedMicros) {
      JsonNode frame = parse(text);
      if (frame != null) onFrame(frame, receivedMicros);
    }

    private void onFrame(JsonNode frame, long receivedMicros) {
      switch (frame.path("type").asText()) {
        case "event" -> onEvent(frame, receivedMicros);
        case "error" -> countError(frame);
        default -> {} // welcome, reply, pong
      }
    }

    private void onEvent(JsonNode frame, long receivedMicros) {
      if (!frame.path("topic").asText().startsWith("conv:")) return;
      String event = frame.path("event").asText();
      if ("unsubscribed".equals(event)) {
        UNSUBSCRIBED.increment();
        return;
      }
      JsonNode seqNode = frame.get("seq");
      if (seqNode != null && seqNode.canConvertToLong()) trackSeq(seqNode.asLong());
      if (!"message".equals(event)) return; // presence, typing, receipts...
      JsonNode data = frame.path("data");
      if (userId.equals(data.path("sender").asText())) {
        SELF_ECHOES.increment();
        return;
      }
      long sentMicros = sentMicros(data.path("text").asText());
      if (sentMicros < 0) {
        UNPARSABLE.increment();
        return;
      }
      DELIVERIES.increment();
      MESSAGES.add(data.path("sender").asText() + "/" + data.path("clientMsgId").asText());
      if (receivedMicros >= windowStartMicros && receivedMicros < windowEndMicros) {
        WINDOW_DELIVERIES.increment();
      }
      record(DELIVERY, receivedMicros - sentMicros);
      DELIVERY_OVER_TIME.record(sentMicros - windowStartMicros, receivedMicros - sentMicros);
      JsonNode at = data.get("at");
      if (at != null && at.canConvertToLong()) {
        long handledMicros = at.asLong() * 1000 + 500; // the middle of the server's millisecond
        record(TO_HANDLED, handledMicros - sentMicros);
        record(FROM_HANDLED, receivedMicros - handledMicros);
      }
    }

    private void trackSeq(long seq) {
      if (lastSeq >= 0) {
        if (seq <= lastSeq) {
          SEQ_REPEATS.increment();
          return;
        }
        if (seq > lastSeq + 1) SEQ_GAPS.add(seq - lastSeq - 1);
      }
      lastSeq = seq;
    }

    /** The subscribe reply's lastSeq: events after it are what this member must see. */
    void subscribed(long replyLastSeq) {
      if (replyLastSeq > lastSeq) lastSeq = replyLastSeq;
      SUBSCRIBED.increment();
      if (nowMicros() >= windowStartMicros) SUBSCRIBED_LATE.increment();
    }
  }

  /** The text a sender writes: its send time first, so receivers can compute the latency. */
  static String messageText(long sentMicros, String sender, int n) {
    return "t=" + sentMicros + " #" + n + " from " + sender;
  }

  private static long sentMicros(String text) {
    if (!text.startsWith("t=")) return -1;
    int end = text.indexOf(' ');
    try {
      return Long.parseLong(end < 0 ? text.substring(2) : text.substring(2, end));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      UNPARSABLE.increment();
      return null;
    }
  }

  private static void countError(JsonNode frame) {
    ERROR_FRAMES.increment();
    ERROR_CODES.computeIfAbsent(frame.path("code").asText("?"), c -> new LongAdder()).increment();
  }

  static void record(Histogram h, long micros) {
    h.recordValue(Math.max(0, Math.min(MAX_MICROS, micros)));
  }

  // --- the report ------------------------------------------------------------------------------

  /** This process's figures as ordered "key: value" lines; the histograms go along encoded. */
  static Map<String, String> snapshot(Map<String, String> params) {
    Map<String, String> r = new LinkedHashMap<>(params);
    r.put("groups.created", Long.toString(GROUPS_CREATED.sum()));
    r.put("members.subscribed", Long.toString(SUBSCRIBED.sum()));
    r.put("members.subscribed.late", Long.toString(SUBSCRIBED_LATE.sum()));
    r.put("members.group.wait.failed", Long.toString(GROUP_WAIT_FAILED.sum()));
    r.put("sends.scheduled", Long.toString(SCHEDULED.sum()));
    r.put("sends", Long.toString(SENDS.sum()));
    r.put("sends.acked", Long.toString(ACKED.sum()));
    r.put("deliveries", Long.toString(DELIVERIES.sum()));
    r.put("messages.delivered", Integer.toString(MESSAGES.size()));
    r.put("deliveries.window", Long.toString(WINDOW_DELIVERIES.sum()));
    r.put("self.echoes", Long.toString(SELF_ECHOES.sum()));
    r.put("seq.gaps", Long.toString(SEQ_GAPS.sum()));
    r.put("seq.repeats", Long.toString(SEQ_REPEATS.sum()));
    r.put("unsubscribed.events", Long.toString(UNSUBSCRIBED.sum()));
    r.put("unparsable.frames", Long.toString(UNPARSABLE.sum()));
    r.put("error.frames", Long.toString(ERROR_FRAMES.sum()));
    Map<String, Long> codes = new TreeMap<>();
    ERROR_CODES.forEach((c, n) -> codes.put(c, n.sum()));
    r.put("error.codes", codes.toString());
    r.put("histogram.delivery", encode(DELIVERY));
    r.put("histogram.ack", encode(ACK));
    r.put("histogram.sendlag", encode(SEND_LAG));
    r.put("histogram.tohandled", encode(TO_HANDLED));
    r.put("histogram.fromhandled", encode(FROM_HANDLED));
    DELIVERY_OVER_TIME.slices().forEach((i, h) -> r.put(SLICE_KEY + i, encode(h)));
    GeneratorPauses.tally().putRaw(r);
    return r;
  }

  private static final String SLICE_KEY = "histogram.delivery.slice.";

  /** Human summary of one or more merged snapshots (all counters summed, histograms added). */
  static String summary(List<Map<String, String>> parts) {
    Map<String, String> first = parts.get(0);
    int groupSize = Integer.parseInt(first.get("groupSize"));
    double duration = Double.parseDouble(first.get("duration"));
    Histogram delivery = new Histogram(MAX_MICROS, 3);
    Histogram ack = new Histogram(MAX_MICROS, 3);
    Histogram lag = new Histogram(MAX_MICROS, 3);
    Histogram toHandled = new Histogram(MAX_MICROS, 3);
    Histogram fromHandled = new Histogram(MAX_MICROS, 3);
    Map<String, Long> codes = new TreeMap<>();
    Map<Integer, Histogram> slices = new TreeMap<>();
    for (Map<String, String> p : parts) {
      p.forEach((k, v) -> {
        if (k.startsWith(SLICE_KEY)) {
          slices.computeIfAbsent(Integer.parseInt(k.substring(SLICE_KEY.length())), i -> LatencyOverTime.emptySlice())
              .add(decode(v, LatencyOverTime.MAX_MICROS));
        }
      });
      delivery.add(decode(p.get("histogram.delivery")));
      ack.add(decode(p.get("histogram.ack")));
      lag.add(decode(p.get("histogram.sendlag")));
      if (p.containsKey("histogram.tohandled")) {
        toHandled.add(decode(p.get("histogram.tohandled")));
        fromHandled.add(decode(p.get("histogram.fromhandled")));
      }
      String c = p.getOrDefault("error.codes", "{}").replaceAll("[{} ]", "");
      if (!c.isEmpty()) {
        for (String kv : c.split(",")) {
          String[] e = kv.split("=");
          codes.merge(e[0], Long.parseLong(e[1]), Long::sum);
        }
      }
    }
    long sends = sum(parts, "sends");
    long acked = sum(parts, "sends.acked");
    long deliveries = sum(parts, "deliveries");
    long delivered = sum(parts, "messages.delivered");
    long complete = delivered * (groupSize - 1L);
    StringBuilder s = new StringBuilder();
    s.append("Chat end-to-end delivery (").append(parts.size()).append(parts.size() == 1 ? " process" : " processes")
        .append(")\n");
    s.append(line("workload", "groups=%s groupSize=%s senders=%s sendEvery=%ss duration=%ss ramp=%ss run=%s",
        first.get("groups"), first.get("groupSize"), first.get("senders"), first.get("sendEvery"),
        first.get("duration"), first.get("ramp"), first.get("run")));
    s.append(line("members subscribed", "%d (late, after sending began: %d; never got a group id: %d)",
        sum(parts, "members.subscribed"), sum(parts, "members.subscribed.late"), sum(parts, "members.group.wait.failed")));
    s.append(line("sends", "%d scheduled, %d written (%.1f/s), %d acked (%.1f/s), %d answered otherwise",
        sum(parts, "sends.scheduled"), sends, sends / duration, acked, acked / duration, sends - acked));
    s.append(line("send lag ms", "%s", percentiles(lag)));
    s.append(line("messages", "%d distinct messages reached other members (%d acked, %d written)", delivered, acked, sends));
    s.append(line("deliveries", "%d received by other members; %d if each of those messages reached all %d others;"
        + " missing %d", deliveries, complete, groupSize - 1, complete - deliveries));
    s.append(line("deliveries/s", "%.1f inside the steady window", sum(parts, "deliveries.window") / duration));
    s.append(line("delivery latency ms", "%s", percentiles(delivery)));
    s.append(line("  send->handled ms", "%s", percentiles(toHandled)));
    s.append(line("  handled->received ms", "%s", percentiles(fromHandled)));
    if (!slices.isEmpty()) {
      s.append(line("  by send time, ms", "(seconds into the sending window)"));
      s.append(LatencyOverTime.format(slices, SLICE_MICROS));
    }
    s.append(line("send->ack latency ms", "%s", percentiles(ack)));
    GeneratorPauses.Tally pauses = GeneratorPauses.Tally.NONE;
    for (Map<String, String> p : parts) pauses = pauses.merge(GeneratorPauses.Tally.fromRaw(p));
    s.append(line("load generator GC", "%s", pauses.format(parts.size(), duration)));
    s.append(line("seq gaps / repeats", "%d / %d", sum(parts, "seq.gaps"), sum(parts, "seq.repeats")));
    s.append(line("unsubscribed events", "%d", sum(parts, "unsubscribed.events")));
    s.append(line("error frames", "%d %s", sum(parts, "error.frames"), codes));
    s.append(line("unparsable frames", "%d", sum(parts, "unparsable.frames")));
    return s.toString();
  }

  /** p50…max of a microsecond histogram, in milliseconds (also DocumentStats's format). */
  static String percentiles(Histogram h) {
    if (h.getTotalCount() == 0) return "no samples";
    return String.format(Locale.ROOT, "p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f mean=%.1f (n=%d)",
        ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
        ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), h.getMean() / 1000.0, h.getTotalCount());
  }

  static double ms(long micros) {
    return micros / 1000.0;
  }

  static String line(String key, String fmt, Object... args) {
    return String.format(Locale.ROOT, "  %-22s ", key) + String.format(Locale.ROOT, fmt, args) + "\n";
  }

  private static long sum(List<Map<String, String>> parts, String key) {
    return parts.stream().mapToLong(p -> Long.parseLong(p.getOrDefault(key, "0"))).sum();
  }

  /** Writes the summary, then the raw lines (for {@link ChatReport} to merge several processes). */
  static void write(Path file, String summary, Map<String, String> snapshot) throws IOException {
    StringBuilder out = new StringBuilder(summary).append("\n# raw\n");
    snapshot.forEach((k, v) -> out.append(k).append(": ").append(v).append('\n'));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, out.toString());
  }

  static Map<String, String> readRaw(Path file) throws IOException {
    Map<String, String> r = new LinkedHashMap<>();
    boolean raw = false;
    for (String l : Files.readAllLines(file)) {
      if (l.equals("# raw")) raw = true;
      else if (raw && l.contains(": ")) r.put(l.substring(0, l.indexOf(": ")), l.substring(l.indexOf(": ") + 2));
    }
    return r;
  }

  private static String encode(Histogram h) {
    Histogram copy = h.copy();
    ByteBuffer buf = ByteBuffer.allocate(copy.getNeededByteBufferCapacity());
    int n = copy.encodeIntoCompressedByteBuffer(buf, Deflater.BEST_COMPRESSION);
    byte[] bytes = new byte[n];
    buf.flip();
    buf.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static Histogram decode(String base64) {
    return decode(base64, MAX_MICROS);
  }

  private static Histogram decode(String base64, long maxMicros) {
    try {
      byte[] bytes = Base64.getDecoder().decode(base64.getBytes(StandardCharsets.US_ASCII));
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), maxMicros);
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("bad histogram", e);
    }
  }
}
