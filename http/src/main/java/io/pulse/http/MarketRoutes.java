package io.pulse.http;

import io.pulse.actors.market.Candle;
import io.pulse.actors.market.CandleStore;
import io.pulse.actors.market.Instrument;
import io.pulse.actors.market.MarketFanout;
import io.pulse.actors.market.MarketPush;
import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.auth.TokenVerifier;
import io.pulse.http.gateway.MarketWire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.CompletionStrategy;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The market's plain HTTP surface (docs/protocol.md, "Markets"): candles by range, and Server-Sent Events for
 * read-only dashboards. Both take the WebSocket's token, as {@code Authorization: Bearer} or, for browsers'
 * EventSource which cannot set headers, {@code access_token} in the query.
 */
final class MarketRoutes extends AllDirectives {
  private static final Set<String> SSE_TOPICS = Set.of("ticker", "trades", "candles");

  private final ActorSystem<?> system;
  private final TokenVerifier verifier;
  private final CandleStore candles;
  private final Set<String> symbols;
  private final int candlePage;
  private final int sseBuffer;
  private final Duration timeout;

  MarketRoutes(ActorSystem<?> system, TokenVerifier verifier, CandleStore candles, Set<String> symbols, int candlePage, int sseBuffer, Duration timeout) {
    this.system = system;
    this.verifier = verifier;
    this.candles = candles;
    this.symbols = Set.copyOf(symbols);
    this.candlePage = candlePage;
    this.sseBuffer = sseBuffer;
    this.timeout = timeout;
  }

  Route routes() {
    return concat(
        path(PathMatchers.segment("api").slash("market").slash(PathMatchers.segment()).slash("candles"), symbol -> get(() -> authenticated(user -> candles(symbol)))),
        path(PathMatchers.segment("sse").slash("market").slash(PathMatchers.segment()), symbol -> get(() -> authenticated(user -> sse(user, symbol)))));
  }

  private static Route error(StatusCode status, String code, String message) {
    return new AllDirectives() {}.complete(status, Map.of("error", code, "message", message), Jackson.marshaller());
  }

  private Route authenticated(Function<AuthenticatedUser, Route> inner) {
    return new BearerAuth(verifier).authenticated(inner);
  }

  // ---- candles ------------------------------------------------------------------------------------

  private Route candles(String symbol) {
    if (!symbols.contains(symbol)) return error(StatusCodes.NOT_FOUND, Instrument.UNKNOWN_SYMBOL, "no instrument " + symbol);
    return parameterOptional(
        "interval",
        interval ->
            parameterOptional(
                "from",
                from ->
                    parameterOptional(
                        "to",
                        to ->
                            parameterOptional(
                                "limit", limit -> candles(symbol, interval.orElse(null), from.orElse(null), to.orElse(null), limit.orElse(null))))));
  }

  private Route candles(String symbol, String interval, String fromText, String toText, String limitText) {
    if (interval == null || !Candle.isInterval(interval)) return error(StatusCodes.BAD_REQUEST, "invalid_field", "interval must be one of " + Candle.INTERVALS);
    long to;
    long from;
    int limit;
    try {
      to = toText == null ? System.currentTimeMillis() + 1 : Long.parseLong(toText);
      from = fromText == null ? to - 100 * Candle.millis(interval) : Long.parseLong(fromText);
      limit = limitText == null ? candlePage : Integer.parseInt(limitText);
    } catch (NumberFormatException e) {
      return error(StatusCodes.BAD_REQUEST, "invalid_field", "from and to are epoch milliseconds, limit a count");
    }
    if (from > to || limit <= 0 || limit > candlePage) {
      return error(StatusCodes.BAD_REQUEST, "invalid_field", "need from <= to and 0 < limit <= " + candlePage);
    }
    return onSuccess(
        candles.read(symbol, interval, from, to, limit),
        list -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("symbol", symbol);
          body.put("interval", interval);
          body.put("from", from);
          body.put("to", to);
          body.put("candles", list.stream().map(MarketWire::candle).toList());
          return complete(StatusCodes.OK, body, Jackson.marshaller());
        });
  }

  // ---- server-sent events -------------------------------------------------------------------------

  private Route sse(AuthenticatedUser user, String symbol) {
    if (!symbols.contains(symbol)) return error(StatusCodes.NOT_FOUND, Instrument.UNKNOWN_SYMBOL, "no instrument " + symbol);
    return parameterOptional(
        "topics",
        topicsText ->
            optionalHeaderValueByName(
                "Last-Event-ID",
                lastEventId -> {
                  Set<String> topics = new LinkedHashSet<>(List.of(topicsText.orElse("ticker,trades").split(",")));
                  if (topics.isEmpty() || !SSE_TOPICS.containsAll(topics)) {
                    return error(StatusCodes.BAD_REQUEST, "invalid_field", "topics is a comma-separated list of " + SSE_TOPICS);
                  }
                  long since;
                  try {
                    since = lastEventId.map(String::strip).filter(s -> !s.isEmpty()).map(Long::parseLong).orElse(-1L);
                  } catch (NumberFormatException e) {
                    return error(StatusCodes.BAD_REQUEST, "invalid_field", "Last-Event-ID must be a seq this stream sent");
                  }
                  return completeOK(events(user, symbol, topics, since), EventStreamMarshalling.toEventStream());
                }));
  }

  /**
   * One SSE stream over the instrument's fanout: each topic subscribed with the stream's own actor as watcher. Trades
   * carry their seq as the event id, so a reconnect's Last-Event-ID resumes them exactly. A gap (a push lost when
   * the instrument moved) ends the stream, so the client reconnects and resumes from the id it has. A reader too slow
   * for {@code sseBuffer} events is cut off the same way.
   */
  private Source<ServerSentEvent, NotUsed> events(AuthenticatedUser user, String symbol, Set<String> topics, long since) {
    long[] last = {since};
    return Source.<Object>actorRef(m -> Optional.<CompletionStrategy>empty(), m -> Optional.<Throwable>empty(), sseBuffer, OverflowStrategy.fail())
        .mapMaterializedValue(
            ref -> {
              @SuppressWarnings("unchecked")
              ActorRef<MarketPush> watcher = (ActorRef<MarketPush>) (Object) Adapter.toTyped(ref);
              for (String t : topics) {
                MarketFanout.Stream stream = MarketFanout.Stream.ofKind(t);
                long from = stream.durable() ? since : -1;
                ClusterSharding.get(system)
                    .entityRefFor(Instrument.ENTITY_TYPE_KEY, symbol)
                    .<Instrument.Subscribed>askWithStatus(r -> new Instrument.Subscribe(user.userId(), stream, from, 0, 0, watcher, r), timeout)
                    .whenComplete((ok, e) -> {
                      if (e != null) ref.tell(new org.apache.pekko.actor.Status.Failure(e), org.apache.pekko.actor.ActorRef.noSender());
                      else if (last[0] < 0 && stream.durable()) ref.tell(new Resumed(ok.lastSeq()), org.apache.pekko.actor.ActorRef.noSender());
                    });
              }
              return NotUsed.getInstance();
            })
        // a trade whose predecessor this stream never sent: a gap; end, and the client resumes from its last id
        .takeWhile(m -> !(m instanceof MarketPush.Appended a) || last[0] < 0 || a.prevSeq() <= last[0])
        .mapConcat(m -> toEvent(m, last))
        .keepAlive(Duration.ofSeconds(15), ServerSentEvent::heartbeat);
  }

  /** The seq a stream without Last-Event-ID starts from (the newest when it subscribed). */
  private record Resumed(long lastSeq) {}

  private static List<ServerSentEvent> toEvent(Object m, long[] last) {
    List<ServerSentEvent> out = new ArrayList<>(1);
    if (m instanceof Resumed r) {
      if (last[0] < 0) last[0] = r.lastSeq();
    } else if (m instanceof MarketPush.Appended a) {
      if (a.seq() <= last[0]) return out; // already sent before the reconnect
      last[0] = a.seq();
      Map<String, Object> data = new LinkedHashMap<>(MarketWire.publicTrade((Instrument.Traded) a.event()));
      data.put("seq", a.seq());
      data.put("prevSeq", a.prevSeq());
      out.add(ServerSentEvent.create(MarketWire.json(data), Optional.of("trade"), Optional.of(Long.toString(a.seq())), java.util.OptionalInt.empty()));
    } else if (m instanceof MarketPush.Latest l && l.value() instanceof Instrument.Ticker t) {
      out.add(ServerSentEvent.create(MarketWire.json(MarketWire.ticker(t)), "ticker"));
    } else if (m instanceof MarketPush.Latest l && l.value() instanceof Candle c) {
      out.add(ServerSentEvent.create(MarketWire.json(MarketWire.candle(c)), "candle"));
    }
    return out;
  }
}
