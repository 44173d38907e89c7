package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Trip entity on the in-memory journal; drivers and the candidate search are stubs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TripTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Position PICKUP = new Position(52.5200, 13.4050);
  private static final Position DROPOFF = new Position(52.5400, 13.4050);

  private final ActorTestKit testKit = ActorTestKit.create("TripTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private Map<String, TestProbe<Driver.Command>> drivers;
  private List<String> nearby;
  private String id;
  private EventSourcedBehaviorTestKit<Trip.Command, Trip.Event, Trip.State> trip;
  private long t;

  private static Trip.Settings settings(Duration offerTimeout) {
    return new Trip.Settings(offerTimeout, Duration.ofSeconds(3), 3, 2.0, Duration.ofSeconds(30), 5, 50, 4);
  }

  @BeforeEach
  void fresh() {
    drivers = new ConcurrentHashMap<>();
    nearby = List.of("d1", "d2");
    id = "trip-" + ids.incrementAndGet();
    t = System.currentTimeMillis() - 600_000;
    trip = kit(settings(Duration.ofSeconds(30)));
  }

  private EventSourcedBehaviorTestKit<Trip.Command, Trip.Event, Trip.State> kit(Trip.Settings settings) {
    Map<String, TestProbe<Driver.Command>> mine = drivers;
    TopicFanout.History none = (pid, from, to) -> CompletableFuture.completedFuture(List.of());
    Trip.Candidates candidates = pickup -> CompletableFuture.completedFuture(nearby);
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        Trip.create(id, settings, none, candidates, d -> mine.computeIfAbsent(d, x -> testKit.createTestProbe()).ref(), Clock.systemUTC()));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private TestProbe<Driver.Command> driver(String d) {
    return drivers.computeIfAbsent(d, x -> testKit.createTestProbe());
  }

  private static String code(StatusReply<?> reply) {
    assertThat(reply.isError()).as("expected a rejection, got %s", reply).isTrue();
    return Rejection.of(reply.getError()).code();
  }

  private Trip.View request() {
    StatusReply<Trip.View> reply = trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Request("r1", PICKUP, DROPOFF, r)).reply();
    assertThat(reply.getValue().status()).isEqualTo(TripStatus.REQUESTED);
    return reply.getValue();
  }

  private void awaitState(Predicate<Trip.State> condition) {
    long until = System.nanoTime() + WAIT.toNanos();
    while (!condition.test(trip.getState())) {
      assertThat(System.nanoTime()).as("state %s", trip.getState()).isLessThan(until);
      sleep(20);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The driver's Accept, the driver entity's answer (ack or a code), and the trip's reply. */
  private StatusReply<Trip.View> accept(String d, StatusReply<org.apache.pekko.Done> driverAnswer) {
    TestProbe<StatusReply<Trip.View>> reply = testKit.createTestProbe();
    trip.runCommand(new Trip.Accept(d, reply.ref()));
    Driver.Assign assign = assignOf(d);
    assertThat(assign.tripId()).isEqualTo(id);
    assign.replyTo().tell(driverAnswer);
    return reply.receiveMessage(WAIT);
  }

  /** The driver's next Assign, past the offers it was pushed. */
  private Driver.Assign assignOf(String d) {
    while (true) {
      Driver.Command m = driver(d).receiveMessage(WAIT);
      if (m instanceof Driver.Assign a) return a;
    }
  }

  private Trip.View run(java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<StatusReply<Trip.View>>, Trip.Command> c) {
    StatusReply<Trip.View> r = trip.<StatusReply<Trip.View>>runCommand(c).reply();
    assertThat(r.isSuccess()).as("%s", r).isTrue();
    return r.getValue();
  }

  private Fix fix(double lat) {
    t += 10_000;
    return new Fix(lat, 13.4050, 0, 10, t);
  }

  private <E> E next(TestProbe<TopicPush> watcher, Class<E> type) {
    while (true) {
      TopicPush m = watcher.receiveMessage(WAIT);
      Object e = m instanceof TopicPush.Appended a ? a.event() : m instanceof TopicPush.Ephemeral x ? x.event() : null;
      if (type.isInstance(e)) return type.cast(e);
    }
  }

  @Test
  void aFullTripFromRequestToCompletionWithEtaUpdates() {
    request();
    TestProbe<TopicPush> rider = testKit.createTestProbe();
    trip.<StatusReply<Trip.Subscribed>>runCommand(r -> new Trip.Subscribe("r1", 0, rider.ref(), r));
    assertThat(next(rider, Trip.Requested.class).riderId()).isEqualTo("r1");
    Driver.OfferTrip offer = driver("d1").expectMessageClass(Driver.OfferTrip.class, WAIT);
    assertThat(offer.pickup()).isEqualTo(PICKUP);
    assertThat(next(rider, Trip.Offered.class).driverId()).isEqualTo("d1");

    assertThat(accept("d1", StatusReply.ack()).getValue().status()).isEqualTo(TripStatus.ACCEPTED);
    assertThat(next(rider, Trip.Accepted.class).driverId()).isEqualTo("d1");

    // 10 m/s towards the pickup, 2.2 km away: ~220 s
    trip.runCommand(new Trip.DriverFix("d1", fix(52.5000)));
    trip.runCommand(new Trip.DriverFix("d1", fix(52.5009)));
    Trip.EtaChanged first = next(rider, Trip.EtaChanged.class);
    assertThat(first.target()).isEqualTo(Trip.PICKUP);
    Trip.EtaChanged second = next(rider, Trip.EtaChanged.class);
    assertThat(second.seconds()).isLessThan(first.seconds());
    assertThat(trip.runCommand(new Trip.DriverFix("d1", fix(52.5018))).events()).as("the third fix fills a track chunk").hasSize(1);
    assertThat(trip.runCommand(new Trip.DriverFix("d2", fix(52.6))).hasNoEvents()).as("another driver's fix").isTrue();

    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Start("d1", r)).reply())).isEqualTo(TripRules.INVALID_TRANSITION);
    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Arrive("d2", r)).reply())).isEqualTo(TripRules.NOT_YOUR_TRIP);
    assertThat(run(r -> new Trip.Arrive("d1", r)).status()).isEqualTo(TripStatus.ARRIVING);
    assertThat(run(r -> new Trip.Start("d1", r)).status()).isEqualTo(TripStatus.IN_PROGRESS);
    trip.runCommand(new Trip.DriverFix("d1", fix(52.5200)));
    Trip.EtaChanged toDropoff = next(rider, Trip.EtaChanged.class);
    while (!toDropoff.target().equals(Trip.DROPOFF)) toDropoff = next(rider, Trip.EtaChanged.class);
    assertThat(toDropoff.distanceMeters()).isBetween(2_100.0, 2_300.0);

    trip.runCommand(new Trip.DriverFix("d1", fix(52.5209)));
    Trip.View done = run(r -> new Trip.Complete("d1", r));
    assertThat(done.status()).isEqualTo(TripStatus.COMPLETED);
    assertThat(done.trackSize()).as("the unwritten part of the track goes with the transition").isEqualTo(5);
    assertThat(driver("d1").expectMessageClass(Driver.Release.class, WAIT).tripId()).isEqualTo(id);
    assertThat(next(rider, Trip.Completed.class).driverId()).isEqualTo("d1");

    trip.restart();
    assertThat(trip.getState().status()).isEqualTo(TripStatus.COMPLETED);
    assertThat(trip.getState().track()).hasSize(5);
  }

  @Test
  void offersTimeOutToTheNextDriverAndThenToNoDriverAvailable() {
    trip = kit(settings(Duration.ofMillis(300)));
    request();
    driver("d1").expectMessageClass(Driver.OfferTrip.class, WAIT);
    driver("d2").expectMessageClass(Driver.OfferTrip.class, WAIT);
    awaitState(s -> s.status() == TripStatus.CANCELLED);
    assertThat(trip.getState().reason()).isEqualTo(TripRules.NO_DRIVER_AVAILABLE);
    assertThat(trip.getState().cancelledBy()).isEqualTo(Trip.SYSTEM);
    assertThat(trip.getState().tried()).containsExactly("d1", "d2");
  }

  @Test
  void onlyTheOfferedDriverMayAnswerAndADeclineGoesToTheNext() {
    request();
    awaitState(s -> "d1".equals(s.offeredTo()));
    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Accept("d2", r)).reply())).isEqualTo(TripRules.NOT_OFFERED_TO_YOU);
    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Decline("d2", r)).reply())).isEqualTo(TripRules.NOT_OFFERED_TO_YOU);
    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Get("d2", r)).reply())).isEqualTo(TripRules.FORBIDDEN);
    assertThat(run(r -> new Trip.Get("d1", r)).offeredTo()).isEqualTo("d1");
    assertThat(run(r -> new Trip.Decline("d1", r)).offeredTo()).isEqualTo("d2");
    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Get("d1", r)).reply())).isEqualTo(TripRules.FORBIDDEN);
  }

  @Test
  void aBusyDriverPassesTheOfferOn() {
    request();
    awaitState(s -> "d1".equals(s.offeredTo()));
    assertThat(code(accept("d1", Rejection.reply(Driver.DRIVER_BUSY, "busy")))).isEqualTo(Driver.DRIVER_BUSY);
    awaitState(s -> "d2".equals(s.offeredTo()));
    assertThat(accept("d2", StatusReply.ack()).getValue().driverId()).isEqualTo("d2");
  }

  @Test
  void anOfferTimerSurvivesARestart() {
    trip = kit(settings(Duration.ofMillis(800)));
    request();
    awaitState(s -> "d1".equals(s.offeredTo()));
    trip.restart();
    assertThat(trip.getState().offeredTo()).isEqualTo("d1");
    awaitState(s -> "d2".equals(s.offeredTo()));
    assertThat(trip.getState().tried()).containsExactly("d1", "d2");
  }

  @Test
  void aTripSurvivesARestartMidTripAndKeepsGoing() {
    request();
    awaitState(s -> "d1".equals(s.offeredTo()));
    accept("d1", StatusReply.ack());
    run(r -> new Trip.Arrive("d1", r));
    trip.restart();
    assertThat(trip.getState().status()).isEqualTo(TripStatus.ARRIVING);
    assertThat(trip.getState().driverId()).isEqualTo("d1");
    assertThat(run(r -> new Trip.Start("d1", r)).status()).isEqualTo(TripStatus.IN_PROGRESS);
  }

  @Test
  void cancellationsNeedTheRiderOrDriverAndAReason() {
    nearby = List.of();
    request();
    awaitState(s -> s.status() == TripStatus.CANCELLED);
    assertThat(trip.getState().reason()).isEqualTo(TripRules.NO_DRIVER_AVAILABLE);

    fresh();
    request();
    awaitState(s -> "d1".equals(s.offeredTo()));
    accept("d1", StatusReply.ack());
    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Cancel("d2", "no", r)).reply())).isEqualTo(TripRules.NOT_YOUR_TRIP);
    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Cancel("r1", "", r)).reply())).isEqualTo(TripRules.INVALID_REASON);
    Trip.View cancelled = run(r -> new Trip.Cancel("d1", "flat tyre", r));
    assertThat(cancelled.cancelledBy()).isEqualTo("d1");
    assertThat(cancelled.reason()).isEqualTo("flat tyre");
    assertThat(driver("d1").expectMessageClass(Driver.Release.class, WAIT).tripId()).isEqualTo(id);
    assertThat(code(trip.<StatusReply<Trip.View>>runCommand(r -> new Trip.Request("r1", PICKUP, DROPOFF, r)).reply())).isEqualTo(TripRules.TRIP_EXISTS);
  }

  @Test
  void aLateAcceptanceGivesTheDriverBack() {
    request();
    awaitState(s -> "d1".equals(s.offeredTo()));
    TestProbe<StatusReply<Trip.View>> reply = testKit.createTestProbe();
    trip.runCommand(new Trip.Accept("d1", reply.ref()));
    Driver.Assign assign = assignOf("d1");
    run(r -> new Trip.Cancel("r1", "found another ride", r));
    assign.replyTo().tell(StatusReply.ack());
    assertThat(code(reply.receiveMessage(WAIT))).isEqualTo(TripRules.OFFER_EXPIRED);
    assertThat(driver("d1").expectMessageClass(Driver.Release.class, WAIT).tripId()).isEqualTo(id);
  }
}
