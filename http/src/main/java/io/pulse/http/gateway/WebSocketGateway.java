package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.Rejection;
import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.Inbox;
import io.pulse.actors.chat.Role;
import io.pulse.actors.document.Document;
import io.pulse.actors.user.User;
import io.pulse.actors.user.UserPresence;
import io.pulse.config.PulseSettings.ChatSettings;
import io.pulse.config.PulseSettings.GatewaySettings;
import io.pulse.config.PulseSettings.SaleSettings;
import io.pulse.http.auth.AuthenticatedUser;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Builds the stream behind one WebSocket: a {@link ConnectionStage} (the whole per-socket side of
 * Pulse, one operator) and the entity requests it delegates.
 */
public final class WebSocketGateway {
  private final ActorSystem<?> system;
  private final GatewaySettings settings;
  private final ChatSettings chat;
  private final Duration heartbeatInterval;
  private final ClusterSharding sharding;
  private final OpenConnections open;
  private final UserSendLimits sendLimits;
  private final DocumentRequests documents;
  private final AuctionRequests auctions;
  private final SaleRequests sales;
  private final MarketRequests markets;
  private final java.util.Set<String> symbols;
  private final DriverRequests drivers;
  private final io.pulse.actors.metrics.Metrics metrics;
  private final io.pulse.config.MetricsSettings metricsSettings;
  private final MetricsRequests metricRequests;

  /** {@code symbols}: the market's listed instruments. */
  public WebSocketGateway(
      ActorSystem<?> system,
      GatewaySettings settings,
      ChatSettings chat,
      int documentListLimit,
      SaleSettings saleSettings,
      Duration presenceTtl,
      OpenConnections open,
      java.util.Set<String> symbols) {
    this.system = system;
    this.open = open;
    this.settings = settings;
    this.chat = chat;
    // three chances to refresh presence within one TTL
    this.heartbeatInterval = presenceTtl.dividedBy(3);
    this.sharding = ClusterSharding.get(system);
    this.sendLimits = new UserSendLimits(chat.sendPerSecond(), chat.sendBurst());
    this.documents = new DocumentRequests(sharding, settings.askTimeout(), documentListLimit);
    this.auctions = new AuctionRequests(sharding, settings.askTimeout());
    this.sales = new SaleRequests(sharding, settings.askTimeout(), saleSettings);
    this.symbols = java.util.Set.copyOf(symbols);
    this.markets = new MarketRequests(sharding, settings.askTimeout(), this.symbols);
    this.drivers =
        new DriverRequests(
            sharding, settings.askTimeout(), io.pulse.sharding.PulseSharding.nearbySearch(system, io.pulse.config.PulseSettings.from(system.settings().config()).drivers()));
    this.metricsSettings = io.pulse.config.MetricsSettings.from(system.settings().config());
    this.metrics = io.pulse.sharding.PulseSharding.metrics(system, io.pulse.config.PulseSettings.from(system.settings().config()));
    this.metricRequests = new MetricsRequests(metrics.ingest(), metricsSettings);
    Duration sweep = Duration.ofSeconds(30);
    system.scheduler().scheduleWithFixedDelay(sweep, sweep, () -> sendLimits.sweep(System.nanoTime()), system.executionContext());
  }

  /** Flash-sale purchases, for the HTTP endpoint as well as the socket frames. */
  public SaleRequests sales() {
    return sales;
  }

  /** The metrics ingest and queries, for the HTTP endpoints as well as the socket frames. */
  public io.pulse.actors.metrics.Metrics metrics() {
    return metrics;
  }

  /** Drivers' nearby search, for the HTTP endpoint as well as the socket frames. */
  public io.pulse.actors.driver.NearbySearch nearby() {
    return drivers.nearby();
  }

  /** The connection operator, shared by every socket; each gets its own {@link #session}. */
  public ConnectionStage connection() {
    ConnectionStage.Wiring wiring =
        new ConnectionStage.Wiring(
            heartbeatInterval,
            id -> sharding.entityRefFor(UserPresence.ENTITY_TYPE_KEY, id),
            DurableTopics.of(
                java.util.List.of(
                    new ConversationTopics(this::conversation, settings.askTimeout(), system.scheduler()),
                    new DocumentTopics(id -> sharding.entityRefFor(Document.ENTITY_TYPE_KEY, id), settings.askTimeout(), system.scheduler()),
                    new AuctionTopics(
                        id -> sharding.entityRefFor(io.pulse.actors.auction.Auction.ENTITY_TYPE_KEY, id), settings.askTimeout(), system.scheduler()),
                    new SaleTopics(id -> sharding.entityRefFor(io.pulse.actors.auction.Sale.ENTITY_TYPE_KEY, id), settings.askTimeout(), system.scheduler()),
                    new MarketTopics(
                        id -> sharding.entityRefFor(io.pulse.actors.market.Instrument.ENTITY_TYPE_KEY, id), settings.askTimeout(), system.scheduler(), symbols),
                    new DriverTopics(
                        id -> sharding.entityRefFor(io.pulse.actors.driver.Driver.ENTITY_TYPE_KEY, id),
                        id -> sharding.entityRefFor(io.pulse.actors.driver.Trip.ENTITY_TYPE_KEY, id),
                        id -> sharding.entityRefFor(io.pulse.actors.driver.Geofence.ENTITY_TYPE_KEY, id),
                        drivers.nearby(),
                        settings.askTimeout(),
                        system.scheduler()),
                    new MetricsTopics(system, metrics.queries(), metricsSettings.watchStep().toMillis(), metricsSettings.closeGrace().toMillis()))),
            new EntityRequests(),
            system.scheduler(),
            open,
            sendLimits);
    return new ConnectionStage(settings, wiring);
  }

  /** One socket's session, as attributes for the shared connection graph. */
  public org.apache.pekko.stream.Attributes session(AuthenticatedUser user) {
    String connectionId = UUID.randomUUID().toString();
    Map<String, Object> welcome = new LinkedHashMap<>();
    welcome.put("userId", user.userId());
    welcome.put("connectionId", connectionId);
    welcome.put("protocol", settings.subprotocol());
    welcome.put("maxFrameBytes", settings.maxFrameBytes());
    welcome.put("heartbeatMs", heartbeatInterval.toMillis());
    return ConnectionStage.session(new ConnectionStage.Session(user, connectionId, Outbound.durable(FrameCodec.welcome(welcome))));
  }

  /** The frames entities answer: profiles and chat. */
  private final class EntityRequests implements ConnectionStage.Requests {
    @Override
    public CompletionStage<Outbound> answer(ConnectionStage.Caller caller, ClientFrame frame) {
      if (frame instanceof DocFrame doc) return documents.answer(caller, doc);
      if (frame instanceof AuctionFrame auction) return auctions.answer(caller, auction);
      if (frame instanceof SaleFrame sale) return sales.answer(caller, sale);
      if (frame instanceof MarketFrame market) return markets.answer(caller, market);
      if (frame instanceof DriverFrame driver) return drivers.answer(caller, driver);
      if (frame instanceof MetricsFrame m) return metricRequests.answer(caller, m);
      return dispatch(caller.user(), frame);
    }

    @Override
    public ProtocolError error(String ref, Throwable failure) {
      return toError(ref, failure);
    }
  }

  private CompletionStage<Outbound> dispatch(AuthenticatedUser user, ClientFrame frame) {
    Duration timeout = settings.askTimeout();
    if (frame instanceof ClientFrame.UpdateProfile up) {
      if (up.userId() != null && !up.userId().equals(user.userId())) {
        return done(ProtocolError.of(up.ref(), ErrorCode.FORBIDDEN, "you can only update your own profile"));
      }
      User.ProfileChange change = new User.ProfileChange(up.displayName(), up.avatarUrl(), up.statusText());
      return onCompletingThread(sharding
          .entityRefFor(User.ENTITY_TYPE_KEY, user.userId())
          .<User.Profile>askWithStatus(replyTo -> new User.UpdateProfile(change, replyTo), timeout))
          .thenApply(profile -> reply(up.ref(), profile));
    }
    if (frame instanceof ClientFrame.GetProfile g) {
      if (!io.pulse.http.auth.UserIds.isValid(g.userId())) {
        return done(ProtocolError.of(g.ref(), ErrorCode.INVALID_FIELD, "invalid userId"));
      }
      return onCompletingThread(sharding
          .entityRefFor(User.ENTITY_TYPE_KEY, g.userId())
          .<User.Profile>askWithStatus(User.GetProfile::new, timeout))
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
      return onCompletingThread(conversation(id)
          .<Conversation.Summary>askWithStatus(r -> new Conversation.Create(me, c.kind(), c.members(), c.title(), r), timeout))
          .thenApply(summary -> reply(c.ref(), summary(summary)));
    }
    if (frame instanceof ClientFrame.ConvSend m) {
      return onCompletingThread(conversation(m.conversationId())
          .<Conversation.SendAck>askWithStatus(r -> new Conversation.Send(me, m.clientMsgId(), m.text(), r), timeout))
          .thenApply(ack -> reply(m.ref(), ack));
    }
    if (frame instanceof ClientFrame.ConvEdit m) {
      return onCompletingThread(conversation(m.conversationId())
          .<Long>askWithStatus(r -> new Conversation.Edit(me, m.seq(), m.text(), r), timeout))
          .thenApply(seq -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "seq", seq)));
    }
    if (frame instanceof ClientFrame.ConvDelete m) {
      return onCompletingThread(conversation(m.conversationId())
          .<Long>askWithStatus(r -> new Conversation.Delete(me, m.seq(), r), timeout))
          .thenApply(seq -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "seq", seq)));
    }
    if (frame instanceof ClientFrame.ConvAddMember m) {
      Role role;
      try {
        role = m.role() == null ? Role.MEMBER : Role.valueOf(m.role().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return done(ProtocolError.of(m.ref(), ErrorCode.INVALID_FIELD, "role must be owner, admin or member"));
      }
      return onCompletingThread(conversation(m.conversationId())
          .<Long>askWithStatus(r -> new Conversation.AddMember(me, m.userId(), role, r), timeout))
          .thenApply(seq -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "seq", seq)));
    }
    if (frame instanceof ClientFrame.ConvRemoveMember m) {
      return onCompletingThread(conversation(m.conversationId())
          .<Long>askWithStatus(r -> new Conversation.RemoveMember(me, m.userId(), r), timeout))
          .thenApply(seq -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "seq", seq)));
    }
    if (frame instanceof ClientFrame.ConvRead m) {
      return onCompletingThread(conversation(m.conversationId())
          .<Conversation.Receipt>askWithStatus(r -> new Conversation.MarkRead(me, m.seq(), r), timeout))
          .thenApply(receipt -> reply(m.ref(), receipt));
    }
    if (frame instanceof ClientFrame.ConvDelivered m) {
      return onCompletingThread(conversation(m.conversationId())
          .<Conversation.Receipt>askWithStatus(r -> new Conversation.MarkDelivered(me, m.seq(), r), timeout))
          .thenApply(receipt -> reply(m.ref(), receipt));
    }
    if (frame instanceof ClientFrame.ConvTyping m) {
      return onCompletingThread(conversation(m.conversationId())
          .<Done>askWithStatus(r -> new Conversation.Typing(me, r), timeout))
          .thenApply(d -> reply(m.ref(), Map.of("conversationId", m.conversationId(), "typing", true)));
    }
    if (frame instanceof ClientFrame.ConvHistory h) {
      boolean forward = h.after() != null;
      long from = forward ? h.after() : h.before() == null ? 0 : h.before();
      return onCompletingThread(conversation(h.conversationId())
          .<Conversation.Page>askWithStatus(r -> new Conversation.History(me, from, forward, h.limit(), r), timeout))
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
    return onCompletingThread(sharding
        .entityRefFor(Inbox.ENTITY_TYPE_KEY, userId)
        .<Inbox.Conversations>askWithStatus(Inbox.GetConversations::new, timeout))
        .thenCompose(
            ids -> {
              java.util.List<CompletableFuture<Map<String, Object>>> summaries =
                  ids.conversationIds().stream()
                      .limit(chat.inboxLimit())
                      .map(
                          id ->
                              onCompletingThread(conversation(id)
                                  .<Conversation.Summary>askWithStatus(r -> new Conversation.GetSummary(userId, r), timeout))
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
}
