package io.pulse.http.gateway;

import static io.pulse.http.gateway.FrameCodec.optionalSeq;
import static io.pulse.http.gateway.FrameCodec.optionalText;
import static io.pulse.http.gateway.FrameCodec.requiredSeq;
import static io.pulse.http.gateway.FrameCodec.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.auction.Sale;
import io.pulse.actors.auction.SaleBucket;
import io.pulse.actors.auction.StockRules;
import io.pulse.actors.auction.WaitingRoom;
import io.pulse.actors.topic.TopicPush;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** How flash-sale frames and events look on the wire (docs/protocol.md, "Auctions and flash sales"). */
final class SaleCodec {
  private SaleCodec() {}

  static final String PREFIX = "sale.";

  /** {@code <sku>#<bucket>:<n>}: anything else names no hold. */
  private static final Pattern HOLD_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}#[0-9]{1,3}:[0-9]{1,10}");

  static ClientFrame parse(String type, JsonNode root, String ref) throws ProtocolError.Invalid {
    return switch (type) {
      case "sale.open" -> {
        Long buckets = optionalSeq(root, "buckets");
        yield new SaleFrame.SaleOpen(
            ref, sku(root), intField(root, "units"), optionalSeq(root, "startsAt"), intField(root, "perUserLimit"), requiredSeq(root, "holdMs"),
            buckets == null ? null : (int) Math.min(buckets, Integer.MAX_VALUE));
      }
      case "sale.join" -> new SaleFrame.SaleJoin(ref, sku(root));
      case "sale.purchase" -> new SaleFrame.SalePurchase(ref, sku(root), units(root), optionalText(root, "idempotencyKey"));
      case "sale.confirm" -> new SaleFrame.SaleConfirm(ref, holdId(root));
      case "sale.release" -> new SaleFrame.SaleRelease(ref, holdId(root));
      case "sale.get" -> new SaleFrame.SaleGet(ref, sku(root));
      default -> throw new ProtocolError.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + type + "'");
    };
  }

  static String sku(JsonNode node) throws ProtocolError.Invalid {
    String sku = requiredText(node, "sku");
    if (!ConversationIds.isValid(sku)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "sku must be 1-64 of [A-Za-z0-9_.-]");
    return sku;
  }

  /** Units to buy: 1 when absent; anything but a positive integer is an invalid quantity. */
  static int units(JsonNode node) throws ProtocolError.Invalid {
    JsonNode value = node.get("units");
    if (value == null || value.isNull()) return 1;
    if (!value.canConvertToExactIntegral() || !value.canConvertToInt() || value.asInt() < 1) {
      throw new ProtocolError.Invalid(StockRules.INVALID_QUANTITY, "'units' must be a positive integer");
    }
    return value.asInt();
  }

  private static int intField(JsonNode node, String field) throws ProtocolError.Invalid {
    long value = requiredSeq(node, field);
    if (value > Integer.MAX_VALUE) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' is too large");
    return (int) value;
  }

  private static String holdId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "holdId");
    if (!HOLD_ID.matcher(id).matches()) throw new ProtocolError.Invalid(StockRules.UNKNOWN_HOLD, "no hold " + id);
    return id;
  }

  // ---- server frames

  static Outbound render(TopicPush push) {
    if (push instanceof TopicPush.Appended a && a.event() instanceof Sale.SaleOpened o) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sku", o.spec().sku());
      m.put("units", o.spec().units());
      m.put("startsAt", o.spec().startsAt());
      m.put("perUserLimit", o.spec().perUserLimit());
      m.put("holdMs", o.spec().holdMs());
      m.put("buckets", o.buckets());
      m.put("at", o.at());
      return Outbound.durable(FrameCodec.event(a.topic(), "opened", a.seq(), m));
    }
    if (push instanceof TopicPush.Appended a && a.event() instanceof Sale.SoldOut s) {
      return Outbound.durable(FrameCodec.event(a.topic(), "sold_out", a.seq(), Map.of("units", s.units(), "at", s.at())));
    }
    if (push instanceof TopicPush.Ephemeral e && e.event() instanceof Sale.StockLevel l) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("units", l.units());
      m.put("remaining", l.remaining());
      m.put("held", l.held());
      m.put("sold", l.sold());
      m.put("at", l.at());
      return Outbound.latest(e.topic() + "#stock", FrameCodec.event(e.topic(), "stock", null, m));
    }
    if (push instanceof TopicPush.Ephemeral e && e.event() instanceof WaitingRoom.Ticket t) {
      return Outbound.latest(e.topic() + "#queue", FrameCodec.event(e.topic(), "queue", null, ticket(t)));
    }
    if (push instanceof TopicPush.Ended e) {
      return Outbound.durable(FrameCodec.event(e.topic(), "unsubscribed", null, Map.of("code", e.code(), "reason", e.reason())));
    }
    throw new IllegalArgumentException("unknown sale push " + push);
  }

  static Map<String, Object> ticket(WaitingRoom.Ticket t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sku", t.sku());
    m.put("state", t.state());
    if (WaitingRoom.WAITING.equals(t.state())) {
      m.put("position", t.position());
      m.put("retryAfterMs", t.retryAfterMs());
    }
    return m;
  }

  static Map<String, Object> view(Sale.View v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sku", v.sku());
    m.put("status", v.status());
    m.put("units", v.units());
    m.put("remaining", v.remaining());
    m.put("held", v.held());
    m.put("sold", v.sold());
    m.put("startsAt", v.startsAt());
    m.put("perUserLimit", v.perUserLimit());
    m.put("holdMs", v.holdMs());
    m.put("buckets", v.buckets());
    m.put("openedBy", v.openedBy());
    m.put("lastSeq", v.seq());
    return m;
  }

  static Map<String, Object> hold(SaleBucket.HoldView h, Boolean duplicate) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("holdId", h.holdId());
    m.put("sku", h.sku());
    m.put("units", h.units());
    m.put("status", h.status());
    m.put("expiresAt", h.expiresAt());
    if (duplicate != null) m.put("duplicate", duplicate);
    return m;
  }
}
