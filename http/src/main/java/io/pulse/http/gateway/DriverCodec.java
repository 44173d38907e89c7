package io.pulse.http.gateway;

import static io.pulse.http.gateway.FrameCodec.optionalInt;
import static io.pulse.http.gateway.FrameCodec.optionalText;
import static io.pulse.http.gateway.FrameCodec.requiredSeq;
import static io.pulse.http.gateway.FrameCodec.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.driver.Cell;
import io.pulse.actors.driver.Driver;
import io.pulse.actors.driver.Geofence;
import io.pulse.actors.driver.FixRules;
import io.pulse.actors.driver.Fix;
import io.pulse.actors.driver.NearbySearch;
import io.pulse.actors.driver.NearestMerge;
import io.pulse.actors.driver.Position;
import io.pulse.actors.driver.Region;
import io.pulse.actors.driver.Trip;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicPush;
import io.pulse.http.auth.UserIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How driver, trip and region frames and events look on the wire (docs/protocol.md, "Drivers and trips"). */
final class DriverCodec {
  private DriverCodec() {}

  static final String DRIVER_PREFIX = "driver.";
  static final String TRIP_PREFIX = "trip.";

  /** Most fixes (or drivers) one fleet frame may carry; a bigger batch is refused whole. */
  static final int MAX_BATCH = 500;

  private static final java.util.Set<String> TRIP_ACTIONS = java.util.Set.of("accept", "decline", "arrive", "start", "complete", "get");

  static ClientFrame parse(String type, JsonNode root, String ref) throws ProtocolError.Invalid {
    return switch (type) {
      case "driver.online" -> {
        JsonNode ids = root.get("driverIds");
        if (ids == null || ids.isNull()) yield new DriverFrame.DriverOnline(ref, driverId(root), null);
        List<String> list = FrameCodec.requiredUserIds(root, "driverIds");
        if (list.isEmpty() || list.size() > MAX_BATCH) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'driverIds' holds 1.." + MAX_BATCH + " ids");
        yield new DriverFrame.DriverOnline(ref, null, list);
      }
      case "driver.offline" -> new DriverFrame.DriverOffline(ref, driverId(root));
      case "driver.fix" -> new DriverFrame.DriverFix(ref, driverId(root), fix(root));
      case "driver.fixes" -> {
        JsonNode fixes = root.get("fixes");
        if (fixes == null || fixes.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field 'fixes'");
        if (!fixes.isArray() || fixes.isEmpty() || fixes.size() > MAX_BATCH) {
          throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'fixes' is an array of 1.." + MAX_BATCH + " fixes");
        }
        List<DriverFrame.FleetFix> list = new ArrayList<>(fixes.size());
        for (JsonNode f : fixes) {
          if (!f.isObject()) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "each fix is an object");
          String id = driverId(f);
          if (id == null) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "each fix of a batch names its 'driverId'");
          list.add(new DriverFrame.FleetFix(id, fix(f)));
        }
        yield new DriverFrame.DriverFixes(ref, list);
      }
      case "driver.get" -> new DriverFrame.DriverGet(ref, driverId(root));
      case "driver.nearby" -> new DriverFrame.DriverNearby(ref, coordinate(root, "lat"), coordinate(root, "lng"), radius(root, "radius"), optionalInt(root, "limit"));
      case "trip.request" -> new DriverFrame.TripRequest(ref, position(root, "pickup"), position(root, "dropoff"));
      case "trip.cancel" -> new DriverFrame.TripCancel(ref, tripId(root), requiredText(root, "reason"));
      default -> {
        String action = type.substring(TRIP_PREFIX.length());
        if (!type.startsWith(TRIP_PREFIX) || !TRIP_ACTIONS.contains(action)) {
          throw new ProtocolError.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + type + "'");
        }
        yield new DriverFrame.TripAction(ref, action, tripId(root));
      }
    };
  }

  private static String driverId(JsonNode node) throws ProtocolError.Invalid {
    String id = optionalText(node, "driverId");
    if (id != null && !UserIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "invalid driverId");
    return id;
  }

  static String tripId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "tripId");
    if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "invalid tripId");
    return id;
  }

  /**
   * A coordinate must be a JSON number; anything else ({@code "NaN"} as a string, null, text) is an
   * {@code invalid_position}, as is a number out of range (checked by {@link FixRules}).
   */
  private static double coordinate(JsonNode node, String field) throws ProtocolError.Invalid {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    if (!value.isNumber()) throw new ProtocolError.Invalid(FixRules.INVALID_POSITION, "'" + field + "' must be a number of degrees");
    return value.asDouble();
  }

  private static double optionalNumber(JsonNode node, String field) throws ProtocolError.Invalid {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) return 0;
    if (!value.isNumber()) throw new ProtocolError.Invalid(FixRules.INVALID_POSITION, "'" + field + "' must be a number");
    return value.asDouble();
  }

  private static double radius(JsonNode node, String field) throws ProtocolError.Invalid {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    if (!value.isNumber()) throw new ProtocolError.Invalid(NearbySearch.INVALID_RADIUS, "'" + field + "' must be a number of metres");
    return value.asDouble();
  }

  private static Fix fix(JsonNode node) throws ProtocolError.Invalid {
    return new Fix(coordinate(node, "lat"), coordinate(node, "lng"), optionalNumber(node, "heading"), optionalNumber(node, "speed"), requiredSeq(node, "at"));
  }

  private static Position position(JsonNode root, String field) throws ProtocolError.Invalid {
    JsonNode p = root.get(field);
    if (p == null || p.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    if (!p.isObject()) throw new ProtocolError.Invalid(FixRules.INVALID_POSITION, "'" + field + "' is {\"lat\":…,\"lng\":…}");
    return new Position(coordinate(p, "lat"), coordinate(p, "lng"));
  }

  /** A watched region of a {@code region:<watchId>} subscription: {@code {"lat","lng","radius"}} or {@code {"cells":[…]}}. */
  static Region region(JsonNode node) throws ProtocolError.Invalid {
    if (node == null || node.isNull()) return null;
    if (!node.isObject()) throw new ProtocolError.Invalid(NearbySearch.INVALID_REGION, "'region' is {\"lat\",\"lng\",\"radius\"} or {\"cells\":[…]}");
    JsonNode cells = node.get("cells");
    if (cells != null && !cells.isNull()) {
      if (!cells.isArray() || cells.isEmpty()) throw new ProtocolError.Invalid(NearbySearch.INVALID_REGION, "'cells' is a non-empty array of H3 addresses");
      List<String> list = new ArrayList<>();
      for (JsonNode c : cells) {
        if (!c.isTextual()) throw new ProtocolError.Invalid(NearbySearch.INVALID_REGION, "'cells' holds H3 addresses as strings");
        list.add(c.asText());
      }
      return Region.ofCells(list);
    }
    return Region.circle(coordinate(node, "lat"), coordinate(node, "lng"), radius(node, "radius"));
  }

  // ---- server frames

  /** The drivers inside a fence, for the subscribe reply and {@code GET /api/geofences/{id}/inside}. */
  public static Map<String, Object> inside(Geofence.Inside in) {
    List<Map<String, Object>> drivers = new java.util.ArrayList<>(in.drivers().size());
    for (Geofence.Member d : in.drivers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("driverId", d.driverId());
      m.put("position", position(d.lat(), d.lng()));
      m.put("at", d.at());
      drivers.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("fenceId", in.fenceId());
    m.put("drivers", drivers);
    m.put("seq", in.seq());
    return m;
  }

  static Outbound render(TopicPush push) {
    if (push instanceof TopicPush.Appended a) return Outbound.durable(FrameCodec.event(a.topic(), name(a.event()), a.seq(), data(a.event())));
    if (push instanceof TopicPush.Ephemeral e) {
      // conflated per key: per driver in a region, one ETA and one position per trip, one value per offer
      return Outbound.latest(e.topic() + "#" + e.key(), FrameCodec.event(e.topic(), name(e.event()), null, data(e.event())));
    }
    if (push instanceof TopicPush.Ended e) {
      return Outbound.durable(FrameCodec.event(e.topic(), "unsubscribed", null, Map.of("code", e.code(), "reason", e.reason())));
    }
    if (push instanceof TopicPush.Gone g) return Outbound.latest(g.topic() + "#" + g.key(), FrameCodec.event(g.topic(), "gone", null, Map.of("key", g.key())));
    throw new IllegalArgumentException("unknown driver push " + push);
  }

  static String name(TopicEvent event) {
    if (event instanceof Driver.StatusChanged) return "status";
    if (event instanceof Driver.Located) return "located";
    if (event instanceof Driver.TripOffered) return "offer";
    if (event instanceof Driver.Shown) return "shown";
    if (event instanceof Cell.DriverEntered) return "driver_entered";
    if (event instanceof Cell.DriverMoved) return "driver_moved";
    if (event instanceof Cell.DriverLeft) return "driver_left";
    if (event instanceof Geofence.Entered) return "fence_entered";
    if (event instanceof Geofence.Exited) return "fence_exited";
    if (event instanceof Trip.Requested) return "requested";
    if (event instanceof Trip.CandidatesFound) return "searching";
    if (event instanceof Trip.Offered) return "offered";
    if (event instanceof Trip.OfferDeclined) return "offer_ended";
    if (event instanceof Trip.Accepted) return "accepted";
    if (event instanceof Trip.Arrived) return "arrived";
    if (event instanceof Trip.Started) return "started";
    if (event instanceof Trip.Completed) return "completed";
    if (event instanceof Trip.Cancelled) return "cancelled";
    if (event instanceof Trip.TrackRecorded) return "track";
    if (event instanceof Trip.DriverPosition) return "driver_position";
    if (event instanceof Trip.EtaChanged) return "eta";
    throw new IllegalArgumentException("unknown driver event " + event.getClass());
  }

  static Map<String, Object> data(TopicEvent event) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (event instanceof Driver.StatusChanged s) {
      m.put("status", lower(s.status()));
      m.put("tripId", s.tripId());
      m.put("at", s.at());
    } else if (event instanceof Driver.Located l) {
      m.putAll(fix(l.fix()));
    } else if (event instanceof Driver.TripOffered o) {
      m.put("tripId", o.tripId());
      m.put("riderId", o.riderId());
      m.put("pickup", position(o.pickupLat(), o.pickupLng()));
      m.put("expiresAt", o.expiresAt());
    } else if (event instanceof Driver.Shown s) {
      m.put("shown", lower(s.shown()));
      m.put("at", s.at());
    } else if (event instanceof Cell.DriverEntered e) {
      putDriver(m, e.driverId(), e.lat(), e.lng(), e.heading(), e.at());
    } else if (event instanceof Cell.DriverMoved e) {
      putDriver(m, e.driverId(), e.lat(), e.lng(), e.heading(), e.at());
    } else if (event instanceof Cell.DriverLeft e) {
      m.put("driverId", e.driverId());
      m.put("reason", e.reason());
    } else if (event instanceof Geofence.Entered e) {
      m.put("driverId", e.driverId());
      m.put("position", position(e.lat(), e.lng()));
      m.put("at", e.at());
    } else if (event instanceof Geofence.Exited e) {
      m.put("driverId", e.driverId());
      m.put("reason", e.reason());
      m.put("position", position(e.lat(), e.lng()));
      m.put("at", e.at());
    } else if (event instanceof Trip.Requested r) {
      m.put("riderId", r.riderId());
      m.put("pickup", position(r.pickup()));
      m.put("dropoff", position(r.dropoff()));
      m.put("at", r.at());
    } else if (event instanceof Trip.CandidatesFound f) {
      m.put("candidates", f.drivers().size()); // who they are is not the rider's business
      m.put("at", f.at());
    } else if (event instanceof Trip.Offered o) {
      m.put("driverId", o.driverId());
      m.put("expiresAt", o.expiresAt());
      m.put("at", o.at());
    } else if (event instanceof Trip.OfferDeclined d) {
      m.put("driverId", d.driverId());
      m.put("reason", d.reason());
      m.put("at", d.at());
    } else if (event instanceof Trip.Accepted a) {
      driverAt(m, a.driverId(), a.at());
    } else if (event instanceof Trip.Arrived a) {
      driverAt(m, a.driverId(), a.at());
    } else if (event instanceof Trip.Started s) {
      driverAt(m, s.driverId(), s.at());
    } else if (event instanceof Trip.Completed c) {
      driverAt(m, c.driverId(), c.at());
    } else if (event instanceof Trip.Cancelled c) {
      m.put("by", c.by());
      m.put("reason", c.reason());
      m.put("at", c.at());
    } else if (event instanceof Trip.TrackRecorded t) {
      m.put("fixes", t.fixes().stream().map(DriverCodec::fix).toList());
    } else if (event instanceof Trip.DriverPosition p) {
      putDriver(m, p.driverId(), p.lat(), p.lng(), p.heading(), p.at());
    } else if (event instanceof Trip.EtaChanged e) {
      m.put("target", e.target());
      m.put("distanceMeters", Math.round(e.distanceMeters()));
      m.put("seconds", e.seconds());
      m.put("at", e.at());
    }
    return m;
  }

  private static void driverAt(Map<String, Object> m, String driverId, long at) {
    m.put("driverId", driverId);
    m.put("at", at);
  }

  private static void putDriver(Map<String, Object> m, String driverId, double lat, double lng, double heading, long at) {
    m.put("driverId", driverId);
    m.put("lat", lat);
    m.put("lng", lng);
    m.put("heading", heading);
    m.put("at", at);
  }

  private static String lower(Enum<?> e) {
    return e == null ? null : e.name().toLowerCase(Locale.ROOT);
  }

  static Map<String, Object> fix(Fix f) {
    if (f == null) return null;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("lat", f.lat());
    m.put("lng", f.lng());
    m.put("heading", f.heading());
    m.put("speed", f.speed());
    m.put("at", f.at());
    return m;
  }

  private static Map<String, Object> position(Position p) {
    return p == null ? null : position(p.lat(), p.lng());
  }

  private static Map<String, Object> position(double lat, double lng) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("lat", lat);
    m.put("lng", lng);
    return m;
  }

  static Map<String, Object> view(Driver.View v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("driverId", v.driverId());
    m.put("status", lower(v.status()));
    m.put("shown", lower(v.shown()));
    m.put("tripId", v.tripId());
    m.put("lastFix", fix(v.lastFix()));
    m.put("cell", v.cell());
    m.put("lastSeq", v.seq());
    return m;
  }

  static Map<String, Object> ack(Driver.FixAck a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("driverId", a.driverId());
    m.put("at", a.at());
    m.put("cell", a.cell());
    m.put("persisted", a.persisted());
    return m;
  }

  static Map<String, Object> nearby(NearbySearch.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Map<String, Object>> drivers = new ArrayList<>(r.drivers().size());
    for (NearestMerge.Match d : r.drivers()) {
      Map<String, Object> row = new LinkedHashMap<>();
      putDriver(row, d.driverId(), d.lat(), d.lng(), d.heading(), d.at());
      row.put("distanceMeters", Math.round(d.distanceMeters() * 10) / 10.0);
      drivers.add(row);
    }
    m.put("drivers", drivers);
    m.put("cellsAsked", r.cellsAsked());
    m.put("cellsUnanswered", r.cellsUnanswered());
    return m;
  }

  static Map<String, Object> view(Trip.View v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tripId", v.tripId());
    m.put("riderId", v.riderId());
    m.put("status", lower(v.status()));
    m.put("pickup", position(v.pickup()));
    m.put("dropoff", position(v.dropoff()));
    m.put("driverId", v.driverId());
    if (v.offeredTo() != null) {
      m.put("offeredTo", v.offeredTo());
      m.put("offerExpiresAt", v.offerExpiresAt());
    }
    if (v.cancelledBy() != null) {
      m.put("cancelledBy", v.cancelledBy());
      m.put("reason", v.reason());
    }
    m.put("trackSize", v.trackSize());
    m.put("lastSeq", v.seq());
    return m;
  }
}
