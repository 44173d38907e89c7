package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.market.Instrument;
import io.pulse.actors.market.MarketFanout;
import io.pulse.actors.market.MarketPush;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * An instrument's streams (docs/protocol.md, "Markets"): {@code book:<symbol>} (a snapshot in the subscribe reply,
 * then diffs, throttled and depth-limited per subscriber by the instrument's {@link MarketFanout}), {@code
 * trades:<symbol>} and the caller's own {@code orders:<symbol>} (durable, resumable with since), {@code
 * ticker:<symbol>} and {@code candles:<symbol>} (latest values). Their pushes carry {@code prevSeq}, so the
 * connection tells a gap from a stream that simply skips numbers; a book snapshot restarts the sequence.
 */
public final class MarketTopics implements DurableTopics {
  static final Set<String> KINDS = Set.of("book", "trades", "ticker", "candles", "orders");

  private final Function<String, RecipientRef<Instrument.Command>> instruments;
  private final Duration timeout;
  private final Scheduler scheduler;
  private final Set<String> symbols;

  public MarketTopics(Function<String, RecipientRef<Instrument.Command>> instruments, Duration timeout, Scheduler scheduler, Set<String> symbols) {
    this.instruments = instruments;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.symbols = Set.copyOf(symbols);
  }

  @Override
  public boolean follows(Topic topic) {
    return KINDS.contains(topic.kind());
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher) {
    return subscribe(userId, topic, since, ClientFrame.SubscribeOptions.NONE, watcher);
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ClientFrame.SubscribeOptions options, ActorRef<Object> watcher) {
    if (!symbols.contains(topic.id())) {
      return CompletableFuture.failedFuture(new StatusReply.ErrorMessage(Instrument.UNKNOWN_SYMBOL + ": no instrument " + topic.id()));
    }
    MarketFanout.Stream stream = MarketFanout.Stream.ofKind(topic.kind());
    int depth = options.depth() == null ? 0 : options.depth();
    int maxRate = options.maxRate() == null ? 0 : options.maxRate();
    return onCompletingThread(
            AskPattern.<Instrument.Command, Instrument.Subscribed>askWithStatus(
                instruments.apply(topic.id()), r -> new Instrument.Subscribe(userId, stream, since, depth, maxRate, pushes(watcher), r), timeout, scheduler))
        .thenApply(
            s -> {
              Map<String, Object> extra = new HashMap<>();
              if (s.book() != null) extra.put("book", MarketCodec.book(s.book()));
              return new Followed(s.lastSeq(), s.live(), extra);
            });
  }

  @Override
  public void unsubscribe(Topic topic, ActorRef<Object> watcher) {
    MarketFanout.Stream stream = MarketFanout.Stream.ofKind(topic.kind());
    if (stream != null && symbols.contains(topic.id())) instruments.apply(topic.id()).tell(new Instrument.Unsubscribe(stream, pushes(watcher)));
  }

  @Override
  public Push classify(Object message) {
    if (!(message instanceof MarketPush p)) return null;
    if (p instanceof MarketPush.Appended a) return new Push(a.topic(), a.seq(), false, a.prevSeq());
    if (p instanceof MarketPush.BookDiff d) return new Push(d.topic(), d.seq(), false, d.prevSeq());
    if (p instanceof MarketPush.BookSnapshot s) return new Push(s.topic(), s.book().seq(), false, Push.RESTART);
    return new Push(p.topic(), -1, p instanceof MarketPush.Ended);
  }

  @Override
  public Outbound render(Object message) {
    return MarketCodec.render((MarketPush) message);
  }

  @SuppressWarnings("unchecked")
  static ActorRef<MarketPush> pushes(ActorRef<Object> watcher) {
    return (ActorRef<MarketPush>) (Object) watcher;
  }
}
