package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.driver.Cell;
import io.pulse.actors.driver.Fix;
import io.pulse.actors.driver.Position;
import io.pulse.actors.driver.Region;
import io.pulse.actors.driver.Trip;
import io.pulse.actors.topic.TopicPush;
import io.pulse.http.auth.AuthenticatedUser;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Parsing and rendering of the driver and trip frames, and who may act for which driver. */
class DriverCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ClientFrame ok(String text) {
    FrameCodec.Parsed parsed = FrameCodec.parse(text);
    assertThat(parsed).as(text).isInstanceOf(FrameCodec.Ok.class);
    return ((FrameCodec.Ok) parsed).frame();
  }

  private static String code(String text) {
    FrameCodec.Parsed parsed = FrameCodec.parse(text);
    assertThat(parsed).as(text).isInstanceOf(FrameCodec.Failed.class);
    return ((FrameCodec.Failed) parsed).error().code();
  }

  @Test
  void parsesEveryDriverAndTripFrame() {
    assertThat(ok("{\"type\":\"driver.fix\",\"ref\":\"1\",\"lat\":52.5,\"lng\":13.4,\"heading\":90,\"speed\":8.5,\"at\":1700000000000}"))
        .isEqualTo(new DriverFrame.DriverFix("1", null, new Fix(52.5, 13.4, 90, 8.5, 1_700_000_000_000L)));
    assertThat(ok("{\"type\":\"driver.fixes\",\"fixes\":[{\"driverId\":\"acme.1\",\"lat\":1,\"lng\":2,\"at\":3}]}"))
        .isEqualTo(new DriverFrame.DriverFixes(null, List.of(new DriverFrame.FleetFix("acme.1", new Fix(1, 2, 0, 0, 3)))));
    assertThat(ok("{\"type\":\"driver.online\",\"driverIds\":[\"acme.1\",\"acme.2\"]}")).isEqualTo(new DriverFrame.DriverOnline(null, null, List.of("acme.1", "acme.2")));
    assertThat(ok("{\"type\":\"driver.online\"}")).isEqualTo(new DriverFrame.DriverOnline(null, null, null));
    assertThat(ok("{\"type\":\"driver.offline\",\"driverId\":\"acme.1\"}")).isEqualTo(new DriverFrame.DriverOffline(null, "acme.1"));
    assertThat(ok("{\"type\":\"driver.get\"}")).isEqualTo(new DriverFrame.DriverGet(null, null));
    assertThat(ok("{\"type\":\"driver.nearby\",\"lat\":1,\"lng\":2,\"radius\":500,\"limit\":5}")).isEqualTo(new DriverFrame.DriverNearby(null, 1, 2, 500, 5));
    assertThat(ok("{\"type\":\"trip.request\",\"pickup\":{\"lat\":1,\"lng\":2},\"dropoff\":{\"lat\":3,\"lng\":4}}"))
        .isEqualTo(new DriverFrame.TripRequest(null, new Position(1, 2), new Position(3, 4)));
    for (String verb : List.of("accept", "decline", "arrive", "start", "complete", "get")) {
      assertThat(ok("{\"type\":\"trip." + verb + "\",\"tripId\":\"trip-1\"}")).isEqualTo(new DriverFrame.TripAction(null, verb, "trip-1"));
    }
    assertThat(ok("{\"type\":\"trip.cancel\",\"tripId\":\"trip-1\",\"reason\":\"late\"}")).isEqualTo(new DriverFrame.TripCancel(null, "trip-1", "late"));
    ClientFrame.Subscribe sub = (ClientFrame.Subscribe) ok("{\"type\":\"subscribe\",\"topic\":\"region:w1\",\"region\":{\"lat\":1,\"lng\":2,\"radius\":300}}");
    assertThat(sub.options().region()).isEqualTo(Region.circle(1, 2, 300));
    sub = (ClientFrame.Subscribe) ok("{\"type\":\"subscribe\",\"topic\":\"region:w2\",\"region\":{\"cells\":[\"881f1d4887fffff\"]}}");
    assertThat(sub.options().region()).isEqualTo(Region.ofCells(List.of("881f1d4887fffff")));
  }

  @Test
  void badFramesGetStableCodes() {
    assertThat(code("{\"type\":\"driver.fix\",\"lat\":\"NaN\",\"lng\":1,\"at\":1}")).isEqualTo("invalid_position");
    assertThat(code("{\"type\":\"driver.fix\",\"lat\":1,\"lng\":1}")).isEqualTo("missing_field");
    assertThat(code("{\"type\":\"driver.fix\",\"lat\":1,\"lng\":1,\"at\":-1}")).isEqualTo("invalid_field");
    assertThat(code("{\"type\":\"driver.nearby\",\"lat\":1,\"lng\":1,\"radius\":\"far\"}")).isEqualTo("invalid_radius");
    assertThat(code("{\"type\":\"driver.fixes\",\"fixes\":[]}")).isEqualTo("invalid_field");
    assertThat(code("{\"type\":\"driver.fixes\",\"fixes\":[{\"lat\":1,\"lng\":1,\"at\":1}]}")).isEqualTo("missing_field");
    assertThat(code("{\"type\":\"driver.fix\",\"driverId\":\"a b\",\"lat\":1,\"lng\":1,\"at\":1}")).isEqualTo("invalid_field");
    assertThat(code("{\"type\":\"trip.fly\",\"tripId\":\"t\"}")).isEqualTo("unknown_type");
    assertThat(code("{\"type\":\"trip.accept\",\"tripId\":\"t/1\"}")).isEqualTo("invalid_field");
    assertThat(code("{\"type\":\"subscribe\",\"topic\":\"region:w\",\"region\":{\"cells\":[]}}")).isEqualTo("invalid_region");
  }

  @Test
  void driversActForThemselvesFleetsForTheirPrefixAndRidersForNoOne() {
    AuthenticatedUser rider = new AuthenticatedUser("rita");
    AuthenticatedUser driver = new AuthenticatedUser("dana", Set.of(AuthenticatedUser.DRIVER));
    AuthenticatedUser fleet = new AuthenticatedUser("acme", Set.of(AuthenticatedUser.FLEET));
    assertThat(DriverRequests.mayActFor(rider, null).orElseThrow().code()).isEqualTo("not_a_driver");
    assertThat(DriverRequests.mayActFor(driver, null)).isEmpty();
    assertThat(DriverRequests.mayActFor(driver, "dana")).isEmpty();
    assertThat(DriverRequests.mayActFor(driver, "other").orElseThrow().code()).isEqualTo("not_your_driver");
    assertThat(DriverRequests.mayActFor(fleet, "acme.17")).isEmpty();
    assertThat(DriverRequests.mayActFor(fleet, "acme.")).isNotEmpty();
    assertThat(DriverRequests.mayActFor(fleet, "acmex.1").orElseThrow().code()).isEqualTo("not_your_driver");
  }

  @Test
  void regionPushesAreConflatedPerDriverAndTripEventsCarrySeq() throws Exception {
    Outbound moved = DriverCodec.render(new TopicPush.Ephemeral("region:w1", "d1", new Cell.DriverMoved("d1", 1, 2, 90, 5)));
    assertThat(moved.conflationKey()).isEqualTo("region:w1#d1");
    assertThat(JSON.readTree(moved.json()).get("event").asText()).isEqualTo("driver_moved");
    Outbound accepted = DriverCodec.render(new TopicPush.Appended("trip:t1", 4, new Trip.Accepted("d1", 9)));
    assertThat(accepted.durable()).isTrue();
    assertThat(JSON.readTree(accepted.json()).get("seq").asLong()).isEqualTo(4);
    Outbound eta = DriverCodec.render(new TopicPush.Ephemeral("trip:t1", "eta", new Trip.EtaChanged("pickup", 812.4, 95, 9)));
    assertThat(JSON.readTree(eta.json()).at("/data/seconds").asLong()).isEqualTo(95);
    assertThat(JSON.readTree(DriverCodec.render(new TopicPush.Appended("trip:t1", 2, new Trip.CandidatesFound(List.of("a", "b"), 1))).json()).at("/data/candidates").asInt())
        .as("a rider sees how many, not who").isEqualTo(2);
  }
}
