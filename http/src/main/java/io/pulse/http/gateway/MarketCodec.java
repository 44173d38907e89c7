package io.pulse.http.gateway;

import static io.pulse.http.gateway.FrameCodec.optionalText;
import static io.pulse.http.gateway.FrameCodec.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.market.Candle;
import io.pulse.actors.market.Instrument;
import io.pulse.actors.market.MarketPush;
import io.pulse.actors.market.Order;
import io.pulse.actors.market.OrderBook;
import io.pulse.actors.market.OrderRules;
import io.pulse.actors.market.OrderType;
import io.pulse.actors.market.Side;
import io.pulse.actors.market.TimeInForce;
import io.pulse.actors.market.Trade;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How market frames and events look on the wire (docs/protocol.md, "Markets"). */
final class MarketCodec {
  private MarketCodec() {}

  static final String PREFIX = "market.";

  static ClientFrame parse(String type, JsonNode root, String ref) throws ProtocolError.Invalid {
    return switch (type) {
      case "market.place" -> {
        OrderType orderType = choice(root, "orderType", OrderType.class, OrderType.LIMIT);
        long price = orderType == OrderType.MARKET && isAbsent(root, "price") ? 0 : whole(root, "price", OrderRules.INVALID_PRICE);
        yield new MarketFrame.Place(
            ref,
            symbol(root),
            clientOrderId(root),
            required(choice(root, "side", Side.class, null), "side"),
            orderType,
            choice(root, "timeInForce", TimeInForce.class, TimeInForce.GTC),
            price,
            whole(root, "quantity", OrderRules.INVALID_QUANTITY));
      }
      case "market.cancel" -> new MarketFrame.Cancel(ref, symbol(root), orderId(root));
      case "market.replace" ->
          new MarketFrame.Replace(
              ref, symbol(root), orderId(root), whole(root, "price", OrderRules.INVALID_PRICE), whole(root, "quantity", OrderRules.INVALID_QUANTITY));
      case "market.book" -> {
        Integer depth = FrameCodec.optionalInt(root, "depth");
        yield new MarketFrame.Book(ref, symbol(root), depth == null ? 0 : depth);
      }
      default -> throw new ProtocolError.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + type + "'");
    };
  }

  private static boolean isAbsent(JsonNode root, String field) {
    JsonNode v = root.get(field);
    return v == null || v.isNull() || (v.isNumber() && v.asLong() == 0 && v.canConvertToExactIntegral());
  }

  static String symbol(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "symbol");
    if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(Instrument.UNKNOWN_SYMBOL, "no instrument " + id);
    return id;
  }

  private static String orderId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "orderId");
    if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(OrderRules.UNKNOWN_ORDER, "no order " + id);
    return id;
  }

  private static String clientOrderId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "clientOrderId");
    if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "clientOrderId must be 1-64 of [A-Za-z0-9_.-]");
    return id;
  }

  /**
   * A whole number of ticks or lots, which may be zero or negative: the entity refuses those with its own stable
   * code ({@code code} here for what is not a whole number at all, such as 10.5 or "ten").
   */
  private static long whole(JsonNode node, String field, String code) throws ProtocolError.Invalid {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    if (!v.isNumber() || !v.canConvertToExactIntegral() || !v.canConvertToLong()) {
      throw new ProtocolError.Invalid(code, "'" + field + "' must be a whole number of " + (field.equals("price") ? "ticks" : "lots"));
    }
    return v.asLong();
  }

  private static <E extends Enum<E>> E choice(JsonNode node, String field, Class<E> type, E otherwise) throws ProtocolError.Invalid {
    String value = optionalText(node, field);
    if (value == null) return otherwise;
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder names = new StringBuilder();
      for (E c : type.getEnumConstants()) names.append(names.isEmpty() ? "" : ", ").append(lower(c));
      throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' must be one of " + names);
    }
  }

  private static <T> T required(T value, String field) throws ProtocolError.Invalid {
    if (value == null) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    return value;
  }

  static String lower(Enum<?> e) {
    return e == null ? null : e.name().toLowerCase(Locale.ROOT);
  }

  // ---- server frames

  /** Null: a push of no market topic. */
  static Outbound render(MarketPush push) {
    if (push instanceof MarketPush.Appended a) {
      Instrument.Event e = (Instrument.Event) a.event();
      String name = a.topic().startsWith("trades:") ? "trade" : orderEventName(e);
      Map<String, Object> data = a.topic().startsWith("trades:") ? publicTrade((Instrument.Traded) e) : orderEvent(e);
      return Outbound.durable(FrameCodec.event(a.topic(), name, a.seq(), a.prevSeq(), data));
    }
    if (push instanceof MarketPush.BookDiff d) {
      return Outbound.durable(FrameCodec.event(d.topic(), "diff", d.seq(), d.prevSeq(), Map.of("bids", levels(d.bids()), "asks", levels(d.asks()), "at", d.at())));
    }
    if (push instanceof MarketPush.BookSnapshot s) {
      return Outbound.durable(FrameCodec.event(s.topic(), "snapshot", s.book().seq(), book(s.book())));
    }
    if (push instanceof MarketPush.Latest l && l.value() instanceof Instrument.Ticker t) {
      return Outbound.latest(l.topic(), FrameCodec.event(l.topic(), "ticker", null, ticker(t)));
    }
    if (push instanceof MarketPush.Latest l && l.value() instanceof Candle c) {
      return Outbound.latest(l.topic() + "#" + c.interval(), FrameCodec.event(l.topic(), "candle", null, candle(c)));
    }
    if (push instanceof MarketPush.Ended e) {
      return Outbound.durable(FrameCodec.event(e.topic(), "unsubscribed", null, Map.of("code", e.code(), "reason", e.reason())));
    }
    throw new IllegalArgumentException("unknown market push " + push);
  }

  static String orderEventName(Instrument.Event e) {
    if (e instanceof Instrument.OrderAccepted) return "accepted";
    if (e instanceof Instrument.Traded) return "fill";
    if (e instanceof Instrument.OrderCancelled) return "cancelled";
    if (e instanceof Instrument.OrderReplaced) return "replaced";
    throw new IllegalArgumentException("unknown market event " + e.getClass());
  }

  /** A trade as everyone sees it: no user, no order ids. {@code takerSide}: the side of the order that took liquidity. */
  static Map<String, Object> publicTrade(Instrument.Traded t) {
    Trade trade = t.trade();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tradeId", trade.tradeId());
    m.put("price", trade.price());
    m.put("quantity", trade.quantity());
    m.put("takerSide", lower(trade.makerSide().opposite()));
    m.put("at", t.at());
    return m;
  }

  /** An event of the subscriber's own orders; a fill names both orders, one of them the subscriber's. */
  static Map<String, Object> orderEvent(Instrument.Event e) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (e instanceof Instrument.OrderAccepted a) {
      Order o = a.order();
      m.put("orderId", o.orderId());
      m.put("clientOrderId", o.clientOrderId());
      m.put("side", lower(o.side()));
      m.put("orderType", lower(o.type()));
      m.put("timeInForce", lower(o.timeInForce()));
      m.put("price", o.price());
      m.put("quantity", o.quantity());
      m.put("at", a.at());
    } else if (e instanceof Instrument.Traded t) {
      Trade trade = t.trade();
      m.put("tradeId", trade.tradeId());
      m.put("price", trade.price());
      m.put("quantity", trade.quantity());
      m.put("buyOrderId", trade.buyOrderId());
      m.put("sellOrderId", trade.sellOrderId());
      m.put("buyRemaining", t.buyRemaining());
      m.put("sellRemaining", t.sellRemaining());
      m.put("makerSide", lower(trade.makerSide()));
      m.put("at", t.at());
    } else if (e instanceof Instrument.OrderCancelled c) {
      m.put("orderId", c.orderId());
      m.put("clientOrderId", c.clientOrderId());
      m.put("remaining", c.remaining());
      m.put("reason", c.reason());
      m.put("at", c.at());
    } else if (e instanceof Instrument.OrderReplaced r) {
      m.put("orderId", r.orderId());
      m.put("price", r.price());
      m.put("quantity", r.quantity());
      m.put("at", r.at());
    }
    return m;
  }

  /** Levels as {@code [price, quantity, orders]}; quantity 0: the level is gone. */
  static List<long[]> levels(List<OrderBook.PriceLevel> levels) {
    return levels.stream().map(l -> new long[] {l.price(), l.quantity(), l.orders()}).toList();
  }

  static Map<String, Object> book(Instrument.BookView v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", v.symbol());
    m.put("seq", v.seq());
    m.put("bids", levels(v.bids()));
    m.put("asks", levels(v.asks()));
    return m;
  }

  static Map<String, Object> ticker(Instrument.Ticker t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", t.symbol());
    m.put("last", t.last() == 0 ? null : t.last());
    m.put("bid", t.bid() == 0 ? null : t.bid());
    m.put("ask", t.ask() == 0 ? null : t.ask());
    m.put("change24h", t.change24h());
    m.put("volume24h", t.volume24h());
    m.put("at", t.at());
    return m;
  }

  static Map<String, Object> candle(Candle c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", c.symbol());
    m.put("interval", c.interval());
    m.put("start", c.start());
    m.put("open", c.open());
    m.put("high", c.high());
    m.put("low", c.low());
    m.put("close", c.close());
    m.put("volume", c.volume());
    m.put("trades", c.trades());
    return m;
  }

  static Map<String, Object> ack(Instrument.OrderAck a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", a.symbol());
    m.put("orderId", a.orderId());
    m.put("clientOrderId", a.clientOrderId());
    m.put("status", a.status());
    m.put("side", lower(a.side()));
    m.put("orderType", lower(a.type()));
    m.put("price", a.price());
    m.put("quantity", a.quantity());
    m.put("filled", a.filled());
    m.put("remaining", a.remaining());
    m.put("seq", a.seq());
    m.put("duplicate", a.duplicate());
    return m;
  }
}
