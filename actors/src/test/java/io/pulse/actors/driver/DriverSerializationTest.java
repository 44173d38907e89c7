package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every command, event, reply, push and state of drivers, cells and trips survives CBOR and comes back equal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriverSerializationTest {
  private final ActorTestKit testKit = ActorTestKit.create("DriverSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  private static final Fix FIX = new Fix(52.52, 13.405, 271.5, 12.3, 1_700_000_000_000L);
  private static final Position P = new Position(-23.55, -46.63);
  private static final Candidate CANDIDATE = new Candidate("d1", 52.52, 13.405, 90, 1_700_000_000_000L, 1_700_000_000_000_000L);

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private <T> ActorRef<T> ref() {
    return testKit.<T>createTestProbe().ref();
  }

  private void roundTrip(List<?> messages) {
    for (Object m : messages) serialization.verifySerialization(m, true);
  }

  @Test
  void driverMessagesRoundTrip() {
    ActorRef<TopicPush> watcher = ref();
    roundTrip(
        List.of(
            new Driver.GoOnline(ref()),
            new Driver.GoOffline(ref()),
            new Driver.UpdateLocation(FIX, ref()),
            new Driver.Assign("t1", ref()),
            new Driver.Release("t1", ref()),
            new Driver.OfferTrip("t1", "r1", P, 5L),
            new Driver.Get(ref()),
            new Driver.Subscribe(-1, watcher, ref()),
            new Driver.Unsubscribe(watcher),
            new Driver.StatusChanged(DriverStatus.ON_TRIP, "t1", 3L),
            new Driver.StatusChanged(DriverStatus.OFFLINE, null, 3L),
            new Driver.Located(FIX, 4L),
            new Driver.TripOffered("t1", "r1", 1.5, 2.5, 9L),
            new Driver.Shown(DriverStatus.OFFLINE, 9L),
            new Driver.View("d1", DriverStatus.AVAILABLE, DriverStatus.OFFLINE, null, FIX, "881f1d4887fffff", 3),
            new Driver.View("d1", DriverStatus.OFFLINE, DriverStatus.OFFLINE, null, null, null, 0),
            new Driver.FixAck("d1", 5L, "881f1d4887fffff", true),
            new Driver.Subscribed(3, new Driver.View("d1", DriverStatus.ON_TRIP, DriverStatus.ON_TRIP, "t1", FIX, null, 3), ref()),
            Driver.State.EMPTY,
            new Driver.State(DriverStatus.ON_TRIP, "t1", FIX, 7L, 12),
            StatusReply.success(new Driver.FixAck("d1", 5L, null, false)),
            StatusReply.success(Done.getInstance()),
            StatusReply.error("stale_fix: the fix is not newer than the last accepted one")));
  }

  @Test
  void cellMessagesRoundTrip() {
    ActorRef<TopicPush> watcher = ref();
    roundTrip(
        List.of(
            new Cell.Upsert("d1", 5, FIX, null),
            new Cell.Upsert("d1", 6, FIX, P),
            new Cell.Remove("d1", 7, P, Cell.LEFT_REGION),
            new Cell.Remove("d1", 8, null, Cell.SILENT),
            new Cell.Nearby(52.52, 13.405, 1500, 10, ref()),
            new Cell.GetDrivers(ref()),
            new Cell.Watch("w1", Region.circle(52.52, 13.405, 800), watcher, ref()),
            new Cell.Watch("w2", Region.ofCells(List.of("881f1d4887fffff")), watcher, ref()),
            new Cell.Unwatch("w1", watcher),
            new Cell.Watching("881f1d4887fffff", ref()),
            new Cell.Candidates("881f1d4887fffff", List.of(CANDIDATE)),
            new Cell.DriverEntered("d1", 1, 2, 3, 4L),
            new Cell.DriverMoved("d1", 1, 2, 3, 4L),
            new Cell.DriverLeft("d1", Cell.ON_TRIP),
            new TopicPush.Ephemeral(Cell.regionTopic("w1"), "d1", new Cell.DriverMoved("d1", 1, 2, 3, 4L)),
            new NearbySearch.Result(List.of(new NearestMerge.Match("d1", 52.52, 13.405, 90, 4L, 12.5)), 19, 0),
            StatusReply.success(new Cell.Candidates("881f1d4887fffff", List.of()))));
  }

  private static List<Trip.Event> everyTripEvent() {
    return List.of(
        new Trip.Requested("r1", P, new Position(-23.56, -46.64), 1L),
        new Trip.CandidatesFound(List.of("d1", "d2"), 2L),
        new Trip.Offered("d1", 100L, 3L),
        new Trip.OfferDeclined("d1", TripRules.TIMED_OUT, 4L),
        new Trip.Offered("d2", 200L, 5L),
        new Trip.Accepted("d2", 6L),
        new Trip.TrackRecorded(List.of(FIX, new Fix(1, 2, 0, 0, 9L))),
        new Trip.Arrived("d2", 7L),
        new Trip.Started("d2", 8L),
        new Trip.Completed("d2", 9L),
        new Trip.Cancelled(Trip.SYSTEM, TripRules.NO_DRIVER_AVAILABLE, 10L));
  }

  @Test
  void tripMessagesAndStatesRoundTrip() {
    ActorRef<TopicPush> watcher = ref();
    roundTrip(
        List.of(
            new Trip.Request("r1", P, P, ref()),
            new Trip.Accept("d1", ref()),
            new Trip.Decline("d1", ref()),
            new Trip.Arrive("d1", ref()),
            new Trip.Start("d1", ref()),
            new Trip.Complete("d1", ref()),
            new Trip.Cancel("r1", "changed my mind", ref()),
            new Trip.DriverFix("d1", FIX),
            new Trip.Get("r1", ref()),
            new Trip.Subscribe("r1", 4, watcher, ref()),
            new Trip.Unsubscribe(watcher),
            new Trip.DriverPosition("d1", 1, 2, 3, 4L),
            new Trip.EtaChanged(Trip.PICKUP, 1234.5, 120, 5L),
            new Trip.View("t1", "r1", TripStatus.OFFERED, P, P, null, "d1", 100L, null, null, 0, 3),
            new Eta.Estimate(Trip.DROPOFF, 1000, 10, 100)));
    roundTrip(everyTripEvent());
    Trip.State state = Trip.State.EMPTY;
    long seq = 0;
    for (Trip.Event e : everyTripEvent()) {
      state = Trip.apply(state, e, 5);
      serialization.verifySerialization(new TopicPush.Appended(Trip.topic("t1"), ++seq, e), true);
      serialization.verifySerialization(new TopicFanout.Entry(seq, e), true);
    }
    assertThat(state.recent()).hasSize(5);
    assertThat(state.track()).hasSize(2);
    Trip.State back = serialization.verifySerialization(state, true);
    assertThat(Trip.apply(back, new Trip.TrackRecorded(List.of(FIX)), 5)).isEqualTo(Trip.apply(state, new Trip.TrackRecorded(List.of(FIX)), 5));
    roundTrip(List.of(Trip.State.EMPTY));
  }
  @Test
  void fenceMessagesRoundTrip() {
    ActorRef<TopicPush> watcher = ref();
    FenceDefinition def = new FenceDefinition("airport", "Airport", List.of(P, new Position(1, 2), new Position(2, 1)), 7L);
    Geofence.Member member = new Geofence.Member("d1", 1.5, 2.5, 9L);
    roundTrip(
        List.of(
            new Geofence.Cross("d1", 12L, true, 1.5, 2.5, 9L, null),
            new Geofence.Cross("d1", 13L, false, 1.5, 2.5, 9L, Cell.OFFLINE),
            new Geofence.GetInside(ref()),
            new Geofence.Subscribe(3, watcher, ref()),
            new Geofence.Unsubscribe(watcher),
            new Geofence.Entered("d1", 1.5, 2.5, 9L, 12L),
            new Geofence.Exited("d1", Geofence.LEFT_FENCE, 1.5, 2.5, 9L, 13L),
            new Geofence.Inside("airport", List.of(member), 4),
            new Geofence.Subscribed(4, new Geofence.Inside("airport", List.of(), 4), ref()),
            new Geofence.State(org.pcollections.HashTreePMap.singleton("d1", member), org.pcollections.HashTreePMap.singleton("d1", 12L), 1),
            new FenceRegistry.Define("airport", "Airport", def.vertices(), ref()),
            new FenceRegistry.Delete("airport", ref()),
            new FenceRegistry.GetFences(2, ref()),
            new FenceRegistry.FenceDefined(def),
            new FenceRegistry.FenceDeleted("airport", 8L),
            new FenceRegistry.Defined(def, 40, 1),
            new FenceRegistry.Fences(1, true, List.of(def)),
            new FenceRegistry.State(org.pcollections.HashTreePMap.singleton("airport", def), 1)));
  }
}
