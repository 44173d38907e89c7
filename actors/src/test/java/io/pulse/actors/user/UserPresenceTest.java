package io.pulse.actors.user;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UserPresenceTest {
  private static final Duration TTL = Duration.ofMillis(600);

  private final ActorTestKit testKit = ActorTestKit.create("UserPresenceTest", TestConfigs.inMemory());
  private TestProbe<ClusterSharding.ShardCommand> shard;
  private TestProbe<UserPresence.UserEvent> watcher;
  private TestProbe<UserPresence.UserEvent> device;
  private ActorRef<UserPresence.Command> hub;

  @BeforeEach
  void fresh() {
    shard = testKit.createTestProbe();
    watcher = testKit.createTestProbe();
    device = testKit.createTestProbe();
    hub = testKit.spawn(UserPresence.create("alice", TTL, shard.ref()));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private UserPresence.PresenceChanged nextPresence(TestProbe<UserPresence.UserEvent> probe) {
    return probe.expectMessageClass(UserPresence.PresenceChanged.class);
  }

  @Test
  void aWatcherGetsASnapshotThenOnlyFlips() {
    hub.tell(new UserPresence.Watch(watcher.ref()));
    UserPresence.PresenceChanged snapshot = nextPresence(watcher);
    assertThat(snapshot.online()).isFalse();

    hub.tell(new UserPresence.Heartbeat("phone", device.ref()));
    UserPresence.PresenceChanged online = nextPresence(watcher);
    assertThat(online.online()).isTrue();
    assertThat(online.connections()).isEqualTo(1);
    assertThat(online.version()).isGreaterThan(snapshot.version());

    // a second device and repeated heartbeats change no one's view of online: no diff
    hub.tell(new UserPresence.Heartbeat("laptop", device.ref()));
    hub.tell(new UserPresence.Heartbeat("phone", device.ref()));
    hub.tell(new UserPresence.Disconnected("phone"));
    watcher.expectNoMessage(Duration.ofMillis(200));

    hub.tell(new UserPresence.Disconnected("laptop"));
    UserPresence.PresenceChanged offline = nextPresence(watcher);
    assertThat(offline.online()).isFalse();
    assertThat(offline.version()).isGreaterThan(online.version());
  }

  @Test
  void aRepeatedWatchRefreshesWithoutASecondSnapshotUnlessAsked() {
    hub.tell(new UserPresence.Watch(watcher.ref()));
    nextPresence(watcher);
    hub.tell(new UserPresence.Watch(watcher.ref(), false));
    watcher.expectNoMessage(Duration.ofMillis(200));
    hub.tell(new UserPresence.Watch(watcher.ref(), true));
    assertThat(nextPresence(watcher).online()).isFalse();
  }

  @Test
  void aSilentConnectionExpiresAfterTheTtl() {
    hub.tell(new UserPresence.Heartbeat("phone", device.ref()));
    hub.tell(new UserPresence.Watch(watcher.ref()));
    assertThat(nextPresence(watcher).online()).isTrue();

    long start = System.nanoTime();
    UserPresence.PresenceChanged expired = watcher.expectMessageClass(UserPresence.PresenceChanged.class, TTL.multipliedBy(4));
    assertThat(expired.online()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(TTL.minusMillis(100));
  }

  @Test
  void profileChangesAreRelayedToWatchers() {
    hub.tell(new UserPresence.Watch(watcher.ref()));
    nextPresence(watcher);
    User.Profile profile = new User.Profile("alice", "Alice", null, null, 1);
    hub.tell(new UserPresence.ProfileChanged(profile));
    assertThat(watcher.expectMessageClass(UserPresence.ProfileUpdated.class).profile()).isEqualTo(profile);
  }

  @Test
  void getPresenceAnswersTheCurrentView() {
    TestProbe<UserPresence.PresenceChanged> reply = testKit.createTestProbe();
    hub.tell(new UserPresence.Heartbeat("a", device.ref()));
    hub.tell(new UserPresence.Heartbeat("b", device.ref()));
    hub.tell(new UserPresence.GetPresence(reply.ref()));
    UserPresence.PresenceChanged view = reply.receiveMessage();
    assertThat(view.userId()).isEqualTo("alice");
    assertThat(view.online()).isTrue();
    assertThat(view.connections()).isEqualTo(2);
  }

  @Test
  void asksToBePassivatedOnceNothingIsAttached() {
    hub.tell(new UserPresence.Heartbeat("phone", device.ref()));
    hub.tell(new UserPresence.Watch(watcher.ref()));
    nextPresence(watcher);
    hub.tell(new UserPresence.Unwatch(watcher.ref()));
    shard.expectNoMessage(Duration.ofMillis(200));

    hub.tell(new UserPresence.Disconnected("phone"));
    ClusterSharding.Passivate<?> passivate = shard.expectMessageClass(ClusterSharding.Passivate.class);
    assertThat(passivate.entity()).isEqualTo(hub);
  }

  @Test
  void aStoppedWatcherIsForgotten() {
    TestProbe<UserPresence.UserEvent> doomed = testKit.createTestProbe();
    hub.tell(new UserPresence.Watch(doomed.ref()));
    nextPresence(doomed);
    doomed.stop();
    // the only thing attached was the stopped watcher: the hub lets itself go
    ClusterSharding.Passivate<?> passivate = shard.expectMessageClass(ClusterSharding.Passivate.class);
    assertThat(passivate.entity()).isEqualTo(hub);
  }

  @Test
  void inboxChangesGoToEveryLiveConnectionOfTheUserAndToNoWatcher() {
    TestProbe<UserPresence.UserEvent> laptop = testKit.createTestProbe();
    hub.tell(new UserPresence.Watch(watcher.ref()));
    nextPresence(watcher);
    hub.tell(new UserPresence.Heartbeat("phone", device.ref()));
    hub.tell(new UserPresence.Heartbeat("laptop", laptop.ref()));
    nextPresence(watcher);

    UserPresence.InboxChanged joined = new UserPresence.InboxChanged("g-1", true);
    hub.tell(new UserPresence.NotifyInbox(joined));
    assertThat(device.expectMessageClass(UserPresence.InboxChanged.class)).isEqualTo(joined);
    assertThat(laptop.expectMessageClass(UserPresence.InboxChanged.class)).isEqualTo(joined);

    hub.tell(new UserPresence.Disconnected("laptop"));
    UserPresence.InboxChanged left = new UserPresence.InboxChanged("g-1", false);
    hub.tell(new UserPresence.NotifyInbox(left));
    assertThat(device.expectMessageClass(UserPresence.InboxChanged.class)).isEqualTo(left);
    laptop.expectNoMessage(Duration.ofMillis(200));
    watcher.expectNoMessage(Duration.ZERO);
  }

  @Test
  void anInboxChangeForAnOfflineUserIsDroppedAndTheHubLetsItselfGo() {
    hub.tell(new UserPresence.NotifyInbox(new UserPresence.InboxChanged("g-1", true)));
    ClusterSharding.Passivate<?> passivate = shard.expectMessageClass(ClusterSharding.Passivate.class);
    assertThat(passivate.entity()).isEqualTo(hub);
  }
}
