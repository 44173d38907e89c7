package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;
import static io.pulse.load.ChatStats.nowMicros;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collaborative documents (issue 18's figures). Scenarios by {@code -Dmode=}:
 *
 * <ul>
 *   <li>{@code editors} (default): one document, {@code editors} (50) editors each sending one op every
 *       {@code opEvery} ms (200: 250 ops/s in all) and a cursor move every {@code cursorEvery} ms (1000),
 *       {@code viewers} (200) subscribed viewers. Reports ack latency and op-to-other-client latency.
 *   <li>{@code hot}: one document, editors added stage by stage ({@code steps} = 8,16,32,64,128,256,
 *       {@code step} s each), each sending its next op as soon as the previous one is acked
 *       ({@code opEvery=0}, closed loop), not subscribed (the ack carries the version and length its next
 *       op is based on); {@code viewers} (2) subscribed. Reports committed ops/s and ack latency per stage.
 *   <li>{@code many}: {@code documents} (1000) documents with {@code editors} (5) subscribed editors each,
 *       closed loop. Reports total committed ops/s.
 * </ul>
 *
 * <p>Every op is a random insert (1-3 letters) or, once the text reaches {@code textLength} (1000)
 * characters, a delete (1-3), based on the newest version the editor knows (its last ack, or its
 * subscription if that is ahead); the server transforms it against everything committed since. Every
 * subscribed client keeps its own copy of the text by applying the {@code op} events in seq order
 * ({@link DocText.Replica}) and at the end compares it with the server's {@code doc.get}: a mismatch fails
 * the run (request "converged"). Member 0 of each document creates it and shares it with the others
 * (editors as editor, viewers as viewer), pacing its shares under the connection's frame limit.
 *
 * <pre>
 * mvn -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.DocumentSimulation \
 *   -Dpulse.url=http://127.0.0.1:8080 -Dmode=editors -Dduration=60
 * bench/documents.sh 3 -Dmode=hot            # starts its own node
 * </pre>
 *
 * Closed-loop editors exceed a stock node's 50 frames/s per connection as soon as acks take under
 * 20 ms: run {@code hot} and {@code many} against a node with a raised {@code pulse.gateway.rate-limit}
 * (bench/documents.sh does), or rate_limited errors fail the run. Dev tokens only. Results go to stdout
 * and {@code target/document-<mode>.txt}.
 */
public class DocumentSimulation extends Simulation {
  private final String mode = System.getProperty("mode", "editors");
  private final boolean hot = mode.equals("hot");
  private final boolean many = mode.equals("many");
  private final List<Integer> steps = hot ? steps(System.getProperty("steps", "8,16,32,64,128,256")) : List.of();
  private final int documents = Targets.intProp("documents", many ? 1000 : 1);
  private final int editors = hot ? steps.get(steps.size() - 1) : Targets.intProp("editors", many ? 5 : 50);
  private final int viewers = Targets.intProp("viewers", hot ? 2 : many ? 0 : 200);
  private final boolean subscribeEditors = Boolean.parseBoolean(System.getProperty("subscribeEditors", Boolean.toString(!hot)));
  private final int opEvery = Targets.intProp("opEvery", mode.equals("editors") ? 200 : 0);
  private final int cursorEvery = Targets.intProp("cursorEvery", mode.equals("editors") ? 1000 : 0);
  private final int textLength = Targets.intProp("textLength", 1000);
  private final int step = Targets.intProp("step", 15);
  private final int duration = hot ? step * steps.size() : Targets.intProp("duration", 60);
  /** Seconds left out at the start of each stage (hot) or of the window: the load step's transient. */
  private final int skip = Targets.intProp("skip", hot ? 3 : 5);
  private final int ramp = Targets.intProp("ramp", many ? 40 : 20);
  private final int settle = Targets.intProp("settle", 5);
  private final int drain = Targets.intProp("drain", 10);
  private final int heartbeat = Targets.intProp("heartbeat", 20);
  private final int replyTimeout = Targets.intProp("replyTimeout", 30);
  private final int docWait = Targets.intProp("docWait", 90);
  /** Pause between the owner's doc.share frames: under a stock node's 50 frames/s per connection. */
  private final int sharePause = Targets.intProp("sharePauseMs", 25);
  private final String run =
      System.getProperty("run", Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36));
  private final String report = System.getProperty("report", "document-" + mode + ".txt");

  private final long opEveryMicros = opEvery * 1000L;
  private final long cursorEveryMicros = cursorEvery * 1000L;
  private final long heartbeatMicros = heartbeat * 1_000_000L;
  private volatile long receiveEndMicros = Long.MAX_VALUE;

  private static final Map<Integer, CompletableFuture<String>> DOC_IDS = new ConcurrentHashMap<>();

  private final List<Map<String, Object>> users = users();

  private static List<Integer> steps(String spec) {
    List<Integer> out = new ArrayList<>();
    for (String p : spec.split(",")) out.add(Integer.parseInt(p.strip()));
    for (int i = 1; i < out.size(); i++) {
      if (out.get(i) <= out.get(i - 1)) throw new IllegalArgumentException("steps must grow: " + spec);
    }
    return out;
  }

  private static CompletableFuture<String> docId(int d) {
    return DOC_IDS.computeIfAbsent(d, k -> new CompletableFuture<>());
  }

  private List<Map<String, Object>> users() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int d = 0; d < documents; d++) {
      for (int i = 0; i < editors + viewers; i++) {
        Map<String, Object> m = new HashMap<>();
        boolean editor = i < editors;
        m.put("d", d);
        m.put("i", i);
        m.put("editor", editor);
        m.put("subscribes", editor ? subscribeEditors : true);
        m.put("userId", Targets.USER_PREFIX + "-" + run + "-d" + d + (editor ? "-e" : "-v") + i);
        m.put("clientId", "r" + run + "d" + d + "e" + i);
        m.put("stage", hot && editor ? stageOfEditor(i) : 0);
        out.add(m);
      }
    }
    return out;
  }

  private int stageOfEditor(int i) {
    for (int s = 0; s < steps.size(); s++) if (i < steps.get(s)) return s;
    return steps.size() - 1;
  }

  private static DocumentStats.Client client(Session s) {
    return DocumentStats.client(s.getString("userId"));
  }

  private static CheckBuilder awaitedReply() {
    return bodyString().transformWithSession((text, s) -> client(s).matchesAwaited(text)).is(true);
  }

  private static ChainBuilder drainInbound() {
    return exec(ws.processUnmatchedMessages((frames, s) -> {
      client(s).onBuffered(frames);
      return s;
    }));
  }

  // --- frames ------------------------------------------------------------------------------------

  private static String createFrame(Session s) {
    client(s).awaiting("c");
    return "{\"type\":\"doc.create\",\"ref\":\"c\",\"title\":\"load " + s.getString("userId") + "\"}";
  }

  private List<Map<String, Object>> shares(Session s) {
    int d = s.getInt("d");
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> u : users) {
      if ((int) u.get("d") == d && (int) u.get("i") != 0) {
        out.add(Map.of("shareUser", u.get("userId"), "shareRole", (boolean) u.get("editor") ? "editor" : "viewer"));
      }
    }
    return out;
  }

  private static String shareFrame(Session s) {
    Map<String, Object> share = s.get("share");
    String ref = "sh" + share.get("shareUser");
    client(s).awaiting(ref);
    return "{\"type\":\"doc.share\",\"ref\":\"" + ref + "\",\"documentId\":\"" + s.getString("docId") + "\",\"userId\":\""
        + share.get("shareUser") + "\",\"role\":\"" + share.get("shareRole") + "\"}";
  }

  private static String subscribeFrame(Session s) {
    client(s).awaiting("sub");
    return "{\"type\":\"subscribe\",\"ref\":\"sub\",\"topic\":\"doc:" + s.getString("docId") + "\"}";
  }

  private static String getFrame(Session s, String ref) {
    client(s).awaiting(ref);
    return "{\"type\":\"doc.get\",\"ref\":\"" + ref + "\",\"documentId\":\"" + s.getString("docId") + "\"}";
  }

  private String opFrame(Session s) {
    DocumentStats.Client c = client(s);
    long base = c.baseVersion();
    List<Object> op = DocText.randomEdit(c.random, c.baseLength(), textLength);
    int seq = ++c.clientSeq;
    String ref = "o" + seq;
    c.awaiting(ref);
    long now = nowMicros();
    c.lastSendMicros = now;
    DocumentStats.SENT.put(c.clientId + "/" + seq, now);
    DocumentStats.OPS_SENT.increment();
    return "{\"type\":\"doc.op\",\"ref\":\"" + ref + "\",\"documentId\":\"" + s.getString("docId") + "\",\"clientId\":\"" + c.clientId
        + "\",\"clientSeq\":" + seq + ",\"version\":" + base + ",\"op\":" + DocText.toJson(op) + "}";
  }

  private static String cursorFrame(Session s) {
    DocumentStats.Client c = client(s);
    int length = c.baseLength();
    int anchor = length == 0 ? 0 : c.random.nextInt(length + 1);
    int head = Math.min(length, anchor + c.random.nextInt(4));
    DocumentStats.CURSORS_SENT.increment();
    // not awaited: its reply (or error) is recorded like any other frame
    return "{\"type\":\"doc.cursor\",\"ref\":\"k\",\"documentId\":\"" + s.getString("docId") + "\",\"version\":" + c.baseVersion()
        + ",\"anchor\":" + anchor + ",\"head\":" + head + ",\"name\":\"" + c.userId + "\"}";
  }

  // --- the schedule ------------------------------------------------------------------------------

  private long startMicros(Session s) {
    return ChatStats.windowStartMicros + s.getInt("stage") * step * 1_000_000L;
  }

  /** Slots spread over the period by user (as the chat's), or "now" in a closed loop. */
  private Session schedule(Session s) {
    long now = nowMicros();
    long start = startMicros(s);
    String user = s.getString("userId");
    long op = opEveryMicros == 0 ? start : start + ChatSimulation.sendOffsetMicros(user, opEveryMicros);
    long cursor = cursorEveryMicros == 0 ? Long.MAX_VALUE : start + ChatSimulation.sendOffsetMicros(user + "#c", cursorEveryMicros);
    // an editor that does not subscribe asks for its base right before its first op (not at join: in
    // the hot run, the later stages join minutes before they send, far behind the entity's window)
    return s.set("nextOp", op).set("nextCursor", cursor).set("lastOut", now).set("based", s.getBoolean("subscribes"));
  }

  private static long nextSlot(long slot, long period) {
    long now = nowMicros();
    long next = slot + period;
    return next >= now ? next : next + ((now - next + period - 1) / period) * period;
  }

  private boolean sending(Session s) {
    return s.getBoolean("editor") && nowMicros() < ChatStats.windowEndMicros;
  }

  private boolean opDue(Session s) {
    return sending(s) && nowMicros() >= s.getLong("nextOp");
  }

  private boolean cursorDue(Session s) {
    return sending(s) && nowMicros() >= s.getLong("nextCursor");
  }

  private boolean pingDue(Session s) {
    return nowMicros() >= s.getLong("lastOut") + heartbeatMicros;
  }

  private Duration untilWake(Session s) {
    long now = nowMicros();
    // subscribers read their buffer often: it holds at most wsUnmatchedInboundMessageBufferSize frames
    long wake = Math.min(now + (s.getBoolean("subscribes") ? 100_000 : 1_000_000), s.getLong("lastOut") + heartbeatMicros);
    wake = Math.min(wake, ChatStats.windowEndMicros);
    if (s.getBoolean("editor")) wake = Math.min(wake, Math.min(s.getLong("nextOp"), s.getLong("nextCursor")));
    return Duration.ofNanos(Math.max(0, wake - now) * 1000);
  }

  // --- the scenario ------------------------------------------------------------------------------

  private final ChainBuilder createOrAwaitDocument =
      doIfOrElse(s -> s.getInt("i") == 0)
          .then(
              exec(ws("doc.create")
                      .sendText(DocumentSimulation::createFrame)
                      .await(replyTimeout)
                      .on(ws.checkTextMessage("doc.create reply")
                          .matching(awaitedReply())
                          .check(jsonPath("$.type").is("reply"), jsonPath("$.data.documentId").saveAs("docId"))))
                  .doIf(s -> s.contains("docId"))
                  .then(
                      foreach(this::shares, "share")
                          .on(pause(Duration.ofMillis(sharePause))
                              .exec(drainInbound())
                              .exec(ws("doc.share")
                                  .sendText(DocumentSimulation::shareFrame)
                                  .await(replyTimeout)
                                  .on(ws.checkTextMessage("doc.share reply").matching(awaitedReply()).check(jsonPath("$.type").is("reply"))))))
                  .exec(s -> {
                    CompletableFuture<String> id = docId(s.getInt("d"));
                    if (s.contains("docId") && !s.isFailed()) {
                      id.complete(s.getString("docId"));
                      DocumentStats.DOCUMENTS_CREATED.increment();
                    } else {
                      id.completeExceptionally(new IllegalStateException("doc.create or doc.share failed"));
                    }
                    return s;
                  }))
          .orElse(
              exec(s -> s.set("docDeadline", nowMicros() + docWait * 1_000_000L))
                  .asLongAs(s -> !docId(s.getInt("d")).isDone() && nowMicros() < s.getLong("docDeadline"))
                  .on(pause(Duration.ofMillis(100)))
                  .exec(s -> {
                    CompletableFuture<String> id = docId(s.getInt("d"));
                    if (id.isDone() && !id.isCompletedExceptionally()) return s.set("docId", id.join());
                    DocumentStats.WAIT_FAILED.increment();
                    return s.markAsFailed();
                  }));

  private final ChainBuilder subscribe =
      exec(ws("subscribe")
          .sendText(DocumentSimulation::subscribeFrame)
          .await(replyTimeout)
          .on(ws.checkTextMessage("subscribe reply")
              .matching(awaitedReply())
              .check(jsonPath("$.type").is("reply"), jsonPath("$.data.subscribed").ofBoolean().is(true))));

  /** An editor that does not subscribe learns the version and length its first op is based on. */
  private final ChainBuilder firstBase =
      exec(ws("doc.get first")
          .sendText(s -> getFrame(s, "get0"))
          .await(replyTimeout)
          .on(ws.checkTextMessage("doc.get first reply").matching(awaitedReply()).check(jsonPath("$.type").is("reply"))));

  private final ChainBuilder op =
      exec(drainInbound())
          .exec(ws("doc.op")
              .sendText(this::opFrame)
              .await(replyTimeout)
              .on(ws.checkTextMessage("doc.op ack")
                  .matching(awaitedReply())
                  // an ack, or a refusal as too stale (the editor reloads): anything else fails the run
                  .check(bodyString().transformWithSession((body, s) -> client(s).lastOpOk).is(true))))
          .exec(s -> s.set("nextOp", opEveryMicros == 0 ? 0 : nextSlot(s.getLong("nextOp"), opEveryMicros))
              .set("lastOut", client(s).lastSendMicros)
              .set("based", s.getBoolean("based") && !client(s).needsReload));

  private final ChainBuilder cursor =
      exec(drainInbound())
          .exec(ws("doc.cursor").sendText(DocumentSimulation::cursorFrame))
          .exec(s -> s.set("nextCursor", nextSlot(s.getLong("nextCursor"), cursorEveryMicros)).set("lastOut", nowMicros()));

  private final ChainBuilder ping =
      exec(drainInbound())
          .exec(ws("ping").sendText("{\"type\":\"ping\"}"))
          .exec(s -> s.set("lastOut", nowMicros()));

  /** The server's text, then until this replica has reached its version, then the comparison. */
  private final ChainBuilder verify =
      exec(drainInbound())
          .exec(ws("doc.get")
              .sendText(s -> getFrame(s, "get"))
              .await(replyTimeout)
              .on(ws.checkTextMessage("doc.get reply").matching(awaitedReply()).check(jsonPath("$.type").is("reply"))))
          .exec(s -> s.set("verifyUntil", nowMicros() + replyTimeout * 1_000_000L))
          .asLongAs(s -> client(s).behindServer() && nowMicros() < s.getLong("verifyUntil"))
          .on(pause(Duration.ofMillis(50)).exec(drainInbound()))
          .exec(drainInbound())
          .exec(ws("converged")
              .sendText("{\"type\":\"ping\",\"ref\":\"verify\"}")
              .await(replyTimeout)
              .on(ws.checkTextMessage("converged")
                  .matching(jsonPath("$.type").is("pong"))
                  .check(bodyString().transformWithSession((body, s) -> client(s).converged()).is(true))));

  private final ScenarioBuilder scenario =
      scenario("document " + mode)
          .feed(listFeeder(users).queue())
          .exec(Targets.devToken())
          .exitHereIfFailed()
          .exec(s -> {
            client(s).clientId = s.getString("clientId");
            return s;
          })
          .exec(ws("connect")
              .connect("/ws?access_token=#{token}")
              .subprotocol("pulse.v1")
              .await(replyTimeout)
              .on(ws.checkTextMessage("welcome").check(jsonPath("$.type").is("welcome"))))
          .exitHereIfFailed()
          .exec(createOrAwaitDocument)
          .exitHereIfFailed()
          .doIf(s -> s.getBoolean("subscribes")).then(subscribe)
          .exitHereIfFailed()
          .exec(this::schedule)
          .asLongAs(s -> nowMicros() < ChatStats.windowEndMicros)
          .on(pause(this::untilWake)
              .exec(drainInbound())
              .doIf(s -> opDue(s) && (!s.getBoolean("based") || client(s).baseVersion() < 0))
              .then(firstBase.exec(s -> s.set("based", true)))
              .doIf(this::opDue).then(op)
              .doIf(this::cursorDue).then(cursor)
              .doIf(this::pingDue).then(ping))
          .asLongAs(s -> nowMicros() < receiveEndMicros)
          .on(pause(Duration.ofMillis(100)).exec(drainInbound()).doIf(this::pingDue).then(ping))
          .doIf(s -> s.getBoolean("subscribes")).then(verify)
          .exec(drainInbound())
          .exec(ws("close").close());

  {
    setUp(scenario.injectOpen(rampUsers(users.size()).during(Duration.ofSeconds(ramp))))
        .protocols(Targets.protocol().wsUnmatchedInboundMessageBufferSize(50_000))
        .maxDuration(Duration.ofSeconds(ramp + settle + duration + drain + docWait + 3L * replyTimeout + 60))
        .assertions(global().failedRequests().count().is(0L));
  }

  private List<Integer> stageEditors() {
    if (!hot) return List.of(editors * documents);
    return steps;
  }

  @Override
  public void before() {
    long start = nowMicros();
    ChatStats.windowStartMicros = start + (ramp + settle) * 1_000_000L; // also GeneratorPauses' window
    ChatStats.windowEndMicros = ChatStats.windowStartMicros + duration * 1_000_000L;
    DocumentStats.stageMicros = (hot ? step : duration) * 1_000_000L;
    DocumentStats.skipMicros = skip * 1_000_000L;
    receiveEndMicros = ChatStats.windowEndMicros + drain * 1_000_000L;
    GeneratorPauses.install();
    System.out.printf("documents: run %s, mode %s, %d users, sending from +%ds for %ds%n", run, mode, users.size(), ramp + settle, duration);
  }

  @Override
  public void after() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("mode", mode);
    params.put("run", run);
    params.put("documents", Integer.toString(documents));
    params.put("editors", hot ? steps.toString().replace(" ", "") : Integer.toString(editors));
    params.put("viewers", Integer.toString(viewers));
    params.put("subscribeEditors", Boolean.toString(subscribeEditors));
    params.put("opEvery", opEvery == 0 ? "closed-loop" : opEvery + "ms");
    params.put("cursorEvery", cursorEvery == 0 ? "off" : cursorEvery + "ms");
    params.put("textLength", Integer.toString(textLength));
    params.put("duration", duration + "s");
    params.put("skip", skip + "s");
    String summary =
        DocumentStats.summary("Documents (" + mode + ")", params, stageEditors(), hot ? step : duration,
            opEvery == 0 ? 0 : (long) editors * documents * duration * 1000L / opEvery);
    Path file = ChatSimulation.targetDir().resolve(report);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, summary);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.print(summary);
    System.out.println("  written to " + file);
  }
}
