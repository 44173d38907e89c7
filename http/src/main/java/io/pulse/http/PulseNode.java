package io.pulse.http;

import com.typesafe.config.Config;
import io.pulse.actors.user.User;
import io.pulse.config.PulseSettings;
import io.pulse.http.edge.Admission;
import io.pulse.http.edge.FrontDoor;
import io.pulse.http.edge.OriginPolicy;
import io.pulse.http.edge.SocketServer;
import io.pulse.http.edge.Tls;
import io.pulse.http.edge.WebSocketHandshake;
import io.pulse.http.gateway.OpenConnections;
import io.pulse.http.gateway.WebSocketGateway;
import io.pulse.http.ops.NodeMetrics;
import io.pulse.http.ops.NodeStats;
import io.pulse.http.ops.OpsRoutes;
import io.pulse.http.ops.ShardCounts;
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
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
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
  private final NodePort binding;
  private final Optional<EmbeddedCassandra> cassandra;

  private PulseNode(ActorSystem<Void> system, NodePort binding, Optional<EmbeddedCassandra> cassandra) {
    this.system = system;
    this.binding = binding;
    this.cassandra = cassandra;
  }

  /** Starts a node and returns once its HTTP port accepts connections. */
  public static PulseNode start(Config config) {
    long started = System.nanoTime();
    PulseSettings settings = PulseSettings.from(config);
    PulseSettings.CassandraSettings cs = settings.cassandra();
    // checked first: a production node without an origin allow-list must not start anything
    OriginPolicy origins = OriginPolicy.from(settings.http().allowedOrigins(), settings.http().requireAllowedOrigins());
    if (settings.http().tls().enabled()) Tls.context(settings.http().tls()); // a bad key or password fails here, before anything starts

    Optional<EmbeddedCassandra> cassandra =
        cs.embedded().enabled()
            ? Optional.of(EmbeddedCassandra.startOrReuse(cs.embedded(), cs.host(), cs.port()))
            : Optional.empty();
    try {
      if (cs.applySchema()) SchemaApplier.apply(cs.host(), cs.port(), cs.datacenter(), cs.keyspace());
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "pulse", config);
      try {
        io.pulse.http.ops.Management.start(system);
        PulseSharding.init(system, settings);
        warmUp(system);
        Authenticator auth = Authenticator.from(settings.auth(), Clock.systemUTC());
        NodeMetrics metrics = new NodeMetrics();
        io.pulse.actors.JournalWriteTimings.get(system).observeWith(metrics::journalWrite);
        io.pulse.actors.alerting.AlertEvaluationLags.get(system).observeWith(metrics::alertEvaluationLag);
        OpenConnections connections = new OpenConnections(metrics);
        metrics.connectionsFrom(connections::size);
        ShardCounts.start(system, metrics, Duration.ofSeconds(2));
        system.systemActorOf(NodeStats.create(metrics, Duration.ofSeconds(1)), "node-stats", org.apache.pekko.actor.typed.Props.empty());
        WebSocketGateway gateway = new WebSocketGateway(
                system, settings.gateway(), settings.chat(), settings.documents().listLimit(), settings.sales(), settings.presence().ttl(), connections,
                symbols(settings));
        NodePort binding = bind(system, settings, auth, gateway, origins, new OpsRoutes(system, metrics, Duration.ofSeconds(1)));
        system.getWhenTerminated().thenRun(binding::close);
        io.pulse.http.ops.Serving.get(system).set(true);
        CoordinatedShutdown.get(system)
            .addTask(
                CoordinatedShutdown.PhaseServiceUnbind(),
                "unbind",
                () -> {
                  io.pulse.http.ops.Serving.get(system).set(false);
                  return binding.unbind();
                });
        io.pulse.config.MetricsSettings metricsSettings = io.pulse.config.MetricsSettings.from(config);
        if (metricsSettings.selfScrape()) {
          org.apache.pekko.actor.Cancellable scrape = MetricsSelfScrape.start(system, binding.port(), gateway.metrics().ingest(), metricsSettings);
          CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "stop-self-scrape", () -> {
            scrape.cancel();
            return CompletableFuture.completedFuture(Done.getInstance());
          });
        }
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
            "Pulse node ({} profile, {} transport) ready on {}://{}:{} in {} ms",
            settings.profile(),
            settings.http().transport(),
            settings.http().tls().enabled() ? "https" : "http",
            settings.http().host(),
            binding.port(),
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

  /** The node's listening port, whichever transport serves it. */
  private interface NodePort {
    int port();

    /** Stops accepting; open connections go on. */
    CompletionStage<Done> unbind();

    /** Closes the port and every connection on it. */
    void close();
  }

  private static NodePort bind(
      ActorSystem<?> system, PulseSettings settings, Authenticator auth, WebSocketGateway gateway, OriginPolicy origins, OpsRoutes ops) throws Exception {
    PulseSettings.GatewaySettings g = settings.gateway();
    WebSocketHandshake handshake = new WebSocketHandshake(auth.verifier, g.subprotocol(), origins);
    Admission admission =
        new Admission(
            g.maxConnections() > 0 ? g.maxConnections() : Admission.fromOpenFileLimit(OPEN_FILE_RESERVE), g.newSessionsPerSecond(), g.newSessionsBurst(), System::nanoTime);
    int maxOpen = settings.http().maxOpenSockets() > 0 ? settings.http().maxOpenSockets() : Admission.fromOpenFileLimit(OPEN_FILE_RESERVE / 2);
    Route routes = routes(system, settings, auth, gateway, ops);
    if (settings.http().transport().equals("pekko")) {
      return bindPekko(system, settings, new PekkoTransport(handshake, admission, gateway.connection(), gateway::session, g.subprotocol()).routes(routes), maxOpen);
    }
    return bindEdge(system, settings, frontDoor(system, routes, gateway, handshake, admission, g), maxOpen);
  }

  private static Route routes(ActorSystem<?> system, PulseSettings settings, Authenticator auth, WebSocketGateway gateway, OpsRoutes ops) {
    PulseSettings.MarketSettings m = settings.markets();
    MarketRoutes market =
        new MarketRoutes(
            system, auth.verifier, PulseSharding.candles(system, settings), symbols(settings), m.candlePage(), m.sseBuffer(), settings.gateway().askTimeout());
    DriverRoutes drivers = new DriverRoutes(auth.verifier, gateway.nearby(), new io.pulse.actors.driver.Geofences(system, settings.gateway().askTimeout()));
    String alertTenant = system.settings().config().getString("pulse.alerting.metrics-tenant");
    AlertRoutes alerts = AlertRoutes.start(system, auth.verifier, new io.pulse.actors.alerting.MetricRuleQuery(gateway.metrics().queries(), alertTenant));
    MetricsRoutes metrics = new MetricsRoutes(system, auth.verifier, gateway.metrics(), io.pulse.config.MetricsSettings.from(system.settings().config()));
    return new PulseRoutes(system, auth, gateway.sales(), market, drivers, alerts, ops.routes()).withMetrics(metrics).routes();
  }

  /**
   * Every connection to the port starts at a {@link FrontDoor}: WebSocket upgrades to /ws are
   * handshaken there and joined to the frame layers and connection operator; every other request goes
   * to Pekko HTTP's server layer and {@link PulseRoutes}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static FrontDoor frontDoor(
      ActorSystem<?> system, Route routes, WebSocketGateway gateway, WebSocketHandshake handshake, Admission admission, PulseSettings.GatewaySettings g) {
    ServerSettings server = ServerSettings.create(system.classicSystem());
    // Plain TCP: the byte side of the server layer goes through TLS's pass-through stage.
    BidiFlow<HttpResponse, ByteString, ByteString, HttpRequest, NotUsed> layer = Http.get(system).serverLayer(server, Optional.empty(), Logging.getLogger(system.classicSystem(), "io.pulse.http")).atop((BidiFlow) TLSPlacebo.getInstance());
    Flow<ByteString, ByteString, NotUsed> http = routes.flow(system).join(layer);
    WebSocketSettings ws = ((org.apache.pekko.http.scaladsl.settings.ServerSettings) server).websocketSettings();
    Flow<ByteString, ByteString, NotUsed> webSocket =
        WebSocketLayers.server(ws, Logging.getLogger(system.classicSystem(), "io.pulse.http.ws"), gateway.connection());
    return new FrontDoor(http, webSocket, "/ws", handshake, gateway::session, admission, g.maxUpgradeHeadBytes(), g.handshakeTimeout());
  }

  private static NodePort bindEdge(ActorSystem<?> system, PulseSettings settings, FrontDoor door, int maxOpen) throws IOException {
    int backlog = system.settings().config().getInt("pekko.http.server.backlog");
    ByteString full =
        WebSocketHandshake.refuse(503, "overloaded", "this node holds its maximum of open sockets; retry, or connect to another node", "Retry-After: 5\r\n")
            .response();
    Flow<ByteString, ByteString, NotUsed> perConnection = Flow.fromGraph(door);
    PulseSettings.TlsSettings tls = settings.http().tls();
    if (tls.enabled()) perConnection = Tls.wrap(perConnection, Tls.serverEngines(Tls.context(tls), tls));
    SocketServer server =
        SocketServer.bind(settings.http().host(), settings.http().port(), backlog, perConnection, Materializer.matFromSystem(system), maxOpen, full);
    return new NodePort() {
      public int port() {
        return server.localAddress().getPort();
      }

      public CompletionStage<Done> unbind() {
        return server.unbind();
      }

      public void close() {
        server.close();
      }
    };
  }

  /**
   * Pekko HTTP's own binding. Its idle timeout is the only limit on a stalled request head here, so it
   * is set just above the gateway's (a WebSocket's silence is closed by the connection first); and
   * its connection cap is the node's socket cap.
   */
  private static NodePort bindPekko(ActorSystem<?> system, PulseSettings settings, Route route, int maxOpen) throws Exception {
    ServerSettings defaults = ServerSettings.create(system.classicSystem());
    ServerSettings server =
        defaults
            .withMaxConnections(maxOpen)
            .withTimeouts(defaults.getTimeouts().withIdleTimeout(scala.concurrent.duration.Duration.fromNanos(settings.gateway().idleTimeout().plusSeconds(30).toNanos())));
    org.apache.pekko.http.javadsl.ServerBuilder builder = Http.get(system).newServerAt(settings.http().host(), settings.http().port()).withSettings(server);
    PulseSettings.TlsSettings tls = settings.http().tls();
    if (tls.enabled()) {
      java.util.function.Supplier<javax.net.ssl.SSLEngine> engines = Tls.serverEngines(Tls.context(tls), tls);
      builder = builder.enableHttps(org.apache.pekko.http.javadsl.ConnectionContext.httpsServer(engines::get));
    }
    ServerBinding binding = builder.bind(route).toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new NodePort() {
      public int port() {
        return binding.localAddress().getPort();
      }

      public CompletionStage<Done> unbind() {
        return binding.unbind();
      }

      public void close() {
        binding.terminate(Duration.ofSeconds(1));
      }
    };
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
    return binding.port();
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
