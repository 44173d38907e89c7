package io.pulse.actors.market;

import io.pulse.actors.topic.TopicEvent;
import io.pulse.persistence.CborSerializable;
import java.util.List;

/**
 * What a connection subscribed to an instrument's streams receives from its {@link MarketFanout}, on any node.
 * {@code topic} is the wire name ({@code <kind>:<symbol>}).
 *
 * <p>Sequenced pushes carry the instrument's sequence number {@code seq} and {@code prevSeq}, the {@code seq} of the
 * previous push of the same subscription. A stream carries only some of the instrument's events (trades, one user's
 * orders, book changes), so its numbers are increasing but not consecutive; a subscriber has missed something exactly
 * when a push's {@code prevSeq} is not the last {@code seq} it has.
 */
public sealed interface MarketPush extends CborSerializable {
  String topic();

  /** A persisted event of a durable stream (a trade, an order event of the subscriber). */
  record Appended(String topic, long prevSeq, long seq, TopicEvent event) implements MarketPush {}

  /**
   * Changed levels of the book since {@code prevSeq}, each with its quantity now (0: gone), best first;
   * {@code at}: when the newest change in it was published (epoch ms), so a client can tell its age.
   */
  record BookDiff(String topic, long prevSeq, long seq, List<OrderBook.PriceLevel> bids, List<OrderBook.PriceLevel> asks, long at)
      implements MarketPush {}

  /** The whole (depth-limited) book as of {@code seq}: replaces what the subscriber holds. */
  record BookSnapshot(String topic, Instrument.BookView book) implements MarketPush {}

  /** Ephemeral: only the newest per {@code key} matters (the ticker, a candle per interval). */
  record Latest(String topic, String key, TopicEvent value) implements MarketPush {}

  /** The subscription ended (too far behind, history unavailable): resubscribe or stop. */
  record Ended(String topic, String code, String reason) implements MarketPush {}
}
