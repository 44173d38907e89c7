package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real Driver and Cell actors (no sharding: each cell covering the test area is spawned up front):
 * 200 drivers move around Berlin, and nearby searches answer what brute force over all drivers does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CellNearbyActorTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Position CENTRE = GeoPoints.BERLIN;
  private static final double AREA = 3000;

  private final ActorTestKit testKit = ActorTestKit.create("CellNearbyActorTest", TestConfigs.inMemory());
  private final GeoCells geo = new GeoCells(GeoCells.DEFAULT_RESOLUTION);
  private final Map<String, ActorRef<Cell.Command>> cells = new HashMap<>();
  private final NearbySearch search;
  private final Map<String, ActorRef<Driver.Command>> drivers = new HashMap<>();
  private final Map<String, Fix> where = new HashMap<>();
  private final TestProbe<Trip.Command> trips = testKit.createTestProbe();

  CellNearbyActorTest() {
    Cell.Settings cellSettings = new Cell.Settings(Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofMinutes(10));
    for (long c : geo.cellsCovering(CENTRE.lat(), CENTRE.lng(), AREA + 3500)) {
      String id = GeoCells.address(c);
      cells.put(id, testKit.spawn(Cell.create(id, cellSettings, geo, null), "cell-" + id));
    }
    search = new NearbySearch(geo, id -> cell(id), testKit.system().scheduler(), new NearbySearch.Limits(5000, 50, 100, Duration.ofSeconds(5)));
  }

  private ActorRef<Cell.Command> cell(String id) {
    ActorRef<Cell.Command> c = cells.get(id);
    if (c == null) throw new IllegalStateException("no cell spawned for " + id);
    return c;
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private ActorRef<Driver.Command> spawnDriver(String id) {
    TopicFanout.History none = (pid, from, to) -> CompletableFuture.completedFuture(List.of());
    Driver.Settings settings = new Driver.Settings(new FixRules.Limits(70, 30, 30_000), Duration.ofSeconds(30), Duration.ofMinutes(5), 100);
    return testKit.spawn(Driver.create(id, settings, geo, this::cell, t -> trips.ref(), none, Clock.systemUTC()), id);
  }

  private <T> T ask(ActorRef<Driver.Command> d, java.util.function.Function<ActorRef<StatusReply<T>>, Driver.Command> c) throws Exception {
    StatusReply<T> r = AskPattern.ask(d, c::apply, WAIT, testKit.system().scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(r.isSuccess()).as("%s", r).isTrue();
    return r.getValue();
  }

  private Map<String, Candidate> indexed() throws Exception {
    Map<String, Candidate> all = new HashMap<>();
    for (ActorRef<Cell.Command> c : cells.values()) {
      StatusReply<Cell.Candidates> r =
          AskPattern.<Cell.Command, StatusReply<Cell.Candidates>>ask(c, Cell.GetDrivers::new, WAIT, testKit.system().scheduler()).toCompletableFuture().get();
      for (Candidate d : r.getValue().drivers()) {
        assertThat(all.put(d.driverId(), d)).as("%s is in two cells", d.driverId()).isNull();
        assertThat(geo.cellIdOf(d.lat(), d.lng())).isEqualTo(r.getValue().cell());
      }
    }
    return all;
  }

  /** Every fix is acknowledged before the next; the cells get them by tell, so wait until they agree. */
  private void awaitIndexMatches() throws Exception {
    long until = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Map<String, Candidate> idx = indexed();
      boolean same = idx.size() == where.size();
      for (Map.Entry<String, Fix> e : where.entrySet()) {
        Candidate c = idx.get(e.getKey());
        same &= c != null && c.at() == e.getValue().at();
      }
      if (same) return;
      assertThat(System.nanoTime()).as("the cells never matched the drivers").isLessThan(until);
      Thread.sleep(50);
    }
  }

  @Test
  void nearbySearchAmongTwoHundredMovingDriversEqualsBruteForce() throws Exception {
    Random random = new Random(7);
    long t = System.currentTimeMillis() - 3_600_000;
    for (int i = 0; i < 200; i++) {
      String id = "d" + i;
      ActorRef<Driver.Command> d = spawnDriver(id);
      drivers.put(id, d);
      ask(d, Driver.GoOnline::new);
    }
    for (int round = 0; round < 4; round++) {
      t += 20_000;
      for (Map.Entry<String, ActorRef<Driver.Command>> e : drivers.entrySet()) {
        Fix last = where.get(e.getKey());
        Position p = last == null ? GeoPoints.within(random, CENTRE, AREA) : GeoPoints.within(random, last.position(), 600);
        if (GeoCells.distanceMeters(CENTRE, p) > AREA) p = GeoPoints.within(random, CENTRE, AREA);
        Fix f = new Fix(p.lat(), p.lng(), random.nextInt(360), 10, t);
        if (last != null && GeoCells.distanceMeters(last.position(), p) / 20 > 70) continue;
        this.<Driver.FixAck>ask(e.getValue(), r -> new Driver.UpdateLocation(f, r));
        where.put(e.getKey(), f);
      }
    }
    awaitIndexMatches();
    int stoppedEarly = 0;
    for (int q = 0; q < 60; q++) {
      Position at = GeoPoints.within(random, CENTRE, AREA);
      double radius = 200 + random.nextDouble() * 1800;
      int limit = q % 2 == 0 ? 1 + random.nextInt(3) : 1 + random.nextInt(20); // small limits let the rings stop early
      StatusReply<NearbySearch.Result> reply = search.search(at.lat(), at.lng(), radius, limit).toCompletableFuture().get(10, TimeUnit.SECONDS);
      NearbySearch.Result result = reply.getValue();
      assertThat(result.cellsUnanswered()).isZero();
      List<String> brute =
          where.entrySet().stream()
              .filter(e -> GeoCells.distanceMeters(at, e.getValue().position()) <= radius)
              .sorted(Comparator.<Map.Entry<String, Fix>>comparingDouble(e -> GeoCells.distanceMeters(at, e.getValue().position())).thenComparing(Map.Entry::getKey))
              .limit(limit)
              .map(Map.Entry::getKey)
              .toList();
      assertThat(result.drivers().stream().map(NearestMerge.Match::driverId).toList()).as("query %d at %s, R = %.0f, K = %d", q, at, radius, limit).isEqualTo(brute);
      if (result.cellsAsked() < geo.cellsCovering(at.lat(), at.lng(), radius).size()) stoppedEarly++;
    }
    assertThat(stoppedEarly).as("searches answered before asking every covering cell").isPositive();
  }

  @Test
  void aDriverCrossingABoundaryIsInTheNewCellAndNotTheOldAndWatchersSeeItMove() throws Exception {
    ActorRef<Driver.Command> d = spawnDriver("crosser");
    ask(d, Driver.GoOnline::new);
    long t = System.currentTimeMillis() - 600_000;
    Position start = new Position(CENTRE.lat() + 0.003, CENTRE.lng());
    String from = geo.cellIdOf(start.lat(), start.lng());
    double lat = start.lat();
    while (geo.cellIdOf(lat, start.lng()).equals(from)) lat += 0.0002;
    lat += 0.0002;
    String to = geo.cellIdOf(lat, start.lng());

    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    Region region = Region.circle(start.lat(), start.lng(), 2000);
    assertThat(search.watch("w1", region, watcher.ref()).toCompletableFuture().get(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    TestProbe<TopicPush> outside = testKit.createTestProbe();
    search.watch("w2", Region.circle(start.lat() - 0.05, start.lng(), 500), outside.ref()).toCompletableFuture().get(10, TimeUnit.SECONDS);

    Fix first = new Fix(start.lat(), start.lng(), 0, 10, t + 10_000);
    this.<Driver.FixAck>ask(d, r -> new Driver.UpdateLocation(first, r));
    Fix second = new Fix(lat, start.lng(), 0, 10, t + 20_000);
    Driver.FixAck ack = this.<Driver.FixAck>ask(d, r -> new Driver.UpdateLocation(second, r));
    assertThat(ack.cell()).isEqualTo(to);

    long until = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Set<String> inFrom = ids(from);
      Set<String> inTo = ids(to);
      if (!inFrom.contains("crosser") && inTo.contains("crosser")) break;
      assertThat(System.nanoTime()).as("from %s to %s", inFrom, inTo).isLessThan(until);
      Thread.sleep(20);
    }
    List<Object> seen = new ArrayList<>();
    while (seen.size() < 2) {
      TopicPush.Ephemeral e = (TopicPush.Ephemeral) watcher.receiveMessage(WAIT);
      if (e.key().equals("crosser")) seen.add(e.event());
    }
    assertThat(seen.get(0)).isInstanceOf(Cell.DriverEntered.class);
    assertThat(seen.get(1)).as("a move across cells inside the region").isEqualTo(new Cell.DriverMoved("crosser", lat, start.lng(), 0, t + 20_000));
    watcher.expectNoMessage(Duration.ofMillis(200));
    ask(d, Driver.GoOffline::new);
    TopicPush.Ephemeral left = (TopicPush.Ephemeral) watcher.receiveMessage(WAIT);
    assertThat(left.event()).isEqualTo(new Cell.DriverLeft("crosser", Cell.OFFLINE));
    assertThat(left.topic()).isEqualTo(Cell.regionTopic("w1"));
    outside.expectNoMessage(Duration.ofMillis(100));
  }

  private Set<String> ids(String cellId) throws Exception {
    StatusReply<Cell.Candidates> r =
        AskPattern.<Cell.Command, StatusReply<Cell.Candidates>>ask(cell(cellId), Cell.GetDrivers::new, WAIT, testKit.system().scheduler()).toCompletableFuture().get();
    Set<String> out = new HashSet<>();
    for (Candidate c : r.getValue().drivers()) out.add(c.driverId());
    return out;
  }

  @Test
  void badSearchesAreRefusedWithStableCodes() throws Exception {
    assertThat(code(search.search(91, 0, 100, 5))).isEqualTo(FixRules.INVALID_POSITION);
    assertThat(code(search.search(0, Double.NaN, 100, 5))).isEqualTo(FixRules.INVALID_POSITION);
    assertThat(code(search.search(52, 13, 0, 5))).isEqualTo(NearbySearch.INVALID_RADIUS);
    assertThat(code(search.search(52, 13, 5001, 5))).isEqualTo(NearbySearch.INVALID_RADIUS);
    assertThat(code(search.search(52, 13, 100, 0))).isEqualTo(NearbySearch.INVALID_LIMIT);
    assertThat(code(search.search(52, 13, 100, 51))).isEqualTo(NearbySearch.INVALID_LIMIT);
    assertThat(search.cellsOf(Region.ofCells(List.of("nope"))).isError()).isTrue();
  }

  private static String code(java.util.concurrent.CompletionStage<StatusReply<NearbySearch.Result>> stage) throws Exception {
    StatusReply<NearbySearch.Result> r = stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    return io.pulse.actors.Rejection.of(r.getError()).code();
  }
}
