package io.pulse.actors.market;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/** Where candles are kept: written in batches by each instrument's {@link CandleWriter}, read by range over HTTP. */
public interface CandleStore {
  /** Writes each candle whole (an upsert): writing the same candle again changes nothing. */
  CompletionStage<Done> write(List<Candle> candles);

  /** The candles of {@code symbol} at {@code interval} whose start is in {@code [from, to)}, oldest first, at most {@code limit}. */
  CompletionStage<List<Candle>> read(String symbol, String interval, long from, long to, int limit);

  /** A store that keeps nothing: for tests of the entity alone. */
  CandleStore NONE =
      new CandleStore() {
        @Override
        public CompletionStage<Done> write(List<Candle> candles) {
          return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
        }

        @Override
        public CompletionStage<List<Candle>> read(String symbol, String interval, long from, long to, int limit) {
          return java.util.concurrent.CompletableFuture.completedFuture(List.of());
        }
      };
}
