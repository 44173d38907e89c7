package io.pulse.actors.document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.pulse.actors.GroupCommit;
import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import io.pulse.actors.chat.Inbox;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Document entity on the in-memory journal. Serialization of every command, event, reply and state
 * is checked by the kit on each command; a snapshot every 7 events makes every restart below recover
 * from a snapshot (read back through CBOR) plus the events after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocumentTest {
  /** 20 events in memory, texts of at most 200 characters, range locks of at most 30 s, a snapshot every 7 events. */
  private static final Document.Settings SETTINGS = new Document.Settings(20, 200, Duration.ofSeconds(30), 7);

  private static final Duration WAIT = Duration.ofSeconds(3);

  /** One call of the history stub: the test completes {@code result} itself. */
  record JournalRead(String persistenceId, long from, long to, CompletableFuture<List<TopicFanout.Entry>> result) {}

  private final ActorTestKit testKit = ActorTestKit.create("DocumentTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicLong clientSeqs = new AtomicLong();
  private final Map<String, TestProbe<Inbox.Command>> lists = new ConcurrentHashMap<>();
  private TestProbe<JournalRead> reads;
  private String id;
  private String topic;
  private EventSourcedBehaviorTestKit<Document.Command, Document.Event, Document.State> doc;

  @BeforeEach
  void fresh() {
    lists.clear();
    reads = testKit.createTestProbe();
    id = "d-" + ids.incrementAndGet();
    topic = Document.topic(id);
    doc = EventSourcedBehaviorTestKit.create(testKit.system(), Document.create(id, SETTINGS, history(), u -> list(u).ref(), null));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private TestProbe<Inbox.Command> list(String user) {
    return lists.computeIfAbsent(user, u -> testKit.createTestProbe());
  }

  private TopicFanout.History history() {
    TestProbe<JournalRead> probe = reads;
    return (pid, from, to) -> {
      CompletableFuture<List<TopicFanout.Entry>> result = new CompletableFuture<>();
      probe.ref().tell(new JournalRead(pid, from, to, result));
      return result;
    };
  }

  private String pid() {
    return "Document|" + id;
  }

  private List<Object> persisted() {
    return doc.persistenceTestKit().persistedInStorage(pid());
  }

  /** What a journal read of {@code from..to} answers, taken from the in-memory journal. */
  private List<TopicFanout.Entry> journal(long from, long to) {
    List<Object> events = persisted();
    List<TopicFanout.Entry> out = new ArrayList<>();
    for (long seq = from; seq <= to; seq++) out.add(new TopicFanout.Entry(seq, (TopicEvent) events.get((int) seq - 1)));
    return out;
  }

  private static String code(StatusReply<?> reply) {
    assertThat(reply.isError()).as("expected a rejection, got %s", reply).isTrue();
    return Rejection.of(reply.getError()).code();
  }

  private static <T> T ok(StatusReply<T> reply) {
    assertThat(reply.isSuccess()).as("%s", reply).isTrue();
    return reply.getValue();
  }

  /** Asserts the refusal's code and that nothing was persisted; answers the refusal's message. */
  private static String rejected(CommandResultWithReply<?, ?, ?, ? extends StatusReply<?>> result, String code) {
    assertThat(code(result.reply())).isEqualTo(code);
    assertThat(result.hasNoEvents()).as("a refused command persists nothing").isTrue();
    return Rejection.of(result.reply().getError()).message();
  }

  private <T> CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<T>> run(
      Function<ActorRef<StatusReply<T>>, Document.Command> command) {
    return doc.runCommand(command);
  }

  private static TextOperation ins(int at, String text, int length) {
    return TextOperation.empty().retain(at).insert(text).retain(length - at);
  }

  private static TextOperation del(int at, int count, int length) {
    return TextOperation.empty().retain(at).delete(count).retain(length - at - count);
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Document.View>> create(String owner, String title) {
    return this.<Document.View>run(r -> new Document.Create(owner, title, r));
  }

  /** alice owns "Notes": version 1. */
  private void created() {
    ok(create("alice", "Notes").reply());
  }

  /** alice owns it, bob and carol edit, cora comments, vic views: versions 1..5, the text empty. */
  private void team() {
    created();
    ok(share("alice", "bob", DocRole.EDITOR).reply());
    ok(share("alice", "carol", DocRole.EDITOR).reply());
    ok(share("alice", "cora", DocRole.COMMENTER).reply());
    ok(share("alice", "vic", DocRole.VIEWER).reply());
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Document.OpAck>> apply(
      String user, String clientId, long clientSeq, long base, TextOperation op) {
    return this.<Document.OpAck>run(r -> new Document.Apply(user, clientId, clientSeq, base, op, r));
  }

  /** An edit from the user's one client, with the next client sequence number. */
  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Document.OpAck>> edit(
      String user, long base, TextOperation op) {
    return apply(user, user + "-tab", clientSeqs.incrementAndGet(), base, op);
  }

  /** {@code user} inserts {@code text} at {@code at} of the current text, at the current version. */
  private Document.OpAck typed(String user, int at, String text) {
    Document.State state = doc.getState();
    var result = edit(user, state.seq(), ins(at, text, state.text().length()));
    Document.OpAck ack = ok(result.reply());
    assertThat(ack.version()).isEqualTo(state.seq() + 1);
    assertThat(ack.duplicate()).isFalse();
    return ack;
  }

  /** Version 1 is the creation, then one letter per version: the text of version v is the first v-1 of a, b, c... */
  private void alphabet(int letters) {
    for (int i = 0; i < letters; i++) typed("alice", i, String.valueOf((char) ('a' + i)));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Long>> share(String by, String user, DocRole role) {
    return this.<Long>run(r -> new Document.Share(by, user, role, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Long>> unshare(String by, String user) {
    return this.<Long>run(r -> new Document.Unshare(by, user, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Long>> lock(String by) {
    return this.<Long>run(r -> new Document.Lock(by, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Long>> unlock(String by) {
    return this.<Long>run(r -> new Document.Unlock(by, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<RangeLock>> lockRange(
      String by, int start, int end, long millis) {
    return this.<RangeLock>run(r -> new Document.LockRange(by, start, end, millis, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Long>> unlockRange(String by) {
    return this.<Long>run(r -> new Document.UnlockRange(by, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Long>> label(String by, long version, String label) {
    return this.<Long>run(r -> new Document.Label(by, version, label, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Long>> delete(String by) {
    return this.<Long>run(r -> new Document.Delete(by, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Document.OpAck>> undo(String user) {
    long seq = clientSeqs.incrementAndGet();
    return this.<Document.OpAck>run(r -> new Document.Undo(user, user + "-tab", seq, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Document.OpAck>> redo(String user) {
    long seq = clientSeqs.incrementAndGet();
    return this.<Document.OpAck>run(r -> new Document.Redo(user, user + "-tab", seq, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Document.OpAck>> restore(String user, long version) {
    long seq = clientSeqs.incrementAndGet();
    return this.<Document.OpAck>run(r -> new Document.Restore(user, version, user + "-tab", seq, r));
  }

  private StatusReply<Document.View> get(String user) {
    return this.<Document.View>run(r -> new Document.Get(user, r)).reply();
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Document.TextAt>> textAt(String user, long version) {
    return this.<Document.TextAt>run(r -> new Document.GetTextAt(user, version, r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Document.Subscribed>> subscribe(
      String user, long since, TestProbe<TopicPush> watcher) {
    return this.<Document.Subscribed>run(r -> new Document.Subscribe(user, since, watcher.ref(), r));
  }

  private CommandResultWithReply<Document.Command, Document.Event, Document.State, StatusReply<Done>> cursor(
      String user, long base, int anchor, int head, TestProbe<TopicPush> watcher) {
    return this.<Done>run(r -> new Document.MoveCursor(user, user + "-conn", base, anchor, head, user.toUpperCase(), "#0af", watcher.ref(), r));
  }

  private Document.CursorMoved moved(String user, int anchor, int head, long version) {
    return new Document.CursorMoved(user, user + "-conn", anchor, head, user.toUpperCase(), "#0af", version);
  }

  private TopicPush.Appended appended(long seq) {
    return new TopicPush.Appended(topic, seq, (TopicEvent) persisted().get((int) seq - 1));
  }

  private static void expectAppended(TestProbe<TopicPush> watcher, long... seqs) {
    for (long seq : seqs) {
      TopicPush push = watcher.receiveMessage(WAIT);
      assertThat(push).isInstanceOf(TopicPush.Appended.class);
      assertThat(((TopicPush.Appended) push).seq()).isEqualTo(seq);
    }
  }

  private void expectJoined(String... users) {
    for (String u : users) list(u).expectMessage(WAIT, new Inbox.Joined(id));
  }

  /** Polls {@code condition} every 10 ms until it holds or {@code max} has passed. */
  private static void eventually(Duration max, BooleanSupplier condition) {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) fail("condition not met within " + max);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  // ---- creating, reading, deleting ------------------------------------------------------------------

  @Test
  void creatingPersistsCreatedAnswersTheOwnersViewAndTellsTheOwnersList() {
    var result = create("alice", "  Notes ");

    Document.Created created = (Document.Created) result.event();
    assertThat(created).isEqualTo(new Document.Created("alice", "Notes", created.at()));
    assertThat(created.at()).isPositive();
    assertThat(ok(result.reply()))
        .isEqualTo(new Document.View(id, "Notes", "alice", DocRole.OWNER, "", 1, created.at(), null, List.of(), Map.of("alice", DocRole.OWNER)));
    assertThat(result.state().seq()).isEqualTo(1);
    assertThat(result.state().roles()).isEqualTo(Map.of("alice", DocRole.OWNER));
    expectJoined("alice");
  }

  @Test
  void aTitleMustBePresentPrintableAndAtMost200CodePoints() {
    for (String bad : new String[] {null, "", "   ", "a".repeat(201), "bell\u0007", "two\nlines"}) {
      rejected(create("alice", bad), DocumentRules.INVALID_FIELD);
    }
    assertThat(doc.getState().created()).isFalse();
    list("alice").expectNoMessage(Duration.ofMillis(20));

    // 200 emoji are 400 UTF-16 units but 200 characters
    String emoji = "\uD83D\uDE00".repeat(200);
    assertThat(ok(create("alice", emoji).reply()).title()).isEqualTo(emoji);
  }

  @Test
  void aSecondCreateConflictsAndStoresNothing() {
    created();
    String message = rejected(create("bob", "Mine now"), DocumentRules.CONFLICT);
    assertThat(message).contains(id);
    assertThat(doc.getState().owner()).isEqualTo("alice");
    assertThat(doc.getState().seq()).isEqualTo(1);
  }

  @Test
  void theOwnerSeesTheRolesOthersSeeTheirOwnRoleAndStrangersAreForbidden() {
    team();
    typed("alice", 0, "Hello");

    Document.View owner = ok(get("alice"));
    assertThat(owner.role()).isEqualTo(DocRole.OWNER);
    assertThat(owner.text()).isEqualTo("Hello");
    assertThat(owner.version()).isEqualTo(6);
    assertThat(owner.roles())
        .isEqualTo(Map.of("alice", DocRole.OWNER, "bob", DocRole.EDITOR, "carol", DocRole.EDITOR, "cora", DocRole.COMMENTER, "vic", DocRole.VIEWER));

    Document.View viewer = ok(get("vic"));
    assertThat(viewer.role()).isEqualTo(DocRole.VIEWER);
    assertThat(viewer.text()).isEqualTo("Hello");
    assertThat(viewer.roles()).isEmpty();

    assertThat(code(get("mallory"))).isEqualTo(DocumentRules.FORBIDDEN);
    Document.Summary summary = ok(this.<Document.Summary>run(r -> new Document.GetSummary("bob", r)).reply());
    assertThat(summary).isEqualTo(new Document.Summary(id, "Notes", "alice", DocRole.EDITOR, 6, owner.lastChangeAt()));
  }

  @Test
  void aDocumentThatWasNeverCreatedIsNotFoundForEveryCommand() {
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    List<CommandResultWithReply<Document.Command, Document.Event, Document.State, ? extends StatusReply<?>>> results =
        List.of(
            this.<Document.View>run(r -> new Document.Get("alice", r)),
            this.<Document.Summary>run(r -> new Document.GetSummary("alice", r)),
            this.<Document.Versions>run(r -> new Document.GetVersions("alice", r)),
            textAt("alice", 0),
            edit("alice", 0, TextOperation.empty().insert("x")),
            undo("alice"),
            redo("alice"),
            restore("alice", 0),
            share("alice", "bob", DocRole.EDITOR),
            unshare("alice", "bob"),
            lock("alice"),
            unlock("alice"),
            lockRange("alice", 0, 1, 5_000),
            unlockRange("alice"),
            label("alice", 0, "v0"),
            delete("alice"),
            subscribe("alice", -1, watcher),
            cursor("alice", 0, 0, 0, watcher));
    for (var result : results) rejected(result, DocumentRules.NOT_FOUND);
    assertThat(doc.getState().seq()).isZero();
    assertThat(persisted()).isEmpty();
    watcher.expectNoMessage(Duration.ofMillis(20));
  }

  @Test
  void onlyTheOwnerDeletesAndADeletedDocumentIsNotFoundToEveryoneAndTellsEveryList() {
    team();
    typed("alice", 0, "Hello");
    expectJoined("alice", "bob", "carol", "cora", "vic");
    rejected(delete("bob"), DocumentRules.FORBIDDEN);

    var deleted = delete("alice");
    assertThat(ok(deleted.reply())).isEqualTo(7L);
    assertThat(deleted.event()).isInstanceOf(Document.Deleted.class);
    assertThat(((Document.Deleted) deleted.event()).by()).isEqualTo("alice");
    assertThat(deleted.state().deleted()).isTrue();
    for (String u : List.of("alice", "bob", "carol", "cora", "vic")) list(u).expectMessage(WAIT, new Inbox.Left(id));

    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    for (String user : List.of("alice", "bob")) {
      assertThat(code(get(user))).isEqualTo(DocumentRules.NOT_FOUND);
      rejected(edit(user, 7, ins(0, "x", 5)), DocumentRules.NOT_FOUND);
      rejected(undo(user), DocumentRules.NOT_FOUND);
      rejected(restore(user, 6), DocumentRules.NOT_FOUND);
      rejected(textAt(user, 6), DocumentRules.NOT_FOUND);
      rejected(lockRange(user, 0, 1, 5_000), DocumentRules.NOT_FOUND);
      rejected(label(user, 6, "gone"), DocumentRules.NOT_FOUND);
      rejected(subscribe(user, -1, watcher), DocumentRules.NOT_FOUND);
    }
    rejected(share("alice", "dave", DocRole.EDITOR), DocumentRules.NOT_FOUND);
    rejected(lock("alice"), DocumentRules.NOT_FOUND);
    rejected(delete("alice"), DocumentRules.NOT_FOUND);
    rejected(create("alice", "Again"), DocumentRules.CONFLICT); // the id is not reused
    assertThat(doc.restart().state().deleted()).isTrue();
    assertThat(code(get("alice"))).isEqualTo(DocumentRules.NOT_FOUND);
  }

  @Test
  void nothingIsWrittenAfterTheDeletionNotEvenAnExpiringLock() {
    team();
    typed("alice", 0, "Hello"); // 6
    RangeLock lock = ok(lockRange("bob", 0, 2, DocumentRules.MIN_LOCK_MILLIS).reply()); // 7
    var deleted = delete("alice"); // 8
    assertThat(deleted.state().rangeLocks()).isEmpty();
    assertThat(doc.restart().state().rangeLocks()).isEmpty();

    // past the lock's end, and a timer tick after it: the journal still ends with the deletion
    long past = lock.expiresAt() + 100 - System.currentTimeMillis();
    if (past > 0) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(past));
    assertThat(doc.getState().seq()).isEqualTo(8);
    assertThat(persisted()).hasSize(8).last().isInstanceOf(Document.Deleted.class);
  }

  // ---- applying operations ----------------------------------------------------------------------------

  @Test
  void anOpAtTheCurrentVersionIsAppliedWithItsInverseAndAcknowledged() {
    created();
    var result = apply("alice", "tab-1", 1, 1, TextOperation.empty().insert("Hello"));

    assertThat(ok(result.reply())).isEqualTo(new Document.OpAck(id, 2, "tab-1", 1, false, 5));
    Document.OpApplied event = (Document.OpApplied) result.event();
    assertThat(event)
        .isEqualTo(new Document.OpApplied("alice", "tab-1", 1, TextOperation.empty().insert("Hello"), TextOperation.empty().delete(5), Document.EDIT, event.at()));
    assertThat(result.state().text()).isEqualTo("Hello");
    assertThat(result.state().seq()).isEqualTo(2);
    assertThat(result.state().lastChangeAt()).isEqualTo(event.at());

    var replace = apply("alice", "tab-1", 2, 2, TextOperation.empty().delete(1).insert("J").retain(4));
    assertThat(replace.state().text()).isEqualTo("Jello");
    assertThat(((Document.OpApplied) replace.event()).inverse().apply("Jello")).isEqualTo("Hello");
  }

  @Test
  void anOpAtAnOlderVersionIsTransformedAgainstEveryOpCommittedSinceAndTheCommittedInsertComesFirst() {
    created();
    typed("alice", 0, "ab"); // 2
    ok(share("alice", "bob", DocRole.EDITOR).reply()); // 3
    ok(share("alice", "carol", DocRole.EDITOR).reply()); // 4
    // all three saw version 4, "ab", and insert at 1 / delete the b / append
    ok(edit("alice", 4, ins(1, "X", 2)).reply()); // 5: aXb

    var bobs = edit("bob", 4, ins(1, "Y", 2));
    assertThat(ok(bobs.reply()).version()).isEqualTo(6);
    Document.OpApplied bobOp = (Document.OpApplied) bobs.event();
    assertThat(bobOp.op()).isEqualTo(ins(2, "Y", 3)); // after alice's X, committed first
    assertThat(bobOp.inverse()).isEqualTo(del(2, 1, 4));
    assertThat(bobs.state().text()).isEqualTo("aXYb");

    var carols = edit("carol", 4, TextOperation.empty().retain(1).delete(1).insert("!"));
    assertThat(((Document.OpApplied) carols.event()).op()).isEqualTo(TextOperation.empty().retain(3).delete(1).insert("!"));
    assertThat(carols.state().text()).isEqualTo("aXY!");
    assertThat(ok(get("bob")).text()).isEqualTo("aXY!");
  }

  @Test
  void aResentOpIsAnsweredWithItsFirstAckAndStoredOnce() {
    created();
    TextOperation hello = TextOperation.empty().insert("Hello");
    Document.OpAck first = ok(apply("alice", "tab-1", 7, 1, hello).reply());
    typed("alice", 5, "!"); // 3

    for (var again : List.of(apply("alice", "tab-1", 7, 1, hello), apply("alice", "tab-1", 7, 3, TextOperation.empty().retain(6).insert("?")))) {
      assertThat(again.hasNoEvents()).isTrue();
      assertThat(ok(again.reply())).isEqualTo(new Document.OpAck(id, first.version(), "tab-1", 7, true, 5));
    }
    assertThat(doc.getState().text()).isEqualTo("Hello!");
    assertThat(doc.getState().seq()).isEqualTo(3);
    // the same sequence number from another client is another op
    var other = apply("alice", "tab-2", 7, 3, TextOperation.empty().retain(6).insert("?"));
    assertThat(ok(other.reply())).isEqualTo(new Document.OpAck(id, 4, "tab-2", 7, false, 7));
    assertThat(other.state().text()).isEqualTo("Hello!?");
  }

  @Test
  void aBaseVersionInTheFutureIsVersionAheadAndANegativeOneInvalid() {
    created();
    typed("alice", 0, "Hi");
    String message = rejected(edit("alice", 5, ins(0, "x", 2)), DocumentRules.VERSION_AHEAD);
    assertThat(message).contains("5").contains("2");
    rejected(edit("alice", -1, ins(0, "x", 2)), DocumentRules.INVALID_FIELD);
    assertThat(doc.getState().text()).isEqualTo("Hi");
  }

  @Test
  void aBaseOlderThanTheOpsHeldInMemoryIsAConflictAndTheOldestHeldBaseStillTransforms() {
    created();
    alphabet(25); // versions 2..26; memory holds 7..26
    Document.State state = doc.getState();
    assertThat(state.recent()).hasSize(20);
    assertThat(state.recent().get(0).seq()).isEqualTo(7);

    assertThat(rejected(edit("alice", 5, ins(0, "Z", 4)), DocumentRules.CONFLICT)).contains("reload");
    // version 6 ("abcde") is the oldest base every later op is known for
    var oldest = edit("alice", 6, ins(0, "Z", 5));
    assertThat(ok(oldest.reply()).version()).isEqualTo(27);
    assertThat(oldest.state().text()).isEqualTo("Zabcdefghijklmnopqrstuvwxy");
    assertThat(rejected(edit("alice", 6, ins(0, "Z", 5)), DocumentRules.CONFLICT)).contains("older than");
  }

  @Test
  void anOpThatDoesNotFitTheTextIsInvalid() {
    created();
    typed("alice", 0, "Hello"); // 2
    rejected(edit("alice", 2, TextOperation.empty().retain(6)), DocumentRules.INVALID_OP); // retain past the end
    rejected(edit("alice", 2, TextOperation.empty().retain(4).insert("!")), DocumentRules.INVALID_OP); // stops short
    rejected(edit("alice", 2, TextOperation.empty().retain(2).delete(4)), DocumentRules.INVALID_OP); // delete past the end
    rejected(edit("alice", 2, null), DocumentRules.INVALID_OP);
    typed("alice", 5, " world"); // 3
    // against version 2 an op must cover 5 characters, not the 11 of now: the transform refuses it
    rejected(edit("alice", 2, TextOperation.empty().retain(3).insert("x").retain(8)), DocumentRules.INVALID_OP);
    assertThat(doc.getState().text()).isEqualTo("Hello world");
    assertThat(doc.getState().seq()).isEqualTo(3);
  }

  @Test
  void theTextMayNotGrowBeyondMaxTextLength() {
    created();
    String message = rejected(edit("alice", 1, TextOperation.empty().insert("x".repeat(201))), DocumentRules.INVALID_OP);
    assertThat(message).contains("201").contains("200");
    ok(edit("alice", 1, TextOperation.empty().insert("x".repeat(200))).reply()); // 2
    rejected(edit("alice", 2, ins(200, "y", 200)), DocumentRules.INVALID_OP);
    // a replacement that keeps the length is fine
    ok(edit("alice", 2, TextOperation.empty().delete(1).insert("y").retain(199)).reply());
    assertThat(doc.getState().text()).hasSize(200).startsWith("yx");
  }

  // ---- roles and sharing --------------------------------------------------------------------------

  @Test
  void viewersCommentersAndStrangersMayNotEditEditorsAndTheOwnerMay() {
    team();
    typed("alice", 0, "Hello"); // 6
    assertThat(rejected(edit("vic", 6, ins(0, "v", 5)), DocumentRules.FORBIDDEN)).contains("viewer");
    assertThat(rejected(edit("cora", 6, ins(0, "c", 5)), DocumentRules.FORBIDDEN)).contains("commenter");
    rejected(edit("mallory", 6, ins(0, "m", 5)), DocumentRules.FORBIDDEN);
    rejected(undo("vic"), DocumentRules.FORBIDDEN);
    rejected(restore("cora", 1), DocumentRules.FORBIDDEN);
    rejected(lockRange("cora", 0, 2, 5_000), DocumentRules.FORBIDDEN);
    rejected(label("vic", 6, "mine"), DocumentRules.FORBIDDEN);

    assertThat(ok(edit("bob", 6, ins(5, "!", 5)).reply()).version()).isEqualTo(7);
    assertThat(ok(edit("carol", 7, ins(0, ">", 6)).reply()).version()).isEqualTo(8);
    assertThat(doc.getState().text()).isEqualTo(">Hello!");
  }

  @Test
  void onlyTheOwnerSharesAndUnsharesAndEachUsersListIsTold() {
    created();
    expectJoined("alice");

    var shared = share("alice", "bob", DocRole.EDITOR);
    assertThat(ok(shared.reply())).isEqualTo(2L);
    Document.Shared event = (Document.Shared) shared.event();
    assertThat(event).isEqualTo(new Document.Shared("bob", DocRole.EDITOR, "alice", event.at()));
    expectJoined("bob");

    assertThat(rejected(share("bob", "carol", DocRole.VIEWER), DocumentRules.FORBIDDEN)).contains("owner");
    rejected(share("alice", "carol", DocRole.OWNER), DocumentRules.FORBIDDEN);
    rejected(share("alice", "alice", DocRole.EDITOR), DocumentRules.FORBIDDEN);
    rejected(share("alice", "not a user!", DocRole.VIEWER), DocumentRules.INVALID_FIELD);
    rejected(share("alice", "carol", null), DocumentRules.INVALID_FIELD);
    ok(share("alice", "carol", DocRole.COMMENTER).reply()); // 3
    expectJoined("carol");

    rejected(unshare("bob", "carol"), DocumentRules.FORBIDDEN);
    rejected(unshare("alice", "alice"), DocumentRules.FORBIDDEN);
    rejected(unshare("alice", "dave"), DocumentRules.CONFLICT);
    var unshared = unshare("alice", "carol");
    assertThat(ok(unshared.reply())).isEqualTo(4L);
    assertThat(unshared.event()).isEqualTo(new Document.Unshared("carol", "alice", ((Document.Unshared) unshared.event()).at()));
    list("carol").expectMessage(WAIT, new Inbox.Left(id));
    assertThat(code(get("carol"))).isEqualTo(DocumentRules.FORBIDDEN);

    // sharing again changes the role
    ok(share("alice", "bob", DocRole.VIEWER).reply()); // 5
    expectJoined("bob");
    rejected(edit("bob", 5, TextOperation.empty().insert("x")), DocumentRules.FORBIDDEN);
    assertThat(ok(get("bob")).role()).isEqualTo(DocRole.VIEWER);
    assertThat(ok(get("alice")).roles()).isEqualTo(Map.of("alice", DocRole.OWNER, "bob", DocRole.VIEWER));
    for (String u : List.of("alice", "bob", "carol")) list(u).expectNoMessage(Duration.ofMillis(20));
  }

  // ---- locks --------------------------------------------------------------------------------------

  @Test
  void theOwnerLocksTheDocumentReadOnlyForEveryoneButThemselfAndUnlocksIt() {
    team();
    typed("alice", 0, "Hi"); // 6
    rejected(lock("bob"), DocumentRules.FORBIDDEN);

    var locked = lock("alice");
    assertThat(ok(locked.reply())).isEqualTo(7L);
    assertThat(locked.event()).isEqualTo(new Document.DocumentLocked("alice", ((Document.DocumentLocked) locked.event()).at()));
    assertThat(ok(get("bob")).lockedBy()).isEqualTo("alice");

    assertThat(rejected(edit("bob", 7, ins(2, "!", 2)), DocumentRules.LOCKED)).contains("alice");
    rejected(lockRange("bob", 0, 1, 5_000), DocumentRules.LOCKED);
    rejected(restore("bob", 1), DocumentRules.LOCKED);
    rejected(unlock("bob"), DocumentRules.FORBIDDEN);
    // checkDocumentLock: whoever set the lock still edits
    assertThat(ok(edit("alice", 7, ins(2, "!", 2)).reply()).version()).isEqualTo(8);
    var again = lock("alice");
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(ok(again.reply())).isEqualTo(8L);

    var unlocked = unlock("alice");
    assertThat(ok(unlocked.reply())).isEqualTo(9L);
    assertThat(unlocked.event()).isInstanceOf(Document.DocumentUnlocked.class);
    assertThat(unlocked.state().lockedBy()).isNull();
    assertThat(ok(edit("bob", 9, ins(3, "?", 3)).reply()).version()).isEqualTo(10);
    assertThat(unlock("alice").hasNoEvents()).isTrue();
    assertThat(doc.getState().text()).isEqualTo("Hi!?");
  }

  @Test
  void aRangeLockStopsOthersInsideItMovesWithEditsAndIsReleasedByItsHolder() {
    team();
    typed("alice", 0, "0123456789"); // 6

    var locking = lockRange("bob", 2, 5, 20_000); // 7: "234"
    RangeLock lock = ok(locking.reply());
    Document.RangeLocked event = (Document.RangeLocked) locking.event();
    assertThat(lock.holder()).isEqualTo("bob");
    assertThat(lock.start()).isEqualTo(2);
    assertThat(lock.end()).isEqualTo(5);
    assertThat(lock.expiresAt()).isEqualTo(event.at() + 20_000);
    assertThat(event.lock()).isEqualTo(lock);

    assertThat(rejected(edit("carol", 7, del(3, 1, 10)), DocumentRules.LOCKED)).contains("bob");
    assertThat(rejected(edit("alice", 7, ins(3, "!", 10)), DocumentRules.LOCKED)).contains("bob"); // the owner too
    // at its edges and elsewhere others edit
    ok(edit("carol", 7, ins(2, "<", 10)).reply()); // 8: 01<234 56789, lock [3,6)
    ok(edit("carol", 8, ins(6, ">", 11)).reply()); // 9: 01<234>56789, lock [3,6)
    ok(edit("carol", 9, del(11, 1, 12)).reply()); // 10: 01<234>5678
    assertThat(doc.getState().rangeLocks()).containsExactly(new RangeLock("bob", 3, 6, lock.expiresAt()));
    // the holder edits inside, which grows it
    ok(edit("bob", 10, ins(4, "B", 11)).reply()); // 11: 01<2B34>5678, lock [3,7)
    // an insert before it moves it
    var before = edit("carol", 11, ins(0, "abc", 12)); // 12: abc01<2B34>5678, lock [6,10)
    assertThat(before.state().text()).isEqualTo("abc01<2B34>5678");
    RangeLock movedLock = new RangeLock("bob", 6, 10, lock.expiresAt());
    assertThat(before.state().rangeLocks()).containsExactly(movedLock);
    assertThat(ok(get("carol")).rangeLocks()).containsExactly(movedLock);
    assertThat(before.state().text().substring(6, 10)).isEqualTo("2B34");
    rejected(edit("carol", 12, del(9, 1, 15)), DocumentRules.LOCKED);

    // another's lock may not overlap it, and the lock's own rules hold
    assertThat(rejected(lockRange("carol", 9, 12, 5_000), DocumentRules.CONFLICT)).contains("bob");
    rejected(lockRange("carol", 12, 12, 5_000), DocumentRules.INVALID_FIELD);
    rejected(lockRange("carol", 10, 16, 5_000), DocumentRules.INVALID_FIELD);
    rejected(lockRange("carol", 10, 12, DocumentRules.MIN_LOCK_MILLIS - 1), DocumentRules.INVALID_FIELD);
    rejected(lockRange("carol", 10, 12, SETTINGS.maxRangeLock().toMillis() + 1), DocumentRules.INVALID_FIELD);
    rejected(lockRange("vic", 10, 12, 5_000), DocumentRules.FORBIDDEN);
    RangeLock carols = ok(lockRange("carol", 10, 12, 5_000).reply()); // 13: just after bob's
    assertThat(rejected(edit("bob", 13, del(11, 1, 15)), DocumentRules.LOCKED)).contains("carol");

    var released = unlockRange("bob"); // 14
    assertThat(ok(released.reply())).isEqualTo(14L);
    assertThat(released.event()).isEqualTo(new Document.RangeReleased("bob", "released", ((Document.RangeReleased) released.event()).at()));
    assertThat(released.state().rangeLocks()).containsExactly(carols);
    ok(edit("carol", 14, del(7, 1, 15)).reply()); // 15: the B is gone
    assertThat(doc.getState().text()).isEqualTo("abc01<234>5678");
    assertThat(rejected(unlockRange("bob"), DocumentRules.NOT_FOUND)).contains("no range lock");
  }

  @Test
  void aRangeLockSurvivesARestartThenExpiresByItsTimerWithAnExpiredRelease() {
    team();
    typed("alice", 0, "0123456789"); // 6
    RangeLock lock = ok(lockRange("bob", 0, 5, DocumentRules.MIN_LOCK_MILLIS).reply()); // 7
    rejected(edit("carol", 7, del(0, 1, 10)), DocumentRules.LOCKED);

    // recovery arms the timer again, and the lock holds meanwhile
    Document.State recovered = doc.restart().state();
    assertThat(recovered.rangeLocks()).containsExactly(lock);
    if (System.currentTimeMillis() < lock.expiresAt() - 100) rejected(edit("carol", 7, del(0, 1, 10)), DocumentRules.LOCKED);

    eventually(Duration.ofSeconds(5), () -> doc.getState().rangeLocks().isEmpty());
    assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(lock.expiresAt());
    List<Object> events = persisted();
    assertThat(events).hasSize(8);
    Document.RangeReleased expired = (Document.RangeReleased) events.get(7);
    assertThat(expired.holder()).isEqualTo("bob");
    assertThat(expired.reason()).isEqualTo("expired");
    assertThat(expired.at()).isGreaterThanOrEqualTo(lock.expiresAt());
    assertThat(ok(get("carol")).rangeLocks()).isEmpty();

    var now = edit("carol", 8, del(0, 1, 10));
    assertThat(ok(now.reply()).version()).isEqualTo(9);
    assertThat(now.state().text()).isEqualTo("123456789");
  }

  @Test
  void aRangeLockEndsWithItsHoldersRightToEdit() {
    team();
    typed("alice", 0, "0123456789"); // 6
    ok(lockRange("bob", 0, 3, 20_000).reply()); // 7
    ok(lockRange("carol", 5, 8, 20_000).reply()); // 8
    rejected(edit("alice", 8, del(0, 1, 10)), DocumentRules.LOCKED);

    // nobody may release another's lock, so it goes with the holder's access...
    var unshared = unshare("alice", "bob"); // 9
    assertThat(unshared.state().rangeLocks()).extracting(RangeLock::holder).containsExactly("carol");
    ok(edit("alice", 9, del(0, 1, 10)).reply()); // 10
    // ...or with the holder's role as an editor
    var downgraded = share("alice", "carol", DocRole.VIEWER); // 11
    assertThat(downgraded.state().rangeLocks()).isEmpty();
    ok(edit("alice", 11, del(4, 1, 9)).reply()); // 12
    assertThat(ok(get("alice")).rangeLocks()).isEmpty();
    assertThat(doc.restart().state().rangeLocks()).isEmpty();
    assertThat(doc.getState().text()).isEqualTo("12346789");
  }

  @Test
  void aMovedRangeLockIsRecoveredAfterARestartAndStillEnforced() {
    team();
    typed("alice", 0, "0123456789"); // 6
    ok(lockRange("bob", 2, 5, 20_000).reply()); // 7
    typed("carol", 0, "ab"); // 8: lock [4,7)
    Document.State before = doc.getState();

    Document.State after = doc.restart().state();
    assertThat(after).isEqualTo(before);
    assertThat(after.rangeLocks()).hasSize(1);
    assertThat(after.rangeLocks().get(0).start()).isEqualTo(4);
    assertThat(after.rangeLocks().get(0).end()).isEqualTo(7);
    assertThat(rejected(edit("carol", 8, del(5, 1, 12)), DocumentRules.LOCKED)).contains("bob");
    ok(edit("bob", 8, del(5, 1, 12)).reply());
  }

  // ---- undo and redo ------------------------------------------------------------------------------

  @Test
  void undoTakesBackOnlyTheCallersOwnLastEditAndRedoBringsItBack() {
    team();
    typed("alice", 0, "Hello"); // 6
    typed("bob", 5, " world"); // 7

    var undone = undo("alice"); // 8
    Document.OpApplied undoEvent = (Document.OpApplied) undone.event();
    assertThat(undoEvent.kind()).isEqualTo(Document.UNDO);
    assertThat(undoEvent.author()).isEqualTo("alice");
    assertThat(undoEvent.op()).isEqualTo(del(0, 5, 11)); // moved past bob's text
    assertThat(undone.state().text()).isEqualTo(" world");
    assertThat(ok(undone.reply()).version()).isEqualTo(8);

    var redone = redo("alice"); // 9
    assertThat(((Document.OpApplied) redone.event()).kind()).isEqualTo(Document.REDO);
    assertThat(redone.state().text()).isEqualTo("Hello world");

    var bobsUndo = undo("bob"); // 10
    assertThat(bobsUndo.state().text()).isEqualTo("Hello");
    rejected(redo("alice"), "nothing_to_redo");
    assertThat(undo("alice").state().text()).isEmpty(); // 11: undoes the redo
    assertThat(redo("bob").state().text()).isEqualTo(" world"); // 12
  }

  @Test
  void withNothingToUndoOrRedoTheyAreRefusedAndANewEditEndsRedo() {
    team();
    rejected(undo("carol"), "nothing_to_undo");
    rejected(redo("carol"), "nothing_to_redo");
    typed("carol", 0, "one"); // 6
    typed("carol", 3, " two"); // 7
    assertThat(undo("carol").state().text()).isEqualTo("one"); // 8
    assertThat(undo("carol").state().text()).isEmpty(); // 9
    rejected(undo("carol"), "nothing_to_undo");
    assertThat(redo("carol").state().text()).isEqualTo("one"); // 10
    typed("carol", 0, ">"); // 11: a new edit
    rejected(redo("carol"), "nothing_to_redo");
    assertThat(doc.getState().text()).isEqualTo(">one");

    // a resent undo is answered with its first ack
    var first = this.<Document.OpAck>run(r -> new Document.Undo("carol", "undo-tab", 1, r));
    var again = this.<Document.OpAck>run(r -> new Document.Undo("carol", "undo-tab", 1, r));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(ok(again.reply())).isEqualTo(new Document.OpAck(id, ok(first.reply()).version(), "undo-tab", 1, true, ok(first.reply()).length()));
    assertThat(doc.getState().text()).isEqualTo("one");
  }

  // ---- versions: restore, text at, labels ---------------------------------------------------------

  @Test
  void restoringAnEarlierVersionIsANewVersionAndLeavesHistoryAlone() {
    team();
    for (String s : List.of("a", "b", "c", "d")) typed("alice", doc.getState().text().length(), s); // 6..9: a, ab, abc, abcd
    List<Object> before = persisted();

    var restored = restore("bob", 7);
    assertThat(ok(restored.reply()).version()).isEqualTo(10);
    Document.OpApplied event = (Document.OpApplied) restored.event();
    assertThat(event.kind()).isEqualTo(Document.RESTORE);
    assertThat(event.author()).isEqualTo("bob");
    assertThat(event.op()).isEqualTo(TextOperation.empty().retain(2).delete(2));
    assertThat(restored.state().text()).isEqualTo("ab");
    assertThat(restored.state().seq()).isEqualTo(10);
    assertThat(persisted()).hasSize(10).startsWith(before.toArray());

    assertThat(ok(textAt("vic", 7).reply())).isEqualTo(new Document.TextAt(id, 7, "ab"));
    assertThat(ok(textAt("vic", 9).reply()).text()).isEqualTo("abcd");
    assertThat(ok(textAt("vic", 10).reply()).text()).isEqualTo("ab");
    assertThat(ok(textAt("vic", 0).reply()).text()).isEmpty();
    rejected(textAt("vic", 11), DocumentRules.VERSION_AHEAD);
    rejected(textAt("mallory", 7), DocumentRules.FORBIDDEN);
    rejected(restore("bob", 11), DocumentRules.VERSION_AHEAD);
    reads.expectNoMessage(Duration.ofMillis(20)); // all of it from memory

    // the restore is the restorer's to undo
    assertThat(undo("bob").state().text()).isEqualTo("abcd");
  }

  @Test
  void theTextOfAVersionOlderThanMemoryIsRebuiltFromTheJournal() throws Exception {
    created();
    alphabet(25); // 2..26, memory from 7
    assertThat(ok(textAt("alice", 6).reply()).text()).isEqualTo("abcde");
    reads.expectNoMessage(Duration.ofMillis(20));

    CompletableFuture<StatusReply<Document.TextAt>> answer = CompletableFuture.supplyAsync(() -> textAt("alice", 3).reply());
    JournalRead read = reads.receiveMessage(WAIT);
    assertThat(read.persistenceId()).isEqualTo(pid());
    assertThat(read.from()).isEqualTo(4);
    assertThat(read.to()).isEqualTo(26);
    read.result().complete(journal(read.from(), read.to()));
    assertThat(ok(answer.get(3, TimeUnit.SECONDS))).isEqualTo(new Document.TextAt(id, 3, "ab"));

    // a failed read is "unavailable" and stores nothing
    CompletableFuture<StatusReply<Document.OpAck>> failing = CompletableFuture.supplyAsync(() -> restore("alice", 2).reply());
    reads.receiveMessage(WAIT).result().completeExceptionally(new RuntimeException("journal down"));
    assertThat(code(failing.get(3, TimeUnit.SECONDS))).isEqualTo("unavailable");
    assertThat(doc.getState().seq()).isEqualTo(26);

    // a restore of such a version, decided once the text is known
    CompletableFuture<StatusReply<Document.OpAck>> restoring = CompletableFuture.supplyAsync(() -> restore("alice", 2).reply());
    JournalRead again = reads.receiveMessage(WAIT);
    assertThat(again.from()).isEqualTo(3);
    again.result().complete(journal(again.from(), again.to()));
    assertThat(ok(restoring.get(3, TimeUnit.SECONDS)).version()).isEqualTo(27);
    assertThat(doc.getState().text()).isEqualTo("a");
    assertThat(((Document.OpApplied) persisted().get(26)).kind()).isEqualTo(Document.RESTORE);
  }

  @Test
  void editorsLabelVersionsEveryReaderListsThemAndAFutureVersionIsVersionAhead() {
    team();
    typed("alice", 0, "draft"); // 6
    typed("bob", 5, "!"); // 7

    var labeled = label("alice", 6, "  first draft ");
    assertThat(ok(labeled.reply())).isEqualTo(8L);
    Document.VersionLabeled event = (Document.VersionLabeled) labeled.event();
    assertThat(event).isEqualTo(new Document.VersionLabeled(6, "first draft", "alice", event.at()));
    ok(label("bob", 8, "reviewed").reply()); // 9

    rejected(label("alice", 10, "later"), DocumentRules.VERSION_AHEAD);
    rejected(label("alice", 7, " "), DocumentRules.INVALID_FIELD);
    rejected(label("alice", 7, "x".repeat(101)), DocumentRules.INVALID_FIELD);
    rejected(label("cora", 7, "mine"), DocumentRules.FORBIDDEN);

    Document.Versions versions = ok(this.<Document.Versions>run(r -> new Document.GetVersions("vic", r)).reply());
    assertThat(versions.documentId()).isEqualTo(id);
    assertThat(versions.version()).isEqualTo(9);
    assertThat(versions.labels())
        .extracting(Document.NamedVersion::version, Document.NamedVersion::label, Document.NamedVersion::by)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(6L, "first draft", "alice"), org.assertj.core.groups.Tuple.tuple(8L, "reviewed", "bob"));
    assertThat(versions.labels().get(0).at()).isEqualTo(event.at());
    assertThat(code(this.<Document.Versions>run(r -> new Document.GetVersions("mallory", r)).reply())).isEqualTo(DocumentRules.FORBIDDEN);
  }

  // ---- recovery -----------------------------------------------------------------------------------

  @Test
  void aRestartRecoversTextRolesLocksLabelsAcksAndUndoStacks() {
    team(); // 1..5
    Document.OpAck hello = typed("alice", 0, "Hello"); // 6
    typed("bob", 5, " world"); // 7
    ok(undo("alice").reply()); // 8: " world"
    ok(lockRange("carol", 0, 3, 20_000).reply()); // 9
    ok(label("alice", 7, "both").reply()); // 10
    typed("bob", 6, "!"); // 11
    ok(lock("alice").reply()); // 12
    ok(unshare("alice", "vic").reply()); // 13
    ok(redo("alice").reply()); // 14: "Hello world!"
    ok(undo("alice").reply()); // 15: " world!"
    Document.State before = doc.getState();
    Document.View view = ok(get("alice"));
    assertThat(before.text()).isEqualTo(" world!");
    assertThat(before.undo().get("bob")).containsExactly(7L, 11L);
    assertThat(before.redo().get("alice")).containsExactly(15L);

    // snapshots at 7 and 14: recovery reads the state back through CBOR, then replays event 15
    assertThat(doc.snapshotTestKit().orElseThrow().persistedInStorage(pid()))
        .extracting(p -> p.first().sequenceNr())
        .containsExactly(7L, 14L);
    Document.State after = doc.restart().state();
    assertThat(after).isEqualTo(before);
    assertThat(after.text()).isEqualTo(" world!");
    assertThat(after.lockedBy()).isEqualTo("alice");
    assertThat(after.roles()).doesNotContainKey("vic").containsEntry("carol", DocRole.EDITOR);
    assertThat(after.rangeLocks()).isEqualTo(before.rangeLocks()).hasSize(1);
    assertThat(after.labels()).isEqualTo(before.labels()).hasSize(1);
    assertThat(after.recent()).isEqualTo(before.recent()).hasSize(15);
    assertThat(ok(get("alice"))).isEqualTo(view);

    // and it goes on as it would have
    var resend = apply("alice", "alice-tab", hello.clientSeq(), 5, TextOperation.empty().insert("Hello"));
    assertThat(resend.hasNoEvents()).isTrue();
    assertThat(ok(resend.reply())).isEqualTo(new Document.OpAck(id, 6, "alice-tab", hello.clientSeq(), true, hello.length()));
    rejected(edit("bob", 15, ins(0, "x", 7)), DocumentRules.LOCKED);
    rejected(edit("alice", 15, del(0, 1, 7)), DocumentRules.LOCKED); // carol's range
    assertThat(redo("alice").state().text()).isEqualTo("Hello world!");
    assertThat(doc.getState().seq()).isEqualTo(16);
  }

  // ---- subscribers and cursors ---------------------------------------------------------------------

  @Test
  void aSubscriberWithSinceGetsWhatItMissedFromMemoryInOrderThenLiveEvents() {
    team();
    typed("alice", 0, "a"); // 6
    typed("alice", 1, "b"); // 7
    typed("alice", 2, "c"); // 8
    TestProbe<TopicPush> watcher = testKit.createTestProbe();

    var subscribed = subscribe("bob", 6, watcher);
    assertThat(subscribed.hasNoEvents()).isTrue();
    Document.Subscribed reply = ok(subscribed.reply());
    assertThat(reply.lastSeq()).isEqualTo(8);
    assertThat(reply.text()).isNull();
    watcher.expectMessage(WAIT, appended(7));
    watcher.expectMessage(WAIT, appended(8));

    typed("carol", 3, "d"); // 9
    watcher.expectMessage(WAIT, appended(9));
    ok(label("carol", 9, "abcd").reply()); // 10: every event, not only ops
    watcher.expectMessage(WAIT, appended(10));
    reads.expectNoMessage(Duration.ofMillis(20));

    // a since beyond the version replays nothing
    TestProbe<TopicPush> ahead = testKit.createTestProbe();
    assertThat(ok(subscribe("vic", 99, ahead).reply()).lastSeq()).isEqualTo(10);
    ahead.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aSubscriberWithoutSinceGetsTheTextInTheReplyAndOnlyLiveEvents() {
    team();
    typed("alice", 0, "Hello"); // 6
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    Document.Subscribed reply = ok(subscribe("vic", -1, watcher).reply());
    assertThat(reply.lastSeq()).isEqualTo(6);
    assertThat(reply.text()).isEqualTo("Hello");
    assertThat(reply.fanout()).isNotNull();
    watcher.expectNoMessage(Duration.ofMillis(50));
    typed("bob", 5, "!"); // 7
    watcher.expectMessage(WAIT, appended(7));

    // unsubscribing stops the pushes
    doc.runCommand(new Document.Unsubscribe(watcher.ref()));
    typed("bob", 6, "?");
    watcher.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void onlyReadersSubscribeAndAnUnsharedReaderIsEnded() {
    team();
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    rejected(subscribe("mallory", -1, watcher), DocumentRules.FORBIDDEN);
    rejected(cursor("mallory", 5, 0, 0, watcher), DocumentRules.FORBIDDEN);
    watcher.expectNoMessage(Duration.ofMillis(20));

    ok(subscribe("vic", -1, watcher).reply());
    ok(unshare("alice", "vic").reply()); // 6
    watcher.expectMessage(WAIT, appended(6));
    TopicPush.Ended ended = watcher.expectMessageClass(TopicPush.Ended.class, WAIT);
    assertThat(ended.code()).isEqualTo(DocumentRules.FORBIDDEN);
    typed("alice", 0, "secret");
    watcher.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aSubscriberAwayLongerThanMemoryGetsTheGapFromTheJournalFirst() {
    created();
    alphabet(25); // 2..26, memory from 7
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    ok(subscribe("alice", 3, watcher).reply());
    JournalRead read = reads.receiveMessage(WAIT);
    assertThat(read.persistenceId()).isEqualTo(pid());
    assertThat(read.from()).isEqualTo(4);
    assertThat(read.to()).isEqualTo(6);
    watcher.expectNoMessage(Duration.ofMillis(20));
    read.result().complete(journal(4, 6));
    expectAppended(watcher, java.util.stream.LongStream.rangeClosed(4, 26).toArray());
  }

  @Test
  void aCursorIsMovedThroughLaterOpsAndReachesTheOtherSubscribersButNotItsOwnConnection() {
    team();
    typed("alice", 0, "Hello"); // 6
    TestProbe<TopicPush> alices = testKit.createTestProbe();
    TestProbe<TopicPush> bobs = testKit.createTestProbe();
    ok(subscribe("alice", -1, alices).reply());
    ok(subscribe("bob", -1, bobs).reply());
    typed("alice", 0, "XX"); // 7: XXHello
    alices.expectMessage(WAIT, appended(7));
    bobs.expectMessage(WAIT, appended(7));

    // bob selected "el" of "Hello" at version 6; alice's XX came after
    var moved = cursor("bob", 6, 1, 3, bobs);
    assertThat(moved.hasNoEvents()).isTrue();
    assertThat(ok(moved.reply())).isEqualTo(Done.getInstance());
    alices.expectMessage(WAIT, new TopicPush.Ephemeral(topic, "bob-conn", moved("bob", 3, 5, 7)));
    bobs.expectNoMessage(Duration.ofMillis(50));
    assertThat(persisted()).hasSize(7); // never persisted

    // it moves with what comes after, and a newcomer gets it as a snapshot
    typed("carol", 0, "YYY"); // 8
    alices.expectMessage(WAIT, appended(8));
    TestProbe<TopicPush> vics = testKit.createTestProbe();
    ok(subscribe("vic", -1, vics).reply());
    vics.expectMessage(WAIT, new TopicPush.Ephemeral(topic, "bob-conn", moved("bob", 6, 8, 8)));

    rejected(cursor("bob", 9, 0, 0, bobs), DocumentRules.VERSION_AHEAD);
    // a cursor at the current version is sent as it is
    ok(cursor("vic", 8, 10, 10, vics).reply());
    alices.expectMessage(WAIT, new TopicPush.Ephemeral(topic, "vic-conn", moved("vic", 10, 10, 8)));
  }

  @Test
  void aCursorOutsideTheTextOfItsVersionIsRefusedAndTheDocumentGoesOn() {
    team();
    typed("alice", 0, "Hello"); // 6
    typed("alice", 0, "XX"); // 7
    TestProbe<TopicPush> bobs = testKit.createTestProbe();
    TestProbe<TopicPush> alices = testKit.createTestProbe();
    ok(subscribe("bob", -1, bobs).reply());
    ok(subscribe("alice", -1, alices).reply());

    rejected(cursor("bob", 6, 50, 50, bobs), DocumentRules.INVALID_FIELD); // "Hello" has 5
    rejected(cursor("bob", 6, 1, 6, bobs), DocumentRules.INVALID_FIELD);
    rejected(cursor("bob", 6, -1, 2, bobs), DocumentRules.INVALID_FIELD);
    rejected(cursor("bob", 7, 0, 8, bobs), DocumentRules.INVALID_FIELD);
    alices.expectNoMessage(Duration.ofMillis(20));
    ok(cursor("bob", 6, 5, 5, bobs).reply()); // the end is a position
    alices.expectMessage(WAIT, new TopicPush.Ephemeral(topic, "bob-conn", moved("bob", 7, 7, 7)));
    assertThat(ok(get("bob")).text()).isEqualTo("XXHello");
  }

  @Test
  void aCursorOlderThanMemoryIsKeptWhereItWasClampedToTheText() {
    created();
    typed("alice", 0, "abcdefghijklmnopqrstuvwxyz0123"); // 2: 30 characters
    for (int i = 0; i < 21; i++) {
      Document.State s = doc.getState();
      ok(edit("alice", s.seq(), del(s.text().length() - 1, 1, s.text().length())).reply()); // 3..23
    }
    assertThat(doc.getState().text()).isEqualTo("abcdefghi");
    TestProbe<TopicPush> alices = testKit.createTestProbe();
    TestProbe<TopicPush> others = testKit.createTestProbe();
    ok(subscribe("alice", -1, alices).reply());
    ok(share("alice", "bob", DocRole.VIEWER).reply()); // 24
    alices.expectMessage(WAIT, appended(24));
    ok(subscribe("bob", -1, others).reply());

    // at version 2 the text had 30 characters; memory no longer holds the ops after it
    ok(cursor("alice", 2, 3, 30, alices).reply());
    others.expectMessage(WAIT, new TopicPush.Ephemeral(topic, "alice-conn", moved("alice", 3, 9, 24)));
    assertThat(ok(get("alice")).version()).isEqualTo(24);
  }

  // ---- group commit -------------------------------------------------------------------------------

  @Test
  void fiftyEditsSentAtOnceThroughGroupCommitGetConsecutiveVersionsAndAllLand() {
    String docId = "hot-" + ids.incrementAndGet();
    Document.Settings roomy = new Document.Settings(100, 10_000, Duration.ofSeconds(30), 1_000);
    ActorRef<Document.Command> document =
        testKit.spawn(
            GroupCommit.<Document.Command>create(
                front -> Document.create(docId, roomy, history(), u -> list(u).ref(), front), Document::isWrite, Document.Batch::new));
    TestProbe<StatusReply<Document.View>> view = testKit.createTestProbe();
    document.tell(new Document.Create("alice", "Hot", view.ref()));
    assertThat(view.receiveMessage(WAIT).isSuccess()).isTrue();
    List<String> users = List.of("alice", "bob", "carol", "dave", "erin");
    TestProbe<StatusReply<Long>> shares = testKit.createTestProbe();
    for (String u : users.subList(1, users.size())) document.tell(new Document.Share("alice", u, DocRole.EDITOR, shares.ref()));
    for (int i = 0; i < 4; i++) assertThat(shares.receiveMessage(WAIT).isSuccess()).isTrue();

    // every edit was made against version 5, the empty text, without waiting for any ack
    List<TestProbe<StatusReply<Document.OpAck>>> acks = new ArrayList<>();
    for (int u = 0; u < users.size(); u++) acks.add(testKit.createTestProbe());
    for (int i = 1; i <= 10; i++) {
      for (int u = 0; u < users.size(); u++) {
        document.tell(new Document.Apply(users.get(u), "c-" + u, i, 5, TextOperation.empty().insert("<" + u + "." + i + ">"), acks.get(u).ref()));
      }
    }

    record Acked(String insert, long version) {}
    List<Acked> all = new ArrayList<>();
    for (int u = 0; u < users.size(); u++) {
      long last = 0;
      for (int i = 1; i <= 10; i++) {
        Document.OpAck ack = ok(acks.get(u).receiveMessage(WAIT));
        assertThat(ack.clientId()).isEqualTo("c-" + u);
        assertThat(ack.clientSeq()).isEqualTo(i); // each sender's acks in its own order
        assertThat(ack.duplicate()).isFalse();
        assertThat(ack.version()).isGreaterThan(last);
        last = ack.version();
        all.add(new Acked("<" + u + "." + i + ">", ack.version()));
      }
    }
    assertThat(all.stream().map(Acked::version).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.rangeClosed(6, 55).boxed().toList());

    TestProbe<StatusReply<Document.View>> read = testKit.createTestProbe();
    document.tell(new Document.Get("bob", read.ref()));
    Document.View after = ok(read.receiveMessage(WAIT));
    assertThat(after.version()).isEqualTo(55);
    // equal inserts at one place keep the order they were committed in
    StringBuilder expected = new StringBuilder();
    all.stream().sorted(Comparator.comparingLong(Acked::version)).forEach(a -> expected.append(a.insert()));
    assertThat(after.text()).isEqualTo(expected.toString());
    for (Acked a : all) assertThat(after.text()).contains(a.insert());
  }
}
