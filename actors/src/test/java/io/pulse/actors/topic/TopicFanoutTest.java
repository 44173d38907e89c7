package io.pulse.actors.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import java.util.List;
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
class TopicFanoutTest {
  /** A test event: a number, and a cursor that an event of {@code shift} moves. */
  record Num(long n) implements TopicEvent {}

  record Cursor(long at) implements TopicEvent {}

  record JournalRead(long from, long to, CompletableFuture<List<TopicFanout.Entry>> result) {}

  private final ActorTestKit testKit = ActorTestKit.create("TopicFanoutTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private TestProbe<JournalRead> reads;
  private String topic;
  private ActorRef<TopicFanout.Command> fanout;

  @BeforeEach
  void fresh() {
    reads = testKit.createTestProbe();
    topic = "t:" + ids.incrementAndGet();
    TopicFanout.History history =
        (pid, from, to) -> {
          CompletableFuture<List<TopicFanout.Entry>> result = new CompletableFuture<>();
          reads.ref().tell(new JournalRead(from, to, result));
          return result;
        };
    // every Num moves a cursor forward by its n
    TopicFanout.PresenceThrough through =
        (presence, published) -> presence instanceof Cursor c && published instanceof Num n ? new Cursor(c.at() + n.n()) : presence;
    fanout = testKit.spawn(TopicFanout.create(topic, "T|" + topic, history, through));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private static TopicFanout.Entry entry(long seq) {
    return new TopicFanout.Entry(seq, new Num(seq));
  }

  private static List<TopicFanout.Entry> entries(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(TopicFanoutTest::entry).toList();
  }

  private TopicPush.Appended appended(long seq) {
    return new TopicPush.Appended(topic, seq, new Num(seq));
  }

  private TestProbe<TopicPush> liveWatcher(String user) {
    TestProbe<TopicPush> w = testKit.createTestProbe();
    fanout.tell(new TopicFanout.Register(user, w.ref(), List.of(), 1, 0));
    return w;
  }

  @Test
  void replaysTheRecentEventsThenGoesLive() {
    TestProbe<TopicPush> w = testKit.createTestProbe();
    fanout.tell(new TopicFanout.Register("alice", w.ref(), entries(3, 4), 1, 0));
    fanout.tell(new TopicFanout.Published(entry(5)));

    assertThat(List.of(w.receiveMessage(), w.receiveMessage(), w.receiveMessage())).containsExactly(appended(3), appended(4), appended(5));
  }

  @Test
  void aSubscriberAwayLongerThanMemoryGetsTheJournalThenWhatItHeldBackInOrderWithoutDuplicates() {
    TestProbe<TopicPush> w = testKit.createTestProbe();
    fanout.tell(new TopicFanout.Register("alice", w.ref(), entries(6, 7), 2, 5));
    JournalRead read = reads.receiveMessage();
    assertThat(read.from()).isEqualTo(2);
    assertThat(read.to()).isEqualTo(5);
    fanout.tell(new TopicFanout.Published(entry(8)));
    w.expectNoMessage(java.time.Duration.ofMillis(100)); // held back while the journal is read

    read.result().complete(entries(2, 7)); // the journal may overlap the window: no duplicates
    List<Long> seqs = LongStream.range(0, 7).mapToObj(i -> ((TopicPush.Appended) w.receiveMessage()).seq()).toList();
    assertThat(seqs).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L);
    fanout.tell(new TopicFanout.Published(entry(9)));
    assertThat(w.receiveMessage()).isEqualTo(appended(9));
  }

  @Test
  void aFailedCatchUpEndsTheSubscriptionWithUnavailable() {
    TestProbe<TopicPush> w = testKit.createTestProbe();
    fanout.tell(new TopicFanout.Register("alice", w.ref(), List.of(), 1, 3));
    reads.receiveMessage().result().completeExceptionally(new RuntimeException("journal down"));
    TopicPush.Ended ended = w.expectMessageClass(TopicPush.Ended.class);
    assertThat(ended.code()).isEqualTo("unavailable");
    fanout.tell(new TopicFanout.Published(entry(4)));
    w.expectNoMessage(java.time.Duration.ofMillis(100));
  }

  @Test
  void presenceGoesToTheOthersMovesWithEventsIsSnapshottedForNewcomersAndGoesWithItsConnection() {
    TestProbe<TopicPush> alice = liveWatcher("alice");
    TestProbe<TopicPush> bob = liveWatcher("bob");
    fanout.tell(new TopicFanout.SetPresence(alice.ref(), "c-alice", new Cursor(10)));
    assertThat(bob.receiveMessage()).isEqualTo(new TopicPush.Ephemeral(topic, "c-alice", new Cursor(10)));
    alice.expectNoMessage(java.time.Duration.ofMillis(50)); // not echoed to its own connection

    fanout.tell(new TopicFanout.Published(entry(5)));
    alice.expectMessage(appended(5));
    bob.expectMessage(appended(5));

    TestProbe<TopicPush> carol = testKit.createTestProbe();
    fanout.tell(new TopicFanout.Register("carol", carol.ref(), List.of(), 1, 0));
    assertThat(carol.receiveMessage()).isEqualTo(new TopicPush.Ephemeral(topic, "c-alice", new Cursor(15)));

    alice.stop();
    assertThat(bob.receiveMessage()).isEqualTo(new TopicPush.Gone(topic, "c-alice"));
    assertThat(carol.receiveMessage()).isEqualTo(new TopicPush.Gone(topic, "c-alice"));
  }

  @Test
  void broadcastsReachLiveSubscribersAndEndUsersEndsOnlyThoseUsers() {
    TestProbe<TopicPush> alice = liveWatcher("alice");
    TestProbe<TopicPush> bob = liveWatcher("bob");
    fanout.tell(new TopicFanout.Broadcast("left", new Num(30)));
    alice.expectMessage(new TopicPush.Ephemeral(topic, "left", new Num(30)));
    bob.expectMessage(new TopicPush.Ephemeral(topic, "left", new Num(30)));

    fanout.tell(new TopicFanout.EndUsers(Set.of("bob"), "forbidden", "access revoked"));
    assertThat(bob.receiveMessage()).isEqualTo(new TopicPush.Ended(topic, "forbidden", "access revoked"));
    fanout.tell(new TopicFanout.Published(entry(1)));
    alice.expectMessage(appended(1));
    bob.expectNoMessage(java.time.Duration.ofMillis(100));
  }

  @Test
  void aSubscriberThatFallsTooFarBehindWhileCatchingUpIsToldToResume() {
    TestProbe<TopicPush> w = testKit.createTestProbe();
    fanout.tell(new TopicFanout.Register("alice", w.ref(), List.of(), 1, 1));
    reads.receiveMessage();
    for (long seq = 2; seq <= TopicFanout.MAX_PENDING + 2; seq++) fanout.tell(new TopicFanout.Published(entry(seq)));
    assertThat(w.expectMessageClass(TopicPush.Ended.class).code()).isEqualTo("resume");
  }

  @Test
  void pushesAndEntriesSurviveTheWireWithTheirEventType() {
    var serialization = testKit.serializationTestKit();
    for (Object m :
        List.of(
            appended(1),
            new TopicPush.Ephemeral(topic, "k", new Cursor(3)),
            new TopicPush.Gone(topic, "k"),
            new TopicPush.Ended(topic, "resume", "r"),
            entry(4))) {
      serialization.verifySerialization(m, true);
    }
  }
}
