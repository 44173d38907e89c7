package io.pulse.http.gateway;

import static io.pulse.http.gateway.FrameCodec.optionalSeq;
import static io.pulse.http.gateway.FrameCodec.optionalText;
import static io.pulse.http.gateway.FrameCodec.requiredSeq;
import static io.pulse.http.gateway.FrameCodec.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.auction.Auction;
import io.pulse.actors.auction.AuctionEvent;
import io.pulse.actors.auction.IncrementRule;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicPush;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How auction frames and events look on the wire (docs/protocol.md, "Auctions and flash sales"). */
final class AuctionCodec {
  private AuctionCodec() {}

  static final String PREFIX = "auction.";

  static ClientFrame parse(String type, JsonNode root, String ref) throws ProtocolError.Invalid {
    return switch (type) {
      case "auction.create" -> create(root, ref);
      case "auction.bid" -> {
        String id = auctionId(root);
        String amount = amountText(root, "amount");
        String maximum = amountText(root, "maximum");
        if ((amount == null) == (maximum == null)) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "give 'amount' or 'maximum' (not both)");
        long value = amount != null ? Money.parse("amount", amount) : Money.parse("maximum", maximum);
        yield new AuctionFrame.AuctionBid(ref, id, value, optionalText(root, "idempotencyKey"));
      }
      case "auction.get" -> new AuctionFrame.AuctionGet(ref, auctionId(root));
      default -> throw new ProtocolError.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + type + "'");
    };
  }

  private static AuctionFrame.AuctionCreate create(JsonNode root, String ref) throws ProtocolError.Invalid {
    String item = requiredText(root, "item");
    long starting = Money.parse("startingPrice", requiredAmountText(root, "startingPrice"));
    IncrementRule increment = increment(root.get("increment"));
    String reserve = amountText(root, "reservePrice");
    Long startsAt = optionalSeq(root, "startsAt");
    Long endsAt = optionalSeq(root, "endsAt");
    Long duration = optionalSeq(root, "durationMs");
    if ((endsAt == null) == (duration == null)) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "give 'endsAt' or 'durationMs' (not both)");
    long start = startsAt != null ? startsAt : System.currentTimeMillis();
    long end = endsAt != null ? endsAt : start + duration;
    Long snipe = optionalSeq(root, "snipeWindowMs");
    Long extend = optionalSeq(root, "extendByMs");
    return new AuctionFrame.AuctionCreate(
        ref,
        item,
        starting,
        increment,
        reserve == null ? null : Money.parse("reservePrice", reserve),
        start,
        end,
        snipe == null ? 0 : snipe,
        extend == null ? 0 : extend,
        optionalSeq(root, "hardEndAt"));
  }

  /** {@code "1.00"}: a fixed step; {@code "usd"}: the USD table; an array of {@code {"from","step"}} bands. */
  private static IncrementRule increment(JsonNode node) throws ProtocolError.Invalid {
    if (node == null || node.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field 'increment'");
    if (node.isTextual() && "usd".equals(node.asText())) return IncrementRule.usdTable();
    if (node.isTextual()) return IncrementRule.fixed(Money.parse("increment", node.asText()));
    if (node.isArray()) {
      List<IncrementRule.Band> bands = new ArrayList<>();
      for (JsonNode band : node) {
        if (!band.isObject()) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'increment' bands are objects {\"from\", \"step\"}");
        bands.add(new IncrementRule.Band(Money.parse("from", requiredAmountText(band, "from")), Money.parse("step", requiredAmountText(band, "step"))));
      }
      return IncrementRule.banded(bands);
    }
    throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'increment' is an amount, \"usd\" or an array of bands");
  }

  /** An amount field's text; a JSON number or other non-string is an invalid amount, not a type error. */
  private static String amountText(JsonNode node, String field) throws ProtocolError.Invalid {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) return null;
    if (!value.isTextual()) throw new ProtocolError.Invalid(Money.INVALID_AMOUNT, "'" + field + "' must be a decimal string like \"12.50\"");
    return value.asText();
  }

  private static String requiredAmountText(JsonNode node, String field) throws ProtocolError.Invalid {
    String text = amountText(node, field);
    if (text == null) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    return text;
  }

  static String auctionId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "auctionId");
    if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "invalid auctionId");
    return id;
  }

  // ---- server frames

  static Outbound render(TopicPush push) {
    if (push instanceof TopicPush.Appended a) return Outbound.durable(FrameCodec.event(a.topic(), name(a.event()), a.seq(), data(a.event())));
    if (push instanceof TopicPush.Ephemeral e && e.event() instanceof Auction.TimeLeft t) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("endsAt", t.endsAt());
      m.put("msLeft", t.msLeft());
      m.put("at", t.at());
      // one value: a slow client gets only the newest time left
      return Outbound.latest(e.topic() + "#time", FrameCodec.event(e.topic(), "time_left", null, m));
    }
    if (push instanceof TopicPush.Ended e) {
      return Outbound.durable(FrameCodec.event(e.topic(), "unsubscribed", null, Map.of("code", e.code(), "reason", e.reason())));
    }
    throw new IllegalArgumentException("unknown auction push " + push);
  }

  static String name(TopicEvent event) {
    if (event instanceof Auction.Opened) return "created";
    if (event instanceof Auction.BidPlaced) return "bid";
    if (event instanceof Auction.Extended) return "extended";
    if (event instanceof Auction.Ended) return "closed";
    throw new IllegalArgumentException("unknown auction event " + event.getClass());
  }

  static Map<String, Object> data(TopicEvent event) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (event instanceof Auction.Opened o) {
      m.put("seller", o.seller());
      m.put("item", o.item());
      m.put("startingPrice", Money.format(o.startingPrice()));
      m.put("hasReserve", o.hasReserve());
      m.put("startsAt", o.startsAt());
      m.put("endsAt", o.endsAt());
      m.put("hardEndAt", o.hardEndAt());
      m.put("at", o.at());
    } else if (event instanceof Auction.BidPlaced b) {
      m.put("bidder", b.bidder());
      m.put("price", Money.format(b.price()));
      m.put("leader", b.leader());
      m.put("at", b.at());
    } else if (event instanceof Auction.Extended x) {
      m.put("endsAt", x.endsAt());
    } else if (event instanceof Auction.Ended c) {
      m.putAll(closed(c.winner(), c.price(), c.reserveMet(), c.at()));
    }
    return m;
  }

  private static Map<String, Object> closed(String winner, long price, boolean reserveMet, long at) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("winner", winner);
    m.put("price", Money.format(price));
    m.put("reserveMet", reserveMet);
    m.put("at", at);
    return m;
  }

  static Map<String, Object> view(Auction.View v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("auctionId", v.auctionId());
    m.put("seller", v.seller());
    m.put("item", v.item());
    m.put("status", v.status());
    m.put("startingPrice", Money.format(v.startingPrice()));
    m.put("price", v.bids() == 0 ? null : Money.format(v.price()));
    m.put("leader", v.leader());
    m.put("bids", v.bids());
    m.put("minimumBid", Money.format(v.minimumBid()));
    m.put("hasReserve", v.hasReserve());
    if (v.hasReserve()) m.put("reserveMet", v.reserveMet());
    if (v.reservePrice() != null) m.put("reservePrice", Money.format(v.reservePrice()));
    if (v.yourMaximum() != null) m.put("yourMaximum", Money.format(v.yourMaximum()));
    m.put("startsAt", v.startsAt());
    m.put("endsAt", v.endsAt());
    m.put("hardEndAt", v.hardEndAt());
    if (v.closed() != null) {
      AuctionEvent.Closed c = v.closed();
      m.put("result", closed(c.winner(), c.price(), c.reserveMet(), c.at()));
    }
    m.put("lastSeq", v.seq());
    return m;
  }

  static Map<String, Object> ack(Auction.BidAck a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("auctionId", a.auctionId());
    if (a.seq() > 0) m.put("seq", a.seq());
    m.put("price", Money.format(a.price()));
    m.put("leader", a.leader());
    m.put("leading", a.leading());
    m.put("maximum", Money.format(a.maximum()));
    m.put("minimumBid", Money.format(a.minimumBid()));
    m.put("endsAt", a.endsAt());
    m.put("duplicate", a.duplicate());
    return m;
  }
}
