package io.pulse.actors;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.Inbox;
import io.pulse.actors.user.UserPresence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.JournalOperation;
import org.apache.pekko.persistence.testkit.ProcessingResult;
import org.apache.pekko.persistence.testkit.ProcessingSuccess$;
import org.apache.pekko.persistence.testkit.WriteEvents;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Group commit in front of a real Conversation on the in-memory journal. The journal is held on its
 * first write until every command is queued, so what the front does with commands that arrive during a
 * write is observed, not left to timing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroupCommitTest {
  private final ActorTestKit testKit = ActorTestKit.create("GroupCommitTest", TestConfigs.inMemory());
  private final PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
  private static final Conversation.Settings SETTINGS =
      new Conversation.Settings(1_000, 500, Duration.ofSeconds(5), 100, Duration.ofSeconds(1));

  @AfterEach
  void resetJournal() {
    journal.resetPolicy();
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  /** Counts the journal writes of one persistence id; the first one waits for {@code release}. */
  private static final class WriteCounter implements org.apache.pekko.persistence.testkit.ProcessingPolicy<JournalOperation> {
    final String persistenceId;
    final CountDownLatch release = new CountDownLatch(1);
    final ConcurrentLinkedQueue<Integer> writeSizes = new ConcurrentLinkedQueue<>();
    volatile boolean holdNext = false;

    WriteCounter(String persistenceId) {
      this.persistenceId = persistenceId;
    }

    @Override
    public ProcessingResult tryProcess(String id, JournalOperation op) {
      if (id.equals(persistenceId) && op instanceof WriteEvents w) {
        writeSizes.add(w.getBatch().size());
        if (holdNext) {
          holdNext = false;
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      return ProcessingSuccess$.MODULE$;
    }
  }

  private ActorRef<Conversation.Command> spawnConversation(String id) {
    TestProbe<Inbox.Command> inbox = testKit.createTestProbe();
    TestProbe<UserPresence.Command> presence = testKit.createTestProbe();
    return testKit.spawn(
        GroupCommit.<Conversation.Command>create(
            front -> Conversation.create(id, SETTINGS, (pid, from, to) -> CompletableFuture.completedFuture(List.of()), u -> inbox.ref(), u -> presence.ref(), front),
            Conversation::isWrite,
            Conversation.Batch::new));
  }

  private void createGroup(ActorRef<Conversation.Command> conversation, int senders) {
    TestProbe<StatusReply<Conversation.Summary>> created = testKit.createTestProbe();
    List<String> members = new ArrayList<>();
    for (int i = 1; i < senders; i++) members.add("s" + i);
    conversation.tell(new Conversation.Create("s0", Conversation.GROUP, members, "hot", created.ref()));
    assertThat(created.receiveMessage().isSuccess()).isTrue();
  }

  @Test
  void writesArrivingDuringAWriteArePersistedTogetherAndEachIsAnsweredInOrder() {
    String id = "hot-1";
    WriteCounter counter = new WriteCounter("Conversation|" + id);
    journal.withPolicy(counter);
    ActorRef<Conversation.Command> conversation = spawnConversation(id);
    createGroup(conversation, 8);

    counter.holdNext = true; // the next write (the first send) waits until everything below is queued
    TestProbe<StatusReply<Conversation.SendAck>> acks = testKit.createTestProbe();
    int perSender = 25;
    for (int i = 0; i < perSender; i++) {
      for (int s = 0; s < 8; s++) conversation.tell(new Conversation.Send("s" + s, "m" + i, "text " + i, acks.ref()));
    }
    // one invalid command and one resend of an id already in this batch
    TestProbe<StatusReply<Conversation.SendAck>> odd = testKit.createTestProbe();
    conversation.tell(new Conversation.Send("s0", "blank", " ", odd.ref()));
    conversation.tell(new Conversation.Send("s1", "m3", "text 3", odd.ref()));
    // a read after them all sees every one of them
    TestProbe<StatusReply<Conversation.Summary>> summary = testKit.createTestProbe();
    conversation.tell(new Conversation.GetSummary("s0", summary.ref()));
    counter.release.countDown();

    List<Long> all = new ArrayList<>();
    for (int i = 0; i < 8 * perSender; i++) {
      StatusReply<Conversation.SendAck> reply = acks.receiveMessage(Duration.ofSeconds(10));
      assertThat(reply.isSuccess()).isTrue();
      all.add(reply.getValue().seq());
    }
    // gap-free: the creation is seq 1, the 200 sends are 2..201, each exactly once
    assertThat(all).doesNotHaveDuplicates().hasSize(200);
    assertThat(all.stream().mapToLong(Long::longValue).min().getAsLong()).isEqualTo(2);
    assertThat(all.stream().mapToLong(Long::longValue).max().getAsLong()).isEqualTo(201);

    StatusReply<Conversation.SendAck> rejected = odd.receiveMessage();
    assertThat(Rejection.of(rejected.getError()).code()).isEqualTo("invalid_message");
    StatusReply<Conversation.SendAck> duplicate = odd.receiveMessage();
    assertThat(duplicate.getValue().duplicate()).isTrue();
    assertThat(summary.receiveMessage().getValue().lastSeq()).isEqualTo(201);

    // 1 write for the creation, 1 for the first send, and the other 199 sends in far fewer writes
    List<Integer> writes = new ArrayList<>(counter.writeSizes);
    assertThat(writes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(201);
    assertThat(writes.get(0)).isEqualTo(1);
    assertThat(writes.get(1)).isEqualTo(1);
    assertThat(writes.size()).isLessThanOrEqualTo(4);

    // per sender, acks come in the order that sender sent
    List<Long> ofS3 = new ArrayList<>();
    journal.persistedInStorage("Conversation|" + id).forEach(e -> {
      if (e instanceof Conversation.MessageSent m && m.sender().equals("s3")) ofS3.add(Long.parseLong(m.clientMsgId().substring(1)));
    });
    assertThat(ofS3).isSorted().hasSize(perSender);
  }

  @Test
  void aSingleWriteWithNothingInFlightGoesAtOnce() {
    String id = "calm-1";
    WriteCounter counter = new WriteCounter("Conversation|" + id);
    journal.withPolicy(counter);
    ActorRef<Conversation.Command> conversation = spawnConversation(id);
    createGroup(conversation, 2);
    TestProbe<StatusReply<Conversation.SendAck>> acks = testKit.createTestProbe();
    for (int i = 0; i < 3; i++) {
      conversation.tell(new Conversation.Send("s1", "c" + i, "hi", acks.ref()));
      assertThat(acks.receiveMessage().getValue().seq()).isEqualTo(2 + i);
    }
    assertThat(new ArrayList<>(counter.writeSizes)).containsExactly(1, 1, 1, 1);
  }

  @Test
  void everyWriteThatPersistedIsTimedOnceAndARejectedOneIsNot() {
    ConcurrentLinkedQueue<Double> timed = new ConcurrentLinkedQueue<>();
    JournalWriteTimings.get(testKit.system()).observeWith(timed::add);
    try {
      String id = "timed-1";
      WriteCounter counter = new WriteCounter("Conversation|" + id);
      journal.withPolicy(counter);
      ActorRef<Conversation.Command> conversation = spawnConversation(id);
      createGroup(conversation, 2);
      TestProbe<StatusReply<Conversation.SendAck>> acks = testKit.createTestProbe();
      conversation.tell(new Conversation.Send("s1", "t1", "hi", acks.ref()));
      assertThat(acks.receiveMessage().isSuccess()).isTrue();
      // blank text: refused before anything is persisted, so no journal write to time
      conversation.tell(new Conversation.Send("s1", "t2", " ", acks.ref()));
      assertThat(acks.receiveMessage().isError()).isTrue();
      // the creation and the one send: two writes, two timings, each a real duration
      assertThat(counter.writeSizes).hasSize(2);
      assertThat(timed).hasSize(2).allSatisfy(seconds -> assertThat(seconds).isPositive().isLessThan(10.0));
    } finally {
      JournalWriteTimings.get(testKit.system()).observeWith(seconds -> {});
    }
  }
}
