package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cell's pure side: ordering by per-driver sequence, expiry, and region enter/move/leave. */
class CellIndexTest {
  private final GeoCells geo = new GeoCells(GeoCells.DEFAULT_RESOLUTION);
  private final CellIndex<String> index = new CellIndex<>(geo);

  private static Candidate at(String id, double lat, double lng, long seq) {
    return new Candidate(id, lat, lng, 0, seq, seq);
  }

  private static List<Object> events(List<CellIndex.Notice<String>> notices) {
    return notices.stream().map(n -> (Object) n.event()).toList();
  }

  @Test
  void outOfOrderAndDuplicateMessagesAreIgnored() {
    index.upsert(at("d1", 52.52, 13.405, 5), null, 0);
    index.upsert(at("d1", 52.53, 13.405, 4), null, 0); // older
    assertThat(index.drivers()).containsExactly(at("d1", 52.52, 13.405, 5));
    index.remove("d1", 6, null, Cell.OFFLINE, 0);
    index.upsert(at("d1", 52.52, 13.405, 5), null, 0); // a duplicate of the join, after the leave
    assertThat(index.drivers()).isEmpty();
    index.remove("d2", 9, null, Cell.OFFLINE, 0); // a leave overtaking its join
    index.upsert(at("d2", 52.52, 13.405, 8), null, 0);
    assertThat(index.drivers()).isEmpty();
    index.upsert(at("d2", 52.52, 13.405, 10), null, 0);
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void driversNotHeardOfExpireAndTheirWatchersHear() {
    index.watch("w", Region.circle(52.52, 13.405, 1000), "rider");
    index.upsert(at("d1", 52.52, 13.405, 1), null, 1_000);
    assertThat(events(index.expire(5_000, 10_000))).isEmpty();
    assertThat(events(index.expire(11_000, 10_000))).containsExactly(new Cell.DriverLeft("d1", Cell.SILENT));
    assertThat(index.idle()).isFalse();
    index.unwatch("w", "rider");
    assertThat(index.idle()).isTrue();
  }

  @Test
  void watchersGetEnterMoveAndLeaveAtTheRegionsEdge() {
    Region region = Region.circle(52.52, 13.405, 200);
    index.upsert(at("in", 52.5201, 13.405, 1), null, 0);
    index.upsert(at("out", 52.53, 13.405, 1), null, 0);
    assertThat(events(index.watch("w", region, "rider"))).containsExactly(new Cell.DriverEntered("in", 52.5201, 13.405, 0, 1));
    assertThat(events(index.upsert(at("in", 52.5202, 13.405, 2), null, 0))).containsExactly(new Cell.DriverMoved("in", 52.5202, 13.405, 0, 2));
    assertThat(events(index.upsert(at("out", 52.531, 13.405, 2), null, 0))).as("outside, moving outside").isEmpty();
    assertThat(events(index.upsert(at("out", 52.5203, 13.405, 3), null, 0))).containsExactly(new Cell.DriverEntered("out", 52.5203, 13.405, 0, 3));
    assertThat(events(index.upsert(at("in", 52.529, 13.405, 3), null, 0))).containsExactly(new Cell.DriverLeft("in", Cell.LEFT_REGION));
    assertThat(events(index.remove("out", 4, null, Cell.ON_TRIP, 0))).containsExactly(new Cell.DriverLeft("out", Cell.ON_TRIP));
  }

  @Test
  void crossingACellInsideTheRegionIsAMoveNotALeaveAndEnter() {
    CellIndex<String> other = new CellIndex<>(geo);
    Region region = Region.circle(52.52, 13.405, 2000);
    index.watch("w", region, "rider");
    other.watch("w", region, "rider");
    index.upsert(at("d1", 52.52, 13.405, 1), null, 0);
    Position next = new Position(52.525, 13.405);
    assertThat(events(index.remove("d1", 2, next, Cell.LEFT_REGION, 0))).as("still inside at its next position").isEmpty();
    assertThat(events(other.upsert(at("d1", next.lat(), next.lng(), 3), new Position(52.52, 13.405), 0)))
        .containsExactly(new Cell.DriverMoved("d1", next.lat(), next.lng(), 0, 3));
    // and leaving the region while crossing is a leave from the old cell
    Position far = new Position(52.56, 13.405);
    assertThat(events(other.remove("d1", 4, far, Cell.LEFT_REGION, 0))).containsExactly(new Cell.DriverLeft("d1", Cell.LEFT_REGION));
  }

  @Test
  void aRegionOfCellsHoldsExactlyTheirPoints() {
    String cell = geo.cellIdOf(52.52, 13.405);
    Region region = Region.ofCells(List.of(cell));
    assertThat(region.contains(geo, 52.52, 13.405)).isTrue();
    assertThat(region.contains(geo, 52.60, 13.405)).isFalse();
  }

  @Test
  void nearbyAnswersTheCellsOwnNearestWithinTheRadius() {
    index.upsert(at("a", 52.5201, 13.405, 1), null, 0);
    index.upsert(at("b", 52.5210, 13.405, 1), null, 0);
    index.upsert(at("c", 52.5300, 13.405, 1), null, 0);
    assertThat(index.nearby(52.52, 13.405, 500, 5)).extracting(Candidate::driverId).containsExactly("a", "b");
    assertThat(index.nearby(52.52, 13.405, 5000, 1)).extracting(Candidate::driverId).containsExactly("a");
  }
}
