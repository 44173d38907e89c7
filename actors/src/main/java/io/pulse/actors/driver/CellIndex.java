package io.pulse.actors.driver;

import io.pulse.actors.topic.TopicEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What one H3 cell knows, without an actor: the available drivers in it with their last position, the
 * regions watched through it, and what each change means for each watcher. Mutable, owned by one
 * {@link Cell} actor (never shared).
 *
 * <p><b>Ordering.</b> The driver is the single writer of its membership and numbers every join, move
 * and leave with a per-driver sequence number; a message whose number is not above the last one seen
 * for that driver here (a duplicate, or one overtaken by a newer) is ignored. A leave is remembered as
 * a tombstone for a while, so a join that arrives after it, though sent before, is ignored too.
 *
 * <p><b>Region edges.</b> A driver crossing from one cell to another carries its previous position to
 * the new cell and its next position to the old one, so neither reports a leave or an enter to a
 * watcher whose region holds both positions: the watcher sees the driver move, not vanish and return.
 *
 * @param <W> how a watcher is addressed
 */
final class CellIndex<W> {

  /** One change for one watcher: {@code event} is a {@link Cell.DriverEntered}, moved or left. */
  record Notice<W>(String watchId, W watcher, TopicEvent event) {}

  /** A watch is one watcher's: two connections may use the same watch id. */
  private record Watch<W>(String watchId, W watcher) {}

  private record Tombstone(long seq, long at) {}

  private final GeoCells geo;
  private final Map<String, Candidate> drivers = new HashMap<>();
  /** When each driver was last heard of here (server time), for expiry of drivers whose entity died. */
  private final Map<String, Long> heard = new HashMap<>();
  private final Map<String, Tombstone> left = new HashMap<>();
  private final Map<Watch<W>, Region> watches = new HashMap<>();

  CellIndex(GeoCells geo) {
    this.geo = geo;
  }

  int size() {
    return drivers.size();
  }

  boolean idle() {
    return drivers.isEmpty() && watches.isEmpty();
  }

  List<Candidate> drivers() {
    return List.copyOf(drivers.values());
  }

  private boolean outdated(String driverId, long seq) {
    Candidate known = drivers.get(driverId);
    if (known != null && known.seq() >= seq) return true;
    Tombstone t = left.get(driverId);
    return t != null && t.seq() >= seq;
  }

  /** A driver joined (coming from {@code previous}, null if it was in no cell) or moved within the cell. */
  List<Notice<W>> upsert(Candidate c, Position previous, long now) {
    if (outdated(c.driverId(), c.seq())) return List.of();
    Candidate known = drivers.put(c.driverId(), c);
    heard.put(c.driverId(), now);
    left.remove(c.driverId());
    Position before = known != null ? new Position(known.lat(), known.lng()) : previous;
    List<Notice<W>> out = new ArrayList<>();
    for (Map.Entry<Watch<W>, Region> e : watches.entrySet()) {
      Region r = e.getValue();
      boolean was = r.contains(geo, before);
      boolean is = r.contains(geo, c.lat(), c.lng());
      TopicEvent event;
      if (is) event = was ? Cell.moved(c) : Cell.entered(c);
      else if (was) event = new Cell.DriverLeft(c.driverId(), Cell.LEFT_REGION);
      else continue;
      out.add(new Notice<>(e.getKey().watchId(), e.getKey().watcher(), event));
    }
    return out;
  }

  /** A driver left the cell, for {@code next} (its position in the next cell) or for good (null). */
  List<Notice<W>> remove(String driverId, long seq, Position next, String reason, long now) {
    if (outdated(driverId, seq)) return List.of();
    left.put(driverId, new Tombstone(seq, now));
    heard.remove(driverId);
    Candidate known = drivers.remove(driverId);
    if (known == null) return List.of();
    return leaving(known, next, reason);
  }

  private List<Notice<W>> leaving(Candidate known, Position next, String reason) {
    List<Notice<W>> out = new ArrayList<>();
    for (Map.Entry<Watch<W>, Region> e : watches.entrySet()) {
      Region r = e.getValue();
      if (r.contains(geo, known.lat(), known.lng()) && !r.contains(geo, next)) {
        out.add(new Notice<>(e.getKey().watchId(), e.getKey().watcher(), new Cell.DriverLeft(known.driverId(), next == null ? reason : Cell.LEFT_REGION)));
      }
    }
    return out;
  }

  /** The {@code limit} nearest drivers here within the radius. */
  List<Candidate> nearby(double lat, double lng, double radiusMeters, int limit) {
    List<NearestMerge.Match> matches = NearestMerge.nearest(lat, lng, radiusMeters, limit, drivers.values());
    List<Candidate> out = new ArrayList<>(matches.size());
    for (NearestMerge.Match m : matches) out.add(drivers.get(m.driverId()));
    return out;
  }

  /** Starts (or replaces) a watch; answers the drivers inside its region now, as enters. */
  List<Notice<W>> watch(String watchId, Region region, W watcher) {
    watches.put(new Watch<>(watchId, watcher), region);
    List<Notice<W>> out = new ArrayList<>();
    for (Candidate c : drivers.values()) if (region.contains(geo, c.lat(), c.lng())) out.add(new Notice<>(watchId, watcher, Cell.entered(c)));
    return out;
  }

  void unwatch(String watchId, W watcher) {
    watches.remove(new Watch<>(watchId, watcher));
  }

  /** Unwatches every watch of this watcher (its connection ended). */
  void unwatchAll(W watcher) {
    watches.keySet().removeIf(w -> w.watcher().equals(watcher));
  }

  /**
   * Drops drivers not heard of for {@code ttlMillis} (their entity stopped without leaving, e.g. its
   * node crashed) and tombstones older than that.
   */
  List<Notice<W>> expire(long now, long ttlMillis) {
    List<Notice<W>> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, Long>> it = heard.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (now - e.getValue() < ttlMillis) continue;
      it.remove();
      Candidate gone = drivers.remove(e.getKey());
      if (gone != null) out.addAll(leaving(gone, null, Cell.SILENT));
    }
    left.values().removeIf(t -> now - t.at() >= ttlMillis);
    return out;
  }
}
