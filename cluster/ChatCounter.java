import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A counting chat client for cluster operations (cluster/rolling-restart.sh): per conversation one
 * sender and one receiver, each connected to some node of the cluster; when its node goes away (1001)
 * or does not answer it reconnects to another. The sender counts a message as sent only when the
 * server acknowledged it (its reply carries the seq), and resends an unacknowledged one with the same
 * clientMsgId; the receiver resumes with {@code since} = the last seq it has. At the end (the stop
 * file appears) it waits until every receiver has the last acknowledged seq, then reads every
 * conversation once more from seq 0 on a fresh socket, and reports: acknowledged, lost (acknowledged
 * but never received), duplicates (a seq or a clientMsgId received twice), gaps.
 *
 * JDK only, run as a source file:
 *   java cluster/ChatCounter.java --ports 8080,8081,8082,8083 --conversations 8 --rate 10 --stop-file F
 */
public class ChatCounter {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final Duration ANSWER = Duration.ofSeconds(10);
  static List<Integer> ports = List.of(8080, 8081, 8082);
  static final AtomicInteger nextPort = new AtomicInteger();
  static final AtomicLong reconnects = new AtomicLong();
  static final Map<Integer, AtomicLong> closeCodes = new ConcurrentHashMap<>();
  static volatile boolean stopping;
  static final long started = System.nanoTime();

  public static void main(String[] args) throws Exception {
    int conversations = 8;
    double rate = 10;
    Path stopFile = Path.of("chat-counter.stop");
    String run = Long.toString(System.currentTimeMillis(), 36);
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--ports" -> ports = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
        case "--conversations" -> conversations = Integer.parseInt(args[i + 1]);
        case "--rate" -> rate = Double.parseDouble(args[i + 1]);
        case "--stop-file" -> stopFile = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Pair> pairs = new ArrayList<>();
    for (int c = 0; c < conversations; c++) pairs.add(new Pair("s" + c + "-" + run, "r" + c + "-" + run, rate));
    for (Pair p : pairs) p.create();
    log("%d conversations created; sending %.0f messages/s each", conversations, rate);
    List<Thread> threads = new ArrayList<>();
    for (Pair p : pairs) {
      threads.add(new Thread(p::sendLoop, "send-" + p.sender));
      threads.add(new Thread(p::receiveLoop, "recv-" + p.receiver));
    }
    threads.forEach(Thread::start);
    long lastAcked = 0;
    while (!Files.exists(stopFile)) {
      Thread.sleep(5_000);
      long acked = pairs.stream().mapToLong(p -> p.acked.size()).sum();
      long received = pairs.stream().mapToLong(p -> p.received.size()).sum();
      log("acknowledged %d (+%d in 5 s), received %d, reconnects %d", acked, acked - lastAcked, received, reconnects.get());
      lastAcked = acked;
    }
    log("stop file seen: sends stop; waiting for every receiver to reach the last acknowledged seq");
    stopping = true;
    for (Thread t : threads) t.join(90_000);
    for (Pair p : pairs) if (p.lastSeq < p.maxAckedSeq) log("receiver %s still behind: at seq %d of %d", p.receiver, p.lastSeq, p.maxAckedSeq);

    long acked = 0, lost = 0, dupSeq = 0, dupMsg = 0, gaps = 0, resendsDup = 0, replayLost = 0, replayDup = 0;
    for (Pair p : pairs) {
      Replay replay = p.replay();
      acked += p.acked.size();
      resendsDup += p.resendAnsweredDuplicate.get();
      dupSeq += p.duplicateSeqs.get();
      gaps += p.gaps.get();
      for (Map.Entry<String, Long> a : p.acked.entrySet()) {
        Integer times = p.received.get(a.getKey());
        if (times == null) lost++;
        Integer inReplay = replay.messages.get(a.getKey());
        if (inReplay == null) replayLost++;
      }
      for (int times : p.received.values()) if (times > 1) dupMsg += times - 1;
      replayDup += replay.duplicates;
    }
    System.out.printf(
        "%nRESULT acknowledged=%d lost=%d duplicates=%d (seq %d, message %d) gaps=%d | replay from seq 0: lost=%d duplicates=%d | resends answered duplicate=%d reconnects=%d close codes=%s%n",
        acked, lost, dupSeq + dupMsg, dupSeq, dupMsg, gaps, replayLost, replayDup, resendsDup, reconnects.get(), closeCodes);
    System.exit(lost == 0 && dupSeq + dupMsg == 0 && gaps == 0 && replayLost == 0 && replayDup == 0 ? 0 : 1);
  }

  static void log(String format, Object... args) {
    System.out.printf("%s [%5.1fs] %s%n", LocalTime.now().truncatedTo(ChronoUnit.SECONDS), (System.nanoTime() - started) / 1e9, String.format(format, args));
  }

  // ---- JSON fields the client needs (the frames are small and flat enough for patterns) --------------

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\"([^\"]*)\"|(-?\\d+)|true|false)").matcher(json);
    if (!m.find()) return null;
    if (m.group(2) != null) return m.group(2);
    if (m.group(3) != null) return m.group(3);
    return m.group(1);
  }

  static String token(int port, String user) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/dev/tokens"))
                .header("Content-Type", "application/json")
                .timeout(ANSWER)
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + user + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IllegalStateException("dev token: " + r.statusCode());
    return field(r.body(), "token");
  }

  /** One socket: its frames in a queue, its close code once closed. */
  static final class Conn {
    final WebSocket ws;
    final LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    final int port;
    long lastSent = System.nanoTime();

    Conn(int port, String user) throws Exception {
      this.port = port;
      String token = token(port, user);
      StringBuilder partial = new StringBuilder();
      ws =
          HTTP.newWebSocketBuilder()
              .subprotocols("pulse.v1")
              .header("Authorization", "Bearer " + token)
              .connectTimeout(ANSWER)
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + port + "/ws"),
                  new WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                      partial.append(data);
                      if (last) {
                        frames.add(partial.toString());
                        partial.setLength(0);
                      }
                      w.request(1);
                      return null;
                    }

                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                      closed.complete(code);
                      return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                      closed.complete(-1);
                    }
                  })
              .get(15, TimeUnit.SECONDS);
      String welcome = frames.poll(15, TimeUnit.SECONDS);
      if (welcome == null || !"welcome".equals(field(welcome, "type"))) throw new IllegalStateException("no welcome: " + welcome);
    }

    void send(String frame) throws Exception {
      ws.sendText(frame, true).get(10, TimeUnit.SECONDS);
      lastSent = System.nanoTime();
    }

    /** The next frame, or null after {@code timeout} or once closed. */
    String next(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        String f = frames.poll(Math.min(200, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS);
        if (f != null) return f;
        if (closed.isDone() && frames.isEmpty()) return null;
        if (System.nanoTime() > deadline) return null;
      }
    }

    boolean isClosed() {
      return closed.isDone();
    }

    void close() {
      if (closed.isDone()) {
        closeCodes.computeIfAbsent(closed.join(), k -> new AtomicLong()).incrementAndGet();
        return;
      }
      ws.sendClose(1000, "bye");
      ws.abort();
    }
  }

  /** A socket for {@code user} to the next node that accepts one. */
  static Conn connect(String user) throws InterruptedException {
    while (true) {
      int port = ports.get(Math.floorMod(nextPort.getAndIncrement(), ports.size()));
      try {
        return new Conn(port, user);
      } catch (Exception e) {
        Thread.sleep(100); // that node is down or starting: try the next
      }
    }
  }

  record Replay(Map<String, Integer> messages, long duplicates) {}

  static final class Pair {
    final String sender;
    final String receiver;
    final double rate;
    String conv;
    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final Map<String, Integer> received = new ConcurrentHashMap<>();
    final AtomicLong duplicateSeqs = new AtomicLong();
    final AtomicLong gaps = new AtomicLong();
    final AtomicLong resendAnsweredDuplicate = new AtomicLong();
    volatile long maxAckedSeq;
    volatile boolean sendsDone;
    int ref;

    Pair(String sender, String receiver, double rate) {
      this.sender = sender;
      this.receiver = receiver;
      this.rate = rate;
    }

    void create() throws Exception {
      while (conv == null) {
        Conn c = connect(sender);
        try {
          c.send("{\"type\":\"conv.create\",\"ref\":\"c\",\"kind\":\"group\",\"members\":[\"" + receiver + "\"]}");
          String r = c.next(ANSWER);
          if (r != null && "reply".equals(field(r, "type"))) conv = field(r, "conversationId");
        } finally {
          c.close();
        }
      }
    }

    /** Sends m-1, m-2, … one at a time; each counts once its ack came; unacknowledged ones are resent. */
    void sendLoop() {
      long pause = (long) (1000 / rate);
      Conn c = null;
      int n = 1;
      boolean resend = false;
      try {
        while (!stopping) {
          if (c == null || c.isClosed()) {
            if (c != null) {
              c.close();
              reconnects.incrementAndGet();
            }
            c = connect(sender);
          }
          String id = "m-" + n;
          String r = "s" + (++ref);
          try {
            c.send("{\"type\":\"conv.send\",\"ref\":\"" + r + "\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"" + id + "\",\"text\":\"" + id + "\"}");
          } catch (Exception e) {
            c.ws.abort();
            continue;
          }
          String answer = awaitRef(c, r);
          if (answer != null && "reply".equals(field(answer, "type"))) {
            long seq = Long.parseLong(field(answer, "seq"));
            if (resend && "true".equals(field(answer, "duplicate"))) resendAnsweredDuplicate.incrementAndGet();
            acked.put(id, seq);
            maxAckedSeq = Math.max(maxAckedSeq, seq);
            n++;
            resend = false;
            Thread.sleep(pause);
          } else {
            // no ack (unavailable while the conversation moves, timeout, socket gone): send it again
            resend = true;
            if (answer == null) {
              c.ws.abort();
            } else {
              Thread.sleep("rate_limited".equals(field(answer, "code")) ? 1000 : 200);
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        sendsDone = true;
        if (c != null) c.close();
      }
    }

    /** The answer to {@code ref}; every other frame meanwhile goes to {@code others} (replayed events may come before it). */
    private static String awaitRef(Conn c, String ref, java.util.function.Consumer<String> others) throws InterruptedException {
      long deadline = System.nanoTime() + ANSWER.toNanos();
      while (System.nanoTime() < deadline) {
        String f = c.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (f == null) return null;
        if (ref.equals(field(f, "ref"))) return f;
        others.accept(f);
      }
      return null;
    }

    private static String awaitRef(Conn c, String ref) throws InterruptedException {
      return awaitRef(c, ref, f -> {});
    }

    /** The receiver's position: the last seq it processed (receiver thread only). */
    volatile long lastSeq;

    /** One frame the receiver got: events with a seq move it on; true if it asks to resubscribe. */
    private boolean onFrame(String f) {
      if (!"event".equals(field(f, "type"))) return false;
      String event = field(f, "event");
      if ("unsubscribed".equals(event)) return true;
      String seqText = field(f, "seq");
      if (seqText == null) return false; // presence, typing: not durable
      long seq = Long.parseLong(seqText);
      if (seq <= lastSeq) {
        duplicateSeqs.incrementAndGet();
        return false;
      }
      if (seq != lastSeq + 1) gaps.incrementAndGet();
      lastSeq = seq;
      if ("message".equals(event)) received.merge(field(f, "clientMsgId"), 1, Integer::sum);
      return false;
    }

    /** Follows the conversation from seq 0, resuming with since after every reconnect. */
    void receiveLoop() {
      Conn c = null;
      try {
        while (!(sendsDone && lastSeq >= maxAckedSeq)) {
          if (c == null || c.isClosed()) {
            if (c != null) {
              c.close();
              reconnects.incrementAndGet();
            }
            c = connect(receiver);
            if (!subscribe(c, lastSeq)) {
              c.ws.abort();
              Thread.sleep(300);
              continue;
            }
          }
          String f = c.next(Duration.ofSeconds(1));
          if (System.nanoTime() - c.lastSent > 15_000_000_000L) {
            try {
              c.send("{\"type\":\"ping\"}"); // only protocol frames keep a socket from being closed as idle
            } catch (Exception e) {
              c.ws.abort();
            }
          }
          if (f != null && onFrame(f) && !subscribe(c, lastSeq)) c.ws.abort();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (c != null) c.close();
      }
    }

    private boolean subscribe(Conn c, long since) throws InterruptedException {
      return subscribe(c, since, this::onFrame);
    }

    private boolean subscribe(Conn c, long since, java.util.function.Predicate<String> events) throws InterruptedException {
      String r = "sub" + since + "-" + System.nanoTime();
      try {
        c.send("{\"type\":\"subscribe\",\"ref\":\"" + r + "\",\"topic\":\"conv:" + conv + "\",\"since\":" + since + "}");
      } catch (Exception e) {
        return false;
      }
      String answer = awaitRef(c, r, events::test);
      return answer != null && "reply".equals(field(answer, "type"));
    }

    /** Every message of the conversation read once more from seq 0, by a fresh socket (the journal's view). */
    Replay replay() throws InterruptedException {
      while (true) {
        Map<String, Integer> messages = new HashMap<>();
        long[] state = {0, 0}; // last seq, duplicates
        java.util.function.Predicate<String> count =
            f -> {
              String seqText = field(f, "seq");
              if (!"event".equals(field(f, "type")) || seqText == null) return false;
              long seq = Long.parseLong(seqText);
              if (seq <= state[0]) state[1]++;
              state[0] = Math.max(state[0], seq);
              if ("message".equals(field(f, "event")) && messages.merge(field(f, "clientMsgId"), 1, Integer::sum) > 1) state[1]++;
              return false;
            };
        Conn c = connect(receiver);
        try {
          if (!subscribe(c, 0, count)) continue;
          while (state[0] < maxAckedSeq) {
            String f = c.next(ANSWER);
            if (f == null) break;
            count.test(f);
          }
          if (state[0] >= maxAckedSeq) return new Replay(messages, state[1]);
        } finally {
          c.close();
        }
      }
    }
  }
}
