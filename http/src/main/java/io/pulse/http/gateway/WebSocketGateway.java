package io.pulse.http.gateway;

import io.pulse.actors.Rejection;
import io.pulse.actors.user.User;
import io.pulse.actors.user.UserPresence;
import io.pulse.config.PulseSettings.GatewaySettings;
import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.ws.CloseCodes;
import io.pulse.http.ws.CloseWith;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.StreamLimitReachedException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Builds the stream behind one WebSocket. Inbound frames flow through read (size limit) → parse and
 * validate → rate-limit → authorise and ask the entity, with bounded parallelism, so a flood from one
 * client backs up into its own TCP socket. Replies and pushed events share one bounded outbound
 * buffer ({@link OutboundBuffer}).
 */
public final class WebSocketGateway {
  private final ActorSystem<?> system;
  private final GatewaySettings settings;
  private final Duration heartbeatInterval;
  private final ClusterSharding sharding;
  private final Materializer materializer;

  public WebSocketGateway(ActorSystem<?> system, GatewaySettings settings, Duration presenceTtl) {
    this.system = system;
    this.settings = settings;
    // three chances to refresh presence within one TTL
    this.heartbeatInterval = presenceTtl.dividedBy(3);
    this.sharding = ClusterSharding.get(system);
    this.materializer = Materializer.matFromSystem(system);
  }

  public Flow<Message, Message, NotUsed> handler(AuthenticatedUser user) {
    String connectionId = UUID.randomUUID().toString();
    ActorRef<ConnectionActor.Command> connection =
        system.systemActorOf(
            ConnectionActor.create(
                user.userId(), connectionId, heartbeatInterval, id -> sharding.entityRefFor(UserPresence.ENTITY_TYPE_KEY, id)),
            "ws-" + connectionId,
            Props.empty());
    // Materialized inside this connection's stream (no stream of its own): handed to the actor that pushes into it.
    Source<Outbound, NotUsed> pushes =
        Source.<Outbound>queue(settings.durableBuffer() + settings.ephemeralKeys())
            .mapMaterializedValue(
                queue -> {
                  connection.tell(new ConnectionActor.Attach(queue));
                  return NotUsed.getInstance();
                });

    // Few operators on purpose: every operator of every socket's stream is memory held for its lifetime.
    Flow<Message, Outbound, NotUsed> replies =
        Flow.<Message>create()
            .mapAsync(1, this::readText)
            .statefulMap(
                () -> Inbound.start(settings.ratePerSecond(), settings.rateBurst()),
                (inbound, text) -> {
                  connection.tell(ConnectionActor.ClientActive.INSTANCE);
                  return inbound.admit(text, System.nanoTime());
                },
                inbound -> java.util.Optional.empty())
            .mapAsync(settings.parallelism(), admitted -> handle(user, connection, admitted));

    Map<String, Object> welcome = new LinkedHashMap<>();
    welcome.put("userId", user.userId());
    welcome.put("connectionId", connectionId);
    welcome.put("protocol", settings.subprotocol());
    welcome.put("maxFrameBytes", settings.maxFrameBytes());
    welcome.put("heartbeatMs", heartbeatInterval.toMillis());
    Outbound first = Outbound.durable(FrameCodec.welcome(welcome));

    return replies
        .merge(pushes, true)
        .via(new OutboundBuffer(settings.durableBuffer(), settings.ephemeralKeys(), first))
        .<Message>map(
            o -> {
              if (o.close() != null) throw o.close();
              // The server's own message type, so no conversion stage is needed on the way out.
              return new org.apache.pekko.http.scaladsl.model.ws.TextMessage.Strict(o.json());
            })
        .watchTermination(
            (mat, done) -> {
              done.whenComplete((d, e) -> connection.tell(ConnectionActor.SocketClosed.INSTANCE));
              return mat;
            });
  }

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

  /** Per-connection inbound state: the rate limit, and whether an oversized frame has closed the door. */
  private record Inbound(TokenBucket bucket, boolean closing) {
    static Inbound start(double perSecond, int burst) {
      return new Inbound(TokenBucket.full(perSecond, burst, System.nanoTime()), false);
    }

    Pair<Inbound, Admitted> admit(Text text, long now) {
      if (closing) return Pair.create(this, Admitted.IGNORED);
      if (text.oversized()) return Pair.create(new Inbound(bucket, true), Admitted.OVERSIZED);
      FrameCodec.Parsed parsed = text.binary() ? null : FrameCodec.parse(text.text());
      TokenBucket.Taken taken = bucket.take(now);
      return Pair.create(new Inbound(taken.bucket(), false), new Admitted(parsed, taken));
    }
  }

  private CompletionStage<Text> readText(Message message) {
    int max = settings.maxFrameBytes();
    if (message.isText()) {
      TextMessage text = message.asTextMessage();
      if (text.isStrict()) {
        String s = text.getStrictText();
        return CompletableFuture.completedFuture(utf8Length(s) > max ? Text.OVERSIZED : Text.of(s));
      }
      return text.getStreamedText()
          .limitWeighted(max, s -> (long) utf8Length(s))
          .runFold(new StringBuilder(), StringBuilder::append, materializer)
          .thenApply(sb -> Text.of(sb.toString()))
          .exceptionallyCompose(WebSocketGateway::oversizedOrFailed);
    }
    // Binary frames are not part of the protocol; drain them (bounded) and answer with an error.
    return message.asBinaryMessage()
        .getStreamedData()
        .limitWeighted(max, b -> (long) b.size())
        .runWith(Sink.ignore(), materializer)
        .thenApply(d -> Text.BINARY)
        .exceptionallyCompose(WebSocketGateway::oversizedOrFailed);
  }

  private static CompletionStage<Text> oversizedOrFailed(Throwable e) {
    return unwrap(e) instanceof StreamLimitReachedException
        ? CompletableFuture.completedFuture(Text.OVERSIZED)
        : CompletableFuture.failedFuture(unwrap(e));
  }

  private CloseWith tooBig() {
    return new CloseWith(CloseCodes.TOO_BIG, "frame larger than " + settings.maxFrameBytes() + " bytes");
  }

  private CompletionStage<Outbound> handle(AuthenticatedUser user, ActorRef<ConnectionActor.Command> connection, Admitted admitted) {
    if (admitted == Admitted.OVERSIZED) return CompletableFuture.completedFuture(Outbound.closeAfterPending(tooBig()));
    // mapAsync drops an element whose stage completes with null
    if (admitted == Admitted.IGNORED) return CompletableFuture.completedFuture(null);
    FrameCodec.Parsed parsed = admitted.parsed();
    String ref = parsed instanceof FrameCodec.Ok ok ? ok.frame().ref() : parsed instanceof FrameCodec.Failed f ? f.error().ref() : null;
    if (!admitted.taken().granted()) {
      return done(
          new ProtocolError(ref, ErrorCode.RATE_LIMITED, "too many frames; retry later", admitted.taken().retryAfterMs()));
    }
    if (parsed == null) return done(ProtocolError.of(null, ErrorCode.BINARY_NOT_SUPPORTED, "binary frames are not supported"));
    if (parsed instanceof FrameCodec.Failed failed) return done(failed.error());
    ClientFrame frame = ((FrameCodec.Ok) parsed).frame();
    CompletionStage<Outbound> answer;
    try {
      answer = dispatch(user, connection, frame);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return answer.exceptionally(e -> Outbound.durable(FrameCodec.error(toError(frame.ref(), unwrap(e)))));
  }

  private CompletionStage<Outbound> dispatch(AuthenticatedUser user, ActorRef<ConnectionActor.Command> connection, ClientFrame frame) {
    Duration timeout = settings.askTimeout();
    if (frame instanceof ClientFrame.Ping p) {
      return CompletableFuture.completedFuture(Outbound.durable(FrameCodec.pong(p.ref())));
    }
    if (frame instanceof ClientFrame.Subscribe s) {
      CompletionStage<Done> subscribed =
          AskPattern.ask(connection, replyTo -> new ConnectionActor.Subscribe(s.topic().id(), replyTo), timeout, system.scheduler());
      return subscribed.thenApply(d -> reply(s.ref(), Map.of("topic", s.topic().name(), "subscribed", true)));
    }
    if (frame instanceof ClientFrame.Unsubscribe u) {
      CompletionStage<Boolean> removed =
          AskPattern.ask(connection, replyTo -> new ConnectionActor.Unsubscribe(u.topic().id(), replyTo), timeout, system.scheduler());
      return removed.thenApply(
          wasSubscribed ->
              wasSubscribed
                  ? reply(u.ref(), Map.of("topic", u.topic().name(), "subscribed", false))
                  : Outbound.durable(FrameCodec.error(ProtocolError.of(u.ref(), ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + u.topic().name()))));
    }
    if (frame instanceof ClientFrame.UpdateProfile up) {
      if (up.userId() != null && !up.userId().equals(user.userId())) {
        return done(ProtocolError.of(up.ref(), ErrorCode.FORBIDDEN, "you can only update your own profile"));
      }
      User.ProfileChange change = new User.ProfileChange(up.displayName(), up.avatarUrl(), up.statusText());
      return sharding
          .entityRefFor(User.ENTITY_TYPE_KEY, user.userId())
          .<User.Profile>askWithStatus(replyTo -> new User.UpdateProfile(change, replyTo), timeout)
          .thenApply(profile -> reply(up.ref(), profile));
    }
    if (frame instanceof ClientFrame.GetProfile g) {
      if (!io.pulse.http.auth.UserIds.isValid(g.userId())) {
        return done(ProtocolError.of(g.ref(), ErrorCode.INVALID_FIELD, "invalid userId"));
      }
      return sharding
          .entityRefFor(User.ENTITY_TYPE_KEY, g.userId())
          .<User.Profile>askWithStatus(User.GetProfile::new, timeout)
          .thenApply(profile -> reply(g.ref(), profile));
    }
    throw new IllegalStateException("unhandled frame " + frame);
  }

  private static Outbound reply(String ref, Object data) {
    return Outbound.durable(FrameCodec.reply(ref, data));
  }

  private static CompletionStage<Outbound> done(ProtocolError error) {
    return CompletableFuture.completedFuture(Outbound.durable(FrameCodec.error(error)));
  }

  private ProtocolError toError(String ref, Throwable e) {
    if (e instanceof TimeoutException) {
      return ProtocolError.of(ref, ErrorCode.UNAVAILABLE, "the entity did not answer in time; retry");
    }
    if (e instanceof org.apache.pekko.pattern.StatusReply.ErrorMessage) {
      Rejection rejection = Rejection.of(e);
      return ProtocolError.of(ref, rejection.code(), rejection.message());
    }
    system.log().warn("Frame failed for ref {}", ref, e);
    return ProtocolError.of(ref, ErrorCode.INTERNAL, "internal error");
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
    return e;
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
}
