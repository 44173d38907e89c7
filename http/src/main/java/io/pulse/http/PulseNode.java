package io.pulse.http;

import com.typesafe.config.Config;
import io.pulse.actors.user.User;
import io.pulse.config.PulseSettings;
import io.pulse.http.edge.Admission;
import io.pulse.http.edge.FrontDoor;
import io.pulse.http.edge.SocketServer;
import io.pulse.http.edge.WebSocketHandshake;
import io.pulse.http.gateway.OpenConnections;
import io.pulse.http.gateway.WebSocketGateway;
import io.pulse.http.ws.CloseCodes;
import io.pulse.http.ws.CloseWith;
import io.pulse.http.ws.WebSocketLayers;
import io.pulse.persistence.JournalHealth;
import io.pulse.persistence.cassandra.EmbeddedCassandra;
import io.pulse.persistence.cassandra.SchemaApplier;
import io.pulse.sharding.ClusterMembership;
import io.pulse.sharding.PulseSharding;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.NotUsed;
import org.apache.pekko.event.Logging;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.http.scaladsl.settings.WebSocketSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Pulse node: (embedded) Cassandra, the actor system as a cluster member with sharding,
 * and the HTTP server. Start order is Cassandra → schema → cluster → journal warm-up → HTTP, so the
 * port only answers once the node can serve; shutdown reverses it through CoordinatedShutdown.
 */
public final class PulseNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PulseNode.class);
  /** Files the node needs besides its sockets (jars, logs, Cassandra and cluster connections, token connections). */
  private static final int OPEN_FILE_RESERVE = 256;

  private final ActorSystem<Void> system;
  private final SocketServer binding;
  private final Optional<EmbeddedCassandra> cassandra;

  private PulseNode(ActorSystem<Void> system, SocketServer binding, Optional<EmbeddedCassandra> cassandra) {
    this.system = system;
    this.binding = binding;
    this.cassandra = cassandra;
  }

  /** Starts a node and returns once its HTTP port accepts connections. */
  public static PulseNode start(Config config) {
    long started = System.nanoTime();
    PulseSettings settings = PulseSettings.from(config);
    PulseSettings.CassandraSettings cs = settings.cassandra();

    Optional<EmbeddedCassandra> cassandra =
        cs.embedded().enabled()
            ? Optional.of(EmbeddedCassandra.startOrReuse(cs.embedded(), cs.host(), cs.port()))
            : Optional.empty();
    try {
      if (cs.applySchema()) SchemaApplier.apply(cs.host(), cs.port(), cs.datacenter(), cs.keyspace());
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "pulse", config);
      try {
        PulseSharding.init(system, settings);
        warmUp(system);
        Authenticator auth = Authenticator.from(settings.auth(), Clock.systemUTC());
        OpenConnections connections = new OpenConnections();
        WebSocketGateway gateway = new WebSocketGateway(
                system, settings.gateway(), settings.chat(), settings.documents().listLimit(), settings.sales(), settings.presence().ttl(), connections,
                symbols(settings));
        SocketServer binding = bind(system, settings, frontDoor(system, settings, auth, gateway, connections));
        system.getWhenTerminated().thenRun(binding::close);
        io.pulse.config.MetricsSettings metricsSettings = io.pulse.config.MetricsSettings.from(config);
        if (metricsSettings.selfScrape()) {
          org.apache.pekko.actor.Cancellable scrape = MetricsSelfScrape.start(system, binding.localAddress().getPort(), gateway.metrics().ingest(), metricsSettings);
          CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "stop-self-scrape", () -> {
            scrape.cancel();
            return CompletableFuture.completedFuture(Done.getInstance());
          });
        }
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "unbind", binding::unbind);
        CoordinatedShutdown.get(system)
            .addTask(
                CoordinatedShutdown.PhaseServiceRequestsDone(),
                "close-websockets",
                () -> {
                  // Tell every client to reconnect (to any node) rather than letting sockets drop.
                  connections.closeAll(new CloseWith(CloseCodes.GOING_AWAY, "node shutting down"));
                  return CompletableFuture.completedFuture(Done.getInstance());
                });
        log.info(
            "Pulse node ({} profile) ready on http://{}:{} in {} ms",
            settings.profile(),
            settings.http().host(),
            binding.localAddress().getPort(),
            Duration.ofNanos(System.nanoTime() - started).toMillis());
        return new PulseNode(system, binding, cassandra);
      } catch (Exception e) {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        throw e;
      }
    } catch (Exception e) {
      cassandra.ifPresent(EmbeddedCassandra::close);
      if (e instanceof RuntimeException re) throw re;
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * Every connection to the port starts at a {@link FrontDoor}: WebSocket upgrades to /ws are
   * handshaken there and joined to the frame layers and connection operator; every other request goes
   * to Pekko HTTP's server layer and {@link PulseRoutes}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static FrontDoor frontDoor(
      ActorSystem<?> system, PulseSettings settings, Authenticator auth, WebSocketGateway gateway, OpenConnections connections) {
    ServerSettings server = ServerSettings.create(system.classicSystem());
    // Plain TCP: the byte side of the server layer goes through TLS's pass-through stage.
    BidiFlow<HttpResponse, ByteString, ByteString, HttpRequest, NotUsed> layer = Http.get(system).serverLayer(server, Optional.empty(), Logging.getLogger(system.classicSystem(), "io.pulse.http")).atop((BidiFlow) TLSPlacebo.getInstance());
    PulseSettings.MarketSettings m = settings.markets();
    MarketRoutes market =
        new MarketRoutes(
            system, auth.verifier, PulseSharding.candles(system, settings), symbols(settings), m.candlePage(), m.sseBuffer(), settings.gateway().askTimeout());
    Flow<ByteString, ByteString, NotUsed> http = new PulseRoutes(system, auth, gateway.sales(), market, new DriverRoutes(auth.verifier, gateway.nearby()))
            .withMetrics(new MetricsRoutes(system, auth.verifier, gateway.metrics(), io.pulse.config.MetricsSettings.from(system.settings().config())))
            .routes().flow(system).join(layer);
    WebSocketSettings ws = ((org.apache.pekko.http.scaladsl.settings.ServerSettings) server).websocketSettings();
    Flow<ByteString, ByteString, NotUsed> webSocket =
        WebSocketLayers.server(ws, Logging.getLogger(system.classicSystem(), "io.pulse.http.ws"), gateway.connection());
    PulseSettings.GatewaySettings g = settings.gateway();
    return new FrontDoor(
        http,
        webSocket,
        "/ws",
        new WebSocketHandshake(auth.verifier, g.subprotocol()),
        gateway::session,
        new Admission(
            connections::size,
            g.maxConnections() > 0 ? g.maxConnections() : Admission.fromOpenFileLimit(OPEN_FILE_RESERVE),
            g.newSessionsPerSecond(),
            g.newSessionsBurst(),
            System::nanoTime),
        g.maxUpgradeHeadBytes(),
        g.handshakeTimeout());
  }

  private static SocketServer bind(ActorSystem<?> system, PulseSettings settings, FrontDoor door) throws IOException {
    int backlog = system.settings().config().getInt("pekko.http.server.backlog");
    return SocketServer.bind(settings.http().host(), settings.http().port(), backlog, Flow.fromGraph(door), Materializer.matFromSystem(system));
  }

  /**
   * Waits until this node is an Up member and the journal answers, then touches one entity so the
   * journal's prepared statements exist before the first client asks.
   */
  private static void warmUp(ActorSystem<?> system) throws Exception {
    Instant deadline = Instant.now().plusSeconds(60);
    while (!ClusterMembership.isUp(system) || !JournalHealth.check(system, Duration.ofSeconds(2)).toCompletableFuture().get()) {
      if (Instant.now().isAfter(deadline)) throw new IllegalStateException("node did not join its cluster or reach the journal within 60 s");
      Thread.sleep(100); // start-up only: polling two external conditions
    }
    ClusterSharding.get(system)
        .entityRefFor(User.ENTITY_TYPE_KEY, "pulse.warmup")
        .<User.Profile>askWithStatus(User.GetProfile::new, Duration.ofSeconds(30))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static java.util.Set<String> symbols(PulseSettings settings) {
    return settings.markets().instruments().stream().map(PulseSettings.InstrumentSettings::symbol).collect(java.util.stream.Collectors.toSet());
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Leaves the cluster, closes sockets and unbinds through CoordinatedShutdown, then stops Cassandra. */
  public CompletionStage<Done> stop() {
    return CoordinatedShutdown.get(system)
        .runAll(CoordinatedShutdown.unknownReason())
        .thenCompose(d -> system.getWhenTerminated())
        .thenApply(
            d -> {
              cassandra.ifPresent(EmbeddedCassandra::close);
              return Done.getInstance();
            });
  }

  /** Completes when the actor system has terminated, however the shutdown began. */
  public CompletionStage<Done> whenTerminated() {
    return system.getWhenTerminated();
  }

  Optional<EmbeddedCassandra> cassandra() {
    return cassandra;
  }

  @Override
  public void close() throws Exception {
    stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
