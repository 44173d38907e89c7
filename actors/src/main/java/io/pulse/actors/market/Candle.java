package io.pulse.actors.market;

import io.pulse.actors.topic.TopicEvent;
import java.util.List;

/**
 * One OHLCV bar of one instrument: the trades whose time falls in {@code [start, start + interval)}, prices in ticks
 * and volume in lots like everything else in matching. Built only from the instrument's own persisted trades, so
 * the same journal always gives the same candles, and writing one again (after a restart) writes the same values.
 *
 * @param interval one of {@link #INTERVALS}: {@code 1s}, {@code 1m}, {@code 1h}
 * @param start the bar's opening instant, epoch milliseconds, a multiple of the interval
 * @param trades how many trades it holds
 */
public record Candle(String symbol, String interval, long start, long open, long high, long low, long close, long volume, int trades)
    implements TopicEvent {

  public static final List<String> INTERVALS = List.of("1s", "1m", "1h");

  /** The interval's length in milliseconds; {@code IllegalArgumentException} for an interval that is not served. */
  public static long millis(String interval) {
    return switch (interval) {
      case "1s" -> 1_000L;
      case "1m" -> 60_000L;
      case "1h" -> 3_600_000L;
      default -> throw new IllegalArgumentException("unknown interval " + interval);
    };
  }

  public static boolean isInterval(String interval) {
    return INTERVALS.contains(interval);
  }

  public static long startOf(String interval, long at) {
    long len = millis(interval);
    return Math.floorDiv(at, len) * len;
  }

  /** The bar a first trade opens. */
  public static Candle open(String symbol, String interval, long at, long price, long quantity) {
    return new Candle(symbol, interval, startOf(interval, at), price, price, price, price, quantity, 1);
  }

  /** This bar with one more trade in it (a trade of the same bar: the caller checks {@link #covers}). */
  public Candle plus(long price, long quantity) {
    return new Candle(symbol, interval, start, open, Math.max(high, price), Math.min(low, price), price, volume + quantity, trades + 1);
  }

  public boolean covers(long at) {
    return at >= start && at < start + millis(interval);
  }
}
