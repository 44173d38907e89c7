package io.pulse.actors.chat;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.pulse.actors.GroupCommit;
import io.pulse.actors.Rejection;
import io.pulse.persistence.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * One conversation, direct or group: a sharded, event-sourced entity whose journal is the
 * conversation's history. Every persisted event gets the next sequence number (its journal sequence
 * number), so the order is total and a client that remembers the last number it saw can resume
 * without gaps or duplicates. Live delivery, typing and presence are the job of its child
 * {@link ConversationFanout}; this entity decides and persists.
 */
public final class Conversation
    extends EventSourcedBehaviorWithEnforcedReplies<Conversation.Command, Conversation.Event, Conversation.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Conversation");
  public static final String GROUP = "group";
  public static final String DIRECT = "direct";

  /** Limits of one conversation (pulse.chat in config). */
  public record Settings(int maxMembers, int recentEvents, Duration typingTtl, int maxPage, Duration presenceBatch) {}

  // ---- replies ------------------------------------------------------------------------------------

  public record LastMessage(long seq, String sender, String text, long at) implements CborSerializable {}

  public record Summary(
      String conversationId, String kind, String title, Map<String, Role> members, long lastSeq, LastMessage lastMessage, long unread)
      implements CborSerializable {}

  public record SendAck(String conversationId, long seq, String clientMsgId, long at, boolean duplicate)
      implements CborSerializable {}

  public record Receipt(String conversationId, String userId, long delivered, long read) implements CborSerializable {}

  /** A page of history, oldest first; {@code more} says whether the same direction has further events. */
  public record Page(String conversationId, List<Timeline.Entry> entries, boolean more) implements CborSerializable {}

  /** {@code fanout}: the conversation's live side, for the subscriber to watch (it resubscribes if it stops). */
  public record Subscribed(String conversationId, long lastSeq, ActorRef<ConversationFanout.Command> fanout)
      implements CborSerializable {}

  // ---- commands -----------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  public record Create(String creator, String kind, List<String> members, String title, ActorRef<StatusReply<Summary>> replyTo)
      implements Command {}

  public record AddMember(String by, String userId, Role role, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record RemoveMember(String by, String userId, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  /** A message with the client's own id: resending the same id returns the first ack and stores nothing. */
  public record Send(String sender, String clientMsgId, String text, ActorRef<StatusReply<SendAck>> replyTo)
      implements Command {}

  public record Edit(String sender, long target, String text, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record Delete(String sender, long target, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record MarkDelivered(String userId, long upTo, ActorRef<StatusReply<Receipt>> replyTo) implements Command {}

  public record MarkRead(String userId, long upTo, ActorRef<StatusReply<Receipt>> replyTo) implements Command {}

  /** Ephemeral: relayed to watchers, never persisted. */
  public record Typing(String userId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * Start pushing this conversation to {@code watcher}: every event after {@code since} (none if
   * negative), in order, then the live stream.
   */
  public record Subscribe(
      String userId, long since, ActorRef<ConversationFanout.Push> watcher, ActorRef<StatusReply<Subscribed>> replyTo)
      implements Command {}

  public record Unsubscribe(ActorRef<ConversationFanout.Push> watcher) implements Command {}

  /** Events after {@code from} (forward) or before it (backward), at most {@code limit}. */
  public record History(String userId, long from, boolean forward, int limit, ActorRef<StatusReply<Page>> replyTo)
      implements Command {}

  public record GetSummary(String userId, ActorRef<StatusReply<Summary>> replyTo) implements Command {}

  /** Writes grouped by {@link GroupCommit}: decided in order, persisted in one write. Local only. */
  public record Batch(List<Command> commands, ActorRef<GroupCommit.Signal> front) implements Command {}

  /** A journal read for an old history page finished. */
  private record HistoryRead(Page page, Throwable failure, ActorRef<StatusReply<Page>> replyTo) implements Command {}

  // ---- events -------------------------------------------------------------------------------------

  // An event is held by interface type inside Timeline.Entry (state, pages, pushes): Jackson needs its
  // concrete type written next to it to read it back.
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Created.class, name = "Created"),
    @JsonSubTypes.Type(value = MemberAdded.class, name = "MemberAdded"),
    @JsonSubTypes.Type(value = MemberRemoved.class, name = "MemberRemoved"),
    @JsonSubTypes.Type(value = MessageSent.class, name = "MessageSent"),
    @JsonSubTypes.Type(value = MessageEdited.class, name = "MessageEdited"),
    @JsonSubTypes.Type(value = MessageDeleted.class, name = "MessageDeleted"),
    @JsonSubTypes.Type(value = Delivered.class, name = "Delivered"),
    @JsonSubTypes.Type(value = Read.class, name = "Read")
  })
  public sealed interface Event extends CborSerializable {}

  public record Created(String kind, String title, Map<String, Role> members, String by, long at) implements Event {}

  public record MemberAdded(String userId, Role role, String by, long at) implements Event {}

  public record MemberRemoved(String userId, String by, long at) implements Event {}

  public record MessageSent(String sender, String clientMsgId, String text, long at) implements Event {}

  public record MessageEdited(long target, String sender, String text, long at) implements Event {}

  /** A tombstone: the message keeps its place in the order, its text is gone. */
  public record MessageDeleted(long target, String sender, long at) implements Event {}

  public record Delivered(String userId, long upTo, long at) implements Event {}

  /** {@code readMessages}: how many messages the member has read, for unread counts. */
  public record Read(String userId, long upTo, long readMessages, long at) implements Event {}

  // ---- state --------------------------------------------------------------------------------------

  /** Per member: highest seq delivered to a device, highest read, and messages read up to there. */
  public record MemberReceipt(long delivered, long read, long readMessages) implements CborSerializable {
    static final MemberReceipt NONE = new MemberReceipt(0, 0, 0);
  }

  /** The last client message ids of one sender, to answer a resend with its first ack. */
  public record SentId(String clientMsgId, long seq, long at) implements CborSerializable {}

  public record State(
      String kind,
      String title,
      Map<String, Role> members,
      long seq,
      long messages,
      LastMessage lastMessage,
      Map<String, MemberReceipt> receipts,
      Map<String, List<SentId>> recentSends,
      Timeline recent)
      implements CborSerializable {

    static final int SENT_IDS_PER_SENDER = 64;

    /**
     * The per-member maps change on every message: persistent maps make that O(log members) instead of
     * a copy of every member's entry (as read from a snapshot, plain maps are converted once here).
     */
    public State {
      members = persistent(members);
      receipts = persistent(receipts);
      recentSends = persistent(recentSends);
    }

    private static <V> Map<String, V> persistent(Map<String, V> map) {
      return map instanceof PMap<String, V> ? map : HashTreePMap.from(map);
    }

    static State empty(int recentEvents) {
      return new State(null, null, Map.of(), 0, 0, null, Map.of(), Map.of(), Timeline.empty(recentEvents));
    }

    boolean created() {
      return kind != null;
    }

    MemberReceipt receipt(String userId) {
      return receipts.getOrDefault(userId, MemberReceipt.NONE);
    }

    Optional<SentId> sent(String sender, String clientMsgId) {
      for (SentId s : recentSends.getOrDefault(sender, List.of())) {
        if (s.clientMsgId().equals(clientMsgId)) return Optional.of(s);
      }
      return Optional.empty();
    }

    long unread(String userId) {
      return Math.max(0, messages - receipt(userId).readMessages());
    }
  }

  // ---- wiring -------------------------------------------------------------------------------------

  /** Where the entity tells members' inboxes that they joined or left. */
  public static void init(ActorSystem<?> system, Settings settings, HistoryReader history) {
    init(system, settings, history, true);
  }

  /** {@code groupCommit}: a hot conversation pays one journal write per batch of sends, not per send. */
  public static void init(ActorSystem<?> system, Settings settings, HistoryReader history, boolean groupCommit) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Function<String, RecipientRef<Inbox.Command>> inboxes = user -> sharding.entityRefFor(Inbox.ENTITY_TYPE_KEY, user);
    Function<String, RecipientRef<io.pulse.actors.user.UserPresence.Command>> presence =
        user -> sharding.entityRefFor(io.pulse.actors.user.UserPresence.ENTITY_TYPE_KEY, user);
    sharding.init(
        Entity.of(
            ENTITY_TYPE_KEY,
            ctx ->
                groupCommit
                    ? GroupCommit.create(
                        front -> create(ctx.getEntityId(), settings, history, inboxes, presence, front),
                        Conversation::isWrite,
                        Batch::new)
                    : create(ctx.getEntityId(), settings, history, inboxes, presence)));
  }

  public static Behavior<Command> create(
      String conversationId,
      Settings settings,
      HistoryReader history,
      Function<String, RecipientRef<Inbox.Command>> inboxes,
      Function<String, RecipientRef<io.pulse.actors.user.UserPresence.Command>> presence) {
    return create(conversationId, settings, history, inboxes, presence, null);
  }

  /** {@code front}: the group-commit front to signal after each batch and recovery, or null without one. */
  public static Behavior<Command> create(
      String conversationId,
      Settings settings,
      HistoryReader history,
      Function<String, RecipientRef<Inbox.Command>> inboxes,
      Function<String, RecipientRef<io.pulse.actors.user.UserPresence.Command>> presence,
      ActorRef<GroupCommit.Signal> front) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<ConversationFanout.Command> fanout =
              ctx.spawn(
                  ConversationFanout.create(
                      conversationId, PersistenceId.of(ENTITY_TYPE_KEY.name(), conversationId).id(), settings, history, presence),
                  "fanout");
          return new Conversation(ctx, conversationId, settings, history, inboxes, fanout, front, Clock.systemUTC());
        });
  }

  /** A direct conversation's id follows from its two members, so creating it twice finds the first. */
  public static String directId(String a, String b) {
    String first = a.compareTo(b) <= 0 ? a : b;
    String second = first.equals(a) ? b : a;
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest((first + "\n" + second).getBytes(StandardCharsets.UTF_8));
      return "d-" + HexFormat.of().formatHex(hash, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private final ActorContext<Command> ctx;
  private final String conversationId;
  private final Settings settings;
  private final HistoryReader history;
  private final Function<String, RecipientRef<Inbox.Command>> inboxes;
  private final ActorRef<ConversationFanout.Command> fanout;
  private final ActorRef<GroupCommit.Signal> front;
  private final Clock clock;

  private Conversation(
      ActorContext<Command> ctx,
      String conversationId,
      Settings settings,
      HistoryReader history,
      Function<String, RecipientRef<Inbox.Command>> inboxes,
      ActorRef<ConversationFanout.Command> fanout,
      ActorRef<GroupCommit.Signal> front,
      Clock clock) {
    super(
        PersistenceId.of(ENTITY_TYPE_KEY.name(), conversationId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.conversationId = conversationId;
    this.settings = settings;
    this.history = history;
    this.inboxes = inboxes;
    this.fanout = fanout;
    this.front = front;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.empty(settings.recentEvents());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1_000, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              fanout.tell(new ConversationFanout.Members(state.members().keySet()));
              // Heals an inbox notification lost in a crash between persist and tell: joins are idempotent.
              state.members().keySet().forEach(m -> inboxes.apply(m).tell(new Inbox.Joined(conversationId)));
              if (front != null) front.tell(GroupCommit.Signal.RECOVERED);
            })
        .build();
  }

  // ---- commands -----------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Batch.class, (state, batch) -> write(state, batch.commands(), batch.front()))
        .onCommand(Create.class, this::onWrite)
        .onCommand(AddMember.class, this::onWrite)
        .onCommand(RemoveMember.class, this::onWrite)
        .onCommand(Send.class, this::onWrite)
        .onCommand(Edit.class, this::onWrite)
        .onCommand(Delete.class, this::onWrite)
        .onCommand(MarkDelivered.class, this::onWrite)
        .onCommand(MarkRead.class, this::onWrite)
        .onCommand(Typing.class, this::onTyping)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, (state, cmd) -> {
          fanout.tell(new ConversationFanout.Unregister(cmd.watcher()));
          return Effect().noReply();
        })
        .onCommand(History.class, this::onHistory)
        .onCommand(HistoryRead.class, (state, cmd) -> Effect().reply(cmd.replyTo(), historyReply(cmd)))
        .onCommand(GetSummary.class, this::onSummary)
        .build();
  }

  /** Answers with the refusal, or runs {@code next} when there is none. */
  private <T> ReplyEffect<Event, State> unless(
      Optional<ConversationRules.Refusal> refusal,
      ActorRef<StatusReply<T>> replyTo,
      java.util.function.Supplier<ReplyEffect<Event, State>> next) {
    return refusal.isPresent() ? Effect().reply(replyTo, Rejection.reply(refusal.get().code(), refusal.get().reason())) : next.get();
  }

  private Optional<ConversationRules.Refusal> exists(State state) {
    return state.created()
        ? Optional.empty()
        : Optional.of(new ConversationRules.Refusal(ConversationRules.NOT_FOUND, "no conversation " + conversationId));
  }

  private Optional<ConversationRules.Refusal> memberOf(State state, String userId) {
    return exists(state).or(() -> ConversationRules.member(state.members(), userId));
  }

  // ---- writes: each command decides its events and its reply; one or many are persisted together ----

  private static <T> GroupCommit.Decision<Event, State> reject(ActorRef<StatusReply<T>> replyTo, ConversationRules.Refusal refusal) {
    return GroupCommit.Decision.reject(replyTo, refusal.code(), refusal.reason());
  }

  private static <T> GroupCommit.Decision<Event, State> answer(ActorRef<StatusReply<T>> replyTo, T value) {
    return GroupCommit.Decision.answer(replyTo, value);
  }

  private static <T> GroupCommit.Decision<Event, State> persist(Event event, ActorRef<StatusReply<T>> replyTo, Function<State, T> value) {
    return GroupCommit.Decision.persist(event, replyTo, value);
  }

  /** The commands that persist, and so may be grouped into one write. */
  public static boolean isWrite(Command command) {
    return command instanceof Create
        || command instanceof AddMember
        || command instanceof RemoveMember
        || command instanceof Send
        || command instanceof Edit
        || command instanceof Delete
        || command instanceof MarkDelivered
        || command instanceof MarkRead;
  }

  private GroupCommit.Decision<Event, State> decide(State state, Command command) {
    if (command instanceof Send c) return decideSend(state, c);
    if (command instanceof MarkRead c) return decideRead(state, c);
    if (command instanceof MarkDelivered c) return decideDelivered(state, c);
    if (command instanceof Create c) return decideCreate(state, c);
    if (command instanceof AddMember c) return decideAddMember(state, c);
    if (command instanceof RemoveMember c) return decideRemoveMember(state, c);
    if (command instanceof Edit c) return decideEdit(state, c);
    if (command instanceof Delete c) return decideDelete(state, c);
    throw new IllegalArgumentException("not a write: " + command);
  }

  private ReplyEffect<Event, State> onWrite(State state, Command command) {
    return write(state, List.of(command), null);
  }

  /** Decides each command, persists all their events in one write, then publishes and replies in order. */
  private ReplyEffect<Event, State> write(State state, List<Command> commands, ActorRef<GroupCommit.Signal> front) {
    return GroupCommit.write(Effect(), state, commands, writer, front);
  }

  private final GroupCommit.Writer<Command, Event, State> writer = GroupCommit.Writer.of(this::decide, Conversation::apply, this::published);

  private GroupCommit.Decision<Event, State> decideCreate(State state, Create cmd) {
    if (state.created()) {
      boolean sameDirect =
          DIRECT.equals(state.kind())
              && DIRECT.equals(cmd.kind())
              && state.members().keySet().equals(ConversationRules.initialMembers(cmd.kind(), cmd.creator(), cmd.members()).keySet());
      if (sameDirect) return answer(cmd.replyTo(), summary(state, cmd.creator()));
      return reject(cmd.replyTo(), new ConversationRules.Refusal(ConversationRules.CONFLICT, "conversation " + conversationId + " already exists"));
    }
    Optional<ConversationRules.Refusal> refusal =
        ConversationRules.create(cmd.kind(), cmd.creator(), cmd.members(), cmd.title(), settings.maxMembers());
    if (refusal.isPresent()) return reject(cmd.replyTo(), refusal.get());
    Map<String, Role> members = ConversationRules.initialMembers(cmd.kind(), cmd.creator(), cmd.members());
    Created created = new Created(cmd.kind(), cmd.title(), Map.copyOf(members), cmd.creator(), now());
    return persist(created, cmd.replyTo(), s -> summary(s, cmd.creator()));
  }

  private GroupCommit.Decision<Event, State> decideAddMember(State state, AddMember cmd) {
    Role role = cmd.role() == null ? Role.MEMBER : cmd.role();
    Optional<ConversationRules.Refusal> refusal =
        exists(state).or(() -> ConversationRules.addMember(state.kind(), state.members(), cmd.by(), cmd.userId(), role, settings.maxMembers()));
    if (refusal.isPresent()) return reject(cmd.replyTo(), refusal.get());
    return persist(new MemberAdded(cmd.userId(), role, cmd.by(), now()), cmd.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideRemoveMember(State state, RemoveMember cmd) {
    Optional<ConversationRules.Refusal> refusal =
        exists(state).or(() -> ConversationRules.removeMember(state.kind(), state.members(), cmd.by(), cmd.userId()));
    if (refusal.isPresent()) return reject(cmd.replyTo(), refusal.get());
    return persist(new MemberRemoved(cmd.userId(), cmd.by(), now()), cmd.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideSend(State state, Send cmd) {
    Optional<ConversationRules.Refusal> refusal =
        memberOf(state, cmd.sender())
            .or(() -> ConversationRules.clientMsgId(cmd.clientMsgId()))
            .or(() -> ConversationRules.text(cmd.text()));
    if (refusal.isPresent()) return reject(cmd.replyTo(), refusal.get());
    Optional<SentId> earlier = state.sent(cmd.sender(), cmd.clientMsgId());
    if (earlier.isPresent()) {
      // A retry after a lost ack: the first ack again, nothing stored twice.
      SentId first = earlier.get();
      return answer(cmd.replyTo(), new SendAck(conversationId, first.seq(), first.clientMsgId(), first.at(), true));
    }
    MessageSent sent = new MessageSent(cmd.sender(), cmd.clientMsgId(), cmd.text(), now());
    return persist(sent, cmd.replyTo(), s -> new SendAck(conversationId, s.seq(), cmd.clientMsgId(), sent.at(), false));
  }

  private GroupCommit.Decision<Event, State> decideEdit(State state, Edit cmd) {
    Optional<ConversationRules.Refusal> refusal =
        memberOf(state, cmd.sender())
            .or(() -> ConversationRules.text(cmd.text()))
            .or(() -> ConversationRules.changeOwnMessage(state.recent(), cmd.sender(), cmd.target()));
    if (refusal.isPresent()) return reject(cmd.replyTo(), refusal.get());
    return persist(new MessageEdited(cmd.target(), cmd.sender(), cmd.text(), now()), cmd.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideDelete(State state, Delete cmd) {
    Optional<ConversationRules.Refusal> refusal =
        memberOf(state, cmd.sender()).or(() -> ConversationRules.changeOwnMessage(state.recent(), cmd.sender(), cmd.target()));
    if (refusal.isPresent()) return reject(cmd.replyTo(), refusal.get());
    return persist(new MessageDeleted(cmd.target(), cmd.sender(), now()), cmd.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideDelivered(State state, MarkDelivered cmd) {
    Optional<ConversationRules.Refusal> refusal = memberOf(state, cmd.userId());
    if (refusal.isPresent()) return reject(cmd.replyTo(), refusal.get());
    long upTo = Math.min(cmd.upTo(), lastMessageSeq(state));
    if (upTo <= state.receipt(cmd.userId()).delivered()) return answer(cmd.replyTo(), receipt(state, cmd.userId()));
    return persist(new Delivered(cmd.userId(), upTo, now()), cmd.replyTo(), s -> receipt(s, cmd.userId()));
  }

  private GroupCommit.Decision<Event, State> decideRead(State state, MarkRead cmd) {
    Optional<ConversationRules.Refusal> refusal = memberOf(state, cmd.userId());
    if (refusal.isPresent()) return reject(cmd.replyTo(), refusal.get());
    long upTo = Math.min(cmd.upTo(), lastMessageSeq(state));
    if (upTo <= state.receipt(cmd.userId()).read()) return answer(cmd.replyTo(), receipt(state, cmd.userId()));
    // Messages up to upTo: exact within the recent timeline; older ones are counted as read.
    long readMessages = state.messages() - state.recent().messagesAfter(upTo);
    return persist(new Read(cmd.userId(), upTo, readMessages, now()), cmd.replyTo(), s -> receipt(s, cmd.userId()));
  }

  private ReplyEffect<Event, State> onTyping(State state, Typing cmd) {
    return unless(
        memberOf(state, cmd.userId()),
        cmd.replyTo(),
        () -> {
          fanout.tell(new ConversationFanout.UserTyping(cmd.userId()));
          return Effect().reply(cmd.replyTo(), StatusReply.ack());
        });
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe cmd) {
    return unless(
        memberOf(state, cmd.userId()),
        cmd.replyTo(),
        () -> {
          long since = cmd.since() < 0 ? state.seq() : Math.min(cmd.since(), state.seq());
          List<Timeline.Entry> replay;
          long journalFrom;
          long journalTo;
          if (state.recent().coversAfter(since, state.seq())) {
            replay = state.recent().after(since, Integer.MAX_VALUE);
            journalFrom = 1;
            journalTo = 0;
          } else {
            // Away longer than the recent timeline: the fanout reads the gap from the journal first.
            replay = state.recent().entries();
            journalFrom = since + 1;
            journalTo = state.recent().firstSeq(state.seq() + 1) - 1;
          }
          fanout.tell(new ConversationFanout.Register(cmd.userId(), cmd.watcher(), replay, journalFrom, journalTo));
          return Effect().reply(cmd.replyTo(), StatusReply.success(new Subscribed(conversationId, state.seq(), fanout)));
        });
  }

  private ReplyEffect<Event, State> onHistory(State state, History cmd) {
    Optional<ConversationRules.Refusal> refusal = memberOf(state, cmd.userId());
    if (refusal.isPresent()) return unless(refusal, cmd.replyTo(), null);
    int limit = Math.max(1, Math.min(cmd.limit(), settings.maxPage()));
    long first = state.recent().firstSeq(state.seq() + 1);
    if (cmd.forward()) {
      long from = Math.max(0, cmd.from());
      if (from + 1 >= first || from >= state.seq()) {
        List<Timeline.Entry> page = state.recent().after(from, limit);
        boolean more = !page.isEmpty() && page.get(page.size() - 1).seq() < state.seq();
        return Effect().reply(cmd.replyTo(), StatusReply.success(new Page(conversationId, page, more)));
      }
      long to = Math.min(from + limit, state.seq());
      readJournal(from + 1, to, to < state.seq(), cmd.replyTo());
      return Effect().noReply();
    }
    long before = cmd.from() <= 0 ? state.seq() + 1 : Math.min(cmd.from(), state.seq() + 1);
    long lowest = Math.max(1, before - limit);
    if (lowest >= first) {
      List<Timeline.Entry> page = state.recent().before(before, limit);
      boolean more = !page.isEmpty() && page.get(0).seq() > 1;
      return Effect().reply(cmd.replyTo(), StatusReply.success(new Page(conversationId, page, more)));
    }
    if (before <= 1) return Effect().reply(cmd.replyTo(), StatusReply.success(new Page(conversationId, List.of(), false)));
    readJournal(lowest, before - 1, lowest > 1, cmd.replyTo());
    return Effect().noReply();
  }

  private void readJournal(long from, long to, boolean more, ActorRef<StatusReply<Page>> replyTo) {
    ctx.pipeToSelf(
        history.read(persistenceId().id(), from, to),
        (entries, failure) -> new HistoryRead(failure == null ? new Page(conversationId, entries, more) : null, failure, replyTo));
  }

  private StatusReply<Page> historyReply(HistoryRead read) {
    if (read.failure() != null) {
      ctx.getLog().warn("History read of {} failed", conversationId, read.failure());
      return Rejection.reply("unavailable", "history is unavailable; retry");
    }
    return StatusReply.success(read.page());
  }

  private ReplyEffect<Event, State> onSummary(State state, GetSummary cmd) {
    return unless(memberOf(state, cmd.userId()), cmd.replyTo(), () -> Effect().reply(cmd.replyTo(), StatusReply.success(summary(state, cmd.userId()))));
  }


  /** After an event is durable: live delivery, and the inboxes of members who joined or left. */
  private void published(State state, Event event) {
    fanout.tell(new ConversationFanout.Published(new Timeline.Entry(state.seq(), event)));
    if (event instanceof Created c) {
      fanout.tell(new ConversationFanout.Members(state.members().keySet()));
      c.members().keySet().forEach(m -> inboxes.apply(m).tell(new Inbox.Joined(conversationId)));
    } else if (event instanceof MemberAdded a) {
      fanout.tell(new ConversationFanout.Members(state.members().keySet()));
      inboxes.apply(a.userId()).tell(new Inbox.Joined(conversationId));
    } else if (event instanceof MemberRemoved r) {
      fanout.tell(new ConversationFanout.Members(state.members().keySet()));
      inboxes.apply(r.userId()).tell(new Inbox.Left(conversationId));
    }
  }

  /**
   * Receipts count messages: they stop at the newest message. A receipt is itself an event with a seq, so
   * a client that acknowledged every event it was pushed (its own receipts included) would otherwise
   * produce a new receipt per receipt, without end.
   */
  private static long lastMessageSeq(State state) {
    return state.lastMessage() == null ? 0 : state.lastMessage().seq();
  }

  private Summary summary(State state, String userId) {
    return new Summary(conversationId, state.kind(), state.title(), state.members(), state.seq(), state.lastMessage(), state.unread(userId));
  }

  private Receipt receipt(State state, String userId) {
    MemberReceipt r = state.receipt(userId);
    return new Receipt(conversationId, userId, r.delivered(), r.read());
  }

  private long now() {
    return clock.millis();
  }

  // ---- events -------------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(Conversation::apply);
  }

  /** The state after one event: the whole of what an event means, used by replay and live alike. */
  static State apply(State state, Event event) {
    long seq = state.seq() + 1;
    Timeline recent = state.recent().append(new Timeline.Entry(seq, event));
    Map<String, Role> members = state.members();
    long messages = state.messages();
    LastMessage last = state.lastMessage();
    Map<String, MemberReceipt> receipts = state.receipts();
    Map<String, List<SentId>> sends = state.recentSends();
    String kind = state.kind();
    String title = state.title();

    if (event instanceof Created c) {
      kind = c.kind();
      title = c.title();
      members = c.members();
    } else if (event instanceof MemberAdded a) {
      members = with(members, a.userId(), a.role());
      // A new member starts with nothing unread: history before joining is not theirs to catch up on.
      receipts = with(receipts, a.userId(), new MemberReceipt(state.seq(), state.seq(), messages));
    } else if (event instanceof MemberRemoved r) {
      members = without(members, r.userId());
      receipts = without(receipts, r.userId());
      sends = without(sends, r.userId());
    } else if (event instanceof MessageSent m) {
      messages++;
      last = new LastMessage(seq, m.sender(), m.text(), m.at());
      // The author has read their own message, and everything before it.
      receipts = with(receipts, m.sender(), new MemberReceipt(seq, seq, messages));
      // at most 64 ids: copying them is cheaper than any structure that shares them, and scans fast
      List<SentId> before = sends.getOrDefault(m.sender(), List.of());
      int keep = Math.min(before.size(), State.SENT_IDS_PER_SENDER - 1);
      SentId[] mine = new SentId[keep + 1];
      for (int i = 0; i < keep; i++) mine[i] = before.get(before.size() - keep + i);
      mine[keep] = new SentId(m.clientMsgId(), seq, m.at());
      sends = with(sends, m.sender(), java.util.Collections.unmodifiableList(java.util.Arrays.asList(mine)));
    } else if (event instanceof MessageEdited e && last != null && last.seq() == e.target()) {
      last = new LastMessage(last.seq(), last.sender(), e.text(), last.at());
    } else if (event instanceof MessageDeleted d && last != null && last.seq() == d.target()) {
      last = new LastMessage(last.seq(), last.sender(), null, last.at());
    } else if (event instanceof Delivered d) {
      MemberReceipt r = state.receipt(d.userId());
      receipts = with(receipts, d.userId(), new MemberReceipt(Math.max(r.delivered(), d.upTo()), r.read(), r.readMessages()));
    } else if (event instanceof Read r) {
      MemberReceipt before = state.receipt(r.userId());
      receipts =
          with(receipts, r.userId(), new MemberReceipt(Math.max(before.delivered(), r.upTo()), r.upTo(), r.readMessages()));
    }
    return new State(kind, title, members, seq, messages, last, receipts, sends, recent);
  }

  /** The maps of a {@link State} are persistent (see its constructor): an update shares the rest. */
  private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
    return ((PMap<String, V>) map).plus(key, value);
  }

  private static <V> Map<String, V> without(Map<String, V> map, String key) {
    return ((PMap<String, V>) map).minus(key);
  }
}
