package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.ConversationFanout;
import io.pulse.actors.chat.Timeline;
import io.pulse.actors.user.UserPresence;
import io.pulse.config.PulseSettings.GatewaySettings;
import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.ws.CloseCodes;
import io.pulse.http.ws.CloseWith;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** One connection's operator on its own: hubs, conversations and the socket are probes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionStageTest {
  private final ActorTestKit testKit = ActorTestKit.create("ConnectionStageTest", ConfigFactory.parseString("pekko.loglevel = WARNING"));

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private static GatewaySettings gateway(int durableBuffer, Duration idleTimeout) {
    return gateway(durableBuffer, idleTimeout, 65_536);
  }

  private static GatewaySettings gateway(int durableBuffer, Duration idleTimeout, int maxFrameBytes) {
    return new GatewaySettings("pulse.v1", maxFrameBytes, 1000, 1000, 4, Duration.ofSeconds(3), durableBuffer, 8, idleTimeout, Duration.ofSeconds(10), 8192, 0, 500, 1000);
  }

  /** Frames the stage's owner answers by asking entities: here, whatever the test puts in. */
  private record StubRequests(java.util.function.Function<ClientFrame, CompletionStage<Outbound>> answers) implements ConnectionStage.Requests {
    @Override
    public CompletionStage<Outbound> answer(ConnectionStage.Caller caller, ClientFrame frame) {
      return answers.apply(frame);
    }

    @Override
    public ProtocolError error(String ref, Throwable failure) {
      return ProtocolError.of(ref, ErrorCode.UNAVAILABLE, failure.getMessage());
    }
  }

  private final class Socket {
    final TestProbe<UserPresence.Command> hub = testKit.createTestProbe();
    final TestProbe<Conversation.Command> conversations = testKit.createTestProbe();
    final TestPublisher.Probe<Object> client;
    final TestSubscriber.Probe<Object> server;

    Socket(GatewaySettings settings, Duration heartbeat, ConnectionStage.Requests requests) {
      this(settings, heartbeat, requests, new OpenConnections());
    }

    Socket(GatewaySettings settings, Duration heartbeat, ConnectionStage.Requests requests, OpenConnections open) {
      ConnectionStage.Wiring wiring =
          new ConnectionStage.Wiring(
              heartbeat,
              id -> hub.ref(),
              new ConversationTopics(id -> conversations.ref(), Duration.ofSeconds(5), testKit.scheduler()),
              requests,
              testKit.scheduler(),
              open,
              new UserSendLimits(100, 100));
      ConnectionStage.Session session =
          new ConnectionStage.Session(new AuthenticatedUser("alice"), "c-1", Outbound.durable("{\"type\":\"welcome\"}"));
      Pair<TestPublisher.Probe<Object>, TestSubscriber.Probe<Object>> probes =
          TestSource.<Object>probe(testKit.system().classicSystem())
              .via(Flow.fromGraph(new ConnectionStage(settings, wiring)).addAttributes(ConnectionStage.session(session)))
              .toMat(TestSink.probe(testKit.system().classicSystem()), Keep.both())
              .run(testKit.system());
      client = probes.first();
      server = probes.second();
    }

    Socket(GatewaySettings settings) {
      this(settings, Duration.ofMinutes(1), new StubRequests(f -> CompletableFuture.failedFuture(new IllegalStateException("unexpected " + f))));
    }

    /** A whole text message in one piece, as the frame layer hands it up. */
    void send(String json) {
      client.sendNext(io.pulse.http.ws.Frames.textPart(json, true));
    }

    Object nextEvent() {
      server.request(1);
      return server.expectNext();
    }

    /** The next text frame the server writes. */
    String next() {
      Object event = nextEvent();
      assertThat(io.pulse.http.ws.Frames.textOf(event)).as("a text frame: %s", event).isNotNull();
      return io.pulse.http.ws.Frames.textOf(event);
    }

    /** The close code the server starts the close handshake with. */
    int nextClose() {
      Object event = nextEvent();
      assertThat(io.pulse.http.ws.Frames.closeCodeOf(event)).as("a close: %s", event).isNotNull();
      return io.pulse.http.ws.Frames.closeCodeOf(event);
    }
  }

  @Test
  void aSilentClientIsClosedWith4001AndTheUserLeavesPresence() {
    // ticks every 50 ms; silent for 150 ms (3 ticks) closes
    Socket socket = new Socket(gateway(8, Duration.ofMillis(150)), Duration.ofMillis(50), new StubRequests(f -> null));
    assertThat(socket.next()).contains("welcome");
    assertThat(socket.nextClose()).isEqualTo(CloseCodes.IDLE);
    assertThat(socket.hub.expectMessageClass(UserPresence.Heartbeat.class).connectionId()).isEqualTo("c-1");
    socket.hub.fishForMessage(
        Duration.ofSeconds(3),
        m -> m.equals(new UserPresence.Disconnected("c-1")) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  @Test
  void presenceIsWatchedAtTheHubPushedToTheSocketAndUnwatchedWhenTheClientLeaves() {
    Socket socket = new Socket(gateway(8, Duration.ofMinutes(2)));
    socket.send("{\"type\":\"subscribe\",\"ref\":\"1\",\"topic\":\"user:bob\"}");
    assertThat(socket.next()).contains("welcome");
    assertThat(socket.next()).contains("\"ref\":\"1\"").contains("\"subscribed\":true");
    UserPresence.Heartbeat heartbeat = socket.hub.expectMessageClass(UserPresence.Heartbeat.class);
    assertThat(heartbeat.connectionId()).isEqualTo("c-1");
    UserPresence.Watch watch = socket.hub.expectMessageClass(UserPresence.Watch.class);
    // the user's own notifications come to the address the heartbeat names
    heartbeat.connection().tell(new UserPresence.InboxChanged("g-9", true));
    assertThat(socket.next()).contains("\"topic\":\"inbox\"").contains("\"event\":\"joined\"").contains("\"conversationId\":\"g-9\"");

    watch.watcher().tell(new UserPresence.PresenceChanged("bob", true, 1, 7));
    assertThat(socket.next()).contains("\"event\":\"presence\"").contains("\"userId\":\"bob\"");

    // the client closes: its close is passed to the frame layer, then the connection says it is done
    Object closed = io.pulse.http.ws.Frames.peerClosed(1000, "bye");
    socket.client.sendNext(closed);
    assertThat(socket.nextEvent()).isEqualTo(closed);
    assertThat(socket.nextEvent()).isSameAs(io.pulse.http.ws.Frames.COMPLETED);
    socket.hub.expectMessage(new UserPresence.Disconnected("c-1"));
    socket.hub.expectMessage(new UserPresence.Unwatch(watch.watcher()));
  }

  @Test
  void answersLeaveInFrameOrderWhicheverEntityAnswersFirstAndFailuresBecomeErrors() {
    CompletableFuture<Outbound> slow = new CompletableFuture<>();
    Socket socket = new Socket(gateway(8, Duration.ofMinutes(2)), Duration.ofMinutes(1), new StubRequests(f -> slow));
    socket.send("{\"type\":\"profile.get\",\"ref\":\"a\",\"userId\":\"bob\"}");
    socket.send("{\"type\":\"ping\",\"ref\":\"b\"}");
    assertThat(socket.next()).contains("welcome");
    socket.server.request(1);
    // the pong is ready but waits behind the profile answer
    socket.server.expectNoMessage(Duration.ofMillis(200));
    slow.completeExceptionally(new IllegalStateException("entity down"));
    String first = io.pulse.http.ws.Frames.textOf(socket.server.expectNext());
    assertThat(first).contains("\"ref\":\"a\"").contains("\"code\":\"unavailable\"");
    assertThat(socket.next()).contains("pong").contains("\"ref\":\"b\"");
  }

  @Test
  void aClientThatDoesNotReadIsClosedWithTheResumeCode() {
    Socket socket = new Socket(gateway(8, Duration.ofMinutes(2)));
    socket.server.ensureSubscription();
    // the welcome and the pongs are durable: the ninth frame waiting does not fit
    for (int i = 0; i < 12; i++) socket.send("{\"type\":\"ping\",\"ref\":\"" + i + "\"}");
    // the close goes before the frames still queued
    assertThat(socket.nextClose()).isEqualTo(CloseCodes.SLOW_CONSUMER);
    socket.hub.fishForMessage(
        Duration.ofSeconds(3),
        m -> m.equals(new UserPresence.Disconnected("c-1")) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  /** Counts what the stage reports, as the node's metrics would. */
  private static final class Recorded implements GatewayMetrics {
    final java.util.Map<String, Integer> in = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.Map<String, Integer> errors = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicInteger out = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger durableOverflows = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger rateLimited = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void frameIn(String kind) {
      in.merge(kind, 1, Integer::sum);
    }

    @Override
    public void frameOut() {
      out.incrementAndGet();
    }

    @Override
    public void outboundOverflow(boolean durable) {
      if (durable) durableOverflows.incrementAndGet();
    }

    @Override
    public void rateLimited() {
      rateLimited.incrementAndGet();
    }

    @Override
    public void error(String code) {
      errors.merge(code, 1, Integer::sum);
    }
  }

  @Test
  void framesErrorsAndADurableOverflowAreCountedWhereTheStageDecides() {
    Recorded metrics = new Recorded();
    Socket socket =
        new Socket(
            gateway(8, Duration.ofMinutes(2)),
            Duration.ofMinutes(1),
            new StubRequests(f -> CompletableFuture.failedFuture(new IllegalStateException("unexpected " + f))),
            new OpenConnections(metrics));
    assertThat(socket.next()).contains("welcome");
    socket.send("{\"type\":\"ping\",\"ref\":\"p\"}");
    assertThat(socket.next()).contains("pong");
    socket.send("{oops");
    assertThat(socket.next()).contains("malformed_json");
    assertThat(metrics.in).containsEntry("Ping", 1).containsEntry("invalid", 1);
    assertThat(metrics.errors).containsEntry("malformed_json", 1);
    assertThat(metrics.out.get()).isEqualTo(3); // welcome, pong, error
    assertThat(metrics.durableOverflows.get()).isZero();
    // a client that stops reading: the frame that does not fit is counted once, and the socket closes
    for (int i = 0; i < 12; i++) socket.send("{\"type\":\"ping\",\"ref\":\"" + i + "\"}");
    assertThat(socket.nextClose()).isEqualTo(CloseCodes.SLOW_CONSUMER);
    assertThat(metrics.durableOverflows.get()).isEqualTo(1);
    assertThat(metrics.in.get("Ping")).isGreaterThanOrEqualTo(9);
  }

  @Test
  void aMessageInPiecesIsAnsweredOnceWholeAndOneOverTheLimitClosesWith1009AfterEarlierAnswers() {
    Socket socket = new Socket(gateway(8, Duration.ofMinutes(2), 64));
    socket.client.sendNext(io.pulse.http.ws.Frames.textPart("{\"type\":\"pi", false));
    socket.client.sendNext(io.pulse.http.ws.Frames.textPart("ng\",\"ref\":\"whole\"}", true));
    assertThat(socket.next()).contains("welcome");
    assertThat(socket.next()).contains("pong").contains("\"ref\":\"whole\"");

    socket.send("{\"type\":\"ping\",\"ref\":\"before\"}");
    socket.client.sendNext(io.pulse.http.ws.Frames.textPart("{\"type\":\"ping\",\"ref\":\"" + "x".repeat(40), false));
    socket.client.sendNext(io.pulse.http.ws.Frames.textPart("y".repeat(40) + "\"}", true));
    socket.send("{\"type\":\"ping\",\"ref\":\"after\"}"); // not read: the socket is closing
    assertThat(socket.next()).contains("\"ref\":\"before\"");
    assertThat(socket.nextClose()).isEqualTo(CloseCodes.TOO_BIG);
  }

  @Test
  void theClientsPingIsAnsweredByTheFrameLayersPongAheadOfQueuedFrames() {
    Socket socket = new Socket(gateway(8, Duration.ofMinutes(2)));
    Object pong = io.pulse.http.ws.Frames.pongAnswer();
    socket.client.sendNext(pong);
    assertThat(socket.nextEvent()).isEqualTo(pong);
    assertThat(socket.next()).contains("welcome");
  }

  @Test
  void aShuttingDownNodeClosesOpenSocketsAndNewOnesWith1001() {
    OpenConnections open = new OpenConnections();
    Socket socket = new Socket(gateway(8, Duration.ofMinutes(2)), Duration.ofMinutes(1), new StubRequests(f -> null), open);
    assertThat(socket.next()).contains("welcome");
    open.closeAll(new CloseWith(CloseCodes.GOING_AWAY, "node shutting down"));
    assertThat(socket.nextClose()).isEqualTo(CloseCodes.GOING_AWAY);

    Socket late = new Socket(gateway(8, Duration.ofMinutes(2)), Duration.ofMinutes(1), new StubRequests(f -> null), open);
    assertThat(late.nextClose()).isEqualTo(CloseCodes.GOING_AWAY);
  }

  @Test
  void aProtocolErrorFromTheFrameLayerEndsTheConnectionAndTicksUntilTheHandshakeIsDone() {
    Socket socket = new Socket(gateway(8, Duration.ofMinutes(2)));
    assertThat(socket.next()).contains("welcome");
    Object protocolError = io.pulse.http.ws.Frames.protocolClose(1002);
    socket.client.sendNext(protocolError);
    assertThat(socket.nextEvent()).isEqualTo(protocolError);
    socket.hub.fishForMessage(
        Duration.ofSeconds(3),
        m -> m.equals(new UserPresence.Disconnected("c-1")) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    // the frame layer gives up on a silent peer on a tick after its close timeout
    socket.server.request(1);
    assertThat(socket.server.expectNext(Duration.ofSeconds(3))).isSameAs(io.pulse.http.ws.Frames.TICK);
  }

  private static ConversationFanout.Appended appended(long seq) {
    return new ConversationFanout.Appended("g-1", new Timeline.Entry(seq, new Conversation.MessageSent("bob", "m" + seq, "hi", 0)));
  }

  @Test
  void aFollowedConversationIsForwardedOnceInOrderAndResubscribedAfterAGapOrALostFanout() {
    Socket socket = new Socket(gateway(8, Duration.ofMinutes(2)));
    socket.send("{\"type\":\"subscribe\",\"ref\":\"s\",\"topic\":\"conv:g-1\"}");
    Conversation.Subscribe subscribe = socket.conversations.expectMessageClass(Conversation.Subscribe.class);
    assertThat(subscribe.since()).isEqualTo(-1);
    TestProbe<ConversationFanout.Command> fanout = testKit.createTestProbe();
    subscribe.replyTo().tell(StatusReply.success(new Conversation.Subscribed("g-1", 5, fanout.ref())));
    assertThat(socket.next()).contains("welcome");
    assertThat(socket.next()).contains("\"ref\":\"s\"").contains("\"lastSeq\":5");

    subscribe.watcher().tell(appended(6));
    assertThat(socket.next()).contains("\"seq\":6");
    subscribe.watcher().tell(appended(6)); // a repeat: dropped
    subscribe.watcher().tell(appended(8)); // a gap: subscribe again from 6
    Conversation.Subscribe again = socket.conversations.expectMessageClass(Conversation.Subscribe.class);
    assertThat(again.since()).isEqualTo(6);
    TestProbe<ConversationFanout.Command> moved = testKit.createTestProbe();
    again.replyTo().tell(StatusReply.success(new Conversation.Subscribed("g-1", 8, moved.ref())));
    again.watcher().tell(appended(7));
    assertThat(socket.next()).contains("\"seq\":7");

    // the live side stops (its node left): the connection notices by watching it, and subscribes again
    moved.stop();
    Conversation.Subscribe healed = socket.conversations.expectMessageClass(Conversation.Subscribe.class);
    assertThat(healed.since()).isEqualTo(7);
  }
}
