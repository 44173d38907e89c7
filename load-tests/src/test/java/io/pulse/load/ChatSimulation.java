package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Group chat: measures end-to-end delivery latency, from a member's send to its receipt by each other
 * member of the group, and the sender's send→ack time (Gatling's "conv.send ack").
 *
 * <p>Each virtual user is one member with one socket: it logs in, connects, learns its group's id (the
 * group's member 0 creates the group naming the others; the others wait for the id), subscribes to
 * {@code conv:<id>}, then, from {@code ramp + settle} seconds after the start and for {@code duration}
 * seconds, sends one message every {@code sendEvery} seconds if it is one of the group's first
 * {@code senders} members, while every member records the message events of others. Everyone keeps
 * receiving for {@code drain} more seconds, then closes. {@link ChatStats} explains how every inbound
 * frame is seen once. The figures go to stdout and {@code target/chat-latency.txt}.
 *
 * <pre>
 * mvn -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.ChatSimulation \
 *   -Dpulse.url=http://127.0.0.1:8080 -Dgroups=500 -DgroupSize=10 -DsendEvery=2 -Dduration=60 -Dramp=30
 * # one big group, 10 talkers:
 *   ... -Dgroups=1 -DgroupSize=1000 -Dsenders=10
 * </pre>
 *
 * <p>One socket per member: keep a process at about 2,000 members and split larger workloads with
 * {@code -Dshards=N -Dshard=i} (process i takes the groups g with g % N == i; start them together);
 * each then writes {@code target/chat-latency-shard<i>.txt} and {@link ChatReport} merges them.
 * With {@code -Dpulse.tokens=file.csv} (userId,token) member i of group g is row g*groupSize+i.
 */
public class ChatSimulation extends Simulation {
  private final int groups = Targets.intProp("groups", 500);
  private final int groupSize = Targets.intProp("groupSize", 10);
  private final int senders = Math.min(groupSize, Targets.intProp("senders", groupSize));
  private final double sendEvery = Targets.doubleProp("sendEvery", 2);
  private final int duration = Targets.intProp("duration", 60);
  private final int ramp = Targets.intProp("ramp", 30);
  /** Seconds between the end of the ramp and the first send: time for the last members to subscribe. */
  private final int settle = Targets.intProp("settle", 10);
  /** Seconds everyone keeps receiving after the last send (more than the slowest delivery). */
  private final int drain = Targets.intProp("drain", 30);
  private final int heartbeat = Targets.intProp("heartbeat", 20);
  private final int replyTimeout = Targets.intProp("replyTimeout", 30);
  private final int groupWait = Targets.intProp("groupWait", 60);
  private final int shards = Targets.intProp("shards", 1);
  private final int shard = Targets.intProp("shard", 0);
  private final String run =
      System.getProperty("run", Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36));
  /** Relative to this module's target folder (Maven runs Gatling from wherever it was started). */
  private final String report =
      System.getProperty("report", shards == 1 ? "chat-latency.txt" : "chat-latency-shard" + shard + ".txt");

  private final long periodMicros = Math.round(sendEvery * 1_000_000);
  private final long heartbeatMicros = heartbeat * 1_000_000L;
  private volatile long receiveEndMicros = Long.MAX_VALUE;

  /** Group index → its conversation id, completed by the group's member 0. */
  private static final Map<Integer, CompletableFuture<String>> GROUP_IDS = new ConcurrentHashMap<>();

  private final List<Map<String, Object>> members = members();

  private static CompletableFuture<String> groupId(int g) {
    return GROUP_IDS.computeIfAbsent(g, k -> new CompletableFuture<>());
  }

  private List<Map<String, Object>> members() {
    List<Map<String, Object>> tokens =
        Targets.TOKEN_FILE.isBlank() ? null : csv(Targets.TOKEN_FILE).readRecords();
    List<Map<String, Object>> out = new ArrayList<>();
    // in injection order: a group's member 0 (its creator) comes first
    for (int g = shard; g < groups; g += shards) {
      for (int i = 0; i < groupSize; i++) {
        Map<String, Object> m = new HashMap<>();
        m.put("g", g);
        m.put("m", i);
        m.put("sender", i < senders);
        if (tokens == null) {
          m.put("userId", userId(g, i));
        } else {
          Map<String, Object> row = tokens.get(g * groupSize + i);
          m.put("userId", row.get("userId"));
          m.put("token", row.get("token"));
        }
        out.add(m);
      }
    }
    return out;
  }

  private String userId(int g, int i) {
    return Targets.USER_PREFIX + "-" + run + "-g" + g + "-m" + i;
  }

  private static ChatStats.Member member(Session s) {
    return ChatStats.member(s.getString("userId"));
  }

  /**
   * Matching condition of every reply check: hands each frame that arrives during the wait to
   * {@link ChatStats.Member#matchesAwaited}, which records it and says whether it is the reply.
   */
  private static CheckBuilder awaitedReply() {
    return bodyString().transformWithSession((text, s) -> member(s).matchesAwaited(text)).is(true);
  }

  /** Records the frames Gatling buffered; must run right before each frame this user sends. */
  private static ChainBuilder drainInbound() {
    return exec(ws.processUnmatchedMessages((frames, s) -> {
      member(s).onBuffered(frames);
      return s;
    }));
  }

  // --- frames ------------------------------------------------------------------------------------

  private String createFrame(Session s) {
    member(s).awaiting("c");
    int g = s.getInt("g");
    String others = members.stream()
        .filter(m -> (int) m.get("g") == g && (int) m.get("m") != 0)
        .map(m -> "\"" + m.get("userId") + "\"")
        .collect(Collectors.joining(","));
    return "{\"type\":\"conv.create\",\"ref\":\"c\",\"kind\":\"group\",\"title\":\"load " + run + " g" + g
        + "\",\"members\":[" + others + "]}";
  }

  private static String subscribeFrame(Session s) {
    member(s).awaiting("sub");
    return "{\"type\":\"subscribe\",\"ref\":\"sub\",\"topic\":\"conv:" + s.getString("convId") + "\"}";
  }

  private static String sendFrame(Session s) {
    ChatStats.Member me = member(s);
    int n = s.getInt("sendN");
    String ref = "s" + n;
    me.awaiting(ref);
    long now = ChatStats.nowMicros();
    me.lastSendMicros = now;
    ChatStats.SENDS.increment();
    ChatStats.SEND_LAG.recordValue(Math.max(0, Math.min(3_600_000_000L, now - s.getLong("nextSend"))));
    return "{\"type\":\"conv.send\",\"ref\":\"" + ref + "\",\"conversationId\":\"" + s.getString("convId")
        + "\",\"clientMsgId\":\"" + me.userId + "-" + n + "\",\"text\":\""
        + ChatStats.messageText(now, me.userId, n) + "\"}";
  }

  // --- the schedule ------------------------------------------------------------------------------

  /**
   * A sender's offset in the send period, spread uniformly over it by user and the same in every run
   * of the same ids. It is drawn from a generator seeded by the user id: the id's hash itself would put
   * the members of one group, whose ids differ only in their last characters, within microseconds of
   * each other, so that a whole group would send at once.
   */
  static long sendOffsetMicros(String userId, long periodMicros) {
    return new SplittableRandom(userId.hashCode()).nextLong(periodMicros);
  }

  /** First send slot at or after now; slots are spread over the period by user ({@link #sendOffsetMicros}). */
  private Session schedule(Session s) {
    long now = ChatStats.nowMicros();
    long first = ChatStats.windowStartMicros + sendOffsetMicros(s.getString("userId"), periodMicros);
    long next = now <= first ? first : first + ((now - first + periodMicros - 1) / periodMicros) * periodMicros;
    if (s.getBoolean("sender") && first < ChatStats.windowEndMicros) {
      ChatStats.SCHEDULED.add((ChatStats.windowEndMicros - first + periodMicros - 1) / periodMicros);
    }
    return s.set("nextSend", next).set("sendN", 0).set("lastOut", now);
  }

  /**
   * The slot after this one, skipping those already past: a sender has one send in flight at most, so
   * when acks take longer than the period the slots it missed stay unsent (scheduled minus written).
   */
  private long nextSlot(long slot) {
    long now = ChatStats.nowMicros();
    long next = slot + periodMicros;
    return next >= now ? next : next + ((now - next + periodMicros - 1) / periodMicros) * periodMicros;
  }

  private boolean sendDue(Session s) {
    long next = s.getLong("nextSend");
    return s.getBoolean("sender") && next < ChatStats.windowEndMicros && ChatStats.nowMicros() >= next;
  }

  private boolean pingDue(Session s) {
    return ChatStats.nowMicros() >= s.getLong("lastOut") + heartbeatMicros;
  }

  private Duration untilWake(Session s) {
    long now = ChatStats.nowMicros();
    long wake = Math.min(now + 1_000_000, Math.min(receiveEndMicros, s.getLong("lastOut") + heartbeatMicros));
    long next = s.getLong("nextSend");
    if (s.getBoolean("sender") && next < ChatStats.windowEndMicros) wake = Math.min(wake, next);
    return Duration.ofNanos(Math.max(0, wake - now) * 1000);
  }

  // --- the scenario ------------------------------------------------------------------------------

  private final ChainBuilder createOrAwaitGroup =
      doIfOrElse(s -> s.getInt("m") == 0)
          .then(
              exec(ws("conv.create")
                      .sendText(this::createFrame)
                      .await(replyTimeout)
                      .on(ws.checkTextMessage("conv.create reply")
                          .matching(awaitedReply())
                          .check(jsonPath("$.type").is("reply"), jsonPath("$.data.conversationId").saveAs("convId"))))
                  .exec(s -> {
                    CompletableFuture<String> id = groupId(s.getInt("g"));
                    if (s.contains("convId")) {
                      id.complete(s.getString("convId"));
                      ChatStats.GROUPS_CREATED.increment();
                    } else {
                      id.completeExceptionally(new IllegalStateException("conv.create failed"));
                    }
                    return s;
                  }))
          .orElse(
              exec(s -> s.set("groupDeadline", ChatStats.nowMicros() + groupWait * 1_000_000L))
                  .asLongAs(s -> !groupId(s.getInt("g")).isDone() && ChatStats.nowMicros() < s.getLong("groupDeadline"))
                  .on(pause(Duration.ofMillis(100)))
                  .exec(s -> {
                    CompletableFuture<String> id = groupId(s.getInt("g"));
                    if (id.isDone() && !id.isCompletedExceptionally()) return s.set("convId", id.join());
                    ChatStats.GROUP_WAIT_FAILED.increment();
                    return s.markAsFailed();
                  }));

  private final ChainBuilder subscribe =
      exec(ws("subscribe")
              .sendText(ChatSimulation::subscribeFrame)
              .await(replyTimeout)
              .on(ws.checkTextMessage("subscribe reply")
                  .matching(awaitedReply())
                  .check(
                      jsonPath("$.type").is("reply"),
                      jsonPath("$.data.subscribed").ofBoolean().is(true),
                      jsonPath("$.data.lastSeq").ofLong().saveAs("lastSeq"))))
          .exitHereIfFailed()
          .exec(s -> {
            member(s).subscribed(s.getLong("lastSeq"));
            return schedule(s);
          });

  private final ChainBuilder send =
      exec(drainInbound())
          .exec(ws("conv.send")
              .sendText(ChatSimulation::sendFrame)
              .await(replyTimeout)
              .on(ws.checkTextMessage("conv.send ack")
                  .matching(awaitedReply())
                  .check(jsonPath("$.type").is("reply"), jsonPath("$.data.duplicate").ofBoolean().is(false))))
          .exec(s -> s.set("nextSend", nextSlot(s.getLong("nextSend")))
              .set("sendN", s.getInt("sendN") + 1)
              .set("lastOut", member(s).lastSendMicros));

  private final ChainBuilder ping =
      exec(drainInbound())
          .exec(ws("ping").sendText("{\"type\":\"ping\"}"))
          .exec(s -> s.set("lastOut", ChatStats.nowMicros()));

  private final ScenarioBuilder chat =
      scenario("chat member")
          .feed(listFeeder(members).queue())
          .doIf(s -> !s.contains("token")).then(Targets.devToken())
          .exitHereIfFailed()
          .exec(ws("connect")
              .connect("/ws?access_token=#{token}")
              .subprotocol("pulse.v1")
              .await(replyTimeout)
              .on(ws.checkTextMessage("welcome").check(jsonPath("$.type").is("welcome"))))
          .exitHereIfFailed()
          .exec(createOrAwaitGroup)
          .exitHereIfFailed()
          .exec(subscribe)
          .asLongAs(s -> ChatStats.nowMicros() < receiveEndMicros)
          .on(pause(this::untilWake)
              .exec(drainInbound())
              .doIf(this::sendDue).then(send)
              .doIf(this::pingDue).then(ping))
          .exec(drainInbound())
          .exec(ws("close").close());

  {
    int users = members.size();
    setUp(chat.injectOpen(rampUsers(users).during(Duration.ofSeconds(ramp))))
        .protocols(Targets.protocol().wsUnmatchedInboundMessageBufferSize(10_000))
        .maxDuration(Duration.ofSeconds(ramp + settle + duration + drain + groupWait + 2L * replyTimeout + 60))
        .assertions(global().failedRequests().count().is(0L));
  }

  /** The module's target folder: the parent of the test classes. */
  static Path targetDir() {
    try {
      Path classes = Path.of(ChatSimulation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return classes.getParent();
    } catch (Exception e) {
      return Path.of("target").toAbsolutePath();
    }
  }

  @Override
  public void before() {
    long start = ChatStats.nowMicros();
    ChatStats.windowStartMicros = start + (ramp + settle) * 1_000_000L;
    ChatStats.windowEndMicros = ChatStats.windowStartMicros + duration * 1_000_000L;
    receiveEndMicros = ChatStats.windowEndMicros + drain * 1_000_000L;
    GeneratorPauses.install();
    System.out.printf("chat: run %s, %d members (shard %d/%d), sending from +%ds for %ds%n",
        run, members.size(), shard, shards, ramp + settle, duration);
  }

  @Override
  public void after() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("run", run);
    params.put("shard", shard + "/" + shards);
    params.put("groups", Integer.toString(groups));
    params.put("groupSize", Integer.toString(groupSize));
    params.put("senders", Integer.toString(senders));
    params.put("sendEvery", Double.toString(sendEvery));
    params.put("duration", Integer.toString(duration));
    params.put("ramp", Integer.toString(ramp));
    params.put("members", Integer.toString(members.size()));
    Map<String, String> snapshot = ChatStats.snapshot(params);
    String summary = ChatStats.summary(List.of(snapshot));
    Path file = targetDir().resolve(report);
    try {
      ChatStats.write(file, summary, snapshot);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.print(summary);
    System.out.println("  written to " + file);
  }
}
