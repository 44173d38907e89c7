package io.pulse.actors.document;

import io.pulse.actors.GroupCommit;
import io.pulse.actors.Rejection;
import io.pulse.actors.chat.Inbox;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
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
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * One collaborative plain-text document: a sharded, event-sourced entity and the only authority on its
 * text. Every persisted event gets the next sequence number, which is also the document's
 * <em>version</em>: an operation names the version it was made against, and is transformed against
 * every operation committed after it ({@link TextOperation#transform}) before it is applied. Other
 * events (sharing, locks, labels) take a version too and transform nothing, so one counter orders
 * everything a subscriber sees. Live delivery and cursors are the job of the child {@link TopicFanout}.
 *
 * <p>Each operation is stored with its inverse, so the text of an earlier version is the current text
 * with inverses applied backwards, and undo is the caller's own last inverse, transformed through what
 * others did since.
 */
public final class Document extends EventSourcedBehaviorWithEnforcedReplies<Document.Command, Document.Event, Document.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Document");
  public static final String TOPIC_KIND = "doc";

  /** Limits of one document (pulse.documents in config). */
  public record Settings(int recentEvents, int maxTextLength, Duration maxRangeLock, int snapshotEvery) {}

  public static String topic(String documentId) {
    return TOPIC_KIND + ":" + documentId;
  }

  // ---- replies ------------------------------------------------------------------------------------

  /** {@code length}: the text's length at {@code version}, so a client can base its next op on it. */
  public record OpAck(String documentId, long version, String clientId, long clientSeq, boolean duplicate, int length)
      implements CborSerializable {}

  public record NamedVersion(long version, String label, String by, long at) implements CborSerializable {}

  public record Versions(String documentId, long version, List<NamedVersion> labels) implements CborSerializable {}

  public record TextAt(String documentId, long version, String text) implements CborSerializable {}

  /** What a reader sees of the document; {@code roles} only for its owner. */
  public record View(
      String documentId,
      String title,
      String owner,
      DocRole role,
      String text,
      long version,
      long lastChangeAt,
      String lockedBy,
      List<RangeLock> rangeLocks,
      Map<String, DocRole> roles)
      implements CborSerializable {}

  public record Summary(String documentId, String title, String owner, DocRole role, long version, long lastChangeAt)
      implements CborSerializable {}

  /** {@code text}: the text at {@code lastSeq}, for a subscriber that gave no {@code since}. */
  public record Subscribed(long lastSeq, String text, ActorRef<TopicFanout.Command> fanout) implements CborSerializable {}

  // ---- commands -----------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  public record Create(String owner, String title, ActorRef<StatusReply<View>> replyTo) implements Command {}

  /**
   * An edit made against {@code baseVersion}. {@code clientId} + {@code clientSeq} identify it: a
   * resend is answered with its first ack and stored once.
   */
  public record Apply(
      String user, String clientId, long clientSeq, long baseVersion, TextOperation op, ActorRef<StatusReply<OpAck>> replyTo)
      implements Command {}

  /** Undoes the caller's own last edit (not anyone else's), transformed through what others did since. */
  public record Undo(String user, String clientId, long clientSeq, ActorRef<StatusReply<OpAck>> replyTo) implements Command {}

  public record Redo(String user, String clientId, long clientSeq, ActorRef<StatusReply<OpAck>> replyTo) implements Command {}

  /** Makes the text that of {@code version} again, as a new operation: history is never rewritten. */
  public record Restore(String user, long version, String clientId, long clientSeq, ActorRef<StatusReply<OpAck>> replyTo)
      implements Command {}

  public record Share(String by, String userId, DocRole role, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record Unshare(String by, String userId, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record Lock(String by, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record Unlock(String by, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  /** Positions in the current text; the lock moves with later edits and ends by itself after {@code durationMs}. */
  public record LockRange(String by, int start, int end, long durationMs, ActorRef<StatusReply<RangeLock>> replyTo)
      implements Command {}

  public record UnlockRange(String by, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record Label(String by, long version, String label, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record Delete(String by, ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record Get(String user, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record GetSummary(String user, ActorRef<StatusReply<Summary>> replyTo) implements Command {}

  public record GetVersions(String user, ActorRef<StatusReply<Versions>> replyTo) implements Command {}

  public record GetTextAt(String user, long version, ActorRef<StatusReply<TextAt>> replyTo) implements Command {}

  /** Every event after {@code since} (none if negative), then the live stream. */
  public record Subscribe(String user, long since, ActorRef<io.pulse.actors.topic.TopicPush> watcher, ActorRef<StatusReply<Subscribed>> replyTo)
      implements Command {}

  public record Unsubscribe(ActorRef<io.pulse.actors.topic.TopicPush> watcher) implements Command {}

  /** A connection's cursor and selection at {@code baseVersion}: moved to the current version, never persisted. */
  public record MoveCursor(
      String user,
      String connectionId,
      long baseVersion,
      int anchor,
      int head,
      String name,
      String colour,
      ActorRef<io.pulse.actors.topic.TopicPush> watcher,
      ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Writes grouped by {@link GroupCommit}: decided in order, persisted in one write. Local only. */
  public record Batch(List<Command> commands, ActorRef<GroupCommit.Signal> front) implements Command {}

  private record ExpireLocks() implements Command {}

  /** The text of an old version was read back from the journal for a restore or a read. */
  private record Rewound(long version, String text, Throwable failure, Command cause) implements Command {}

  // ---- events -------------------------------------------------------------------------------------

  /** Every event is pushed to subscribers with its version; the concrete type travels with it. */
  public sealed interface Event extends TopicEvent {}

  public record Created(String owner, String title, long at) implements Event {}

  /** {@code op} as applied (after transform) and its {@code inverse}; {@code kind}: edit, undo, redo or restore. */
  public record OpApplied(
      String author, String clientId, long clientSeq, TextOperation op, TextOperation inverse, String kind, long at) implements Event {}

  public record Shared(String userId, DocRole role, String by, long at) implements Event {}

  public record Unshared(String userId, String by, long at) implements Event {}

  public record DocumentLocked(String by, long at) implements Event {}

  public record DocumentUnlocked(String by, long at) implements Event {}

  public record RangeLocked(RangeLock lock, long at) implements Event {}

  /** {@code reason}: released or expired. */
  public record RangeReleased(String holder, String reason, long at) implements Event {}

  public record VersionLabeled(long version, String label, String by, long at) implements Event {}

  public record Deleted(String by, long at) implements Event {}

  /** A connection's cursor: ephemeral, conflated per connection, never persisted. */
  public record CursorMoved(String userId, String connectionId, int anchor, int head, String name, String colour, long version)
      implements TopicEvent {}

  public static final String EDIT = "edit";
  public static final String UNDO = "undo";
  public static final String REDO = "redo";
  public static final String RESTORE = "restore";

  // ---- state --------------------------------------------------------------------------------------

  /** A client's acknowledged op, to answer a resend with its first ack. */
  public record ClientAck(long clientSeq, long version, int length) implements CborSerializable {}

  public record State(
      String owner,
      String title,
      boolean deleted,
      Map<String, DocRole> roles,
      String text,
      long seq,
      long lastChangeAt,
      String lockedBy,
      List<RangeLock> rangeLocks,
      List<TopicFanout.Entry> recent,
      Map<String, List<ClientAck>> acks,
      Map<String, List<Long>> undo,
      Map<String, List<Long>> redo,
      List<NamedVersion> labels)
      implements CborSerializable {

    static final int ACKS_PER_CLIENT = 64;
    static final int UNDO_DEPTH = 100;

    /** Persistent collections: one edit changes a few entries, not a copy of every one. */
    public State {
      roles = roles instanceof PMap<String, DocRole> p ? p : HashTreePMap.from(roles);
      acks = acks instanceof PMap<String, List<ClientAck>> p ? p : HashTreePMap.from(acks);
      undo = undo instanceof PMap<String, List<Long>> p ? p : HashTreePMap.from(undo);
      redo = redo instanceof PMap<String, List<Long>> p ? p : HashTreePMap.from(redo);
      recent = recent instanceof PVector<TopicFanout.Entry> p ? p : TreePVector.from(recent);
      rangeLocks = List.copyOf(rangeLocks);
      labels = List.copyOf(labels);
    }

    static final State EMPTY =
        new State(null, null, false, Map.of(), "", 0, 0, null, List.of(), List.of(), Map.of(), Map.of(), Map.of(), List.of());

    boolean created() {
      return owner != null;
    }

    Optional<ClientAck> acked(String clientId, long clientSeq) {
      for (ClientAck a : acks.getOrDefault(clientId, List.of())) if (a.clientSeq() == clientSeq) return Optional.of(a);
      return Optional.empty();
    }

    /** The lowest version held in memory (the one before the oldest recent event), or the current one. */
    long oldestBase() {
      return recent.isEmpty() ? seq : recent.get(0).seq() - 1;
    }

    Optional<OpApplied> opAt(long version) {
      if (recent.isEmpty()) return Optional.empty();
      int index = (int) (version - recent.get(0).seq());
      if (index < 0 || index >= recent.size()) return Optional.empty();
      return recent.get(index).event() instanceof OpApplied op ? Optional.of(op) : Optional.empty();
    }

    /** The operations committed after {@code version}, oldest first (all held in memory). */
    List<OpApplied> opsAfter(long version) {
      List<OpApplied> ops = new ArrayList<>();
      for (TopicFanout.Entry e : recent) if (e.seq() > version && e.event() instanceof OpApplied op) ops.add(op);
      return ops;
    }

    List<RangeLock> liveLocks(long now) {
      return rangeLocks.stream().filter(l -> l.expiresAt() > now).toList();
    }
  }

  // ---- wiring -------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, Settings settings, TopicFanout.History history) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Function<String, RecipientRef<Inbox.Command>> lists = user -> sharding.entityRefFor(Inbox.DOCUMENTS, user);
    sharding.init(
        Entity.of(
            ENTITY_TYPE_KEY,
            ctx -> GroupCommit.create(front -> create(ctx.getEntityId(), settings, history, lists, front), Document::isWrite, Batch::new)));
  }

  /** {@code front}: the group-commit front to signal after each batch and recovery, or null without one. */
  public static Behavior<Command> create(
      String documentId,
      Settings settings,
      TopicFanout.History history,
      Function<String, RecipientRef<Inbox.Command>> lists,
      ActorRef<GroupCommit.Signal> front) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  String pid = PersistenceId.of(ENTITY_TYPE_KEY.name(), documentId).id();
                  ActorRef<TopicFanout.Command> fanout =
                      ctx.spawn(TopicFanout.create(topic(documentId), pid, history, Document::cursorThrough), "fanout");
                  return new Document(ctx, timers, documentId, settings, history, lists, fanout, front, Clock.systemUTC());
                }));
  }

  /** Commands that persist, and so may be grouped into one write. */
  public static boolean isWrite(Command c) {
    return c instanceof Create
        || c instanceof Apply
        || c instanceof Undo
        || c instanceof Redo
        || c instanceof Share
        || c instanceof Unshare
        || c instanceof Lock
        || c instanceof Unlock
        || c instanceof LockRange
        || c instanceof UnlockRange
        || c instanceof Label
        || c instanceof Delete;
  }

  /** A cursor moves with every applied operation, so a new subscriber's snapshot is current. */
  static TopicEvent cursorThrough(TopicEvent presence, TopicEvent published) {
    if (!(presence instanceof CursorMoved c)) return presence;
    if (!(published instanceof OpApplied op)) return new CursorMoved(c.userId(), c.connectionId(), c.anchor(), c.head(), c.name(), c.colour(), c.version() + 1);
    boolean own = op.author().equals(c.userId());
    return new CursorMoved(
        c.userId(), c.connectionId(), op.op().transformIndex(c.anchor(), own), op.op().transformIndex(c.head(), own), c.name(), c.colour(), c.version() + 1);
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String documentId;
  private final Settings settings;
  private final TopicFanout.History history;
  private final Function<String, RecipientRef<Inbox.Command>> lists;
  private final ActorRef<TopicFanout.Command> fanout;
  private final ActorRef<GroupCommit.Signal> front;
  private final Clock clock;

  private Document(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String documentId,
      Settings settings,
      TopicFanout.History history,
      Function<String, RecipientRef<Inbox.Command>> lists,
      ActorRef<TopicFanout.Command> fanout,
      ActorRef<GroupCommit.Signal> front,
      Clock clock) {
    super(
        PersistenceId.of(ENTITY_TYPE_KEY.name(), documentId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.timers = timers;
    this.documentId = documentId;
    this.settings = settings;
    this.history = history;
    this.lists = lists;
    this.fanout = fanout;
    this.front = front;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              // Range locks expire by time whatever happens; the timer only makes the release visible.
              armExpiry(state);
              if (front != null) front.tell(GroupCommit.Signal.RECOVERED);
            })
        .build();
  }

  private void armExpiry(State state) {
    state.rangeLocks().stream()
        .mapToLong(RangeLock::expiresAt)
        .min()
        .ifPresentOrElse(
            at -> timers.startSingleTimer("expire", new ExpireLocks(), Duration.ofMillis(Math.max(0, at - now()))),
            () -> timers.cancel("expire"));
  }

  // ---- commands -----------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Batch.class, (state, batch) -> write(state, batch.commands(), batch.front()))
        .onCommand(Create.class, this::onWrite)
        .onCommand(Apply.class, this::onWrite)
        .onCommand(Undo.class, this::onWrite)
        .onCommand(Redo.class, this::onWrite)
        .onCommand(Share.class, this::onWrite)
        .onCommand(Unshare.class, this::onWrite)
        .onCommand(Lock.class, this::onWrite)
        .onCommand(Unlock.class, this::onWrite)
        .onCommand(LockRange.class, this::onWrite)
        .onCommand(UnlockRange.class, this::onWrite)
        .onCommand(Label.class, this::onWrite)
        .onCommand(Delete.class, this::onWrite)
        .onCommand(Restore.class, this::onRestore)
        .onCommand(Rewound.class, this::onRewound)
        .onCommand(ExpireLocks.class, this::onExpireLocks)
        .onCommand(Get.class, (state, c) -> readable(state, c.user(), c.replyTo(), () -> StatusReply.success(view(state, c.user()))))
        .onCommand(GetSummary.class, (state, c) -> readable(state, c.user(), c.replyTo(), () -> StatusReply.success(summary(state, c.user()))))
        .onCommand(
            GetVersions.class,
            (state, c) -> readable(state, c.user(), c.replyTo(), () -> StatusReply.success(new Versions(documentId, state.seq(), state.labels()))))
        .onCommand(GetTextAt.class, this::onTextAt)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, (state, c) -> {
          fanout.tell(new TopicFanout.Unregister(c.watcher()));
          return Effect().noReply();
        })
        .onCommand(MoveCursor.class, this::onCursor)
        .build();
  }

  private Optional<DocumentRules.Refusal> readableBy(State state, String user) {
    return DocumentRules.found(state.created(), state.deleted()).or(() -> DocumentRules.canRead(state.roles(), user));
  }

  private <T> ReplyEffect<Event, State> readable(State state, String user, ActorRef<StatusReply<T>> replyTo, java.util.function.Supplier<StatusReply<T>> answer) {
    Optional<DocumentRules.Refusal> refusal = readableBy(state, user);
    return Effect().reply(replyTo, refusal.isPresent() ? refused(refusal.get()) : answer.get());
  }

  private static <T> StatusReply<T> refused(DocumentRules.Refusal r) {
    return Rejection.reply(r.code(), r.reason());
  }

  private ReplyEffect<Event, State> onWrite(State state, Command command) {
    return write(state, List.of(command), null);
  }

  private ReplyEffect<Event, State> write(State state, List<Command> commands, ActorRef<GroupCommit.Signal> front) {
    return GroupCommit.write(Effect(), state, commands, writer, front);
  }

  private final GroupCommit.Writer<Command, Event, State> writer = GroupCommit.Writer.of(this::decide, this::applied, this::published);

  private State applied(State state, Event event) {
    return apply(state, event, settings.recentEvents());
  }

  private static <T> GroupCommit.Decision<Event, State> reject(ActorRef<StatusReply<T>> replyTo, DocumentRules.Refusal r) {
    return GroupCommit.Decision.reject(replyTo, r.code(), r.reason());
  }

  private GroupCommit.Decision<Event, State> decide(State state, Command command) {
    if (command instanceof Apply c) return decideApply(state, c);
    if (command instanceof Undo c) return decideUndo(state, c.user(), c.clientId(), c.clientSeq(), c.replyTo(), true);
    if (command instanceof Redo c) return decideUndo(state, c.user(), c.clientId(), c.clientSeq(), c.replyTo(), false);
    if (command instanceof RestoreTo c) return decideRestore(state, c);
    if (command instanceof Create c) return decideCreate(state, c);
    if (command instanceof Share c) return decideShare(state, c);
    if (command instanceof Unshare c) return decideUnshare(state, c);
    if (command instanceof Lock c) return decideLock(state, c.by(), c.replyTo(), true);
    if (command instanceof Unlock c) return decideLock(state, c.by(), c.replyTo(), false);
    if (command instanceof LockRange c) return decideLockRange(state, c);
    if (command instanceof UnlockRange c) return decideUnlockRange(state, c);
    if (command instanceof Label c) return decideLabel(state, c);
    if (command instanceof Delete c) return decideDelete(state, c);
    if (command instanceof ExpireLocks) return decideExpiry(state);
    throw new IllegalArgumentException("not a write: " + command);
  }

  private GroupCommit.Decision<Event, State> decideCreate(State state, Create c) {
    if (state.created()) return reject(c.replyTo(), new DocumentRules.Refusal(DocumentRules.CONFLICT, "document " + documentId + " exists"));
    Optional<DocumentRules.Refusal> refusal = DocumentRules.title(c.title());
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    return GroupCommit.Decision.persist(new Created(c.owner(), c.title().strip(), now()), c.replyTo(), s -> view(s, c.owner()));
  }

  /** Checks shared by every kind of edit: the document, the caller's role, the whole-document lock. */
  private Optional<DocumentRules.Refusal> editable(State state, String user) {
    return DocumentRules.found(state.created(), state.deleted())
        .or(() -> DocumentRules.canEdit(state.roles(), user))
        .or(() -> DocumentRules.checkDocumentLock(state.lockedBy(), user));
  }

  /** The first ack of a resent op, if this one was applied before. */
  private Optional<GroupCommit.Decision<Event, State>> resent(State state, String clientId, long clientSeq, ActorRef<StatusReply<OpAck>> replyTo) {
    return state
        .acked(clientId, clientSeq)
        .map(a -> GroupCommit.Decision.answer(replyTo, new OpAck(documentId, a.version(), clientId, clientSeq, true, a.length())));
  }

  private GroupCommit.Decision<Event, State> decideApply(State state, Apply c) {
    // A resend is answered with its first ack even if a lock or a role change came since: it was applied.
    Optional<GroupCommit.Decision<Event, State>> first = resent(state, c.clientId(), c.clientSeq(), c.replyTo());
    if (first.isPresent() && state.created()) return first.get();
    Optional<DocumentRules.Refusal> refusal = editable(state, c.user()).or(() -> DocumentRules.checkOpShape(c.op()));
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    refusal = DocumentRules.checkVersion(c.baseVersion(), state.seq(), state.oldestBase());
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    TextOperation op = c.op();
    try {
      for (OpApplied committed : state.opsAfter(c.baseVersion())) op = TextOperation.transform(committed.op(), op).incomingPrime();
    } catch (TextOperation.InvalidOperation e) {
      return reject(c.replyTo(), new DocumentRules.Refusal(DocumentRules.INVALID_OP, e.getMessage()));
    }
    return commitOp(state, c.user(), c.clientId(), c.clientSeq(), op, EDIT, c.replyTo());
  }

  /** Persists {@code op} (already against the current text) once the text and locks allow it. */
  private GroupCommit.Decision<Event, State> commitOp(
      State state, String user, String clientId, long clientSeq, TextOperation op, String kind, ActorRef<StatusReply<OpAck>> replyTo) {
    long now = now();
    Optional<DocumentRules.Refusal> refusal =
        DocumentRules.checkOp(op, state.text().length())
            .or(() -> DocumentRules.checkRangeLocks(state.rangeLocks(), user, op, now))
            .or(() -> DocumentRules.checkTextSize(op, settings.maxTextLength()));
    if (refusal.isPresent()) return reject(replyTo, refusal.get());
    OpApplied applied = new OpApplied(user, clientId, clientSeq, op, op.invert(state.text()), kind, now);
    return GroupCommit.Decision.persist(applied, replyTo, s -> new OpAck(documentId, s.seq(), clientId, clientSeq, false, s.text().length()));
  }

  /** Undo ({@code undo}) or redo: the inverse of the caller's own last op (or last undo), moved to now. */
  private GroupCommit.Decision<Event, State> decideUndo(
      State state, String user, String clientId, long clientSeq, ActorRef<StatusReply<OpAck>> replyTo, boolean undo) {
    Optional<DocumentRules.Refusal> refusal = editable(state, user);
    if (refusal.isPresent()) return reject(replyTo, refusal.get());
    Optional<GroupCommit.Decision<Event, State>> first = resent(state, clientId, clientSeq, replyTo);
    if (first.isPresent()) return first.get();
    List<Long> stack = (undo ? state.undo() : state.redo()).getOrDefault(user, List.of());
    String nothing = undo ? "nothing_to_undo" : "nothing_to_redo";
    if (stack.isEmpty()) return reject(replyTo, new DocumentRules.Refusal(nothing, "you have no " + (undo ? "edit to undo" : "undo to redo")));
    long target = stack.get(stack.size() - 1);
    Optional<OpApplied> original = state.opAt(target);
    if (original.isEmpty()) {
      return reject(replyTo, new DocumentRules.Refusal(nothing, "your last " + (undo ? "edit" : "undo") + " is too old to " + (undo ? "undo" : "redo")));
    }
    TextOperation op = original.get().inverse();
    for (OpApplied later : state.opsAfter(target)) op = TextOperation.transform(later.op(), op).incomingPrime();
    return commitOp(state, user, clientId, clientSeq, op, undo ? UNDO : REDO, replyTo);
  }

  /** A restore once the old version's text is known: the op that turns the current text into it. */
  private record RestoreTo(Restore restore, String text) implements Command {}

  private GroupCommit.Decision<Event, State> decideRestore(State state, RestoreTo c) {
    Restore r = c.restore();
    Optional<DocumentRules.Refusal> refusal = editable(state, r.user());
    if (refusal.isPresent()) return reject(r.replyTo(), refusal.get());
    Optional<GroupCommit.Decision<Event, State>> first = resent(state, r.clientId(), r.clientSeq(), r.replyTo());
    if (first.isPresent()) return first.get();
    return commitOp(state, r.user(), r.clientId(), r.clientSeq(), TextOperation.diff(state.text(), c.text()), RESTORE, r.replyTo());
  }

  private ReplyEffect<Event, State> onRestore(State state, Restore c) {
    Optional<DocumentRules.Refusal> refusal = editable(state, c.user()).or(() -> versionExists(state, c.version()));
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    return rewind(state, c.version(), c);
  }

  private ReplyEffect<Event, State> onTextAt(State state, GetTextAt c) {
    Optional<DocumentRules.Refusal> refusal = readableBy(state, c.user()).or(() -> versionExists(state, c.version()));
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    return rewind(state, c.version(), c);
  }

  private static Optional<DocumentRules.Refusal> versionExists(State state, long version) {
    if (version > state.seq()) return Optional.of(new DocumentRules.Refusal(DocumentRules.VERSION_AHEAD, "version " + version + " is newer than " + state.seq()));
    return Optional.empty();
  }

  /**
   * The text of {@code version}: the current text with the inverses of later ops applied, newest first;
   * from memory when it holds them, else read back from the journal (the text is then rebuilt later).
   */
  private ReplyEffect<Event, State> rewind(State state, long version, Command cause) {
    if (version >= state.oldestBase()) return onRewound(state, new Rewound(version, rewindText(state.text(), state.opsAfter(version)), null, cause));
    long upTo = state.seq();
    String current = state.text();
    ctx.pipeToSelf(
        history.read(persistenceId().id(), version + 1, upTo),
        (entries, failure) -> {
          if (failure != null) return new Rewound(version, null, failure, cause);
          List<OpApplied> ops = entries.stream().filter(e -> e.event() instanceof OpApplied).map(e -> (OpApplied) e.event()).toList();
          return new Rewound(version, rewindText(current, ops), null, cause);
        });
    return Effect().noReply();
  }

  static String rewindText(String text, List<OpApplied> opsAfter) {
    String t = text;
    for (int i = opsAfter.size() - 1; i >= 0; i--) t = opsAfter.get(i).inverse().apply(t);
    return t;
  }

  private ReplyEffect<Event, State> onRewound(State state, Rewound r) {
    if (r.cause() instanceof GetTextAt c) {
      if (r.failure() != null) return Effect().reply(c.replyTo(), Rejection.reply("unavailable", "history is unavailable; retry"));
      return Effect().reply(c.replyTo(), StatusReply.success(new TextAt(documentId, r.version(), r.text())));
    }
    Restore c = (Restore) r.cause();
    if (r.failure() != null) return Effect().reply(c.replyTo(), Rejection.reply("unavailable", "history is unavailable; retry"));
    // decided now, against the state as it is when the text is known (edits may have come meanwhile)
    return write(state, List.of(new RestoreTo(c, r.text())), null);
  }

  private GroupCommit.Decision<Event, State> decideShare(State state, Share c) {
    Optional<DocumentRules.Refusal> refusal =
        DocumentRules.found(state.created(), state.deleted()).or(() -> DocumentRules.share(state.roles(), c.by(), c.userId(), c.role()));
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    return GroupCommit.Decision.persist(new Shared(c.userId(), c.role(), c.by(), now()), c.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideUnshare(State state, Unshare c) {
    Optional<DocumentRules.Refusal> refusal =
        DocumentRules.found(state.created(), state.deleted()).or(() -> DocumentRules.unshare(state.roles(), c.by(), c.userId()));
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    return GroupCommit.Decision.persist(new Unshared(c.userId(), c.by(), now()), c.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideLock(State state, String by, ActorRef<StatusReply<Long>> replyTo, boolean lock) {
    Optional<DocumentRules.Refusal> refusal =
        DocumentRules.found(state.created(), state.deleted()).or(() -> DocumentRules.canLockDocument(state.roles(), by));
    if (refusal.isPresent()) return reject(replyTo, refusal.get());
    if ((state.lockedBy() != null) == lock) return GroupCommit.Decision.answer(replyTo, state.seq()); // already so
    return GroupCommit.Decision.persist(lock ? new DocumentLocked(by, now()) : new DocumentUnlocked(by, now()), replyTo, State::seq);
  }

  private GroupCommit.Decision<Event, State> decideLockRange(State state, LockRange c) {
    long now = now();
    Optional<DocumentRules.Refusal> refusal =
        editable(state, c.by())
            .or(() -> DocumentRules.range(c.start(), c.end(), state.text().length()))
            .or(() -> DocumentRules.lockDuration(c.durationMs(), settings.maxRangeLock().toMillis()))
            .or(() -> DocumentRules.checkOverlap(state.rangeLocks(), c.by(), c.start(), c.end(), now));
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    RangeLock lock = new RangeLock(c.by(), c.start(), c.end(), now + c.durationMs());
    return GroupCommit.Decision.persist(new RangeLocked(lock, now), c.replyTo(), s -> lock);
  }

  private GroupCommit.Decision<Event, State> decideUnlockRange(State state, UnlockRange c) {
    Optional<DocumentRules.Refusal> refusal = DocumentRules.found(state.created(), state.deleted());
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    boolean holds = state.rangeLocks().stream().anyMatch(l -> l.holder().equals(c.by()));
    if (!holds) return reject(c.replyTo(), new DocumentRules.Refusal(DocumentRules.NOT_FOUND, "you hold no range lock"));
    return GroupCommit.Decision.persist(new RangeReleased(c.by(), "released", now()), c.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideLabel(State state, Label c) {
    Optional<DocumentRules.Refusal> refusal =
        DocumentRules.found(state.created(), state.deleted())
            .or(() -> DocumentRules.canEdit(state.roles(), c.by()))
            .or(() -> DocumentRules.label(c.label()))
            .or(() -> versionExists(state, c.version()));
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    return GroupCommit.Decision.persist(new VersionLabeled(c.version(), c.label().strip(), c.by(), now()), c.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideDelete(State state, Delete c) {
    Optional<DocumentRules.Refusal> refusal =
        DocumentRules.found(state.created(), state.deleted()).or(() -> DocumentRules.canLockDocument(state.roles(), c.by()));
    if (refusal.isPresent()) return reject(c.replyTo(), refusal.get());
    return GroupCommit.Decision.persist(new Deleted(c.by(), now()), c.replyTo(), State::seq);
  }

  private GroupCommit.Decision<Event, State> decideExpiry(State state) {
    long now = now();
    List<Event> events = new ArrayList<>();
    for (RangeLock l : state.rangeLocks()) if (l.expiresAt() <= now) events.add(new RangeReleased(l.holder(), "expired", now));
    return new GroupCommit.Decision<>(events, s -> armExpiry(s));
  }

  private ReplyEffect<Event, State> onExpireLocks(State state, ExpireLocks c) {
    return write(state, List.of(c), null);
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe c) {
    Optional<DocumentRules.Refusal> refusal = readableBy(state, c.user());
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    long since = c.since() < 0 ? state.seq() : Math.min(c.since(), state.seq());
    List<TopicFanout.Entry> replay;
    long journalFrom = 1;
    long journalTo = 0;
    if (since >= state.oldestBase()) {
      replay = state.recent().stream().filter(e -> e.seq() > since).toList();
    } else {
      // Away longer than memory holds: the fanout reads the gap from the journal first.
      replay = state.recent();
      journalFrom = since + 1;
      journalTo = state.oldestBase();
    }
    fanout.tell(new TopicFanout.Register(c.user(), c.watcher(), replay, journalFrom, journalTo));
    String text = c.since() < 0 ? state.text() : null;
    return Effect().reply(c.replyTo(), StatusReply.success(new Subscribed(state.seq(), text, fanout)));
  }

  private ReplyEffect<Event, State> onCursor(State state, MoveCursor c) {
    Optional<DocumentRules.Refusal> refusal = readableBy(state, c.user());
    if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
    if (c.baseVersion() > state.seq()) {
      return Effect().reply(c.replyTo(), refused(new DocumentRules.Refusal(DocumentRules.VERSION_AHEAD, "version " + c.baseVersion() + " is newer than " + state.seq())));
    }
    CursorMoved cursor = new CursorMoved(c.user(), c.connectionId(), c.anchor(), c.head(), c.name(), c.colour(), c.baseVersion());
    // a cursor older than memory cannot be moved exactly: it is kept where it was, clamped to the text
    if (c.baseVersion() >= state.oldestBase()) {
      // positions of the text at the base version, or transformIndex throws and the entity restarts
      int baseLength = state.opsAfter(c.baseVersion()).stream().findFirst().map(o -> o.op().baseLength()).orElse(state.text().length());
      refusal = DocumentRules.cursor(c.anchor(), baseLength).or(() -> DocumentRules.cursor(c.head(), baseLength));
      if (refusal.isPresent()) return Effect().reply(c.replyTo(), refused(refusal.get()));
      for (TopicFanout.Entry e : state.recent()) if (e.seq() > c.baseVersion()) cursor = (CursorMoved) cursorThrough(cursor, e.event());
    }
    int length = state.text().length();
    cursor = new CursorMoved(c.user(), c.connectionId(), clamp(cursor.anchor(), length), clamp(cursor.head(), length), c.name(), c.colour(), state.seq());
    fanout.tell(new TopicFanout.SetPresence(c.watcher(), c.connectionId(), cursor));
    return Effect().reply(c.replyTo(), StatusReply.ack());
  }

  private static int clamp(int index, int length) {
    return Math.max(0, Math.min(index, length));
  }

  /** After an event is durable: live delivery, the users' document lists, ended access. */
  private void published(State state, Event event) {
    fanout.tell(new TopicFanout.Published(new TopicFanout.Entry(state.seq(), event)));
    if (event instanceof Created c) {
      lists.apply(c.owner()).tell(new Inbox.Joined(documentId));
    } else if (event instanceof Shared s) {
      lists.apply(s.userId()).tell(new Inbox.Joined(documentId));
    } else if (event instanceof Unshared u) {
      lists.apply(u.userId()).tell(new Inbox.Left(documentId));
      fanout.tell(new TopicFanout.EndUsers(Set.of(u.userId()), "forbidden", "the document is no longer shared with you"));
    } else if (event instanceof RangeLocked) {
      armExpiry(state);
    } else if (event instanceof Deleted) {
      state.roles().keySet().forEach(u -> lists.apply(u).tell(new Inbox.Left(documentId)));
      fanout.tell(new TopicFanout.EndUsers(state.roles().keySet(), "not_found", "the document was deleted"));
    }
  }

  private View view(State state, String user) {
    DocRole role = state.roles().get(user);
    return new View(
        documentId,
        state.title(),
        state.owner(),
        role,
        state.text(),
        state.seq(),
        state.lastChangeAt(),
        state.lockedBy(),
        state.liveLocks(now()),
        role == DocRole.OWNER ? Map.copyOf(state.roles()) : Map.of());
  }

  private Summary summary(State state, String user) {
    return new Summary(documentId, state.title(), state.owner(), state.roles().get(user), state.seq(), state.lastChangeAt());
  }

  private long now() {
    return clock.millis();
  }

  // ---- events -------------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> apply(state, event, settings.recentEvents()));
  }

  /** The state after one event: the whole of what an event means, for replay and live alike. */
  static State apply(State s, Event event, int recentEvents) {
    long seq = s.seq() + 1;
    PVector<TopicFanout.Entry> recent = ((PVector<TopicFanout.Entry>) s.recent()).plus(new TopicFanout.Entry(seq, event));
    if (recent.size() > recentEvents) recent = recent.minus(0);
    String owner = s.owner();
    String title = s.title();
    boolean deleted = s.deleted();
    PMap<String, DocRole> roles = (PMap<String, DocRole>) s.roles();
    String text = s.text();
    long lastChangeAt = s.lastChangeAt();
    String lockedBy = s.lockedBy();
    List<RangeLock> locks = s.rangeLocks();
    PMap<String, List<ClientAck>> acks = (PMap<String, List<ClientAck>>) s.acks();
    PMap<String, List<Long>> undo = (PMap<String, List<Long>>) s.undo();
    PMap<String, List<Long>> redo = (PMap<String, List<Long>>) s.redo();
    List<NamedVersion> labels = s.labels();

    if (event instanceof Created c) {
      owner = c.owner();
      title = c.title();
      roles = roles.plus(c.owner(), DocRole.OWNER);
      lastChangeAt = c.at();
    } else if (event instanceof OpApplied o) {
      text = o.op().apply(text);
      lastChangeAt = o.at();
      locks = DocumentRules.transformLocks(locks, o.op(), Long.MIN_VALUE);
      acks = acks.plus(o.clientId(), bounded(acks.getOrDefault(o.clientId(), List.of()), new ClientAck(o.clientSeq(), seq, text.length()), State.ACKS_PER_CLIENT));
      List<Long> mine = undo.getOrDefault(o.author(), List.of());
      List<Long> redone = redo.getOrDefault(o.author(), List.of());
      switch (o.kind()) {
        case UNDO -> {
          undo = undo.plus(o.author(), mine.subList(0, Math.max(0, mine.size() - 1)));
          redo = redo.plus(o.author(), bounded(redone, seq, State.UNDO_DEPTH));
        }
        case REDO -> {
          redo = redo.plus(o.author(), redone.subList(0, Math.max(0, redone.size() - 1)));
          undo = undo.plus(o.author(), bounded(mine, seq, State.UNDO_DEPTH));
        }
        default -> {
          undo = undo.plus(o.author(), bounded(mine, seq, State.UNDO_DEPTH));
          redo = redo.minus(o.author()); // a new edit ends what could be redone
        }
      }
    } else if (event instanceof Shared sh) {
      roles = roles.plus(sh.userId(), sh.role());
      // a lock is an editor's: whoever may no longer edit may not hold one (nobody else can release it)
      if (!sh.role().editsText()) locks = locks.stream().filter(l -> !l.holder().equals(sh.userId())).toList();
    } else if (event instanceof Unshared u) {
      roles = roles.minus(u.userId());
      locks = locks.stream().filter(l -> !l.holder().equals(u.userId())).toList();
    } else if (event instanceof DocumentLocked l) {
      lockedBy = l.by();
    } else if (event instanceof DocumentUnlocked) {
      lockedBy = null;
    } else if (event instanceof RangeLocked r) {
      List<RangeLock> next = new ArrayList<>(locks.stream().filter(l -> !l.holder().equals(r.lock().holder())).toList());
      next.add(r.lock());
      locks = next;
    } else if (event instanceof RangeReleased r) {
      locks = locks.stream().filter(l -> !l.holder().equals(r.holder())).toList();
    } else if (event instanceof VersionLabeled v) {
      List<NamedVersion> next = new ArrayList<>(labels);
      next.add(new NamedVersion(v.version(), v.label(), v.by(), v.at()));
      labels = next;
    } else if (event instanceof Deleted) {
      deleted = true;
      locks = List.of(); // none left to expire, so nothing is written after the end
    }
    return new State(owner, title, deleted, roles, text, seq, lastChangeAt, lockedBy, locks, recent, acks, undo, redo, labels);
  }

  private static <T> List<T> bounded(List<T> list, T value, int max) {
    List<T> next = new ArrayList<>(Math.min(list.size() + 1, max));
    for (int i = Math.max(0, list.size() + 1 - max); i < list.size(); i++) next.add(list.get(i));
    next.add(value);
    return List.copyOf(next);
  }
}
