package io.pulse.http.gateway;

import io.pulse.actors.Rejection;
import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.Inbox;
import io.pulse.actors.chat.Role;
import io.pulse.actors.user.User;
import io.pulse.actors.user.UserPresence;
import io.pulse.config.PulseSettings.ChatSettings;
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
import org.apache.pekko.pattern.StatusReply;
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
  private final ChatSettings chat;
  private final Duration heartbeatInterval;
  private final ClusterSharding sharding;
  private final Materializer materializer;

  public WebSocketGateway(ActorSystem<?> system, GatewaySettings settings, ChatSettings chat, Duration presenceTtl) {
    this.system = system;
    this.settings = settings;
    this.chat = chat;
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
                user.userId(),
                connectionId,
                heartbeatInterval,
                settings.idleTimeout(),
                settings.askTimeout(),
                id -> sharding.entityRefFor(UserPresence.ENTITY_TYPE_KEY, id),
                id -> sharding.entityRefFor(Conversation.ENTITY_TYPE_KEY, id)),
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
                () -> Inbound.start(settings.ratePerSecond(), settings.rateBurst(), chat.sendPerSecond(), chat.sendBurst()),
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

  /**
   * Per-connection inbound state: the frame rate limit, the message send limit, and whether an
   * oversized frame has closed the door.
   */
  private record Inbound(TokenBucket frames, TokenBucket sends, boolean closing) {
    static Inbound start(double perSecond, int burst, double sendsPerSecond, int sendBurst) {
      long now = System.nanoTime();
      return new Inbound(TokenBucket.full(perSecond, burst, now), TokenBucket.full(sendsPerSecond, sendBurst, now), false);
    }

    Pair<Inbound, Admitted> admit(Text text, long now) {
      if (closing) return Pair.create(this, Admitted.IGNORED);
      if (text.oversized()) return Pair.create(new Inbound(frames, sends, true), Admitted.OVERSIZED);
      FrameCodec.Parsed parsed = text.binary() ? null : FrameCodec.parse(text.text());
      TokenBucket.Taken taken = frames.take(now);
      if (taken.granted() && parsed instanceof FrameCodec.Ok ok && ok.frame() instanceof ClientFrame.ConvSend) {
        TokenBucket.Taken send = sends.take(now);
        return Pair.create(new Inbound(taken.bucket(), send.bucket(), false), new Admitted(parsed, send));
      }
      return Pair.create(new Inbound(taken.bucket(), sends, false), new Admitted(parsed, taken));
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
    if (frame instanceof ClientFrame.Subscribe s && s.topic().isConversation()) {
      CompletionStage<Conversation.Subscribed> subscribed =
          AskPattern.<ConnectionActor.Command, StatusReply<Conversation.Subscribed>>ask(
                  connection,
                  replyTo -> new ConnectionActor.SubscribeConversation(s.topic().id(), s.since(), replyTo),
                  timeout.multipliedBy(2),
                  system.scheduler())
              .thenCompose(WebSocketGateway::unwrapStatus);
      return subscribed.thenApply(
          ok -> reply(s.ref(), Map.of("topic", s.topic().name(), "subscribed", true, "lastSeq", ok.lastSeq())));
    }
    if (frame instanceof ClientFrame.Unsubscribe u && u.topic().isConversation()) {
      CompletionStage<Boolean> removed =
          AskPattern.ask(
              connection, replyTo -> new ConnectionActor.UnsubscribeConversation(u.topic().id(), replyTo), timeout, system.scheduler());
      return removed.thenApply(
          wasSubscribed ->
              wasSubscribed
                  ? reply(u.ref(), Map.of("topic", u.topic().name(), "subscribed", false))
                  : Outbound.durable(FrameCodec.error(ProtocolError.of(u.ref(), ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + u.topic().name()))));
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
    return chat(user, frame, timeout);
  }

  private CompletionStage<Outbound> chat(AuthenticatedUser user, ClientFrame frame, Duration timeout) {
    String me = user.userId();
    if (frame instanceof ClientFrame.ConvCreate c) {
      String id;
      if (Conversation.DIRECT.equals(c.kind())) {
        if (c.members().size() != 1 || c.members().get(0).equals(me)) {
          return done(ProtocolError.of(c.ref(), ErrorCode.INVALID_FIELD, "a direct conversation names exactly one other member"));
        }
        id = Conversation.directId(me, c.members().get(0));
      } else {
        id = ConversationIds.newGroup();
      }
      return conversation(id)
          .<Conversation.Summary>askWithStatus(r -> new Conversation.Create(me, c.kind(), c.members(), c.title(), r), timeout)
          .thenApply(summary -> reply(c.ref(), summary(summary)));
    }
    if (frame instanceof ClientFrame.ConvSend m) {
      return conversation(m.conversationId())
          .<Conversation.SendAck>askWithStatus(r -> new Conversation.Send(me, m.clientMsgId(), m.text(), r), timeout)
          .thenApply(ack -> reply(m.ref(), ack));
    }
    if (frame instanceof ClientFrame.ConvEdit m) {
      return conversation(m.conversationId())
          .<Long>askWithStatus(r -> new Conversation.Edit(me, m.seq(), m.text(), r), timeout)
          .thenApply(seq -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "seq", seq)));
    }
    if (frame instanceof ClientFrame.ConvDelete m) {
      return conversation(m.conversationId())
          .<Long>askWithStatus(r -> new Conversation.Delete(me, m.seq(), r), timeout)
          .thenApply(seq -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "seq", seq)));
    }
    if (frame instanceof ClientFrame.ConvAddMember m) {
      Role role;
      try {
        role = m.role() == null ? Role.MEMBER : Role.valueOf(m.role().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return done(ProtocolError.of(m.ref(), ErrorCode.INVALID_FIELD, "role must be owner, admin or member"));
      }
      return conversation(m.conversationId())
          .<Long>askWithStatus(r -> new Conversation.AddMember(me, m.userId(), role, r), timeout)
          .thenApply(seq -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "seq", seq)));
    }
    if (frame instanceof ClientFrame.ConvRemoveMember m) {
      return conversation(m.conversationId())
          .<Long>askWithStatus(r -> new Conversation.RemoveMember(me, m.userId(), r), timeout)
          .thenApply(seq -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "seq", seq)));
    }
    if (frame instanceof ClientFrame.ConvRead m) {
      return conversation(m.conversationId())
          .<Conversation.Receipt>askWithStatus(r -> new Conversation.MarkRead(me, m.seq(), r), timeout)
          .thenApply(receipt -> reply(m.ref(), receipt));
    }
    if (frame instanceof ClientFrame.ConvDelivered m) {
      return conversation(m.conversationId())
          .<Conversation.Receipt>askWithStatus(r -> new Conversation.MarkDelivered(me, m.seq(), r), timeout)
          .thenApply(receipt -> reply(m.ref(), receipt));
    }
    if (frame instanceof ClientFrame.ConvTyping m) {
      return conversation(m.conversationId())
          .<Done>askWithStatus(r -> new Conversation.Typing(me, r), timeout)
          .thenApply(d -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "typing", true)));
    }
    if (frame instanceof ClientFrame.ConvHistory h) {
      boolean forward = h.after() != null;
      long from = forward ? h.after() : h.before() == null ? 0 : h.before();
      return conversation(h.conversationId())
          .<Conversation.Page>askWithStatus(r -> new Conversation.History(me, from, forward, h.limit(), r), timeout)
          .thenApply(
              page ->
                  reply(
                      h.ref(),
                      Map.of("conversationId", page.conversationId(), "events", ChatFrames.entries(page.entries()), "more", page.more())));
    }
    if (frame instanceof ClientFrame.InboxGet g) {
      return inbox(me, timeout).thenApply(list -> reply(g.ref(), Map.of("conversations", list)));
    }
    throw new IllegalStateException("unhandled frame " + frame);
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<Conversation.Command> conversation(String id) {
    return sharding.entityRefFor(Conversation.ENTITY_TYPE_KEY, id);
  }

  /** The user's conversations with last message and unread count, asked of each conversation at once. */
  private CompletionStage<java.util.List<Map<String, Object>>> inbox(String userId, Duration timeout) {
    return sharding
        .entityRefFor(Inbox.ENTITY_TYPE_KEY, userId)
        .<Inbox.Conversations>askWithStatus(Inbox.GetConversations::new, timeout)
        .thenCompose(
            ids -> {
              java.util.List<CompletableFuture<Map<String, Object>>> summaries =
                  ids.conversationIds().stream()
                      .limit(chat.inboxLimit())
                      .map(
                          id ->
                              conversation(id)
                                  .<Conversation.Summary>askWithStatus(r -> new Conversation.GetSummary(userId, r), timeout)
                                  .thenApply(WebSocketGateway::summary)
                                  // one unavailable conversation does not hide the others
                                  .exceptionally(e -> Map.<String, Object>of("conversationId", id, "unavailable", true))
                                  .toCompletableFuture())
                      .toList();
              return CompletableFuture.allOf(summaries.toArray(CompletableFuture[]::new))
                  .thenApply(v -> summaries.stream().map(CompletableFuture::join).toList());
            });
  }

  private static Map<String, Object> summary(Conversation.Summary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("conversationId", s.conversationId());
    m.put("kind", s.kind());
    m.put("title", s.title());
    m.put("members", ChatFrames.roles(s.members()));
    m.put("lastSeq", s.lastSeq());
    m.put("lastMessage", s.lastMessage());
    m.put("unread", s.unread());
    return m;
  }

  private static <T> CompletionStage<T> unwrapStatus(StatusReply<T> reply) {
    return reply.isSuccess() ? CompletableFuture.completedFuture(reply.getValue()) : CompletableFuture.failedFuture(reply.getError());
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
