package io.pulse.http.gateway;

import io.pulse.actors.user.UserPresence;
import io.pulse.config.PulseSettings.GatewaySettings;
import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.ws.CloseCodes;
import io.pulse.http.ws.CloseWith;
import io.pulse.http.ws.Frames;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Terminated;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import scala.runtime.BoxedUnit;

/**
 * Everything Pulse keeps for one WebSocket, in one stream operator on top of Pekko HTTP's WebSocket
 * frame layer: inbound messages flow through read (size limit) → parse and validate → rate-limit →
 * answer (asking entities, at most {@code parallelism} at once, answers in frame order); answers and
 * pushed events share one bounded {@link OutboundQueue}; and the operator's own actor is the
 * connection's address in the cluster, to which presence hubs and conversations push.
 *
 * <p>One operator and no actor of its own on purpose: tens of thousands of these live on a node, every
 * operator is memory held for a socket's lifetime, and every hop between operators or from an actor
 * is work per delivered frame. So it also does what Pekko HTTP's message layer would (about a dozen
 * operators per socket): it assembles fragmented messages, passes control answers (pong, close)
 * through, and takes part in the close handshake with the code it chooses ({@link Frames}). Its timer
 * keeps the user's presence alive while the client is active, re-registers presence watches so they
 * heal after a hub moves, and closes a silent socket.
 *
 * <p>In: the frame layer's events ({@code FrameHandler.Output}); out: frames and control events for it
 * ({@code FrameOutHandler.Input}).
 */
public final class ConnectionStage extends GraphStage<FlowShape<Object, Object>> {

  /** What the connection asks of entities for the frames it does not answer itself. */
  public interface Requests {
    /** The answer to {@code frame}; a failed stage is turned into an error frame by {@link #error}. */
    CompletionStage<Outbound> answer(Caller caller, ClientFrame frame);

    ProtocolError error(String ref, Throwable failure);
  }

  /** What every connection of the node shares: its timing and the entities it talks to. */
  public record Wiring(
      Duration heartbeatInterval,
      Function<String, RecipientRef<UserPresence.Command>> hubs,
      DurableTopics durable,
      Requests requests,
      Scheduler scheduler,
      OpenConnections open,
      UserSendLimits sendLimits) {}

  /**
   * Who sent a frame, and from where: {@code self} is the connection's address, for requests whose
   * effect lives as long as the connection (a document cursor).
   */
  public record Caller(AuthenticatedUser user, String connectionId, org.apache.pekko.actor.typed.ActorRef<Object> self) {}

  /** Who is connected: the only part that differs per socket. */
  public record Session(AuthenticatedUser user, String connectionId, Outbound welcome) {}

  /**
   * Hands each socket its session through the graph's attributes, so that the graph itself (this
   * operator joined to the frame layers) is built once and shared: a per-socket blueprint would be
   * held for the socket's lifetime.
   */
  public record SessionAttribute(Session session) implements Attributes.Attribute {}

  public static Attributes session(Session session) {
    return Attributes.apply(new SessionAttribute(session));
  }

  private static final Object TICK = "tick";
  /** While closing: lets the frame layer give up on a peer that never answers the close. */
  private static final Object CLOSE_TICK = "close-tick";
  private static final Duration CLOSE_TICK_INTERVAL = Duration.ofSeconds(1);

  private record ResubscribeKey(Topic topic) {}

  /**
   * One followed topic: the last seq forwarded ({@code -1}: none yet, take the next as the start), the
   * live side being watched (null until subscribed), and the delivery options to subscribe again with.
   */
  private record Follow(long lastSeq, ActorRef live, ClientFrame.SubscribeOptions options) {}

  private record Subscribed(Topic topic, DurableTopics.Followed followed, Throwable failure, CompletableFuture<Outbound> reply, String ref) {}

  private final GatewaySettings settings;
  private final Wiring wiring;
  private final int idleTicks;
  private final Inlet<Object> in = Inlet.create("Connection.in");
  private final Outlet<Object> out = Outlet.create("Connection.out");
  private final FlowShape<Object, Object> shape = FlowShape.of(in, out);

  public ConnectionStage(GatewaySettings settings, Wiring wiring) {
    this.settings = settings;
    this.wiring = wiring;
    // Silence is counted in ticks: one timer per connection does presence, healing and idleness.
    this.idleTicks =
        (int) Math.max(1, -Math.floorDiv(-settings.idleTimeout().toMillis(), wiring.heartbeatInterval().toMillis()));
  }

  @Override
  public FlowShape<Object, Object> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    Session session =
        inheritedAttributes
            .getAttribute(SessionAttribute.class)
            .orElseThrow(() -> new IllegalStateException("a connection needs its session: add ConnectionStage.session(...)"))
            .session();
    return new Logic(session);
  }

  private final class Logic extends TimerGraphStageLogic {
    private final Session session;
    // Stage-local state: touched only by this operator's own callbacks, one at a time.
    private final GatewayMetrics metrics = wiring.open().metrics();
    private final OutboundQueue queue = new OutboundQueue(settings.durableBuffer(), settings.ephemeralKeys(), () -> metrics.outboundOverflow(false));
    /** Answers in the order their frames came, each done or still waiting for an entity. */
    private final ArrayDeque<CompletableFuture<Outbound>> answers = new ArrayDeque<>();
    private final Set<String> watching = new HashSet<>();
    private final Map<Topic, Follow> followed = new HashMap<>();
    /** Control events for the frame layer (pong, close, peer closed): they go before queued frames. */
    private final ArrayDeque<Object> control = new ArrayDeque<>(2);
    private Inbound inbound;
    /** A fragmented message being read: its text so far (null once over the limit, or binary) and its size. */
    private StringBuilder partial;
    private long partialBytes;
    private boolean inMessage;
    /** A close is under way: nothing more is read, answered or sent but the handshake. */
    private boolean closing;
    /** The peer sent its close: answer what was asked, then end. */
    private boolean peerClosed;
    private boolean left;
    /** 0 while the client has sent a frame since the last tick; a new socket has been heard by nothing but its upgrade. */
    private int ticksSinceFrame = 1;
    private org.apache.pekko.actor.typed.ActorRef<Object> self;
    private AsyncCallback<CompletableFuture<Outbound>> answered;
    private AsyncCallback<Subscribed> subscribed;
    private java.util.function.Consumer<CloseWith> closer;
    /** The user's send limit, shared with the user's other sockets on the node. */
    private LongFunction<TokenBucket.Taken> userSends;

    Logic(Session session) {
      super(shape);
      this.session = session;
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              onEvent(grab(in));
            }

            @Override
            public void onUpstreamFinish() {
              // the transport is gone: nothing can be sent any more
              if (closing) completeStage();
              else completeIfDone();
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              pushNext();
              completeIfDone();
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
              completeStage();
            }
          });
    }

    @Override
    public void preStart() {
      StageActor actor =
          getStageActor(
              envelope -> {
                onActorMessage(envelope._2());
                return BoxedUnit.UNIT;
              });
      self = Adapter.toTyped(actor.ref());
      answered = createAsyncCallback(answer -> drainAnswers());
      subscribed = createAsyncCallback(this::onSubscribed);
      AsyncCallback<CloseWith> shutdown = createAsyncCallback(this::close);
      closer = shutdown::invoke;
      CloseWith closedAlready = wiring.open().add(closer);
      inbound = Inbound.start(settings.ratePerSecond(), settings.rateBurst());
      wiring.sendLimits().join(userId(), System.nanoTime());
      userSends = now -> wiring.sendLimits().take(userId(), now);
      queue.offer(session.welcome());
      wiring.hubs().apply(userId()).tell(new UserPresence.Heartbeat(session.connectionId(), presenceSelf()));
      scheduleWithFixedDelay(TICK, wiring.heartbeatInterval(), wiring.heartbeatInterval());
      pull(in);
      // a socket that opens while the node closes them all is closed before its welcome
      if (closedAlready != null) close(closedAlready);
    }

    @Override
    public void postStop() {
      leave();
    }

    /** Leaves presence and every subscription; once, as soon as the connection starts to close. */
    private void leave() {
      if (self == null || left) return;
      left = true;
      wiring.open().remove(closer);
      wiring.sendLimits().leave(userId());
      wiring.hubs().apply(userId()).tell(new UserPresence.Disconnected(session.connectionId()));
      for (String watched : watching) wiring.hubs().apply(watched).tell(new UserPresence.Unwatch(presenceSelf()));
      for (Topic topic : followed.keySet()) wiring.durable().unsubscribe(topic, self);
    }

    private String userId() {
      return session.user().userId();
    }

    @SuppressWarnings("unchecked")
    private org.apache.pekko.actor.typed.ActorRef<UserPresence.UserEvent> presenceSelf() {
      return (org.apache.pekko.actor.typed.ActorRef<UserPresence.UserEvent>) (Object) self;
    }

    // ---- inbound ------------------------------------------------------------------------------------

    private void onEvent(Object event) {
      Frames.Inbound kind = Frames.inbound(event);
      if (closing) {
        // only the peer's close still matters to the frame layer
        if (kind == Frames.Inbound.PEER_CLOSED) control(event);
      } else if (kind == Frames.Inbound.TEXT) {
        onPart(Frames.text(event), 0, Frames.last(event));
      } else if (kind == Frames.Inbound.BINARY) {
        onPart(null, Frames.binaryBytes(event), Frames.last(event));
      } else if (kind == Frames.Inbound.PEER_CLOSED) {
        control(event);
        if (Frames.isErrorClose(event)) closing(); // the frame layer answers and ends the connection
        else peerClosed = true;
      } else if (kind == Frames.Inbound.PROTOCOL_CLOSE) {
        // the frame layer found a protocol error and closes: pass it on and wait for the handshake
        control(event);
        closing();
      } else if (kind == Frames.Inbound.DIRECT_ANSWER) {
        control(event); // a pong for the client's ping
      }
      // anything else (the end-of-message marker) needs nothing
      pullIfReady();
      completeIfDone();
    }

    /**
     * One piece of a message: text, or {@code binaryBytes} of binary when {@code text} is null. Most
     * messages come whole, in one piece, and are not copied.
     */
    private void onPart(String text, long binaryBytes, boolean last) {
      ticksSinceFrame = 0;
      boolean binary = text == null;
      int max = settings.maxFrameBytes();
      if (!inMessage && last) {
        boolean oversized = binary ? binaryBytes > max : exceeds(text, max);
        onText(oversized ? Text.OVERSIZED : binary ? Text.BINARY : Text.of(text));
        return;
      }
      inMessage = true;
      partialBytes += binary ? binaryBytes : utf8Length(text);
      if (binary || partialBytes > max) partial = null; // keep counting, stop keeping
      else (partial == null ? partial = new StringBuilder() : partial).append(text);
      if (!last) return;
      Text whole = partialBytes > max ? Text.OVERSIZED : binary ? Text.BINARY : Text.of(partial.toString());
      inMessage = false;
      partial = null;
      partialBytes = 0;
      onText(whole);
    }

    private void onText(Text text) {
      Pair<Inbound, Admitted> admitted = inbound.admit(text, System.nanoTime(), userSends);
      inbound = admitted.first();
      metrics.frameIn(FrameKinds.of(admitted.second().parsed(), text.binary(), text.oversized()));
      if (admitted.second() != Admitted.IGNORED) {
        CompletableFuture<Outbound> answer = answer(admitted.second()).toCompletableFuture();
        answers.add(answer);
        if (!answer.isDone()) answer.whenComplete((o, e) -> answered.invoke(answer));
      }
      drainAnswers();
    }

    /** Moves every finished answer at the head, in frame order, to the socket. */
    private void drainAnswers() {
      while (!answers.isEmpty() && answers.peek().isDone()) {
        Outbound answer = answers.poll().join();
        String code = FrameKinds.errorCode(answer);
        if (code != null) metrics.error(code);
        emit(answer);
      }
      pullIfReady();
      completeIfDone();
    }

    /** Reads on while control answers are written and fewer than {@code parallelism} answers wait. */
    private void pullIfReady() {
      if (control.isEmpty() && (closing || answers.size() < settings.parallelism()) && !isClosed(in) && !hasBeenPulled(in)) pull(in);
    }

    private void completeIfDone() {
      if (closing || inMessage || !answers.isEmpty() || !queue.isEmpty()) return;
      if (isClosed(in)) {
        completeStage();
      } else if (peerClosed) {
        // everything asked is answered: the frame layer echoes the peer's close and ends
        closing = true;
        leave();
        control(Frames.COMPLETED);
      }
    }

    /** Closes with {@code reason}: the close frame goes before anything still queued. */
    private void close(CloseWith reason) {
      if (closing) return;
      control(Frames.close(reason));
      closing();
    }

    private void closing() {
      closing = true;
      leave();
      cancelTimer(TICK);
      scheduleWithFixedDelay(CLOSE_TICK, CLOSE_TICK_INTERVAL, CLOSE_TICK_INTERVAL);
      pullIfReady();
    }

    // ---- answers ------------------------------------------------------------------------------------

    /** Never fails: every failure is an error frame. */
    private CompletionStage<Outbound> answer(Admitted admitted) {
      if (admitted == Admitted.OVERSIZED) {
        return done(Outbound.closeAfterPending(new CloseWith(CloseCodes.TOO_BIG, "frame larger than " + settings.maxFrameBytes() + " bytes")));
      }
      FrameCodec.Parsed parsed = admitted.parsed();
      String ref = parsed instanceof FrameCodec.Ok ok ? ok.frame().ref() : parsed instanceof FrameCodec.Failed f ? f.error().ref() : null;
      if (!admitted.taken().granted()) {
        metrics.rateLimited();
        return error(new ProtocolError(ref, ErrorCode.RATE_LIMITED, "too many frames; retry later", admitted.taken().retryAfterMs()));
      }
      if (parsed == null) return error(ProtocolError.of(null, ErrorCode.BINARY_NOT_SUPPORTED, "binary frames are not supported"));
      if (parsed instanceof FrameCodec.Failed failed) return error(failed.error());
      ClientFrame frame = ((FrameCodec.Ok) parsed).frame();
      CompletionStage<Outbound> answer;
      try {
        answer = answerFrame(frame);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      return answer.exceptionally(e -> Outbound.durable(FrameCodec.error(wiring.requests().error(frame.ref(), unwrap(e)))));
    }

    /** Frames about the connection itself are answered here; the rest by entities. */
    private CompletionStage<Outbound> answerFrame(ClientFrame frame) {
      if (frame instanceof ClientFrame.Ping p) return done(Outbound.durable(FrameCodec.pong(p.ref())));
      if (frame instanceof ClientFrame.Subscribe s && wiring.durable().follows(s.topic())) return follow(s);
      if (frame instanceof ClientFrame.Unsubscribe u && wiring.durable().follows(u.topic())) return done(unfollow(u));
      if (frame instanceof ClientFrame.Subscribe s) {
        wiring.hubs().apply(s.topic().id()).tell(new UserPresence.Watch(presenceSelf()));
        watching.add(s.topic().id());
        return done(reply(s.ref(), Map.of("topic", s.topic().name(), "subscribed", true)));
      }
      if (frame instanceof ClientFrame.Unsubscribe u) {
        if (!watching.remove(u.topic().id())) return error(notSubscribed(u));
        wiring.hubs().apply(u.topic().id()).tell(new UserPresence.Unwatch(presenceSelf()));
        return done(reply(u.ref(), Map.of("topic", u.topic().name(), "subscribed", false)));
      }
      return wiring.requests().answer(new Caller(session.user(), session.connectionId(), self), frame);
    }

    private static ProtocolError notSubscribed(ClientFrame.Unsubscribe u) {
      return ProtocolError.of(u.ref(), ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + u.topic().name());
    }

    // ---- the connection's actor ---------------------------------------------------------------------

    private void onActorMessage(Object message) {
      if (message instanceof UserPresence.UserEvent event) emit(PushFrames.render(event));
      else if (message instanceof Terminated terminated) onLiveGone(terminated.actor());
      else {
        DurableTopics.Push push = wiring.durable().classify(message);
        if (push != null) onPushed(push, message);
      }
    }

    @Override
    public void onTimer(Object key) {
      if (key == TICK) onTick();
      else if (key == CLOSE_TICK) {
        if (control.isEmpty()) control(Frames.TICK);
      } else if (key instanceof ResubscribeKey r) resubscribe(r.topic());
    }

    private void onTick() {
      // Only an active client keeps the user online: a silent one lets presence expire after its TTL.
      if (ticksSinceFrame == 0) wiring.hubs().apply(userId()).tell(new UserPresence.Heartbeat(session.connectionId(), presenceSelf()));
      // Idempotent re-registration (no snapshot): heals watches whose hub was moved or restarted.
      for (String watched : watching) wiring.hubs().apply(watched).tell(new UserPresence.Watch(presenceSelf(), false));
      ticksSinceFrame++;
      // The tick that ends the last active interval does not count as silence.
      if (ticksSinceFrame == idleTicks + 1) close(new CloseWith(CloseCodes.IDLE, "idle: no frame from the client; send a ping every heartbeatMs"));
    }

    // ---- outbound -----------------------------------------------------------------------------------

    private void emit(Outbound frame) {
      if (closing) return;
      if (!queue.offer(frame)) {
        metrics.outboundOverflow(true);
        // The buffer in front of the socket is full: close so the client resumes, rather than lose a frame.
        close(new CloseWith(CloseCodes.SLOW_CONSUMER, "outbound buffer overflow: resume with since"));
        return;
      }
      pushNext();
    }

    private void control(Object event) {
      control.add(event);
      pushNext();
    }

    private void pushNext() {
      if (!isAvailable(out)) return;
      Object next = control.poll();
      if (next == null && !closing) {
        Outbound frame = queue.poll();
        if (frame == null) return;
        if (frame.close() != null) {
          close(frame.close());
          return;
        }
        next = Frames.text(frame.json());
        metrics.frameOut();
      }
      if (next == null) return;
      push(out, next);
      if (control.isEmpty()) pullIfReady();
    }

    // ---- durable topics ------------------------------------------------------------------------------

    /**
     * Follow a durable topic: every event after {@code since} (none given: from now), in order and
     * without duplicates, across moves of its entity to other nodes.
     */
    private CompletionStage<Outbound> follow(ClientFrame.Subscribe s) {
      Follow current = followed.get(s.topic());
      long since = s.since() != null ? s.since() : current != null ? current.lastSeq() : -1;
      if (current != null && current.live() != null) stageActor().unwatch(current.live());
      ClientFrame.SubscribeOptions options = s.options() == null ? ClientFrame.SubscribeOptions.NONE : s.options();
      followed.put(s.topic(), new Follow(since, null, options));
      CompletableFuture<Outbound> reply = new CompletableFuture<>();
      askSubscribe(s.topic(), since, options, reply, s.ref());
      return reply;
    }

    private Outbound unfollow(ClientFrame.Unsubscribe u) {
      Follow sub = followed.remove(u.topic());
      if (sub == null) return Outbound.durable(FrameCodec.error(notSubscribed(u)));
      if (sub.live() != null) stageActor().unwatch(sub.live());
      wiring.durable().unsubscribe(u.topic(), self);
      return reply(u.ref(), Map.of("topic", u.topic().name(), "subscribed", false));
    }

    private void askSubscribe(Topic topic, long since, ClientFrame.SubscribeOptions options, CompletableFuture<Outbound> reply, String ref) {
      CompletionStage<DurableTopics.Followed> asked;
      try {
        asked = wiring.durable().subscribe(userId(), topic, since, options, self);
      } catch (RuntimeException e) {
        asked = CompletableFuture.failedFuture(e);
      }
      asked.whenComplete((ok, e) -> subscribed.invoke(new Subscribed(topic, ok, e, reply, ref)));
    }

    private void onSubscribed(Subscribed m) {
      Follow sub = followed.get(m.topic());
      if (m.failure() != null) {
        if (m.reply() != null) {
          followed.remove(m.topic());
          m.reply().completeExceptionally(m.failure());
        } else if (sub != null) {
          // A resubscription after a move: the entity may still be starting elsewhere; try again.
          scheduleOnce(new ResubscribeKey(m.topic()), Duration.ofSeconds(1));
        }
        return;
      }
      if (m.reply() != null) {
        Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("topic", m.topic().name());
        data.put("subscribed", true);
        data.put("lastSeq", m.followed().lastSeq());
        data.putAll(m.followed().reply());
        m.reply().complete(reply(m.ref(), data));
      }
      if (sub == null) {
        // unsubscribed meanwhile
        wiring.durable().unsubscribe(m.topic(), self);
        return;
      }
      ActorRef live = Adapter.toClassic(m.followed().live());
      stageActor().watch(live);
      long lastSeq = sub.lastSeq() >= 0 ? sub.lastSeq() : m.followed().lastSeq();
      followed.put(m.topic(), new Follow(lastSeq, live, sub.options()));
    }

    private void onPushed(DurableTopics.Push push, Object message) {
      Topic topic = Topic.named(push.topic());
      Follow sub = followed.get(topic);
      if (sub == null) return;
      if (push.seq() >= 0) {
        long seq = push.seq();
        boolean restart = push.prevSeq() == DurableTopics.Push.RESTART;
        if (!restart && sub.lastSeq() >= 0 && seq <= sub.lastSeq()) return; // already forwarded
        if (!restart && sub.lastSeq() >= 0 && push.prevSeq() > sub.lastSeq()) {
          // A gap (a push lost in a move): start again from the last seq the client has.
          resubscribe(topic);
          return;
        }
        followed.put(topic, new Follow(seq, sub.live(), sub.options()));
        emit(wiring.durable().render(message));
        return;
      }
      if (push.ends()) {
        if (sub.live() != null) stageActor().unwatch(sub.live());
        followed.remove(topic);
      }
      emit(wiring.durable().render(message));
    }

    /** A followed topic's live side stopped (its node left, or it was rebalanced): resubscribe. */
    private void onLiveGone(ActorRef live) {
      for (Map.Entry<Topic, Follow> e : followed.entrySet()) {
        if (live.equals(e.getValue().live())) {
          resubscribe(e.getKey());
          return;
        }
      }
    }

    /** Subscribes again from the last seq forwarded; the client sees one continuous sequence. */
    private void resubscribe(Topic topic) {
      Follow sub = followed.get(topic);
      if (sub == null) return;
      if (sub.live() != null) stageActor().unwatch(sub.live());
      followed.put(topic, new Follow(sub.lastSeq(), null, sub.options()));
      askSubscribe(topic, sub.lastSeq(), sub.options(), null, null);
    }
  }

  private static Outbound reply(String ref, Object data) {
    return Outbound.durable(FrameCodec.reply(ref, data));
  }

  private static CompletionStage<Outbound> done(Outbound outbound) {
    return CompletableFuture.completedFuture(outbound);
  }

  private static CompletionStage<Outbound> error(ProtocolError error) {
    return done(Outbound.durable(FrameCodec.error(error)));
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
    return e;
  }

  /** Whether {@code text} is over {@code max} UTF-8 bytes; counted only when it could be (a char is at most 3 bytes). */
  private static boolean exceeds(String text, int max) {
    return 3L * text.length() > max && utf8Length(text) > max;
  }

  /** UTF-8 length without allocating a byte array per frame. */
  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    return bytes;
  }

  // ---- inbound admission: pure -----------------------------------------------------------------------

  /** A text frame's content, or a marker for a binary one; an oversized frame closes with 1009. */
  private record Text(String text, boolean binary, boolean oversized) {
    static final Text BINARY = new Text(null, true, false);
    static final Text OVERSIZED = new Text(null, false, true);

    static Text of(String text) {
      return new Text(text, false, false);
    }
  }

  private record Admitted(FrameCodec.Parsed parsed, TokenBucket.Taken taken) {
    static final Admitted OVERSIZED = new Admitted(null, null);
    /** A frame after an oversized one: the socket is closing, it is not read. */
    static final Admitted IGNORED = new Admitted(null, null);
  }

  /**
   * Per-connection inbound state: the frame rate limit and whether an oversized frame has closed the
   * door. Message sends also take from the user's send limit, shared by the user's sockets on the node.
   */
  private record Inbound(TokenBucket frames, boolean closing) {
    static Inbound start(double perSecond, int burst) {
      return new Inbound(TokenBucket.full(perSecond, burst, System.nanoTime()), false);
    }

    Pair<Inbound, Admitted> admit(Text text, long now, LongFunction<TokenBucket.Taken> userSends) {
      if (closing) return Pair.create(this, Admitted.IGNORED);
      if (text.oversized()) return Pair.create(new Inbound(frames, true), Admitted.OVERSIZED);
      FrameCodec.Parsed parsed = text.binary() ? null : FrameCodec.parse(text.text());
      TokenBucket.Taken taken = frames.take(now);
      Inbound next = new Inbound(taken.bucket(), false);
      if (taken.granted() && parsed instanceof FrameCodec.Ok ok && ok.frame() instanceof ClientFrame.ConvSend) {
        return Pair.create(next, new Admitted(parsed, userSends.apply(now)));
      }
      return Pair.create(next, new Admitted(parsed, taken));
    }
  }
}
