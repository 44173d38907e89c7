package io.pulse.http.it;

import io.pulse.http.PulseNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/** Which cluster member hosts an entity, asked of any member, for nodes in other JVMs too. */
final class ShardHosts {
  private ShardHosts() {}

  /** The shard of an entity id under the default extractor (the id's hash modulo the number of shards). */
  static String shardOf(String entityId, int numberOfShards) {
    return Integer.toString(Math.abs(entityId.hashCode() % numberOfShards));
  }

  /** The remote port of the member whose region holds {@code entityId}'s shard with entities in it, or -1. */
  static int hostPort(PulseNode asking, EntityTypeKey<?> type, String entityId) throws Exception {
    int shards = asking.system().settings().config().getInt("pekko.cluster.sharding.number-of-shards");
    String shard = shardOf(entityId, shards);
    ShardRegion.ClusterShardingStats stats =
        AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
                ClusterSharding.get(asking.system()).shardState(),
                replyTo -> new GetClusterShardingStats(type, Duration.ofSeconds(5), replyTo),
                Duration.ofSeconds(10),
                asking.system().scheduler())
            .toCompletableFuture()
            .get(15, TimeUnit.SECONDS);
    for (Map.Entry<Address, ShardRegion.ShardRegionStats> region : stats.getRegions().entrySet()) {
      Object entities = region.getValue().getStats().get(shard);
      if (entities instanceof Integer n && n > 0) return (Integer) region.getKey().getPort().get();
    }
    return -1;
  }
}
