package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.auction.BucketPlan;
import io.pulse.actors.auction.Sale;
import io.pulse.actors.auction.SaleBucket;
import io.pulse.actors.auction.SaleSpec;
import io.pulse.actors.auction.StockRules;
import io.pulse.actors.auction.WaitingRoom;
import io.pulse.actors.topic.TopicPush;
import io.pulse.config.PulseSettings.SaleSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/**
 * Answers the {@code sale.*} frames and the HTTP purchase endpoint, with the same semantics for both
 * (docs/protocol.md, "Auctions and flash sales"). A purchase is coordinated here, on the buyer's node:
 *
 * <ol>
 *   <li>the sale's bucket count, asked of the {@link Sale} once and cached (it never changes);
 *   <li>admission: unless the waiting room is off, the SKU's one {@link WaitingRoom} must have let the
 *       buyer in (it is asked until it has, then this node remembers);
 *   <li>the buckets in the buyer's {@link BucketPlan#order}: the first answer without {@code
 *       tryNextBucket} is the answer; if every bucket passes the buyer on, the sale is sold out.
 * </ol>
 */
public final class SaleRequests {
  public static final String NOT_ADMITTED = "not_admitted";

  /** What a purchase came to: a hold, a refusal, or a place in the waiting room. */
  public sealed interface Purchase {}

  public record Held(SaleBucket.HoldView hold, boolean duplicate) implements Purchase {}

  /** {@code retryAfterMs} is set when trying again may succeed ({@code all_held}). */
  public record Refused(String code, String message, Integer remaining, Long retryAfterMs) implements Purchase {
    Refused(String code, String message, Integer remaining) {
      this(code, message, remaining, null);
    }
  }

  public record Waiting(long position, long retryAfterMs) implements Purchase {}

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final SaleSettings settings;
  private final Map<String, Integer> bucketCounts = new ConcurrentHashMap<>();
  /** Per SKU, the buyers the room has let in; never shrinks while the node runs (one entry per buyer). */
  private final Map<String, Set<String>> admitted = new ConcurrentHashMap<>();

  SaleRequests(ClusterSharding sharding, Duration timeout, SaleSettings settings) {
    this.sharding = sharding;
    this.timeout = timeout;
    this.settings = settings;
  }

  private boolean roomEnabled() {
    return settings.admitPerSecond() > 0;
  }

  private <T> CompletionStage<T> askSale(String sku, java.util.function.Function<ActorRef<StatusReply<T>>, Sale.Command> command) {
    return onCompletingThread(sharding.entityRefFor(Sale.ENTITY_TYPE_KEY, sku).askWithStatus(command::apply, timeout));
  }

  private <T> CompletionStage<T> askBucket(String entityId, java.util.function.Function<ActorRef<StatusReply<T>>, SaleBucket.Command> command) {
    return onCompletingThread(sharding.entityRefFor(SaleBucket.ENTITY_TYPE_KEY, entityId).askWithStatus(command::apply, timeout));
  }

  private CompletionStage<WaitingRoom.Ticket> join(String sku, String userId, ActorRef<TopicPush> watcher) {
    return onCompletingThread(
            sharding.entityRefFor(WaitingRoom.ENTITY_TYPE_KEY, sku).<WaitingRoom.Ticket>askWithStatus(r -> new WaitingRoom.Join(userId, watcher, r), timeout))
        .thenApply(
            t -> {
              if (WaitingRoom.ADMITTED.equals(t.state())) admitted.computeIfAbsent(sku, k -> ConcurrentHashMap.newKeySet()).add(userId);
              return t;
            });
  }

  private CompletionStage<Integer> buckets(String sku) {
    Integer known = bucketCounts.get(sku);
    if (known != null) return CompletableFuture.completedFuture(known);
    return this.<Sale.View>askSale(sku, Sale.Get::new)
        .thenApply(
            v -> {
              bucketCounts.put(sku, v.buckets());
              return v.buckets();
            });
  }

  /** A purchase of {@code units} by {@code userId}; a failed stage carries the entity's rejection (unknown_sale) or a timeout. */
  public CompletionStage<Purchase> purchase(String userId, String sku, int units, String idempotencyKey) {
    return buckets(sku).thenCompose(n -> admission(userId, sku).thenCompose(held -> held != null ? CompletableFuture.completedFuture(held) : walk(userId, sku, units, idempotencyKey, BucketPlan.order(userId, n), 0)));
  }

  /** Null when admitted; else what to answer instead. */
  private CompletionStage<Purchase> admission(String userId, String sku) {
    if (!roomEnabled() || admitted.getOrDefault(sku, Set.of()).contains(userId)) return CompletableFuture.completedFuture(null);
    return join(sku, userId, null)
        .thenApply(
            t ->
                switch (t.state()) {
                  case WaitingRoom.ADMITTED -> null;
                  case WaitingRoom.SOLD_OUT -> new Refused(StockRules.SOLD_OUT, "sold out", 0);
                  default -> new Waiting(t.position(), t.retryAfterMs());
                });
  }

  private CompletionStage<Purchase> walk(String userId, String sku, int units, String key, List<Integer> order, int i) {
    if (i == order.size()) return CompletableFuture.completedFuture(new Refused(StockRules.SOLD_OUT, "sold out", 0));
    String bucket = SaleBucket.entityId(sku, order.get(i));
    return this.<SaleBucket.PurchaseOutcome>askBucket(bucket, r -> new SaleBucket.Purchase(userId, units, key, r))
        .thenCompose(
            o -> {
              if (o.hold() != null) return CompletableFuture.completedFuture(new Held(o.hold(), o.duplicate()));
              if (o.refused().tryNextBucket()) return walk(userId, sku, units, key, order, i + 1);
              return CompletableFuture.completedFuture(new Refused(o.refused().code(), o.refused().reason(), o.refused().remaining(), o.refused().retryAfterMs()));
            });
  }

  CompletionStage<Outbound> answer(ConnectionStage.Caller caller, SaleFrame frame) {
    String me = caller.user().userId();
    String ref = frame.ref();
    if (frame instanceof SaleFrame.SaleOpen o) {
      if (!settings.anyoneMayOpen() && !settings.operators().contains(me)) {
        return done(ProtocolError.of(ref, ErrorCode.FORBIDDEN, "only sale operators may open a sale"));
      }
      SaleSpec spec = new SaleSpec(o.sku(), o.units(), o.startsAt() != null ? o.startsAt() : System.currentTimeMillis(), o.perUserLimit(), o.holdMs());
      int n = o.buckets() != null ? o.buckets() : settings.buckets();
      return this.<Sale.View>askSale(o.sku(), r -> new Sale.Open(me, spec, n, r)).thenApply(v -> reply(ref, SaleCodec.view(v)));
    }
    if (frame instanceof SaleFrame.SaleGet g) return this.<Sale.View>askSale(g.sku(), Sale.Get::new).thenApply(v -> reply(ref, SaleCodec.view(v)));
    if (frame instanceof SaleFrame.SaleJoin j) {
      if (!roomEnabled()) {
        return this.<Sale.View>askSale(j.sku(), Sale.Get::new)
            .thenApply(v -> reply(ref, SaleCodec.ticket(new WaitingRoom.Ticket(j.sku(), v.soldOut() ? WaitingRoom.SOLD_OUT : WaitingRoom.ADMITTED, 0, 0))));
      }
      return join(j.sku(), me, DocumentTopics.pushes(caller.self())).thenApply(t -> reply(ref, SaleCodec.ticket(t)));
    }
    if (frame instanceof SaleFrame.SalePurchase p) {
      return purchase(me, p.sku(), p.units(), p.idempotencyKey())
          .thenApply(
              result -> {
                if (result instanceof Held h) return reply(ref, SaleCodec.hold(h.hold(), h.duplicate()));
                if (result instanceof Waiting w) {
                  return Outbound.durable(
                      FrameCodec.error(new ProtocolError(ref, NOT_ADMITTED, "the waiting room has not let you in yet", w.retryAfterMs()), Map.of("position", w.position())));
                }
                Refused r = (Refused) result;
                Map<String, Object> extra = new LinkedHashMap<>();
                if (r.remaining() != null) extra.put("remaining", r.remaining());
                return Outbound.durable(FrameCodec.error(new ProtocolError(ref, r.code(), r.message(), r.retryAfterMs()), extra));
              });
    }
    if (frame instanceof SaleFrame.SaleConfirm c) return end(ref, me, c.holdId(), true);
    if (frame instanceof SaleFrame.SaleRelease r) return end(ref, me, r.holdId(), false);
    throw new IllegalStateException("unhandled frame " + frame);
  }

  private CompletionStage<Outbound> end(String ref, String me, String holdId, boolean confirm) {
    Optional<String> bucket = SaleBucket.bucketOf(holdId);
    if (bucket.isEmpty()) return done(ProtocolError.of(ref, StockRules.UNKNOWN_HOLD, "no hold " + holdId));
    return this.<SaleBucket.HoldView>askBucket(bucket.get(), r -> confirm ? new SaleBucket.Confirm(me, holdId, r) : new SaleBucket.Release(me, holdId, r))
        .thenApply(h -> reply(ref, SaleCodec.hold(h, null)));
  }

  private static Outbound reply(String ref, Object data) {
    return Outbound.durable(FrameCodec.reply(ref, data));
  }

  private static CompletionStage<Outbound> done(ProtocolError error) {
    return CompletableFuture.completedFuture(Outbound.durable(FrameCodec.error(error)));
  }
}
