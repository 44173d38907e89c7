package io.pulse.http.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Asks this node's shard regions, every {@code interval}, how many shards and entities each holds, and
 * caches the answer in {@link NodeMetrics}: a scrape or the operator view reads the cache, never the
 * cluster. Entity types are whatever this node registered with Cluster Sharding.
 */
public final class ShardCounts {
  private ShardCounts() {}

  public static void start(ActorSystem<?> system, NodeMetrics metrics, Duration interval) {
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, () -> refresh(system, metrics, interval), system.executionContext());
  }

  /** One refresh; answers that do not come within the interval leave that type out of this round. */
  public static CompletableFuture<Void> refresh(ActorSystem<?> system, NodeMetrics metrics, Duration timeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    List<String> types =
        new ArrayList<>(CollectionConverters.asJava(org.apache.pekko.cluster.sharding.ClusterSharding.get(system.classicSystem()).shardTypeNames()));
    Map<String, Integer> shards = new TreeMap<>();
    Map<String, Integer> entities = new TreeMap<>();
    List<CompletableFuture<Void>> asks = new ArrayList<>();
    for (String type : types) {
      EntityTypeKey<Object> key = EntityTypeKey.create(Object.class, type);
      asks.add(
          AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
                  sharding.shardState(), replyTo -> new GetShardRegionState(key, replyTo), timeout, system.scheduler())
              .thenAccept(
                  state -> {
                    int n = 0;
                    for (ShardRegion.ShardState shard : state.getShards()) n += shard.getEntityIds().size();
                    synchronized (shards) {
                      shards.put(type, state.getShards().size());
                      entities.put(type, n);
                    }
                  })
              .exceptionally(e -> null)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenRun(
            () -> {
              synchronized (shards) {
                metrics.regions(shards, entities);
              }
            });
  }
}
