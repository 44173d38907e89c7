package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.driver.GeoCells;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Drivers, the geo index and trips over real sockets against a real node and Cassandra (docs/protocol.md,
 * "Drivers and trips"). Each test works in a city of its own, so the drivers other tests left in the
 * (shared, in-memory) cells never show up in its answers.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriverIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final GeoCells GEO = new GeoCells(8);
  /** Offers time out quickly and every ETA change of a second is pushed, so the tests run in seconds. */
  static final String CONFIG =
      "pulse.gateway.rate-limit { per-second = 1000, burst = 1000 }\n"
          + "pulse.drivers.trips { offer-timeout = 2s, eta-threshold = 1s }\n";
  private PulseNode node;
  private int port;

  @BeforeAll
  void start() {
    node = TestNodes.start(CONFIG);
    port = node.httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** A point {@code north} and {@code east} metres from (lat, lng). */
  static double[] offset(double lat, double lng, double north, double east) {
    return new double[] {lat + north / 111_320.0, lng + east / (111_320.0 * Math.cos(Math.toRadians(lat)))};
  }

  static String fix(double lat, double lng, long at) {
    return String.format(Locale.ROOT, "{\"type\":\"driver.fix\",\"lat\":%.7f,\"lng\":%.7f,\"heading\":90,\"speed\":10,\"at\":%d}", lat, lng, at);
  }

  static String fix(double[] p, long at) {
    return fix(p[0], p[1], at);
  }

  static Predicate<JsonNode> event(String topic, String name) {
    return n -> "event".equals(n.path("type").asText()) && topic.equals(n.path("topic").asText()) && name.equals(n.path("event").asText());
  }

  static Predicate<JsonNode> about(String topic, String name, String driverId) {
    return event(topic, name).and(n -> driverId.equals(n.at("/data/driverId").asText()));
  }

  static String code(WsClient ws, String frame) {
    JsonNode answer = ws.call(frame, WAIT);
    assertThat(answer.get("type").asText()).as("answer to %s: %s", frame, answer).isEqualTo("error");
    return answer.get("code").asText();
  }

  /** A driver online at {@code p}, its first fix {@code at}. */
  WsClient driverAt(String id, double[] p, long at) {
    WsClient d = TestNodes.connect(port, id, "driver");
    assertThat(d.ok("{\"type\":\"driver.online\"}", WAIT).get("status").asText()).isEqualTo("available");
    assertThat(d.ok(fix(p, at), WAIT).get("cell").asText()).isEqualTo(GEO.cellIdOf(p[0], p[1]));
    return d;
  }

  // ---- the index --------------------------------------------------------------------------------

  @Test
  void aDriverCrossingACellBoundaryShowsInTheNewCellAndNotTheOld() {
    double[] a = {48.8566, 2.3522}; // Paris
    String from = GEO.cellIdOf(a[0], a[1]);
    double[] b = a;
    for (int m = 50; GEO.cellIdOf(b[0], b[1]).equals(from); m += 50) b = offset(a[0], a[1], 0, m);
    String to = GEO.cellIdOf(b[0], b[1]);
    String driver = TestNodes.uniqueUser("crosser");
    long t0 = System.currentTimeMillis() - 60_000;
    try (WsClient d = driverAt(driver, a, t0);
        WsClient oldCell = TestNodes.connect(port, TestNodes.uniqueUser("map"));
        WsClient newCell = TestNodes.connect(port, TestNodes.uniqueUser("map"))) {
      oldCell.ok("{\"type\":\"subscribe\",\"topic\":\"region:old\",\"region\":{\"cells\":[\"" + from + "\"]}}", WAIT);
      newCell.ok("{\"type\":\"subscribe\",\"topic\":\"region:new\",\"region\":{\"cells\":[\"" + to + "\"]}}", WAIT);
      oldCell.nextMatching(about("region:old", "driver_entered", driver), WAIT);

      JsonNode ack = d.ok(fix(b, t0 + 30_000), WAIT);
      assertThat(ack.get("cell").asText()).isEqualTo(to);
      assertThat(oldCell.nextMatching(about("region:old", "driver_left", driver), WAIT).at("/data/reason").asText()).isEqualTo("left_region");
      JsonNode entered = newCell.nextMatching(about("region:new", "driver_entered", driver), WAIT);
      assertThat(entered.at("/data/lng").asDouble()).isEqualTo(b[1], org.assertj.core.data.Offset.offset(1e-6));

      JsonNode view = d.ok("{\"type\":\"driver.get\"}", WAIT);
      assertThat(view.get("cell").asText()).isEqualTo(to);
      // the nearby search around the old position finds it where it is now, once
      JsonNode near = d.ok(String.format(Locale.ROOT, "{\"type\":\"driver.nearby\",\"lat\":%.7f,\"lng\":%.7f,\"radius\":2000,\"limit\":50}", a[0], a[1]), WAIT);
      List<JsonNode> mine = new ArrayList<>();
      near.get("drivers").forEach(n -> {
        if (driver.equals(n.get("driverId").asText())) mine.add(n);
      });
      assertThat(mine).hasSize(1);
      assertThat(mine.get(0).get("lng").asDouble()).isEqualTo(b[1], org.assertj.core.data.Offset.offset(1e-6));
      // and no more moves reach the old cell's watcher
      d.ok(fix(offset(b[0], b[1], 0, 20), t0 + 40_000), WAIT);
      newCell.nextMatching(about("region:new", "driver_moved", driver), WAIT);
      oldCell.expectNothingMatching(n -> driver.equals(n.at("/data/driverId").asText()), Duration.ofMillis(500));
    }
  }

  @Test
  void nearbyAnswersTheTrueNearestAsBruteForceDoes() throws Exception {
    double[] centre = {35.6762, 139.6503}; // Tokyo
    String fleet = TestNodes.uniqueUser("fleet");
    Random random = new Random(7);
    List<double[]> points = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    StringBuilder fixes = new StringBuilder();
    long at = System.currentTimeMillis() - 10_000;
    for (int i = 0; i < 120; i++) {
      double[] p = offset(centre[0], centre[1], (random.nextDouble() - 0.5) * 6000, (random.nextDouble() - 0.5) * 6000);
      points.add(p);
      ids.add(fleet + "." + i);
      if (i > 0) fixes.append(',');
      fixes.append(String.format(Locale.ROOT, "{\"driverId\":\"%s\",\"lat\":%.7f,\"lng\":%.7f,\"at\":%d}", ids.get(i), p[0], p[1], at));
    }
    try (WsClient f = TestNodes.connect(port, fleet, "fleet");
        WsClient rider = TestNodes.connect(port, TestNodes.uniqueUser("rider"))) {
      String idList = "[\"" + String.join("\",\"", ids) + "\"]";
      assertThat(f.ok("{\"type\":\"driver.online\",\"driverIds\":" + idList + "}", WAIT).get("online").asInt()).isEqualTo(120);
      JsonNode batch = f.ok("{\"type\":\"driver.fixes\",\"fixes\":[" + fixes + "]}", WAIT);
      assertThat(batch.get("accepted").asInt()).isEqualTo(120);
      assertThat(batch.get("rejected")).isEmpty();

      for (double radius : new double[] {400, 1200, 2500}) {
        double[] q = offset(centre[0], centre[1], 300, -200);
        List<String> expected = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) if (GeoCells.distanceMeters(q[0], q[1], points.get(i)[0], points.get(i)[1]) <= radius) order.add(i);
        order.sort(Comparator.comparingDouble(i -> GeoCells.distanceMeters(q[0], q[1], points.get(i)[0], points.get(i)[1])));
        for (int i : order.subList(0, Math.min(10, order.size()))) expected.add(ids.get(i));
        String query = String.format(Locale.ROOT, "\"lat\":%.7f,\"lng\":%.7f,\"radius\":%.0f,\"limit\":10", q[0], q[1], radius);
        JsonNode ws = rider.ok("{\"type\":\"driver.nearby\"," + query + "}", WAIT);
        List<String> got = new ArrayList<>();
        ws.get("drivers").forEach(n -> got.add(n.get("driverId").asText()));
        assertThat(got).as("radius %s", radius).isEqualTo(expected);
        assertThat(ws.get("cellsUnanswered").asInt()).isZero();

        String path = String.format(Locale.ROOT, "/api/drivers/nearby?lat=%.7f&lng=%.7f&radius=%.0f&limit=10", q[0], q[1], radius);
        HttpResponse<String> http = TestNodes.get(port, path, TestNodes.devToken(port, TestNodes.uniqueUser("web")));
        assertThat(http.statusCode()).isEqualTo(200);
        List<String> viaHttp = new ArrayList<>();
        JSON.readTree(http.body()).get("drivers").forEach(n -> viaHttp.add(n.get("driverId").asText()));
        assertThat(viaHttp).isEqualTo(expected);
      }
      assertThat(TestNodes.get(port, "/api/drivers/nearby?lat=1&lng=1&radius=100").statusCode()).as("no token").isEqualTo(401);
    }
  }

  @Test
  void aWatcherGetsOnlyTheDriversInsideItsRegionWithEnterAndLeaveAtTheEdge() {
    double[] centre = {-33.8688, 151.2093}; // Sydney
    long t0 = System.currentTimeMillis() - 60_000;
    String inside = TestNodes.uniqueUser("in");
    String outside = TestNodes.uniqueUser("out");
    String mover = TestNodes.uniqueUser("mover");
    try (WsClient in = driverAt(inside, offset(centre[0], centre[1], 100, 100), t0);
        WsClient out = driverAt(outside, offset(centre[0], centre[1], 0, 1500), t0);
        WsClient m = driverAt(mover, offset(centre[0], centre[1], 0, -900), t0);
        WsClient rider = TestNodes.connect(port, TestNodes.uniqueUser("rider"))) {
      String topic = "region:here";
      JsonNode sub = rider.ok(String.format(Locale.ROOT, "{\"type\":\"subscribe\",\"topic\":\"%s\",\"region\":{\"lat\":%.7f,\"lng\":%.7f,\"radius\":600}}", topic, centre[0], centre[1]), WAIT);
      assertThat(sub.get("cells").asInt()).isGreaterThan(1);
      rider.nextMatching(about(topic, "driver_entered", inside), WAIT);
      // across the edge, inward (in 10 s steps of 150 m: a plausible speed)
      long t = t0;
      for (int east = -750; east <= -450; east += 150) m.ok(fix(offset(centre[0], centre[1], 0, east), t += 10_000), WAIT);
      rider.nextMatching(about(topic, "driver_entered", mover), WAIT);
      m.ok(fix(offset(centre[0], centre[1], 0, -300), t += 10_000), WAIT);
      rider.nextMatching(about(topic, "driver_moved", mover), WAIT);
      // and outward again
      for (int east = -450; east >= -900; east -= 150) m.ok(fix(offset(centre[0], centre[1], 0, east), t += 10_000), WAIT);
      assertThat(rider.nextMatching(about(topic, "driver_left", mover), WAIT).at("/data/reason").asText()).isEqualTo("left_region");
      // the driver outside moves, outside: nothing of it reaches the watcher
      out.ok(fix(offset(centre[0], centre[1], 0, 1400), t0 + 10_000), WAIT);
      in.ok("{\"type\":\"driver.offline\"}", WAIT);
      assertThat(rider.nextMatching(about(topic, "driver_left", inside), WAIT).at("/data/reason").asText()).isEqualTo("offline");
      rider.expectNothingMatching(n -> outside.equals(n.at("/data/driverId").asText()), Duration.ofMillis(500));
      rider.ok("{\"type\":\"unsubscribe\",\"topic\":\"" + topic + "\"}", WAIT);
      rider.discardPassedOver(); // pushes from before the unsubscribe
      m.ok(fix(offset(centre[0], centre[1], 0, -500), t + 10_000), WAIT);
      rider.expectNothingMatching(n -> topic.equals(n.path("topic").asText()), Duration.ofMillis(500));
    }
  }

  // ---- trips ------------------------------------------------------------------------------------

  static String trip(double[] pickup, double[] dropoff) {
    return String.format(
        Locale.ROOT,
        "{\"type\":\"trip.request\",\"pickup\":{\"lat\":%.7f,\"lng\":%.7f},\"dropoff\":{\"lat\":%.7f,\"lng\":%.7f}}",
        pickup[0], pickup[1], dropoff[0], dropoff[1]);
  }

  static String action(String verb, String tripId) {
    return "{\"type\":\"trip." + verb + "\",\"tripId\":\"" + tripId + "\"}";
  }

  @Test
  void aFullTripFromRequestToCompletionWithEtaUpdates() {
    double[] pickup = {40.4168, -3.7038}; // Madrid
    double[] dropoff = offset(pickup[0], pickup[1], 2000, 0);
    double[] start = offset(pickup[0], pickup[1], -1000, 0);
    String driver = TestNodes.uniqueUser("drv");
    String other = TestNodes.uniqueUser("drv");
    long t = System.currentTimeMillis() - 300_000; // device times stay in the past: 9 fixes follow
    try (WsClient d = driverAt(driver, start, t);
        WsClient o = TestNodes.connect(port, other, "driver");
        WsClient rider = TestNodes.connect(port, TestNodes.uniqueUser("rider"))) {
      d.ok("{\"type\":\"subscribe\",\"topic\":\"driver:" + driver + "\"}", WAIT);
      JsonNode requested = rider.ok(trip(pickup, dropoff), WAIT);
      String tripId = requested.get("tripId").asText();
      String topic = "trip:" + tripId;
      rider.ok("{\"type\":\"subscribe\",\"topic\":\"" + topic + "\",\"since\":0}", WAIT);
      JsonNode offer = d.nextMatching(event("driver:" + driver, "offer"), WAIT);
      assertThat(offer.at("/data/tripId").asText()).isEqualTo(tripId);

      assertThat(code(o, action("accept", tripId))).as("an offer made to another").isEqualTo("not_offered_to_you");
      assertThat(code(rider, action("accept", tripId))).isEqualTo("not_a_driver");
      assertThat(d.ok(action("accept", tripId), WAIT).get("status").asText()).isEqualTo("accepted");
      for (String e : List.of("requested", "searching", "offered", "accepted")) rider.nextMatching(event(topic, e), WAIT);

      // driving to the pickup: every fix is in the track, the ETA falls and is pushed
      List<Long> etas = new ArrayList<>();
      int fixes = 0;
      for (int north = -800; north <= 0; north += 200) {
        d.ok(fix(offset(pickup[0], pickup[1], north, 0), t += 20_000), WAIT);
        fixes++;
        JsonNode eta = rider.nextMatching(event(topic, "eta"), WAIT);
        assertThat(eta.at("/data/target").asText()).isEqualTo("pickup");
        etas.add(eta.at("/data/seconds").asLong());
      }
      assertThat(etas).isSortedAccordingTo(Comparator.reverseOrder());
      assertThat(etas.get(etas.size() - 1)).isZero();
      rider.nextMatching(event(topic, "driver_position"), WAIT);
      assertThat(code(o, action("arrive", tripId))).isEqualTo("not_your_trip");
      d.ok(action("arrive", tripId), WAIT);
      d.ok(action("start", tripId), WAIT);
      for (int north = 500; north <= 2000; north += 500) {
        d.ok(fix(offset(pickup[0], pickup[1], north, 0), t += 40_000), WAIT);
        fixes++;
        assertThat(rider.nextMatching(event(topic, "eta"), WAIT).at("/data/target").asText()).isEqualTo("dropoff");
      }
      JsonNode done = d.ok(action("complete", tripId), WAIT);
      assertThat(done.get("status").asText()).isEqualTo("completed");
      assertThat(done.get("trackSize").asInt()).isEqualTo(fixes);
      for (String e : List.of("arrived", "started", "completed")) rider.nextMatching(event(topic, e), WAIT);
      // the driver is available again, and a resumed subscription gets exactly what came after
      assertThat(d.ok("{\"type\":\"driver.get\"}", WAIT).get("status").asText()).isEqualTo("available");
      long last = done.get("lastSeq").asLong();
      try (WsClient again = TestNodes.connect(port, requested.get("riderId").asText())) {
        again.ok("{\"type\":\"subscribe\",\"topic\":\"" + topic + "\",\"since\":" + (last - 1) + "}", WAIT);
        JsonNode completed = again.nextMatching(n -> topic.equals(n.path("topic").asText()) && n.has("seq"), WAIT);
        assertThat(completed.get("seq").asLong()).isEqualTo(last);
        assertThat(completed.get("event").asText()).isEqualTo("completed");
      }
    }
  }

  @Test
  void anUnansweredOfferTimesOutToTheNextNearestDriver() {
    double[] pickup = {52.3676, 4.9041}; // Amsterdam
    String near = TestNodes.uniqueUser("near");
    String far = TestNodes.uniqueUser("far");
    long t = System.currentTimeMillis() - 10_000;
    try (WsClient n = driverAt(near, offset(pickup[0], pickup[1], 200, 0), t);
        WsClient f = driverAt(far, offset(pickup[0], pickup[1], 900, 0), t);
        WsClient rider = TestNodes.connect(port, TestNodes.uniqueUser("rider"))) {
      n.ok("{\"type\":\"subscribe\",\"topic\":\"driver:" + near + "\"}", WAIT);
      f.ok("{\"type\":\"subscribe\",\"topic\":\"driver:" + far + "\"}", WAIT);
      String tripId = rider.ok(trip(pickup, offset(pickup[0], pickup[1], 3000, 0)), WAIT).get("tripId").asText();
      String topic = "trip:" + tripId;
      rider.ok("{\"type\":\"subscribe\",\"topic\":\"" + topic + "\",\"since\":0}", WAIT);
      assertThat(n.nextMatching(event("driver:" + near, "offer"), WAIT).at("/data/tripId").asText()).isEqualTo(tripId);
      // the nearer driver lets it expire (2 s here)
      JsonNode ended = rider.nextMatching(event(topic, "offer_ended"), WAIT);
      assertThat(ended.at("/data/driverId").asText()).isEqualTo(near);
      assertThat(ended.at("/data/reason").asText()).isEqualTo("timeout");
      assertThat(rider.nextMatching(event(topic, "offered"), WAIT).at("/data/driverId").asText()).isEqualTo(near);
      assertThat(rider.nextMatching(event(topic, "offered"), WAIT).at("/data/driverId").asText()).isEqualTo(far);
      f.nextMatching(event("driver:" + far, "offer"), WAIT);
      assertThat(code(n, action("accept", tripId))).as("too late").isEqualTo("not_offered_to_you");
      assertThat(f.ok(action("accept", tripId), WAIT).get("driverId").asText()).isEqualTo(far);
      JsonNode cancelled = rider.ok("{\"type\":\"trip.cancel\",\"tripId\":\"" + tripId + "\",\"reason\":\"changed my mind\"}", WAIT);
      assertThat(cancelled.get("status").asText()).isEqualTo("cancelled");
      assertThat(f.ok("{\"type\":\"driver.get\"}", WAIT).get("status").asText()).isEqualTo("available");
    }
  }

  // ---- bad input --------------------------------------------------------------------------------

  @Test
  void badInputGetsStableCodesAndStoresNothing() throws Exception {
    double[] p = {59.3293, 18.0686}; // Stockholm
    String driver = TestNodes.uniqueUser("drv");
    long t = System.currentTimeMillis() - 60_000;
    try (WsClient d = driverAt(driver, p, t);
        WsClient rider = TestNodes.connect(port, TestNodes.uniqueUser("rider"));
        WsClient fleet = TestNodes.connect(port, TestNodes.uniqueUser("fleet"), "fleet")) {
      JsonNode before = d.ok("{\"type\":\"driver.get\"}", WAIT);
      assertThat(code(rider, fix(p, t + 1000))).isEqualTo("not_a_driver");
      assertThat(code(d, fix(91, 18, t + 1000))).isEqualTo("invalid_position");
      assertThat(code(d, fix(-90.5, 18, t + 1000))).isEqualTo("invalid_position");
      assertThat(code(d, fix(59, 180.5, t + 1000))).isEqualTo("invalid_position");
      assertThat(code(d, fix(59, -181, t + 1000))).isEqualTo("invalid_position");
      assertThat(code(d, "{\"type\":\"driver.fix\",\"lat\":\"NaN\",\"lng\":18,\"at\":" + (t + 1000) + "}")).isEqualTo("invalid_position");
      // a bare NaN is not JSON: the frame cannot be read, so its error carries no ref
      d.send("{\"type\":\"driver.fix\",\"ref\":\"nan\",\"lat\":NaN,\"lng\":18,\"at\":" + (t + 1000) + "}");
      assertThat(d.nextMatching(n -> "error".equals(n.path("type").asText()) && !n.has("ref"), WAIT).get("code").asText()).isEqualTo("malformed_json");
      assertThat(code(d, fix(p, t - 1000))).as("backwards in time").isEqualTo("stale_fix");
      assertThat(code(d, fix(offset(p[0], p[1], 5000, 0), t + 1000))).as("5 km in a second").isEqualTo("implausible_speed");
      assertThat(code(d, fix(p, System.currentTimeMillis() + 600_000))).isEqualTo("future_fix");
      assertThat(code(d, "{\"type\":\"driver.fix\",\"driverId\":\"someone-else\",\"lat\":1,\"lng\":1,\"at\":1}")).isEqualTo("not_your_driver");
      JsonNode refused = fleet.ok("{\"type\":\"driver.fixes\",\"fixes\":[{\"driverId\":\"" + driver + "\",\"lat\":1,\"lng\":1,\"at\":1}]}", WAIT);
      assertThat(refused.get("accepted").asInt()).isZero();
      assertThat(refused.at("/rejected/0/code").asText()).isEqualTo("not_your_driver");
      JsonNode after = d.ok("{\"type\":\"driver.get\"}", WAIT);
      assertThat(after.get("lastFix")).as("no refused fix applied").isEqualTo(before.get("lastFix"));
      assertThat(after.get("lastSeq").asLong()).as("nothing stored").isEqualTo(before.get("lastSeq").asLong());

      String near = String.format(Locale.ROOT, "\"lat\":%.4f,\"lng\":%.4f", p[0], p[1]);
      assertThat(code(rider, "{\"type\":\"driver.nearby\"," + near + ",\"radius\":0}")).isEqualTo("invalid_radius");
      assertThat(code(rider, "{\"type\":\"driver.nearby\"," + near + ",\"radius\":-5}")).isEqualTo("invalid_radius");
      assertThat(code(rider, "{\"type\":\"driver.nearby\"," + near + ",\"radius\":1000000}")).isEqualTo("invalid_radius");
      assertThat(code(rider, "{\"type\":\"driver.nearby\",\"lat\":95,\"lng\":0,\"radius\":100}")).isEqualTo("invalid_position");
      assertThat(code(rider, "{\"type\":\"driver.nearby\"," + near + ",\"radius\":100,\"limit\":0}")).isEqualTo("invalid_limit");
      String token = TestNodes.devToken(port, TestNodes.uniqueUser("web"));
      for (String q : List.of("radius=0", "radius=-1", "radius=1000000", "radius=abc")) {
        HttpResponse<String> r = TestNodes.get(port, "/api/drivers/nearby?lat=59.3&lng=18.0&" + q, token);
        assertThat(r.statusCode()).as(q).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").asText()).as(q).isEqualTo("invalid_radius");
      }
      assertThat(JSON.readTree(TestNodes.get(port, "/api/drivers/nearby?lat=91&lng=18.0&radius=10", token).body()).get("error").asText())
          .isEqualTo("invalid_position");
      assertThat(code(rider, "{\"type\":\"subscribe\",\"topic\":\"region:w\",\"region\":{\"cells\":[\"not-a-cell\"]}}")).isEqualTo("invalid_region");
      assertThat(code(rider, "{\"type\":\"subscribe\",\"topic\":\"region:w\",\"region\":{\"lat\":1,\"lng\":1,\"radius\":0}}")).isEqualTo("invalid_radius");
      assertThat(code(rider, "{\"type\":\"subscribe\",\"topic\":\"region:w\"}")).isEqualTo("missing_field");
      assertThat(code(rider, "{\"type\":\"subscribe\",\"topic\":\"driver:" + driver + "\"}")).isEqualTo("forbidden");
      assertThat(code(rider, "{\"type\":\"trip.request\",\"pickup\":{\"lat\":91,\"lng\":0},\"dropoff\":{\"lat\":1,\"lng\":0}}")).isEqualTo("invalid_position");
      assertThat(code(rider, action("get", "trip-nope"))).isEqualTo("not_found");
    }
  }

  // ---- restart ----------------------------------------------------------------------------------

  @Test
  void aTripSurvivesARestartOfTheNodeMidTrip() {
    double[] pickup = {45.4642, 9.19}; // Milan
    String driver = TestNodes.uniqueUser("drv");
    String rider = TestNodes.uniqueUser("rider");
    long t = System.currentTimeMillis() - 120_000;
    String tripId;
    long lastSeq;
    PulseNode first = TestNodes.start(CONFIG);
    try (WsClient d = TestNodes.connect(first.httpPort(), driver, "driver");
        WsClient r = TestNodes.connect(first.httpPort(), rider)) {
      d.ok("{\"type\":\"driver.online\"}", WAIT);
      d.ok(fix(offset(pickup[0], pickup[1], -500, 0), t), WAIT);
      d.ok("{\"type\":\"subscribe\",\"topic\":\"driver:" + driver + "\"}", WAIT);
      tripId = r.ok(trip(pickup, offset(pickup[0], pickup[1], 1000, 0)), WAIT).get("tripId").asText();
      d.nextMatching(event("driver:" + driver, "offer"), WAIT);
      d.ok(action("accept", tripId), WAIT);
      d.ok(fix(offset(pickup[0], pickup[1], -300, 0), t += 20_000), WAIT);
      lastSeq = d.ok(action("arrive", tripId), WAIT).get("lastSeq").asLong();
    } finally {
      first.stop().toCompletableFuture().join();
    }
    PulseNode second = TestNodes.start(CONFIG);
    try (WsClient d = TestNodes.connect(second.httpPort(), driver, "driver");
        WsClient r = TestNodes.connect(second.httpPort(), rider)) {
      String topic = "trip:" + tripId;
      r.ok("{\"type\":\"subscribe\",\"topic\":\"" + topic + "\",\"since\":" + (lastSeq - 1) + "}", WAIT);
      JsonNode arrived = r.nextMatching(n -> topic.equals(n.path("topic").asText()) && n.has("seq"), WAIT);
      assertThat(arrived.get("event").asText()).isEqualTo("arrived");
      assertThat(arrived.get("seq").asLong()).isEqualTo(lastSeq);
      // the driver recovered on its trip: its fixes still reach the trip and the rider's ETA
      assertThat(d.ok("{\"type\":\"driver.get\"}", WAIT).get("tripId").asText()).isEqualTo(tripId);
      d.ok(action("start", tripId), WAIT);
      d.ok(fix(offset(pickup[0], pickup[1], 200, 0), t += 20_000), WAIT);
      assertThat(r.nextMatching(event(topic, "eta"), WAIT).at("/data/target").asText()).isEqualTo("dropoff");
      JsonNode done = d.ok(action("complete", tripId), WAIT);
      assertThat(done.get("status").asText()).isEqualTo("completed");
      assertThat(done.get("trackSize").asInt()).as("the fixes before and after the restart").isEqualTo(2);
    } finally {
      second.stop().toCompletableFuture().join();
    }
  }
  // ---- geofences --------------------------------------------------------------------------------

  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  private HttpResponse<String> fenceRequest(String method, String path, String token, String body) {
    try {
      java.net.http.HttpRequest.Builder b =
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + token).timeout(WAIT);
      b = body == null ? b.method(method, java.net.http.HttpRequest.BodyPublishers.noBody()) : b.method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String box(double[] sw, double[] ne) {
    return String.format(Locale.ROOT, "[[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f]]", sw[0], sw[1], sw[0], ne[1], ne[0], ne[1], ne[0], sw[1]);
  }

  @Test
  void aDriverDrivingThroughAFenceIsReportedEnteringAndExitingInOrder() throws Exception {
    double[] centre = {40.4168, -3.7038}; // Madrid
    String fence = "plaza-" + Long.toHexString(System.nanoTime());
    String dispatcher = TestNodes.devToken(port, TestNodes.uniqueUser("dispatch"), "dispatcher");
    String body = "{\"name\":\"Plaza\",\"polygon\":" + box(offset(centre[0], centre[1], -300, -300), offset(centre[0], centre[1], 300, 300)) + "}";
    HttpResponse<String> defined = fenceRequest("PUT", "/api/geofences/" + fence, dispatcher, body);
    assertThat(defined.statusCode()).as(defined.body()).isEqualTo(200);
    assertThat(JSON.readTree(defined.body()).get("cells").asInt()).isPositive();
    JsonNode listed = JSON.readTree(fenceRequest("GET", "/api/geofences", dispatcher, null).body());
    assertThat(listed.get("fences").findValuesAsText("id")).contains(fence);

    String driver = TestNodes.uniqueUser("passer");
    long t0 = System.currentTimeMillis() - 120_000;
    try (WsClient map = TestNodes.connect(port, TestNodes.uniqueUser("map"))) {
      JsonNode sub = map.ok("{\"type\":\"subscribe\",\"topic\":\"fence:" + fence + "\",\"since\":0}", WAIT);
      assertThat(sub.at("/inside/drivers").size()).isZero();
      try (WsClient d = driverAt(driver, offset(centre[0], centre[1], -1000, 0), t0)) {
        map.expectNothingMatching(about("fence:" + fence, "fence_entered", driver), Duration.ofMillis(300));
        d.ok(fix(offset(centre[0], centre[1], -500, 0), t0 + 30_000), WAIT);
        d.ok(fix(centre, t0 + 60_000), WAIT); // inside
        JsonNode entered = map.nextMatching(about("fence:" + fence, "fence_entered", driver), WAIT);
        assertThat(entered.get("seq").asLong()).isEqualTo(1);
        assertThat(entered.at("/data/position/lat").asDouble()).isEqualTo(centre[0], org.assertj.core.data.Offset.offset(1e-6));
        JsonNode inside = JSON.readTree(fenceRequest("GET", "/api/geofences/" + fence + "/inside", dispatcher, null).body());
        assertThat(inside.get("drivers").findValuesAsText("driverId")).containsExactly(driver);

        d.ok(fix(offset(centre[0], centre[1], 100, 0), t0 + 70_000), WAIT); // still inside: nothing
        d.ok(fix(offset(centre[0], centre[1], 700, 0), t0 + 100_000), WAIT); // out to the north
        JsonNode exited = map.nextMatching(about("fence:" + fence, "fence_exited", driver), WAIT);
        assertThat(exited.get("seq").asLong()).isEqualTo(2);
        assertThat(exited.at("/data/reason").asText()).isEqualTo("left_fence");
        map.expectNothingMatching(about("fence:" + fence, "fence_entered", driver), Duration.ofMillis(300));
      }
    }
    // a late subscriber resumes from the journal: both events, in order
    try (WsClient late = TestNodes.connect(port, TestNodes.uniqueUser("late"))) {
      late.ok("{\"type\":\"subscribe\",\"topic\":\"fence:" + fence + "\",\"since\":0}", WAIT);
      assertThat(late.nextMatching(event("fence:" + fence, "fence_entered"), WAIT).get("seq").asLong()).isEqualTo(1);
      assertThat(late.nextMatching(event("fence:" + fence, "fence_exited"), WAIT).get("seq").asLong()).isEqualTo(2);
    }
    assertThat(fenceRequest("DELETE", "/api/geofences/" + fence, dispatcher, null).statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(fenceRequest("GET", "/api/geofences", dispatcher, null).body()).get("fences").findValuesAsText("id")).doesNotContain(fence);
  }

  @Test
  void badFenceRequestsAreRefusedWithTheirCode() throws Exception {
    String dispatcher = TestNodes.devToken(port, TestNodes.uniqueUser("dispatch"), "dispatcher");
    String rider = TestNodes.devToken(port, TestNodes.uniqueUser("rider"));
    String good = "{\"name\":\"Zone\",\"polygon\":" + box(new double[] {41.38, 2.16}, new double[] {41.39, 2.18}) + "}";
    HttpResponse<String> notAllowed = fenceRequest("PUT", "/api/geofences/zone-x", rider, good);
    assertThat(notAllowed.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(notAllowed.body()).get("error").asText()).isEqualTo("not_a_dispatcher");
    assertThat(fenceRequest("PUT", "/api/geofences/zone-x", "forged.token.here", good).statusCode()).isEqualTo(401);
    HttpResponse<String> malformed = fenceRequest("PUT", "/api/geofences/zone-x", dispatcher, "{\"name\":");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(malformed.body()).get("error").asText()).isEqualTo("malformed_json");
    HttpResponse<String> line = fenceRequest("PUT", "/api/geofences/zone-x", dispatcher, "{\"name\":\"Line\",\"polygon\":[[41.38,2.16],[41.39,2.18]]}");
    assertThat(JSON.readTree(line.body()).get("error").asText()).isEqualTo("invalid_fence");
    HttpResponse<String> huge = fenceRequest("PUT", "/api/geofences/zone-x", dispatcher, "{\"name\":\"Spain\",\"polygon\":" + box(new double[] {37, -6}, new double[] {43, 2}) + "}");
    assertThat(JSON.readTree(huge.body()).get("error").asText()).isEqualTo("fence_too_large");
    HttpResponse<String> unknown = fenceRequest("DELETE", "/api/geofences/never-defined", dispatcher, null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).get("error").asText()).isEqualTo("unknown_fence");
    assertThat(JSON.readTree(fenceRequest("GET", "/api/geofences", dispatcher, null).body()).get("fences").findValuesAsText("id")).doesNotContain("zone-x");
  }
}
