package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A fence's inside set: events only for changes, stale and repeated crossings ignored, kept across restarts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GeofenceTest {
  private final ActorTestKit testKit = ActorTestKit.create("GeofenceTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private EventSourcedBehaviorTestKit<Geofence.Command, Geofence.Event, Geofence.State> fence;

  @BeforeEach
  void fresh() {
    TopicFanout.History none = (pid, from, to) -> CompletableFuture.completedFuture(List.of());
    // a snapshot every 2 events: restarts recover from a snapshot plus events
    fence = EventSourcedBehaviorTestKit.create(testKit.system(), Geofence.create("f-" + ids.incrementAndGet(), new Geofence.Settings(2), none));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private EventSourcedBehaviorTestKit.CommandResult<Geofence.Command, Geofence.Event, Geofence.State> cross(String driver, long seq, boolean inside) {
    return fence.runCommand(new Geofence.Cross(driver, seq, inside, 52.5, 13.4, seq * 10, inside ? null : Cell.OFFLINE));
  }

  private List<String> inside() {
    return fence.<StatusReply<Geofence.Inside>>runCommand(Geofence.GetInside::new).reply().getValue().drivers().stream().map(Geofence.Member::driverId).toList();
  }

  @Test
  void entryAndExitAreEventsAndRepeatsAreNot() {
    assertThat(cross("d1", 1, true).events()).containsExactly(new Geofence.Entered("d1", 52.5, 13.4, 10, 1));
    assertThat(cross("d1", 2, true).hasNoEvents()).as("already inside: a re-announcement").isTrue();
    assertThat(cross("d2", 5, true).events()).hasSize(1);
    assertThat(inside()).containsExactly("d1", "d2");
    assertThat(cross("d1", 3, false).events()).containsExactly(new Geofence.Exited("d1", Cell.OFFLINE, 52.5, 13.4, 30, 3));
    assertThat(cross("d1", 4, false).hasNoEvents()).isTrue();
    assertThat(inside()).containsExactly("d2");
  }

  @Test
  void aCrossingOvertakenByANewerOneIsIgnored() {
    cross("d1", 10, true);
    cross("d1", 12, false);
    assertThat(cross("d1", 11, true).hasNoEvents()).as("sent before the exit, arrived after it").isTrue();
    assertThat(inside()).isEmpty();
    assertThat(cross("d1", 13, true).events()).hasSize(1);
  }

  @Test
  void theInsideSetSurvivesARestart() {
    cross("d1", 1, true);
    cross("d2", 2, true);
    cross("d3", 3, true);
    cross("d2", 4, false);
    fence.restart();
    assertThat(inside()).containsExactly("d1", "d3");
    assertThat(cross("d1", 5, true).hasNoEvents()).as("the driver re-announcing after its own restart").isTrue();
    assertThat(cross("d2", 3, true).hasNoEvents()).as("stale across the restart").isTrue();
    assertThat(fence.<StatusReply<Geofence.Inside>>runCommand(Geofence.GetInside::new).reply().getValue().seq()).isEqualTo(4);
  }
}
