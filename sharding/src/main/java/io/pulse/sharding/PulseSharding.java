package io.pulse.sharding;

import io.pulse.actors.auction.Auction;
import io.pulse.actors.auction.Sale;
import io.pulse.actors.auction.SaleBucket;
import io.pulse.actors.auction.WaitingRoom;
import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.Inbox;
import io.pulse.actors.chat.JournalHistory;
import io.pulse.actors.document.Document;
import io.pulse.actors.driver.Cell;
import io.pulse.actors.driver.Driver;
import io.pulse.actors.driver.FenceDirectory;
import io.pulse.actors.driver.FenceRegistry;
import io.pulse.actors.driver.FenceShapes;
import io.pulse.actors.driver.Geofence;
import io.pulse.actors.driver.FixRules;
import io.pulse.actors.driver.GeoCells;
import io.pulse.actors.driver.NearbySearch;
import io.pulse.actors.driver.NearestMerge;
import io.pulse.actors.driver.Trip;
import io.pulse.actors.market.CassandraCandleStore;
import io.pulse.actors.market.Instrument;
import io.pulse.actors.market.InstrumentSpec;
import io.pulse.actors.topic.JournalEvents;
import io.pulse.actors.user.User;
import io.pulse.actors.user.UserPresence;
import io.pulse.config.PulseSettings;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Registers every entity type with Cluster Sharding on this node. Each node of the cluster runs this
 * once at start, so any node can reach any entity: connections are never sticky.
 */
public final class PulseSharding {
  private PulseSharding() {}

  /** The Cassandra plugin's read journal, which serves conversation history older than memory. */
  public static final String READ_JOURNAL = "pekko.persistence.cassandra.query";

  public static void init(ActorSystem<?> system, PulseSettings settings) {
    User.init(system);
    UserPresence.init(system, settings.presence().ttl());
    Inbox.init(system);
    PulseSettings.ChatSettings chat = settings.chat();
    Conversation.init(
        system,
        new Conversation.Settings(chat.maxMembers(), chat.recentEvents(), chat.typingTtl(), chat.maxPage(), chat.presenceBatch()),
        new JournalHistory(system, READ_JOURNAL),
        chat.groupCommit());
    PulseSettings.DocumentSettings docs = settings.documents();
    Document.init(
        system,
        new Document.Settings(docs.recentEvents(), docs.maxTextLength(), docs.maxRangeLock(), docs.snapshotEvery()),
        new JournalEvents(system, READ_JOURNAL));
    PulseSettings.AuctionSettings auctions = settings.auctions();
    Auction.init(
        system,
        new Auction.Settings(auctions.recentEvents(), auctions.snapshotEvery(), auctions.timeLeftInterval()),
        Auction.history(new JournalEvents(system, READ_JOURNAL)));
    PulseSettings.SaleSettings sales = settings.sales();
    Sale.init(system, new Sale.Settings(sales.maxBuckets(), sales.pushInterval(), sales.refreshInterval()));
    SaleBucket.init(system, new SaleBucket.Settings(sales.snapshotEvery(), sales.reportInterval()));
    WaitingRoom.init(
        system, new WaitingRoom.Settings(sales.admitPerSecond(), sales.roomTick(), sales.positionInterval()), settings.gateway().askTimeout());
    initDrivers(system, settings.drivers());
    Instrument.init(system, instrumentSettings(settings.markets()), new JournalEvents(system, READ_JOURNAL), candles(system, settings));
    initMetrics(system, settings);
  }

  /** Metric series, their registries and tenants (docs/architecture.md, "Live metrics"). */
  public static io.pulse.actors.metrics.Metrics initMetrics(ActorSystem<?> system, PulseSettings settings) {
    io.pulse.config.MetricsSettings m = io.pulse.config.MetricsSettings.from(system.settings().config());
    return io.pulse.actors.metrics.Metrics.init(system, m, samples(system, settings, m), settings.gateway().askTimeout());
  }

  /** The metrics ingest and query sides of this node (the entities must be initialised: {@link #init}). */
  public static io.pulse.actors.metrics.Metrics metrics(ActorSystem<?> system, PulseSettings settings) {
    io.pulse.config.MetricsSettings m = io.pulse.config.MetricsSettings.from(system.settings().config());
    return io.pulse.actors.metrics.Metrics.service(system, m, samples(system, settings, m), settings.gateway().askTimeout());
  }

  /** The metric sample store on the journal's own Cassandra session. */
  public static io.pulse.actors.metrics.CassandraSampleStore samples(ActorSystem<?> system, PulseSettings settings, io.pulse.config.MetricsSettings m) {
    return new io.pulse.actors.metrics.CassandraSampleStore(
        system, CASSANDRA_PLUGIN, settings.cassandra().keyspace(), m.batchRows(), m.retentionRaw(), m.retention1m(), m.retention1h());
  }

  /** Cells, drivers and trips; answers the node's nearby search, which the gateway uses too. */
  public static NearbySearch initDrivers(ActorSystem<?> system, PulseSettings.DriverSettings d) {
    GeoCells geo = new GeoCells(d.h3Resolution());
    JournalEvents history = new JournalEvents(system, READ_JOURNAL);
    Cell.init(system, new Cell.Settings(d.cellEntryTtl(), d.cellSweepEvery(), d.cellIdleAfter()), geo);
    Driver.init(
        system,
        new Driver.Settings(
            new FixRules.Limits(d.maxSpeedMps(), d.jitterMeters(), d.maxClockSkew().toMillis()), d.persistEvery(), d.offlineAfter(), d.snapshotEvery()),
        geo,
        history);
    FenceShapes shapes = fenceShapes(d.fences());
    FenceRegistry.init(system, new FenceRegistry.Settings(shapes, d.fences().maxFences(), d.fences().snapshotEvery()));
    Geofence.init(system, new Geofence.Settings(d.fences().snapshotEvery()), history);
    FenceDirectory.get(system)
        .follow(system, ClusterSharding.get(system).entityRefFor(FenceRegistry.ENTITY_TYPE_KEY, FenceRegistry.ID), shapes, d.fences().refresh());
    NearbySearch search = nearbySearch(system, d);
    Trip.Candidates candidates =
        pickup ->
            search
                .search(pickup.lat(), pickup.lng(), d.offerRadiusMeters(), d.offerCandidates())
                .thenApply(r -> r.isSuccess() ? r.getValue().drivers().stream().map(NearestMerge.Match::driverId).toList() : java.util.List.<String>of());
    Trip.init(
        system,
        new Trip.Settings(
            d.offerTimeout(),
            d.assignTimeout(),
            d.trackBatch(),
            d.etaFloorSpeedMps(),
            d.etaThreshold(),
            d.etaFixes(),
            d.tripRecentEvents(),
            d.tripSnapshotEvery()),
        history,
        candidates);
    return search;
  }

  public static FenceShapes fenceShapes(PulseSettings.FenceSettings f) {
    return new FenceShapes(f.h3Resolution(), f.maxVertices(), f.maxAreaKm2());
  }

  /** A nearby search over the cells (stateless but for a cache: the gateway makes its own). */
  public static NearbySearch nearbySearch(ActorSystem<?> system, PulseSettings.DriverSettings d) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return new NearbySearch(
        new GeoCells(d.h3Resolution()),
        id -> sharding.entityRefFor(Cell.ENTITY_TYPE_KEY, id),
        system.scheduler(),
        new NearbySearch.Limits(d.nearbyMaxRadiusMeters(), d.nearbyMaxLimit(), d.maxRegionCells(), d.nearbyTimeout()));
  }

  /** The Cassandra plugin's config path: the candle store shares the journal's session. */
  public static final String CASSANDRA_PLUGIN = "pekko.persistence.cassandra";

  /** A candle store on the journal's own Cassandra session (the instruments write it, the HTTP API reads it). */
  public static CassandraCandleStore candles(ActorSystem<?> system, PulseSettings settings) {
    return new CassandraCandleStore(system, CASSANDRA_PLUGIN, settings.cassandra().keyspace());
  }

  public static Instrument.Settings instrumentSettings(PulseSettings.MarketSettings m) {
    java.util.Map<String, InstrumentSpec> specs = new java.util.HashMap<>();
    for (PulseSettings.InstrumentSettings i : m.instruments()) {
      specs.put(i.symbol(), new InstrumentSpec(i.symbol(), i.tickSize(), i.lotSize(), i.bandBps(), i.maxOpenOrders()));
    }
    return new Instrument.Settings(specs, m.recentEvents(), m.snapshotEvery(), m.acksPerUser(), m.closedOrdersKept(), m.maxRate(), m.candleFlush());
  }
}
