package io.pulse.actors.user;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UserTest {
  private final ActorTestKit testKit = ActorTestKit.create("UserTest", TestConfigs.inMemory());
  private TestProbe<UserPresence.Command> hub;
  private EventSourcedBehaviorTestKit<User.Command, User.Event, User.Profile> user;

  @BeforeEach
  void fresh() {
    hub = testKit.createTestProbe();
    // serialization of every command, event, reply and state is checked by the kit (on by default)
    user = EventSourcedBehaviorTestKit.create(testKit.system(), User.create("alice", id -> hub.ref()));
    user.clear();
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void anUnknownUserHasAnEmptyProfile() {
    CommandResultWithReply<User.Command, User.Event, User.Profile, StatusReply<User.Profile>> result =
        user.runCommand(User.GetProfile::new);
    assertThat(result.reply().getValue()).isEqualTo(new User.Profile("alice", null, null, null, 0));
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void updatePersistsRepliesWithTheNewProfileAndTellsThePresenceHub() {
    CommandResultWithReply<User.Command, User.Event, User.Profile, StatusReply<User.Profile>> result =
        user.runCommand(r -> new User.UpdateProfile(new User.ProfileChange("Alice", "https://img.example/a.png", "hi"), r));

    User.Profile expected = new User.Profile("alice", "Alice", "https://img.example/a.png", "hi", 1);
    assertThat(result.reply().getValue()).isEqualTo(expected);
    assertThat(result.event()).isEqualTo(new User.ProfileUpdated("Alice", "https://img.example/a.png", "hi"));
    assertThat(result.state()).isEqualTo(expected);
    assertThat(hub.expectMessageClass(UserPresence.ProfileChanged.class).profile()).isEqualTo(expected);
  }

  @Test
  void anInvalidChangeIsRejectedWithACodeAndPersistsNothing() {
    CommandResultWithReply<User.Command, User.Event, User.Profile, StatusReply<User.Profile>> result =
        user.runCommand(r -> new User.UpdateProfile(new User.ProfileChange(" ", null, null), r));

    assertThat(result.reply().isError()).isTrue();
    assertThat(Rejection.of(result.reply().getError()).code()).isEqualTo(ProfileRules.INVALID_PROFILE);
    assertThat(result.hasNoEvents()).isTrue();
    hub.expectNoMessage();
  }

  @Test
  void theProfileSurvivesARestart() {
    user.<StatusReply<User.Profile>>runCommand(r -> new User.UpdateProfile(new User.ProfileChange("Alice", null, null), r));
    user.<StatusReply<User.Profile>>runCommand(r -> new User.UpdateProfile(new User.ProfileChange(null, null, "away"), r));

    user.restart();

    StatusReply<User.Profile> reply = user.<StatusReply<User.Profile>>runCommand(User.GetProfile::new).reply();
    assertThat(reply.getValue()).isEqualTo(new User.Profile("alice", "Alice", null, "away", 2));
  }
}
