package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Driver entity on the in-memory journal, its cells and trip as probes. The kit checks the
 * serialization of every command, event, reply and state it sees; a snapshot every 3 events makes the
 * restarts recover from a snapshot plus events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriverTest {
  private static final FixRules.Limits LIMITS = new FixRules.Limits(70, 30, 30_000);
  private static final Driver.Settings SETTINGS = new Driver.Settings(LIMITS, Duration.ofSeconds(30), Duration.ofSeconds(30), 3);
  private static final Duration WAIT = Duration.ofSeconds(3);

  private final ActorTestKit testKit = ActorTestKit.create("DriverTest", TestConfigs.inMemory());
  private final GeoCells geo = new GeoCells(GeoCells.DEFAULT_RESOLUTION);
  private final AtomicInteger ids = new AtomicInteger();
  private Map<String, TestProbe<Cell.Command>> cells = new ConcurrentHashMap<>();
  private TestProbe<Trip.Command> trips;
  private String id;
  private long t;
  private EventSourcedBehaviorTestKit<Driver.Command, Driver.Event, Driver.State> driver;

  @BeforeEach
  void fresh() {
    cells = new ConcurrentHashMap<>(); // a new map each test: drivers of earlier tests still run
    trips = testKit.createTestProbe();
    id = "drv-" + ids.incrementAndGet();
    t = System.currentTimeMillis() - 3_600_000;
    driver = kit(SETTINGS);
  }

  private EventSourcedBehaviorTestKit<Driver.Command, Driver.Event, Driver.State> kit(Driver.Settings settings) {
    TopicFanout.History none = (pid, from, to) -> CompletableFuture.completedFuture(List.of());
    TestProbe<Trip.Command> tripProbe = trips;
    Map<String, TestProbe<Cell.Command>> mine = cells;
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        Driver.create(id, settings, geo, c -> mine.computeIfAbsent(c, x -> testKit.createTestProbe()).ref(), trip -> tripProbe.ref(), none, Clock.systemUTC()));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private TestProbe<Cell.Command> cell(String cellId) {
    return cells.computeIfAbsent(cellId, x -> testKit.createTestProbe());
  }

  private TestProbe<Cell.Command> cellOf(double lat, double lng) {
    return cell(geo.cellIdOf(lat, lng));
  }

  private Fix fix(double lat, double lng) {
    t += 10_000;
    return new Fix(lat, lng, 90, 8, t);
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<Driver.Command, Driver.Event, Driver.State, StatusReply<Driver.FixAck>> send(Fix f) {
    return driver.runCommand(r -> new Driver.UpdateLocation(f, r));
  }

  private Driver.View online() {
    var result = driver.<StatusReply<Driver.View>>runCommand(Driver.GoOnline::new);
    assertThat(result.event()).isInstanceOf(Driver.StatusChanged.class);
    return result.reply().getValue();
  }

  private static String code(StatusReply<?> reply) {
    assertThat(reply.isError()).as("expected a rejection, got %s", reply).isTrue();
    return Rejection.of(reply.getError()).code();
  }

  @Test
  void fixesArePersistedAtMostOncePerIntervalButEveryOneReachesTheCell() {
    assertThat(online().status()).isEqualTo(DriverStatus.AVAILABLE);
    var first = send(fix(52.5200, 13.4050));
    assertThat(first.reply().getValue().persisted()).isTrue();
    assertThat(first.event()).isInstanceOf(Driver.Located.class);
    var second = send(fix(52.5201, 13.4050));
    assertThat(second.hasNoEvents()).isTrue();
    assertThat(second.reply().getValue().persisted()).isFalse();
    assertThat(second.reply().getValue().cell()).isEqualTo(geo.cellIdOf(52.5201, 13.4050));

    TestProbe<Cell.Command> c = cellOf(52.52, 13.405);
    Cell.Upsert u1 = c.expectMessageClass(Cell.Upsert.class);
    Cell.Upsert u2 = c.expectMessageClass(Cell.Upsert.class);
    assertThat(u2.seq()).isGreaterThan(u1.seq());
    assertThat(u2.fix().lat()).isEqualTo(52.5201);
    assertThat(u1.previous()).isNull();
    // the view shows the newest fix though the journal holds the first
    Driver.View view = driver.<StatusReply<Driver.View>>runCommand(Driver.Get::new).reply().getValue();
    assertThat(view.lastFix().lat()).isEqualTo(52.5201);
    assertThat(driver.getState().lastFix().lat()).isEqualTo(52.52);
  }

  @Test
  void badFixesAreRefusedWithTheirCodeAndNotApplied() {
    online();
    send(fix(52.52, 13.405));
    long before = t;
    assertThat(code(send(new Fix(91, 0, 0, 0, t + 1)).reply())).isEqualTo(FixRules.INVALID_POSITION);
    assertThat(code(send(new Fix(0, Double.NaN, 0, 0, t + 1)).reply())).isEqualTo(FixRules.INVALID_POSITION);
    assertThat(code(send(new Fix(52.52, 13.405, 0, 0, before)).reply())).isEqualTo(FixRules.STALE_FIX);
    assertThat(code(send(new Fix(52.62, 13.405, 0, 0, before + 10_000)).reply())).isEqualTo(FixRules.IMPLAUSIBLE_SPEED);
    assertThat(code(send(new Fix(52.52, 13.405, 0, 0, System.currentTimeMillis() + 120_000)).reply())).isEqualTo(FixRules.FUTURE_FIX);
    Driver.View view = driver.<StatusReply<Driver.View>>runCommand(Driver.Get::new).reply().getValue();
    assertThat(view.lastFix().at()).isEqualTo(before);
  }

  @Test
  void crossingABoundaryLeavesTheOldCellThenJoinsTheNew() {
    online();
    send(fix(52.5200, 13.4050));
    String from = geo.cellIdOf(52.5200, 13.4050);
    double lat = 52.5200;
    while (geo.cellIdOf(lat, 13.4050).equals(from)) lat += 0.0005;
    String to = geo.cellIdOf(lat, 13.4050);
    Cell.Upsert joined = cell(from).expectMessageClass(Cell.Upsert.class);
    send(fix(lat, 13.4050));
    Cell.Remove left = cell(from).expectMessageClass(Cell.Remove.class);
    Cell.Upsert arrived = cell(to).expectMessageClass(Cell.Upsert.class);
    assertThat(left.seq()).isGreaterThan(joined.seq());
    assertThat(arrived.seq()).isGreaterThan(left.seq());
    assertThat(left.next()).isEqualTo(new Position(lat, 13.4050));
    assertThat(arrived.previous()).isEqualTo(new Position(52.5200, 13.4050));
    cell(from).expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aRestartedDriverReannouncesItsCell() {
    online();
    send(fix(52.5200, 13.4050));
    send(fix(52.5202, 13.4050));
    TestProbe<Cell.Command> c = cellOf(52.52, 13.405);
    long seq = c.expectMessageClass(Cell.Upsert.class).seq();
    seq = Math.max(seq, c.expectMessageClass(Cell.Upsert.class).seq());
    driver.restart();
    Cell.Upsert again = c.expectMessageClass(Cell.Upsert.class);
    assertThat(again.seq()).as("numbered above the previous incarnation's").isGreaterThan(seq);
    assertThat(again.fix().lat()).as("the last persisted fix").isEqualTo(52.52);
    Driver.View view = driver.<StatusReply<Driver.View>>runCommand(Driver.Get::new).reply().getValue();
    assertThat(view.status()).isEqualTo(DriverStatus.AVAILABLE);
    assertThat(view.shown()).isEqualTo(DriverStatus.AVAILABLE);
  }

  @Test
  void onATripTheDriverLeavesTheIndexAndFeedsTheTrip() {
    online();
    send(fix(52.52, 13.405));
    TestProbe<Cell.Command> c = cellOf(52.52, 13.405);
    c.expectMessageClass(Cell.Upsert.class);
    var assigned = driver.<StatusReply<Done>>runCommand(r -> new Driver.Assign("t1", r));
    assertThat(assigned.reply().isSuccess()).isTrue();
    assertThat(assigned.events()).contains(new Driver.StatusChanged(DriverStatus.ON_TRIP, "t1", ((Driver.StatusChanged) assigned.events().get(assigned.events().size() - 1)).at()));
    assertThat(c.expectMessageClass(Cell.Remove.class).reason()).isEqualTo(Cell.ON_TRIP);
    assertThat(driver.<StatusReply<Done>>runCommand(r -> new Driver.Assign("t1", r)).reply().isSuccess()).as("idempotent").isTrue();
    assertThat(code(driver.<StatusReply<Done>>runCommand(r -> new Driver.Assign("t2", r)).reply())).isEqualTo(Driver.DRIVER_BUSY);
    assertThat(code(driver.<StatusReply<Driver.View>>runCommand(Driver.GoOffline::new).reply())).isEqualTo(Driver.ON_TRIP);

    Fix f = fix(52.5201, 13.405);
    send(f);
    assertThat(trips.expectMessageClass(Trip.DriverFix.class)).isEqualTo(new Trip.DriverFix(id, f));
    c.expectNoMessage(Duration.ofMillis(100));

    driver.restart();
    assertThat(driver.getState().status()).isEqualTo(DriverStatus.ON_TRIP);
    assertThat(driver.<StatusReply<Done>>runCommand(r -> new Driver.Release("t1", r)).reply().isSuccess()).isTrue();
    assertThat(driver.getState().status()).isEqualTo(DriverStatus.AVAILABLE);
    // the fix sent on the trip was within the persist interval, so the restart went back to the one before
    assertThat(c.expectMessageClass(Cell.Upsert.class).fix().lat()).isEqualTo(52.52);
  }

  @Test
  void anOfflineDriverIsInNoCellAndCannotBeAssigned() {
    send(fix(52.52, 13.405));
    cellOf(52.52, 13.405).expectNoMessage(Duration.ofMillis(100));
    assertThat(code(driver.<StatusReply<Done>>runCommand(r -> new Driver.Assign("t1", r)).reply())).isEqualTo(Driver.DRIVER_UNAVAILABLE);
    online();
    assertThat(cellOf(52.52, 13.405).expectMessageClass(Cell.Upsert.class).driverId()).isEqualTo(id);
    assertThat(driver.<StatusReply<Driver.View>>runCommand(Driver.GoOffline::new).reply().getValue().status()).isEqualTo(DriverStatus.OFFLINE);
    assertThat(cellOf(52.52, 13.405).expectMessageClass(Cell.Remove.class).reason()).isEqualTo(Cell.OFFLINE);
  }

  @Test
  void aSilentDriverIsShownOfflineAndComesBackWithItsNextFix() {
    id = id + "-quiet";
    driver = kit(new Driver.Settings(LIMITS, Duration.ofSeconds(30), Duration.ofMillis(300), 3));
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    online();
    driver.<StatusReply<Driver.Subscribed>>runCommand(r -> new Driver.Subscribe(-1, watcher.ref(), r));
    send(fix(52.52, 13.405));
    TestProbe<Cell.Command> c = cellOf(52.52, 13.405);
    c.expectMessageClass(Cell.Upsert.class);
    assertThat(c.expectMessageClass(Cell.Remove.class, WAIT).reason()).isEqualTo(Cell.SILENT);
    Driver.Shown shown = null;
    while (shown == null) {
      TopicPush m = watcher.receiveMessage(WAIT);
      if (m instanceof TopicPush.Ephemeral e && e.event() instanceof Driver.Shown sh && sh.shown() == DriverStatus.OFFLINE) shown = sh;
    }
    assertThat(shown.shown()).isEqualTo(DriverStatus.OFFLINE);
    Driver.View view = driver.<StatusReply<Driver.View>>runCommand(Driver.Get::new).reply().getValue();
    assertThat(view.shown()).isEqualTo(DriverStatus.OFFLINE);
    assertThat(view.status()).isEqualTo(DriverStatus.AVAILABLE);
    assertThat(code(driver.<StatusReply<Done>>runCommand(r -> new Driver.Assign("t1", r)).reply())).isEqualTo(Driver.DRIVER_UNAVAILABLE);
    send(fix(52.5201, 13.405));
    assertThat(c.expectMessageClass(Cell.Upsert.class).driverId()).isEqualTo(id);
  }

  @Test
  void subscribersGetStatusEventsWithSeqAndOffers() {
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    var sub = driver.<StatusReply<Driver.Subscribed>>runCommand(r -> new Driver.Subscribe(-1, watcher.ref(), r));
    assertThat(sub.reply().getValue().lastSeq()).isZero();
    online();
    TopicPush.Appended a = watcher.expectMessageClass(TopicPush.Appended.class);
    assertThat(a.seq()).isEqualTo(1);
    assertThat(a.topic()).isEqualTo(Driver.topic(id));
    driver.runCommand(new Driver.OfferTrip("t9", "r1", new Position(52.52, 13.405), 123L));
    TopicPush.Ephemeral offer = watcher.expectMessageClass(TopicPush.Ephemeral.class);
    assertThat(offer.event()).isEqualTo(new Driver.TripOffered("t9", "r1", 52.52, 13.405, 123L));
  }
}
