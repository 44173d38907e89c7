package io.pulse.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.pulse.config.PulseConfig;
import io.pulse.persistence.CborSerializable;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An event-sourced actor against the real Cassandra journal and snapshot store, with Pulse's config and schema. */
@ExtendWith(CassandraExtension.class)
class CassandraJournalIT {
  private static final Duration PATIENCE = Duration.ofSeconds(15);

  private static ActorTestKit testKit;
  private static CqlSession cql;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("CassandraJournalIT", config());
    cql = CassandraExtension.openSession();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    cql.close();
  }

  private static com.typesafe.config.Config config() {
    return PulseConfig.load(CassandraExtension.configOverrides() + "\npekko.actor.provider = local\n");
  }

  // ---- a tiny counter -------------------------------------------------------------------------------------------

  sealed interface Command permits Add, Get {}

  record Add(int delta, ActorRef<Integer> replyTo) implements Command {}

  record Get(ActorRef<Integer> replyTo) implements Command {}

  record Added(int delta) implements CborSerializable {}

  record Total(int value) implements CborSerializable {}

  /** Snapshots every 2 events and reports each completed snapshot's sequence number. */
  static final class Counter extends EventSourcedBehavior<Command, Added, Total> {
    private final ActorRef<Long> snapshots;

    private Counter(PersistenceId id, ActorRef<Long> snapshots) {
      super(id);
      this.snapshots = snapshots;
    }

    static Behavior<Command> create(PersistenceId id, ActorRef<Long> snapshots) {
      return new Counter(id, snapshots);
    }

    @Override
    public Total emptyState() {
      return new Total(0);
    }

    @Override
    public CommandHandler<Command, Added, Total> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Add.class,
              (state, add) -> Effect().persist(new Added(add.delta())).thenReply(add.replyTo(), Total::value))
          .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), state.value()))
          .build();
    }

    @Override
    public EventHandler<Total, Added> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(Added.class, (state, added) -> new Total(state.value() + added.delta()))
          .build();
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(2, 1);
    }

    @Override
    public SignalHandler<Total> signalHandler() {
      return newSignalHandlerBuilder()
          .onSignal(SnapshotCompleted.class, (state, done) -> snapshots.tell(done.metadata().sequenceNr()))
          .build();
    }
  }

  // ---- tests ----------------------------------------------------------------------------------------------------

  @Test
  void persistsToCassandraAndRecoversAfterBeingStoppedAndRespawned() {
    PersistenceId id = PersistenceId.of("JournalItCounter", UUID.randomUUID().toString());
    TestProbe<Integer> replies = testKit.createTestProbe();
    TestProbe<Long> snapshots = testKit.createTestProbe();

    ActorRef<Command> counter = testKit.spawn(Counter.create(id, snapshots.ref()));
    counter.tell(new Add(5, replies.ref()));
    replies.expectMessage(PATIENCE, 5);
    counter.tell(new Add(7, replies.ref()));
    replies.expectMessage(PATIENCE, 12);
    snapshots.expectMessage(PATIENCE, 2L);
    counter.tell(new Add(30, replies.ref()));
    replies.expectMessage(PATIENCE, 42);
    testKit.stop(counter, PATIENCE);

    // recovery = the snapshot at 2 plus event 3 replayed from the journal
    ActorRef<Command> respawned = testKit.spawn(Counter.create(id, snapshots.ref()));
    respawned.tell(new Get(replies.ref()));
    replies.expectMessage(PATIENCE, 42);
    respawned.tell(new Add(1, replies.ref()));
    replies.expectMessage(PATIENCE, 43);
    snapshots.expectMessage(PATIENCE, 4L);

    assertThat(sequenceNumbers("SELECT sequence_nr FROM pulse.messages WHERE persistence_id = ? AND partition_nr = 0", id))
        .containsExactly(1L, 2L, 3L, 4L);
    // keep-1 retention: the snapshot at 4 replaces the one at 2. The old one is deleted after the new
    // one is saved (SnapshotCompleted comes first), so wait for the deletion.
    snapshots.awaitAssert(
        PATIENCE,
        () -> {
          assertThat(sequenceNumbers("SELECT sequence_nr FROM pulse.snapshots WHERE persistence_id = ?", id))
              .containsExactly(4L);
          return null;
        });
    assertThat(cql.execute("SELECT persistence_id FROM pulse.all_persistence_ids WHERE persistence_id = ?", id.id()).one())
        .isNotNull();
  }

  @Test
  void anotherActorSystemRecoversTheSameStateFromCassandra() {
    PersistenceId id = PersistenceId.of("JournalItCounter", UUID.randomUUID().toString());
    TestProbe<Integer> replies = testKit.createTestProbe();
    ActorRef<Command> counter = testKit.spawn(Counter.create(id, testKit.<Long>createTestProbe().ref()));
    counter.tell(new Add(3, replies.ref()));
    replies.expectMessage(PATIENCE, 3);
    counter.tell(new Add(4, replies.ref()));
    replies.expectMessage(PATIENCE, 7);
    counter.tell(new Add(5, replies.ref()));
    replies.expectMessage(PATIENCE, 12);
    testKit.stop(counter, PATIENCE);

    // nothing shared in memory with the first system: only Cassandra knows the events
    ActorTestKit other = ActorTestKit.create("CassandraJournalIT-other", config());
    try {
      TestProbe<Integer> otherReplies = other.createTestProbe();
      ActorRef<Command> recovered = other.spawn(Counter.create(id, other.<Long>createTestProbe().ref()));
      recovered.tell(new Get(otherReplies.ref()));
      otherReplies.expectMessage(PATIENCE, 12);
    } finally {
      other.shutdownTestKit();
    }
  }

  private static List<Long> sequenceNumbers(String query, PersistenceId id) {
    return cql.execute(query, id.id()).all().stream().map(row -> row.getLong("sequence_nr")).sorted().toList();
  }
}
