package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A driver reports its fence crossings: entries and exits, in order, and again after a restart. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriverFencesTest {
  private static final FenceShapes SHAPES = new FenceShapes(11, 100, 500);
  private static final List<Position> STATION =
      List.of(new Position(52.5240, 13.3660), new Position(52.5240, 13.3720), new Position(52.5270, 13.3720), new Position(52.5270, 13.3660));
  private static final Driver.Settings SETTINGS = new Driver.Settings(new FixRules.Limits(70, 30, 30_000), Duration.ofSeconds(30), Duration.ofSeconds(30), 3);

  private final ActorTestKit testKit = ActorTestKit.create("DriverFencesTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicReference<FenceIndex> index = new AtomicReference<>(FenceIndex.EMPTY);
  private Map<String, TestProbe<Geofence.Command>> fences;
  private EventSourcedBehaviorTestKit<Driver.Command, Driver.Event, Driver.State> driver;
  private long t;

  @BeforeEach
  void fresh() {
    fences = new ConcurrentHashMap<>();
    Map<String, TestProbe<Geofence.Command>> mine = fences;
    index.set(FenceIndex.of(1, 11, Map.of("station", new FenceDefinition("station", "Station", STATION, 1)), Map.of("station", SHAPES.cells(STATION))));
    TopicFanout.History none = (pid, from, to) -> CompletableFuture.completedFuture(List.of());
    Driver.Fences wiring = new Driver.Fences(index::get, id -> mine.computeIfAbsent(id, x -> testKit.createTestProbe()).ref());
    driver =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            Driver.create(
                "fd-" + ids.incrementAndGet(), SETTINGS, new GeoCells(8), c -> testKit.<Cell.Command>createTestProbe().ref(), trip -> null, wiring, none, Clock.systemUTC()));
    t = System.currentTimeMillis() - 3_600_000;
    driver.<StatusReply<Driver.View>>runCommand(Driver.GoOnline::new);
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private TestProbe<Geofence.Command> fence(String id) {
    return fences.computeIfAbsent(id, x -> testKit.createTestProbe());
  }

  private void at(double lat, double lng) {
    t += 10_000;
    assertThat(driver.<StatusReply<Driver.FixAck>>runCommand(r -> new Driver.UpdateLocation(new Fix(lat, lng, 0, 5, t), r)).reply().isSuccess()).isTrue();
  }

  @Test
  void drivingThroughAFenceEntersThenExits() {
    at(52.5200, 13.3690); // south of it
    fence("station").expectNoMessage(Duration.ofMillis(50));
    at(52.5255, 13.3690); // inside
    Geofence.Cross in = fence("station").expectMessageClass(Geofence.Cross.class);
    assertThat(in.inside()).isTrue();
    assertThat(in.lat()).isEqualTo(52.5255);
    at(52.5256, 13.3690); // still inside: nothing new
    fence("station").expectNoMessage(Duration.ofMillis(50));
    at(52.5300, 13.3690); // north of it
    Geofence.Cross out = fence("station").expectMessageClass(Geofence.Cross.class);
    assertThat(out.inside()).isFalse();
    assertThat(out.reason()).isEqualTo(Geofence.LEFT_FENCE);
    assertThat(out.driverSeq()).isGreaterThan(in.driverSeq());
  }

  @Test
  void goingOfflineInsideExitsWithThatReason() {
    at(52.5255, 13.3690);
    fence("station").expectMessageClass(Geofence.Cross.class);
    driver.<StatusReply<Driver.View>>runCommand(Driver.GoOffline::new);
    Geofence.Cross out = fence("station").expectMessageClass(Geofence.Cross.class);
    assertThat(out.inside()).isFalse();
    assertThat(out.reason()).isEqualTo(Cell.OFFLINE);
  }

  @Test
  void aRestartedDriverReannouncesItsFenceAndADeletedFenceIsLeft() {
    at(52.5255, 13.3690);
    long first = fence("station").expectMessageClass(Geofence.Cross.class).driverSeq();
    driver.restart();
    Geofence.Cross again = fence("station").expectMessageClass(Geofence.Cross.class);
    assertThat(again.inside()).isTrue();
    assertThat(again.driverSeq()).isGreaterThan(first);
    index.set(FenceIndex.of(2, 11, Map.of(), Map.of()));
    at(52.5256, 13.3690);
    Geofence.Cross gone = fence("station").expectMessageClass(Geofence.Cross.class);
    assertThat(gone.inside()).isFalse();
    assertThat(gone.reason()).isEqualTo(Geofence.FENCE_CHANGED);
  }
}
