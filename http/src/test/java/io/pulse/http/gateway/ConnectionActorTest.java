package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.pulse.actors.chat.Conversation;
import io.pulse.actors.user.UserPresence;
import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The connection actor on its own: hubs and conversations are probes, the socket is a plain queue. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionActorTest {
  private final ActorTestKit testKit = ActorTestKit.create("ConnectionActorTest", ConfigFactory.parseString("pekko.loglevel = WARNING"));

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  /** A connection actor whose presence hub is {@code hub} (a probe of the test's own) and whose conversations are a probe. */
  private ActorRef<ConnectionActor.Command> connection(String user, Duration heartbeat, Duration idle, TestProbe<UserPresence.Command> hub) {
    TestProbe<Conversation.Command> conversation = testKit.createTestProbe();
    return testKit.spawn(ConnectionActor.create(user, "c-" + user, heartbeat, idle, Duration.ofSeconds(3), id -> hub.ref(), id -> conversation.ref()));
  }

  /** A socket's outbound queue, and its source not yet run. */
  private Pair<BoundedSourceQueue<Outbound>, Source<Outbound, org.apache.pekko.NotUsed>> socketQueue() {
    return Source.<Outbound>queue(4).preMaterialize(testKit.system());
  }

  @Test
  void aPushAfterTheSocketsQueueCompletedIsIgnoredAndTheActorCarriesOn() {
    TestProbe<UserPresence.Command> hub = testKit.createTestProbe();
    ActorRef<ConnectionActor.Command> connection = connection("alice", Duration.ofMinutes(1), Duration.ofMinutes(3), hub);
    Pair<BoundedSourceQueue<Outbound>, Source<Outbound, org.apache.pekko.NotUsed>> queue = socketQueue();
    queue.second().runWith(Sink.ignore(), testKit.system());
    queue.first().complete(); // the socket is closing
    connection.tell(new ConnectionActor.Attach(queue.first()));

    TestProbe<Done> subscribed = testKit.createTestProbe();
    connection.tell(new ConnectionActor.Subscribe("bob", subscribed.ref()));
    subscribed.expectMessage(Done.getInstance());
    hub.expectMessageClass(UserPresence.Heartbeat.class);
    UserPresence.Watch watch = hub.expectMessageClass(UserPresence.Watch.class);

    watch.watcher().tell(new UserPresence.PresenceChanged("bob", true, 1, 1));
    watch.watcher().tell(new UserPresence.PresenceChanged("bob", false, 0, 2));

    // still alive and answering: it did not crash on the completed queue
    TestProbe<Boolean> unsubscribed = testKit.createTestProbe();
    connection.tell(new ConnectionActor.Unsubscribe("bob", unsubscribed.ref()));
    assertThat(unsubscribed.receiveMessage()).isTrue();
  }

  @Test
  void aSilentClientIsClosedOnceWith4001AndLaterTicksLeaveTheActorRunning() {
    // ticks every 50 ms; silent for 150 ms (3 ticks) closes
    ActorRef<ConnectionActor.Command> connection = connection("carol", Duration.ofMillis(50), Duration.ofMillis(150), testKit.createTestProbe());
    Pair<BoundedSourceQueue<Outbound>, Source<Outbound, org.apache.pekko.NotUsed>> queue = socketQueue();
    java.util.concurrent.CompletionStage<java.util.List<Outbound>> socket = queue.second().runWith(Sink.seq(), testKit.system());
    connection.tell(new ConnectionActor.Attach(queue.first()));

    Throwable closed =
        org.assertj.core.api.Assertions.catchThrowable(() -> socket.toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS));
    assertThat(closed).hasCauseInstanceOf(io.pulse.http.ws.CloseWith.class);
    assertThat(((io.pulse.http.ws.CloseWith) closed.getCause()).code()).isEqualTo(io.pulse.http.ws.CloseCodes.IDLE);

    // the socket has not told the actor yet; ticks go on past the limit and must not fail the actor
    TestProbe<Done> subscribed = testKit.createTestProbe();
    for (int i = 0; i < 5; i++) {
      connection.tell(new ConnectionActor.Subscribe("dave" + i, subscribed.ref()));
      subscribed.expectMessage(Duration.ofSeconds(3), Done.getInstance());
      // a tick or more passes between two of these: a probe's silence, not a sleep
      subscribed.expectNoMessage(Duration.ofMillis(60));
    }
  }
}
