package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.market.Instrument;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/** Answers the {@code market.*} frames by asking the instrument entities (docs/protocol.md, "Markets"). */
final class MarketRequests {
  private final ClusterSharding sharding;
  private final Duration timeout;
  private final Set<String> symbols;

  /** {@code symbols}: the listed ones; any other is refused here, before an entity is started for it. */
  MarketRequests(ClusterSharding sharding, Duration timeout, Set<String> symbols) {
    this.sharding = sharding;
    this.timeout = timeout;
    this.symbols = Set.copyOf(symbols);
  }

  private <T> CompletionStage<T> ask(String symbol, java.util.function.Function<ActorRef<StatusReply<T>>, Instrument.Command> command) {
    return onCompletingThread(sharding.entityRefFor(Instrument.ENTITY_TYPE_KEY, symbol).askWithStatus(command::apply, timeout));
  }

  CompletionStage<Outbound> answer(ConnectionStage.Caller caller, MarketFrame frame) {
    String me = caller.user().userId();
    String ref = frame.ref();
    if (!symbols.contains(frame.symbol())) {
      return CompletableFuture.completedFuture(
          Outbound.durable(FrameCodec.error(ProtocolError.of(ref, Instrument.UNKNOWN_SYMBOL, "no instrument " + frame.symbol()))));
    }
    if (frame instanceof MarketFrame.Place p) {
      return this.<Instrument.OrderAck>ask(
              p.symbol(), r -> new Instrument.Place(me, p.clientOrderId(), p.side(), p.type(), p.timeInForce(), p.price(), p.quantity(), r))
          .thenApply(a -> reply(ref, MarketCodec.ack(a)));
    }
    if (frame instanceof MarketFrame.Cancel c) {
      return this.<Instrument.OrderAck>ask(c.symbol(), r -> new Instrument.Cancel(me, c.orderId(), r)).thenApply(a -> reply(ref, MarketCodec.ack(a)));
    }
    if (frame instanceof MarketFrame.Replace rp) {
      return this.<Instrument.OrderAck>ask(rp.symbol(), r -> new Instrument.Replace(me, rp.orderId(), rp.price(), rp.quantity(), r))
          .thenApply(a -> reply(ref, MarketCodec.ack(a)));
    }
    if (frame instanceof MarketFrame.Book b) {
      return this.<Instrument.BookView>ask(b.symbol(), r -> new Instrument.GetBook(b.depth(), r)).thenApply(v -> reply(ref, MarketCodec.book(v)));
    }
    throw new IllegalStateException("unhandled frame " + frame);
  }

  private static Outbound reply(String ref, Object data) {
    return Outbound.durable(FrameCodec.reply(ref, data));
  }
}
