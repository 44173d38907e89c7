package io.pulse.http.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.market.Candle;
import io.pulse.actors.market.Instrument;
import java.util.Map;

/** The market's wire shapes for the node's other surfaces (HTTP, SSE): the same JSON as on the WebSocket. */
public final class MarketWire {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MarketWire() {}

  public static Map<String, Object> publicTrade(Instrument.Traded t) {
    return MarketCodec.publicTrade(t);
  }

  public static Map<String, Object> ticker(Instrument.Ticker t) {
    return MarketCodec.ticker(t);
  }

  public static Map<String, Object> candle(Candle c) {
    return MarketCodec.candle(c);
  }

  public static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render", e);
    }
  }
}
