package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.auction.Auction;
import io.pulse.actors.auction.AuctionRules;
import io.pulse.actors.auction.AuctionSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/** Answers the {@code auction.*} frames by asking the auction entities (docs/protocol.md, "Auctions and flash sales"). */
final class AuctionRequests {
  /** Without a hard end, late bids may push the end back by at most this many extensions. */
  static final int DEFAULT_EXTENSIONS = 10;

  private final ClusterSharding sharding;
  private final Duration timeout;

  AuctionRequests(ClusterSharding sharding, Duration timeout) {
    this.sharding = sharding;
    this.timeout = timeout;
  }

  private <T> CompletionStage<T> ask(String id, java.util.function.Function<ActorRef<StatusReply<T>>, Auction.Command> command) {
    return onCompletingThread(sharding.entityRefFor(Auction.ENTITY_TYPE_KEY, id).askWithStatus(command::apply, timeout));
  }

  CompletionStage<Outbound> answer(ConnectionStage.Caller caller, AuctionFrame frame) {
    String me = caller.user().userId();
    if (frame instanceof AuctionFrame.AuctionCreate c) {
      String id = "auc-" + UUID.randomUUID().toString().replace("-", "");
      long hardEnd = c.hardEndAt() != null ? c.hardEndAt() : c.endsAt() + DEFAULT_EXTENSIONS * c.extendByMs();
      AuctionSpec spec =
          new AuctionSpec(me, c.item(), c.startingPrice(), c.increment(), c.reservePrice(), c.startsAt(), c.endsAt(), c.snipeWindowMs(), c.extendByMs(), hardEnd);
      return this.<Auction.View>ask(id, r -> new Auction.Create(spec, r)).thenApply(v -> reply(c.ref(), AuctionCodec.view(v)));
    }
    if (frame instanceof AuctionFrame.AuctionBid b) {
      return this.<Auction.BidOutcome>ask(b.auctionId(), r -> new Auction.Bid(me, b.maximum(), b.idempotencyKey(), r))
          .thenApply(o -> o.accepted() != null ? reply(b.ref(), AuctionCodec.ack(o.accepted())) : refused(b.ref(), o.refused()));
    }
    if (frame instanceof AuctionFrame.AuctionGet g) {
      return this.<Auction.View>ask(g.auctionId(), r -> new Auction.Get(me, r)).thenApply(v -> reply(g.ref(), AuctionCodec.view(v)));
    }
    throw new IllegalStateException("unhandled frame " + frame);
  }

  private static Outbound refused(String ref, AuctionRules.Refusal r) {
    Map<String, Object> extra = new LinkedHashMap<>();
    if (r.minimumAmount() != null) extra.put("minimumAmount", Money.format(r.minimumAmount()));
    return Outbound.durable(FrameCodec.error(ProtocolError.of(ref, r.code(), r.reason()), extra));
  }

  private static Outbound reply(String ref, Object data) {
    return Outbound.durable(FrameCodec.reply(ref, data));
  }
}
