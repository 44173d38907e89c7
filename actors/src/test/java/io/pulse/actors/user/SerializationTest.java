package io.pulse.actors.user;

import io.pulse.actors.TestConfigs;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every message of the user domain survives the wire (CBOR) and comes back equal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SerializationTest {
  private final ActorTestKit testKit = ActorTestKit.create("UserSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyUserAndPresenceMessageRoundTrips() {
    ActorRef<org.apache.pekko.pattern.StatusReply<User.Profile>> profileReplies = testKit.<org.apache.pekko.pattern.StatusReply<User.Profile>>createTestProbe().ref();
    ActorRef<UserPresence.UserEvent> watcher = testKit.<UserPresence.UserEvent>createTestProbe().ref();
    ActorRef<UserPresence.PresenceChanged> presenceReplies = testKit.<UserPresence.PresenceChanged>createTestProbe().ref();
    User.Profile profile = new User.Profile("alice", "Alice", "https://img.example/a.png", null, 7);

    List<Object> messages =
        List.of(
            profile,
            new User.ProfileChange("Alice", null, ""),
            new User.UpdateProfile(new User.ProfileChange("Alice", null, null), profileReplies),
            new User.GetProfile(profileReplies),
            new User.ProfileUpdated("Alice", null, "away"),
            new UserPresence.Heartbeat("c-1", watcher),
            new UserPresence.Disconnected("c-1"),
            new UserPresence.Watch(watcher, false),
            new UserPresence.Unwatch(watcher),
            new UserPresence.GetPresence(presenceReplies),
            new UserPresence.ProfileChanged(profile),
            new UserPresence.PresenceChanged("alice", true, 2, 42),
            new UserPresence.ProfileUpdated(profile),
            new UserPresence.NotifyInbox(new UserPresence.InboxChanged("g-1", true)),
            new UserPresence.InboxChanged("g-1", false));
    for (Object message : messages) serialization.verifySerialization(message, true);
  }
}
