package io.pulse.actors.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.user.UserPresence;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InboxTest {
  private final ActorTestKit testKit = ActorTestKit.create("InboxTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private EventSourcedBehaviorTestKit<Inbox.Command, Inbox.Event, Inbox.State> inbox;
  private TestProbe<UserPresence.Command> hub;

  @BeforeEach
  void fresh() {
    // serialization of every command, event, reply and state is checked by the kit (on by default)
    hub = testKit.createTestProbe();
    inbox = EventSourcedBehaviorTestKit.create(testKit.system(), Inbox.create("user-" + ids.incrementAndGet(), hub.ref()));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private List<String> conversations() {
    StatusReply<Inbox.Conversations> reply = inbox.<StatusReply<Inbox.Conversations>>runCommand(Inbox.GetConversations::new).reply();
    assertThat(reply.isSuccess()).isTrue();
    return reply.getValue().conversationIds();
  }

  @Test
  void aNewInboxIsEmpty() {
    var result = inbox.<StatusReply<Inbox.Conversations>>runCommand(Inbox.GetConversations::new);
    assertThat(result.reply().getValue().conversationIds()).isEmpty();
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void joinsAreListedNewestFirst() {
    assertThat(inbox.runCommand(new Inbox.Joined("c1")).event()).isEqualTo(new Inbox.ConversationJoined("c1"));
    inbox.runCommand(new Inbox.Joined("c2"));
    inbox.runCommand(new Inbox.Joined("c3"));
    assertThat(conversations()).containsExactly("c3", "c2", "c1");
  }

  @Test
  void aRepeatedJoinStoresNothingAndKeepsThePlace() {
    inbox.runCommand(new Inbox.Joined("c1"));
    inbox.runCommand(new Inbox.Joined("c2"));
    var again = inbox.runCommand(new Inbox.Joined("c1"));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.state().conversations()).containsExactly("c2", "c1");
  }

  @Test
  void leavingRemovesOnlyThatConversationAndAnUnknownLeaveStoresNothing() {
    inbox.runCommand(new Inbox.Joined("c1"));
    inbox.runCommand(new Inbox.Joined("c2"));
    inbox.runCommand(new Inbox.Joined("c3"));
    var left = inbox.runCommand(new Inbox.Left("c2"));
    assertThat(left.event()).isEqualTo(new Inbox.ConversationLeft("c2"));
    assertThat(left.state().conversations()).containsExactly("c3", "c1");

    assertThat(inbox.runCommand(new Inbox.Left("c2")).hasNoEvents()).isTrue();
    assertThat(inbox.runCommand(new Inbox.Left("nope")).hasNoEvents()).isTrue();
    assertThat(conversations()).containsExactly("c3", "c1");
  }

  @Test
  void rejoiningAfterLeavingPutsTheConversationFirstAgain() {
    inbox.runCommand(new Inbox.Joined("c1"));
    inbox.runCommand(new Inbox.Joined("c2"));
    inbox.runCommand(new Inbox.Left("c1"));
    assertThat(inbox.runCommand(new Inbox.Joined("c1")).events()).hasSize(1);
    assertThat(conversations()).containsExactly("c1", "c2");
  }

  @Test
  void theListSurvivesARestart() {
    inbox.runCommand(new Inbox.Joined("c1"));
    inbox.runCommand(new Inbox.Joined("c2"));
    inbox.runCommand(new Inbox.Joined("c3"));
    inbox.runCommand(new Inbox.Left("c2"));

    assertThat(inbox.restart().state().conversations()).containsExactly("c3", "c1");
    assertThat(conversations()).containsExactly("c3", "c1");
    // and idempotence holds across it
    assertThat(inbox.runCommand(new Inbox.Joined("c3")).hasNoEvents()).isTrue();
    assertThat(inbox.runCommand(new Inbox.Joined("c2")).events()).hasSize(1);
    assertThat(conversations()).containsExactly("c2", "c3", "c1");
  }

  @Test
  void storedJoinsAndLeavesAreToldToTheUsersHubOnce() {
    inbox.runCommand(new Inbox.Joined("c1"));
    hub.expectMessage(new UserPresence.NotifyInbox(new UserPresence.InboxChanged("c1", true)));
    inbox.runCommand(new Inbox.Joined("c1"));
    inbox.runCommand(new Inbox.Left("c2"));
    hub.expectNoMessage(java.time.Duration.ofMillis(200));
    inbox.runCommand(new Inbox.Left("c1"));
    hub.expectMessage(new UserPresence.NotifyInbox(new UserPresence.InboxChanged("c1", false)));
  }
}
