package io.pulse.actors.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.user.UserPresence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConversationFanoutTest {
  private static final Duration TYPING_TTL = Duration.ofMillis(300);
  private static final Duration BATCH = Duration.ofMillis(200);
  private static final Conversation.Settings SETTINGS = new Conversation.Settings(10, 5, TYPING_TTL, 3, BATCH);
  private static final List<String> USERS = List.of("alice", "bob", "carol", "mallory");

  /** One call of the history reader, completed by the test. */
  record JournalRead(String persistenceId, long from, long to, CompletableFuture<List<Timeline.Entry>> result) {}

  private final ActorTestKit testKit = ActorTestKit.create("ConversationFanoutTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<String, TestProbe<UserPresence.Command>> hubs = new HashMap<>();
  private TestProbe<JournalRead> reads;
  private String id;
  private ActorRef<ConversationFanout.Command> fanout;

  @BeforeEach
  void fresh() {
    USERS.forEach(u -> hubs.put(u, testKit.createTestProbe()));
    reads = testKit.createTestProbe();
    id = "f-" + ids.incrementAndGet();
    fanout = spawn(SETTINGS);
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private ActorRef<ConversationFanout.Command> spawn(Conversation.Settings settings) {
    HistoryReader history =
        (persistenceId, from, to) -> {
          CompletableFuture<List<Timeline.Entry>> result = new CompletableFuture<>();
          reads.ref().tell(new JournalRead(persistenceId, from, to, result));
          return result;
        };
    return testKit.spawn(ConversationFanout.create(id, "Conversation|" + id, settings, history, u -> hubs.get(u).ref()));
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private static Timeline.Entry message(long seq) {
    return message(seq, "alice");
  }

  private static Timeline.Entry message(long seq, String sender) {
    return new Timeline.Entry(seq, new Conversation.MessageSent(sender, sender + "-" + seq, "m" + seq, seq));
  }

  private static List<Timeline.Entry> messages(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(ConversationFanoutTest::message).toList();
  }

  private ConversationFanout.Appended appended(long seq) {
    return new ConversationFanout.Appended(id, message(seq));
  }

  private void members(String... users) {
    fanout.tell(new ConversationFanout.Members(Set.of(users)));
  }

  private TestProbe<ConversationFanout.Push> live(String userId) {
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register(userId, watcher.ref(), List.of(), 1, 0));
    assertThat(watcher.expectMessageClass(ConversationFanout.PresenceChanged.class).snapshot()).isTrue();
    return watcher;
  }

  private void publish(long from, long to) {
    messages(from, to).forEach(e -> fanout.tell(new ConversationFanout.Published(e)));
  }

  private static List<Long> appendedSeqs(TestProbe<ConversationFanout.Push> watcher, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(watcher.expectMessageClass(ConversationFanout.Appended.class).entry().seq());
    }
    return out;
  }

  /** Presence pushes until none came for three batch intervals. */
  private static List<ConversationFanout.PresenceChanged> presenceUntilQuiet(TestProbe<ConversationFanout.Push> watcher) {
    List<ConversationFanout.PresenceChanged> out = new ArrayList<>();
    out.add(watcher.expectMessageClass(ConversationFanout.PresenceChanged.class, BATCH.multipliedBy(5)));
    while (true) {
      ConversationFanout.Push next;
      try {
        next = watcher.receiveMessage(BATCH.multipliedBy(3));
      } catch (AssertionError quiet) {
        return out;
      }
      assertThat(next).isInstanceOf(ConversationFanout.PresenceChanged.class);
      out.add((ConversationFanout.PresenceChanged) next);
    }
  }

  private ActorRef<UserPresence.UserEvent> adapterWatching(String user) {
    UserPresence.Watch watch = hubs.get(user).expectMessageClass(UserPresence.Watch.class);
    assertThat(watch.snapshot()).isTrue();
    return watch.watcher();
  }

  // ---- delivery -------------------------------------------------------------------------------------

  @Test
  void aRegisteredWatcherGetsTheReplayInOrderThenLiveEvents() {
    members("alice", "bob");
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register("bob", watcher.ref(), messages(1, 3), 1, 0));

    watcher.expectMessage(appended(1));
    watcher.expectMessage(appended(2));
    watcher.expectMessage(appended(3));
    watcher.expectMessage(new ConversationFanout.PresenceChanged(id, Map.of("alice", false, "bob", false), true));
    publish(4, 5);
    watcher.expectMessage(appended(4));
    watcher.expectMessage(appended(5));
    watcher.expectNoMessage(Duration.ofMillis(100));
    reads.expectNoMessage(Duration.ofMillis(10));
  }

  @Test
  void everyWatcherGetsEveryEvent() {
    members("alice", "bob");
    TestProbe<ConversationFanout.Push> bobsPhone = live("bob");
    TestProbe<ConversationFanout.Push> bobsLaptop = live("bob");
    TestProbe<ConversationFanout.Push> alices = live("alice");
    publish(1, 3);
    for (TestProbe<ConversationFanout.Push> w : List.of(bobsPhone, bobsLaptop, alices)) {
      assertThat(appendedSeqs(w, 3)).containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void aJournalCatchUpIsFollowedByTheReplayAndWhatWasPublishedMeanwhile() {
    members("alice", "bob");
    TestProbe<ConversationFanout.Push> other = live("alice");
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register("bob", watcher.ref(), messages(6, 8), 3, 5));

    JournalRead read = reads.receiveMessage();
    assertThat(read.persistenceId()).isEqualTo("Conversation|" + id);
    assertThat(read.from()).isEqualTo(3);
    assertThat(read.to()).isEqualTo(5);
    assertThat(watcher.expectMessageClass(ConversationFanout.PresenceChanged.class).snapshot()).isTrue();

    // events published while the read runs wait for it; other watchers get them at once
    publish(9, 10);
    assertThat(appendedSeqs(other, 2)).containsExactly(9L, 10L);
    watcher.expectNoMessage(Duration.ofMillis(100));

    read.result().complete(messages(3, 5));
    assertThat(appendedSeqs(watcher, 8)).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    publish(11, 11);
    assertThat(appendedSeqs(watcher, 1)).containsExactly(11L);
    watcher.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aJournalReadThatOverlapsTheReplayDeliversNothingTwice() {
    members("bob");
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register("bob", watcher.ref(), messages(6, 8), 3, 5));
    JournalRead read = reads.receiveMessage();
    watcher.expectMessageClass(ConversationFanout.PresenceChanged.class);
    publish(9, 9);

    // the journal answered more than asked (say, up to 7)
    read.result().complete(messages(3, 7));
    assertThat(appendedSeqs(watcher, 7)).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L);
    watcher.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aFailedCatchUpEndsTheSubscription() {
    members("bob");
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register("bob", watcher.ref(), messages(6, 8), 3, 5));
    JournalRead read = reads.receiveMessage();
    watcher.expectMessageClass(ConversationFanout.PresenceChanged.class);

    read.result().completeExceptionally(new IllegalStateException("journal down"));
    ConversationFanout.Ended ended = watcher.expectMessageClass(ConversationFanout.Ended.class);
    assertThat(ended.code()).isEqualTo("unavailable");
    publish(9, 9);
    watcher.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aWatcherTooFarBehindWhileCatchingUpIsToldToResume() {
    members("bob");
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register("bob", watcher.ref(), List.of(), 1, 5));
    JournalRead read = reads.receiveMessage();
    watcher.expectMessageClass(ConversationFanout.PresenceChanged.class);

    publish(6, 6 + ConversationFanout.MAX_PENDING);
    ConversationFanout.Ended ended = watcher.expectMessageClass(ConversationFanout.Ended.class, Duration.ofSeconds(10));
    assertThat(ended.code()).isEqualTo("resume");
    // the late read no longer concerns it
    read.result().complete(messages(1, 5));
    publish(7 + ConversationFanout.MAX_PENDING, 7 + ConversationFanout.MAX_PENDING);
    watcher.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void anUnregisteredOrStoppedWatcherGetsNothingMoreAndTheHubsAreLetGo() {
    members("alice", "bob");
    TestProbe<ConversationFanout.Push> first = live("bob");
    TestProbe<ConversationFanout.Push> second = live("alice");
    ActorRef<UserPresence.UserEvent> adapter = adapterWatching("alice");
    assertThat(adapterWatching("bob")).isEqualTo(adapter);

    fanout.tell(new ConversationFanout.Unregister(first.ref()));
    publish(1, 1);
    assertThat(appendedSeqs(second, 1)).containsExactly(1L);
    first.expectNoMessage(Duration.ofMillis(100));
    hubs.get("alice").expectNoMessage(Duration.ofMillis(10)); // someone still looks

    second.stop();
    assertThat(hubs.get("alice").expectMessageClass(UserPresence.Unwatch.class).watcher()).isEqualTo(adapter);
    assertThat(hubs.get("bob").expectMessageClass(UserPresence.Unwatch.class).watcher()).isEqualTo(adapter);
  }

  // ---- membership -----------------------------------------------------------------------------------

  @Test
  void aRemovedMembersWatchersAreEndedAndGetNothingMore() {
    members("alice", "bob", "carol");
    TestProbe<ConversationFanout.Push> bobs = live("bob");
    TestProbe<ConversationFanout.Push> carolsPhone = live("carol");
    TestProbe<ConversationFanout.Push> carolsLaptop = live("carol");
    ActorRef<UserPresence.UserEvent> adapter = adapterWatching("carol");

    members("alice", "bob");
    ConversationFanout.Ended expected = new ConversationFanout.Ended(id, "not_a_member", "removed from the conversation");
    carolsPhone.expectMessage(expected);
    carolsLaptop.expectMessage(expected);
    assertThat(hubs.get("carol").expectMessageClass(UserPresence.Unwatch.class).watcher()).isEqualTo(adapter);

    publish(1, 1);
    assertThat(appendedSeqs(bobs, 1)).containsExactly(1L);
    carolsPhone.expectNoMessage(Duration.ofMillis(100));
    carolsLaptop.expectNoMessage(Duration.ofMillis(10));
    bobs.expectNoMessage(Duration.ofMillis(10));
  }

  @Test
  void anAddedMembersHubIsWatchedWhileSomeoneLooks() {
    members("alice");
    live("alice");
    adapterWatching("alice");
    members("alice", "bob");
    adapterWatching("bob");
  }

  // ---- typing ---------------------------------------------------------------------------------------

  @Test
  void typingStartsOnceAndStopsAfterTheTtl() {
    members("alice", "bob");
    TestProbe<ConversationFanout.Push> watcher = live("bob");

    long start = System.nanoTime();
    fanout.tell(new ConversationFanout.UserTyping("alice"));
    fanout.tell(new ConversationFanout.UserTyping("alice"));
    fanout.tell(new ConversationFanout.UserTyping("alice"));
    watcher.expectMessage(new ConversationFanout.TypingChanged(id, "alice", true, TYPING_TTL.toMillis()));
    watcher.expectMessage(Duration.ofSeconds(2), new ConversationFanout.TypingChanged(id, "alice", false, 0));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(TYPING_TTL.minusMillis(20));
    watcher.expectNoMessage(Duration.ofMillis(400));

    // a new start after the stop is announced again
    fanout.tell(new ConversationFanout.UserTyping("alice"));
    watcher.expectMessage(new ConversationFanout.TypingChanged(id, "alice", true, TYPING_TTL.toMillis()));
    watcher.expectMessage(Duration.ofSeconds(2), new ConversationFanout.TypingChanged(id, "alice", false, 0));
  }

  @Test
  void sendingAMessageEndsThatMembersTypingAtOnce() {
    fanout = spawn(new Conversation.Settings(10, 5, Duration.ofSeconds(20), 3, BATCH));
    members("alice", "bob");
    TestProbe<ConversationFanout.Push> watcher = live("bob");

    fanout.tell(new ConversationFanout.UserTyping("alice"));
    fanout.tell(new ConversationFanout.UserTyping("bob"));
    assertThat(watcher.expectMessageClass(ConversationFanout.TypingChanged.class).userId()).isEqualTo("alice");
    assertThat(watcher.expectMessageClass(ConversationFanout.TypingChanged.class).userId()).isEqualTo("bob");

    fanout.tell(new ConversationFanout.Published(message(1, "alice")));
    assertThat(watcher.expectMessageClass(ConversationFanout.Appended.class).entry().seq()).isEqualTo(1);
    // well before the 20 s TTL, and only alice's
    watcher.expectMessage(new ConversationFanout.TypingChanged(id, "alice", false, 0));
    watcher.expectNoMessage(Duration.ofMillis(200));

    // a non-message event does not end typing
    fanout.tell(new ConversationFanout.Published(new Timeline.Entry(2, new Conversation.Read("bob", 1, 1, 2L))));
    assertThat(watcher.expectMessageClass(ConversationFanout.Appended.class).entry().seq()).isEqualTo(2);
    watcher.expectNoMessage(Duration.ofMillis(200));
  }

  // ---- presence -------------------------------------------------------------------------------------

  @Test
  void presenceIsASnapshotOnRegisterThenBatchedDiffs() {
    members("alice", "bob");
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register("bob", watcher.ref(), List.of(), 1, 0));
    watcher.expectMessage(new ConversationFanout.PresenceChanged(id, Map.of("alice", false, "bob", false), true));
    ActorRef<UserPresence.UserEvent> adapter = adapterWatching("alice");
    assertThat(adapterWatching("bob")).isEqualTo(adapter);

    long start = System.nanoTime();
    adapter.tell(new UserPresence.PresenceChanged("alice", true, 1, 10));
    adapter.tell(new UserPresence.PresenceChanged("bob", true, 2, 11));
    adapter.tell(new UserPresence.PresenceChanged("mallory", true, 1, 12)); // not a member: ignored
    Map<String, Boolean> seen = new HashMap<>();
    int batches = 0;
    while (seen.size() < 2) {
      ConversationFanout.PresenceChanged diff =
          watcher.expectMessageClass(ConversationFanout.PresenceChanged.class, BATCH.multipliedBy(5));
      assertThat(diff.snapshot()).isFalse();
      seen.putAll(diff.online());
      batches++;
    }
    assertThat(seen).isEqualTo(Map.of("alice", true, "bob", true));
    assertThat(batches).isLessThanOrEqualTo(2); // one batch, or two if a flush fell between the two changes
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BATCH.multipliedBy(5));

    // a change that changes nothing is not sent
    adapter.tell(new UserPresence.PresenceChanged("alice", true, 2, 13));
    watcher.expectNoMessage(BATCH.multipliedBy(2));

    // many flips within one interval cost at most a couple of messages, and the last one wins
    for (int i = 0; i < 9; i++) adapter.tell(new UserPresence.PresenceChanged("alice", i % 2 == 0 ? false : true, 1, 20 + i));
    List<ConversationFanout.PresenceChanged> flips = presenceUntilQuiet(watcher);
    assertThat(flips).hasSizeBetween(1, 2);
    Map<String, Boolean> last = new HashMap<>();
    flips.forEach(f -> last.putAll(f.online()));
    assertThat(last).isEqualTo(Map.of("alice", false));

    // a later watcher's snapshot is the current view
    TestProbe<ConversationFanout.Push> later = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register("alice", later.ref(), List.of(), 1, 0));
    later.expectMessage(new ConversationFanout.PresenceChanged(id, Map.of("alice", false, "bob", true), true));
  }

  @Test
  void aWatcherStillCatchingUpGetsPresenceDiffsToo() {
    members("alice", "bob");
    TestProbe<ConversationFanout.Push> watcher = testKit.createTestProbe();
    fanout.tell(new ConversationFanout.Register("bob", watcher.ref(), List.of(), 1, 3));
    JournalRead read = reads.receiveMessage();
    watcher.expectMessage(new ConversationFanout.PresenceChanged(id, Map.of("alice", false, "bob", false), true));
    ActorRef<UserPresence.UserEvent> adapter = adapterWatching("alice");

    adapter.tell(new UserPresence.PresenceChanged("alice", true, 1, 10));
    watcher.expectMessage(BATCH.multipliedBy(5), new ConversationFanout.PresenceChanged(id, Map.of("alice", true), false));

    read.result().complete(messages(1, 3));
    assertThat(appendedSeqs(watcher, 3)).containsExactly(1L, 2L, 3L);
  }
}
