package io.pulse.actors.metrics;

import io.pulse.config.MetricsSettings;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/** Registers the metrics entities with sharding and builds the node's ingest and query sides over them. */
public final class Metrics {
  private final MetricsIngest ingest;
  private final QueryEngine queries;

  private Metrics(MetricsIngest ingest, QueryEngine queries) {
    this.ingest = ingest;
    this.queries = queries;
  }

  public MetricsIngest ingest() {
    return ingest;
  }

  public QueryEngine queries() {
    return queries;
  }

  public static Series.Settings seriesSettings(MetricsSettings m, Duration askTimeout) {
    return new Series.Settings(
        Map.of(Resolution.S10, m.memory10s().toMillis(), Resolution.M1, m.memory1m().toMillis(), Resolution.H1, m.memory1h().toMillis()),
        m.closeGrace().toMillis(),
        m.maxSampleAge().toMillis(),
        m.maxFuture().toMillis(),
        askTimeout);
  }

  /** Every metrics entity type on this node; the series of this node share one {@link SampleBatcher}. */
  public static Metrics init(ActorSystem<?> system, MetricsSettings m, SampleStore store, Duration askTimeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    SampleBatcher batcher = new SampleBatcher(store, m.writeMaxRows(), m.writeParallelism());
    Series.Settings settings = seriesSettings(m, askTimeout);
    sharding.init(Entity.of(TenantSeries.ENTITY_TYPE_KEY, ctx -> TenantSeries.create(ctx.getEntityId(), m.maxSeriesPerTenant())));
    sharding.init(
        Entity.of(
            SeriesRegistry.ENTITY_TYPE_KEY,
            ctx -> SeriesRegistry.create(ctx.getEntityId(), m.maxSeriesPerMetric(), askTimeout, id -> sharding.entityRefFor(TenantSeries.ENTITY_TYPE_KEY, id))));
    sharding.init(
        Entity.of(
                Series.ENTITY_TYPE_KEY,
                ctx ->
                    Series.create(
                        ctx.getEntityId(), settings, store, batcher, id -> sharding.entityRefFor(SeriesRegistry.ENTITY_TYPE_KEY, id), System::currentTimeMillis))
            .withStopMessage(new Series.Passivate()));
    return service(system, m, store, askTimeout);
  }

  /** The ingest and query sides (any node may build its own; the entities are reached through sharding). */
  public static Metrics service(ActorSystem<?> system, MetricsSettings m, SampleStore store, Duration askTimeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return new Metrics(
        new MetricsIngest(id -> sharding.entityRefFor(Series.ENTITY_TYPE_KEY, id), system.scheduler(), askTimeout),
        new QueryEngine(
            id -> sharding.entityRefFor(SeriesRegistry.ENTITY_TYPE_KEY, id),
            id -> sharding.entityRefFor(Series.ENTITY_TYPE_KEY, id),
            store,
            system.scheduler(),
            askTimeout,
            m.maxQuerySeries(),
            m.maxPoints()));
  }
}
