package io.pulse.load;

import static io.pulse.load.ChatStats.line;
import static io.pulse.load.ChatStats.nowMicros;
import static io.pulse.load.ChatStats.percentiles;
import static io.pulse.load.ChatStats.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatling.http.action.ws.WsInboundMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What {@link DocumentSimulation} measures, shared by the virtual users of one Gatling process. Frames
 * reach a {@link Client} the two ways {@link ChatStats} explains (Gatling's buffer while idle, the reply
 * check's matching condition while awaiting), so every frame is seen once and in arrival order.
 *
 * <p>Op-to-other-client latency: each editor records its op's send time under its clientId and
 * clientSeq before writing the frame; a subscriber that receives the committed {@code op} event of
 * another client looks that up (one JVM, one clock). Ack latency: send to the {@code doc.op} reply.
 */
final class DocumentStats {
  private DocumentStats() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_MICROS = 3_600_000_000L;

  /** clientId + "/" + clientSeq → send time (µs) of ops whose events someone else will receive. */
  static final Map<String, Long> SENT = new ConcurrentHashMap<>();

  static final Histogram TO_OTHERS = new ConcurrentHistogram(MAX_MICROS, 3);
  static final LongAdder OPS_SENT = new LongAdder();
  static final LongAdder CURSORS_SENT = new LongAdder();
  static final LongAdder OP_EVENTS = new LongAdder(); // op events received by anyone
  static final LongAdder OWN_OP_EVENTS = new LongAdder(); // ... of the receiver's own ops
  static final LongAdder CURSOR_EVENTS = new LongAdder();
  static final LongAdder UNMATCHED_OP_EVENTS = new LongAdder(); // no recorded send time
  static final LongAdder DUPLICATE_ACKS = new LongAdder();
  static final LongAdder ERROR_FRAMES = new LongAdder();
  static final Map<String, LongAdder> ERROR_CODES = new ConcurrentHashMap<>();
  static final Map<String, String> ERROR_EXAMPLES = new ConcurrentHashMap<>(); // code -> first frame
  /** doc.op refused as based on a version older than the entity keeps ("conflict"): the editor reloads. */
  static final LongAdder STALE_OPS = new LongAdder();
  static final LongAdder UNPARSABLE = new LongAdder();
  static final LongAdder UNSUBSCRIBED = new LongAdder();
  static final LongAdder DOCUMENTS_CREATED = new LongAdder();
  static final LongAdder SUBSCRIBED = new LongAdder();
  static final LongAdder WAIT_FAILED = new LongAdder();
  static final LongAdder CHECKED = new LongAdder(); // replicas compared with the server's text
  static final LongAdder CONVERGED = new LongAdder();
  static final List<String> MISMATCHES = java.util.Collections.synchronizedList(new ArrayList<>());

  /**
   * Stages of the sending window ({@code [start + i*step, start + (i+1)*step)}): the hot document adds
   * editors stage by stage; the other modes have one stage, the whole window. Acks are counted and
   * timed by the stage their op was sent in, leaving out the first {@code skip} µs of each stage (the
   * step itself). Set once by the simulation before any user starts.
   */
  static volatile long stageMicros = Long.MAX_VALUE;
  static volatile long skipMicros = 0;
  static final Map<Integer, Histogram> STAGE_ACK = new ConcurrentHashMap<>();
  static final Map<Integer, LongAdder> STAGE_ACKS = new ConcurrentHashMap<>();

  private static final Map<String, Client> CLIENTS = new ConcurrentHashMap<>();

  static Client client(String userId) {
    return CLIENTS.computeIfAbsent(userId, Client::new);
  }

  /** Stage of a time inside the window, or -1 outside it or inside a stage's skipped start. */
  static int stageOf(long micros) {
    long start = ChatStats.windowStartMicros;
    if (micros < start || micros >= ChatStats.windowEndMicros) return -1;
    long into = micros - start;
    int stage = (int) (into / stageMicros);
    return into - stage * stageMicros < skipMicros ? -1 : stage;
  }

  /** Per virtual user; touched only from that user's event loop. */
  static final class Client {
    final String userId;
    String clientId;
    final DocText.Replica replica = new DocText.Replica();
    /** This client's edits: the same in every run of the same ids. */
    final java.util.SplittableRandom random;
    /** Base of the next op when the replica is not ahead: the last ack's version and text length. */
    long ackVersion = -1;
    int ackLength;
    long lastSendMicros;
    int clientSeq;
    private volatile String awaitedRef;
    /** doc.get's answer at the end: the server's text and version. */
    String serverText;
    long serverVersion = -1;
    /** The last doc.op was acked, or refused as stale (then {@link #needsReload}); false on any other answer. */
    boolean lastOpOk;
    boolean needsReload;

    Client(String userId) {
      this.userId = userId;
      this.random = new java.util.SplittableRandom(userId.hashCode());
    }

    void awaiting(String ref) {
      awaitedRef = ref;
    }

    /** Version and length the next op or cursor is based on: the newest this client knows. */
    long baseVersion() {
      return replica.started() && replica.version() > ackVersion ? replica.version() : ackVersion;
    }

    int baseLength() {
      return replica.started() && replica.version() > ackVersion ? replica.length() : ackLength;
    }

    void onBuffered(List<WsInboundMessage> frames) {
      for (WsInboundMessage m : frames) {
        if (m instanceof WsInboundMessage.Text t) {
          JsonNode frame = parse(t.message());
          if (frame != null) onFrame(frame, t.timestamp() * 1000 + 500); // middle of Gatling's millisecond
        }
      }
    }

    /** Reply checks' matching condition: true for the awaited reply, every other frame recorded. */
    boolean matchesAwaited(String text) {
      long now = nowMicros();
      JsonNode frame = parse(text);
      if (frame == null) return false;
      String ref = frame.path("ref").asText(null);
      if (ref == null || !ref.equals(awaitedRef)) {
        onFrame(frame, now);
        return false;
      }
      String type = frame.path("type").asText();
      JsonNode data = frame.path("data");
      if ("error".equals(type)) {
        if (ref.startsWith("o") && "conflict".equals(frame.path("code").asText())) {
          // too far behind the entity's in-memory window: what a real client does is reload
          STALE_OPS.increment();
          lastOpOk = true;
          needsReload = true;
        } else {
          if (ref.startsWith("o")) lastOpOk = false;
          countError(frame);
        }
      } else if ("reply".equals(type)) {
        if (ref.startsWith("o")) {
          lastOpOk = true;
          onAck(data, now);
        }
        else if (ref.equals("sub")) {
          replica.start(data.path("text").asText(""), data.path("lastSeq").asLong());
          SUBSCRIBED.increment();
        } else if (ref.equals("get0") || ref.equals("c")) {
          ackVersion = data.path("version").asLong();
          ackLength = data.path("text").asText("").length();
          needsReload = false;
        } else if (ref.equals("get")) {
          serverText = data.path("text").asText("");
          serverVersion = data.path("version").asLong();
        }
      }
      return true;
    }

    private void onAck(JsonNode data, long now) {
      if (data.path("duplicate").asBoolean()) DUPLICATE_ACKS.increment();
      long version = data.path("version").asLong();
      if (version > ackVersion) {
        ackVersion = version;
        ackLength = data.path("length").asInt();
      }
      int stage = stageOf(lastSendMicros);
      if (stage >= 0) {
        STAGE_ACKS.computeIfAbsent(stage, k -> new LongAdder()).increment();
        record(STAGE_ACK.computeIfAbsent(stage, k -> new ConcurrentHistogram(MAX_MICROS, 3)), now - lastSendMicros);
      }
    }

    private void onFrame(JsonNode frame, long receivedMicros) {
      switch (frame.path("type").asText()) {
        case "event" -> onEvent(frame, receivedMicros);
        case "error" -> countError(frame);
        default -> {} // welcome, cursor replies, pong
      }
    }

    private void onEvent(JsonNode frame, long receivedMicros) {
      if (!frame.path("topic").asText().startsWith("doc:")) return;
      String event = frame.path("event").asText();
      if ("cursor".equals(event) || "cursor_gone".equals(event)) {
        CURSOR_EVENTS.increment();
        return;
      }
      if ("unsubscribed".equals(event)) {
        UNSUBSCRIBED.increment();
        return;
      }
      JsonNode seq = frame.get("seq");
      if (seq == null || !seq.canConvertToLong()) return;
      if (!"op".equals(event)) {
        replica.onEvent(seq.asLong(), null);
        return;
      }
      JsonNode data = frame.path("data");
      List<Object> op = new ArrayList<>();
      for (JsonNode c : data.path("op")) op.add(c.isTextual() ? c.asText() : (Object) c.asLong());
      replica.onEvent(seq.asLong(), op);
      OP_EVENTS.increment();
      String author = data.path("clientId").asText();
      if (author.equals(clientId)) {
        OWN_OP_EVENTS.increment();
        return;
      }
      Long sent = SENT.get(author + "/" + data.path("clientSeq").asLong());
      if (sent == null) {
        UNMATCHED_OP_EVENTS.increment();
        return;
      }
      if (stageOf(sent) >= 0) record(TO_OTHERS, receivedMicros - sent);
    }

    /** After doc.get at the end: does this replica hold the server's text at the server's version? */
    boolean converged() {
      CHECKED.increment();
      String why = null;
      if (!replica.started()) why = "never subscribed";
      else if (replica.broken() != null) why = "diverged " + replica.broken();
      else if (serverVersion < 0) why = "no doc.get answer";
      else if (replica.version() != serverVersion) {
        why = "at version " + replica.version() + ", the server at " + serverVersion + " (" + replica.pending() + " versions held back by a gap)";
      } else if (!replica.text().equals(serverText)) {
        why = "text differs at version " + serverVersion + " (" + replica.length() + " vs " + serverText.length() + " characters)";
      }
      if (why == null) {
        CONVERGED.increment();
        return true;
      }
      MISMATCHES.add(userId + ": " + why);
      return false;
    }

    boolean behindServer() {
      return serverVersion >= 0 && replica.broken() == null && replica.version() < serverVersion;
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
    ERROR_EXAMPLES.putIfAbsent(frame.path("code").asText("?"), frame.toString());
  }

  /** The human summary; {@code stageEditors.get(i)}: editors sending in stage i. */
  static String summary(String title, Map<String, String> params, List<Integer> stageEditors, double stageSeconds, long scheduled) {
    StringBuilder s = new StringBuilder(title).append('\n');
    StringBuilder p = new StringBuilder();
    params.forEach((k, v) -> p.append(k).append('=').append(v).append(' '));
    s.append(line("workload", "%s", p.toString().strip()));
    s.append(line("documents created", "%d; subscribed clients %d; never got a document id %d",
        DOCUMENTS_CREATED.sum(), SUBSCRIBED.sum(), WAIT_FAILED.sum()));
    double measured = stageSeconds - skipMicros / 1e6;
    Histogram allAcks = new Histogram(MAX_MICROS, 3);
    long allCount = 0;
    for (int i = 0; i < stageEditors.size(); i++) {
      Histogram h = STAGE_ACK.getOrDefault(i, new Histogram(MAX_MICROS, 3));
      long n = STAGE_ACKS.getOrDefault(i, new LongAdder()).sum();
      allAcks.add(h);
      allCount += n;
      String label = stageEditors.size() == 1 ? "committed ops/s" : "stage " + i + ": " + stageEditors.get(i) + " editors";
      s.append(line(label, "%.0f ops/s acked (%d in %.0f s); ack ms %s", n / measured, n, measured, percentiles(h)));
    }
    if (stageEditors.size() > 1) {
      s.append(line("peak committed ops/s", "%.0f", stageEditors.isEmpty() ? 0.0 : peak(stageEditors.size()) / measured));
    }
    s.append(line("ack latency ms", "%s", percentiles(allAcks)));
    s.append(line("op->other client ms", "%s", percentiles(TO_OTHERS)));
    s.append(line("frames sent", "%d ops%s, %d cursors", OPS_SENT.sum(),
        scheduled > 0 ? " of " + scheduled + " slots (an editor with an op in flight skips the slots it misses)" : "", CURSORS_SENT.sum()));
    s.append(line("events received", "%d op events (%d own, %d with no recorded send), %d cursor events",
        OP_EVENTS.sum(), OWN_OP_EVENTS.sum(), UNMATCHED_OP_EVENTS.sum(), CURSOR_EVENTS.sum()));
    s.append(line("convergence", "%d of %d replicas equal the server's text; MISMATCHES %d",
        CONVERGED.sum(), CHECKED.sum(), MISMATCHES.size()));
    synchronized (MISMATCHES) {
      MISMATCHES.stream().limit(10).forEach(m -> s.append("      ").append(m).append('\n'));
    }
    GeneratorPauses.Tally pauses = GeneratorPauses.tally();
    s.append(line("load generator GC", "%s", pauses.format(1, stageEditors.size() * stageSeconds)));
    Map<String, Long> codes = new TreeMap<>();
    ERROR_CODES.forEach((c, n) -> codes.put(c, n.sum()));
    s.append(line("stale ops (reloaded)", "%d doc.op refused as based on a version older than the entity's window", STALE_OPS.sum()));
    s.append(line("error frames", "%d %s", ERROR_FRAMES.sum(), codes));
    ERROR_EXAMPLES.forEach((c, f) -> s.append("      first ").append(c).append(": ").append(f, 0, Math.min(300, f.length())).append('\n'));
    s.append(line("duplicate acks", "%d", DUPLICATE_ACKS.sum()));
    s.append(line("unsubscribed events", "%d", UNSUBSCRIBED.sum()));
    s.append(line("unparsable frames", "%d", UNPARSABLE.sum()));
    return s.toString();
  }

  private static long peak(int stages) {
    long best = 0;
    for (int i = 0; i < stages; i++) best = Math.max(best, STAGE_ACKS.getOrDefault(i, new LongAdder()).sum());
    return best;
  }

  static String format(String fmt, Object... args) {
    return String.format(Locale.ROOT, fmt, args);
  }
}
