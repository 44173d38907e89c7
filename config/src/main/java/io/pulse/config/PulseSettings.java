package io.pulse.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/** Pulse's own settings, read once at start from the {@code pulse} block. */
public record PulseSettings(
    String profile,
    HttpSettings http,
    CassandraSettings cassandra,
    AuthSettings auth,
    GatewaySettings gateway,
    PresenceSettings presence,
    ChatSettings chat,
    DocumentSettings documents,
    DriverSettings drivers,
    AuctionSettings auctions,
    SaleSettings sales,
    MarketSettings markets) {

  public static PulseSettings from(Config root) {
    Config c = root.getConfig("pulse");
    return new PulseSettings(
        c.getString("profile"),
        HttpSettings.from(c.getConfig("http")),
        CassandraSettings.from(c.getConfig("cassandra")),
        AuthSettings.from(c.getConfig("auth")),
        GatewaySettings.from(c.getConfig("gateway")),
        PresenceSettings.from(c.getConfig("presence")),
        ChatSettings.from(c.getConfig("chat")),
        DocumentSettings.from(c.getConfig("documents")),
        DriverSettings.from(c.getConfig("drivers")),
        AuctionSettings.from(c.getConfig("auctions")),
        SaleSettings.from(c.getConfig("sales")),
        MarketSettings.from(c.getConfig("markets")));
  }

  /** Drivers, the geo index and trips (pulse.drivers). */
  public record DriverSettings(
      int h3Resolution,
      double maxSpeedMps,
      double jitterMeters,
      Duration maxClockSkew,
      Duration persistEvery,
      Duration offlineAfter,
      int snapshotEvery,
      Duration cellEntryTtl,
      Duration cellSweepEvery,
      Duration cellIdleAfter,
      double nearbyMaxRadiusMeters,
      int nearbyMaxLimit,
      int maxRegionCells,
      Duration nearbyTimeout,
      double offerRadiusMeters,
      int offerCandidates,
      Duration offerTimeout,
      Duration assignTimeout,
      int trackBatch,
      double etaFloorSpeedMps,
      Duration etaThreshold,
      int etaFixes,
      int tripRecentEvents,
      int tripSnapshotEvery,
      FenceSettings fences) {
    static DriverSettings from(Config c) {
      return new DriverSettings(
          c.getInt("h3-resolution"),
          c.getDouble("max-speed-mps"),
          c.getDouble("jitter-meters"),
          c.getDuration("max-clock-skew"),
          c.getDuration("persist-every"),
          c.getDuration("offline-after"),
          c.getInt("snapshot-every"),
          c.getDuration("cells.entry-ttl"),
          c.getDuration("cells.sweep-every"),
          c.getDuration("cells.idle-after"),
          c.getDouble("nearby.max-radius-meters"),
          c.getInt("nearby.max-limit"),
          c.getInt("nearby.max-region-cells"),
          c.getDuration("nearby.timeout"),
          c.getDouble("trips.offer-radius-meters"),
          c.getInt("trips.offer-candidates"),
          c.getDuration("trips.offer-timeout"),
          c.getDuration("trips.assign-timeout"),
          c.getInt("trips.track-batch"),
          c.getDouble("trips.eta-floor-speed-mps"),
          c.getDuration("trips.eta-threshold"),
          c.getInt("trips.eta-fixes"),
          c.getInt("trips.recent-events"),
          c.getInt("trips.snapshot-every"),
          FenceSettings.from(c.getConfig("fences")));
    }
  }

  /** Geofences (pulse.drivers.fences). */
  public record FenceSettings(int h3Resolution, int maxVertices, double maxAreaKm2, int maxFences, Duration refresh, int snapshotEvery) {
    static FenceSettings from(Config c) {
      return new FenceSettings(
          c.getInt("h3-resolution"), c.getInt("max-vertices"), c.getDouble("max-area-km2"), c.getInt("max-fences"), c.getDuration("refresh"), c.getInt("snapshot-every"));
    }
  }

  /** Live auctions (pulse.auctions). */
  public record AuctionSettings(int recentEvents, int snapshotEvery, Duration timeLeftInterval) {
    static AuctionSettings from(Config c) {
      return new AuctionSettings(c.getInt("recent-events"), c.getInt("snapshot-every"), c.getDuration("time-left-interval"));
    }
  }

  /** Flash sales and their waiting rooms (pulse.sales). */
  public record SaleSettings(
      int buckets,
      int maxBuckets,
      boolean anyoneMayOpen,
      java.util.List<String> operators,
      Duration reportInterval,
      Duration pushInterval,
      Duration refreshInterval,
      int snapshotEvery,
      double admitPerSecond,
      Duration roomTick,
      Duration positionInterval) {
    static SaleSettings from(Config c) {
      return new SaleSettings(
          c.getInt("buckets"),
          c.getInt("max-buckets"),
          c.getBoolean("anyone-may-open"),
          operators(c),
          c.getDuration("report-interval"),
          c.getDuration("push-interval"),
          c.getDuration("refresh-interval"),
          c.getInt("snapshot-every"),
          c.getDouble("waiting-room.admit-per-second"),
          c.getDuration("waiting-room.tick"),
          c.getDuration("waiting-room.position-interval"));
    }

    /** A list, or (from the environment) one comma-separated string. */
    private static java.util.List<String> operators(Config c) {
      if (c.getValue("operators").valueType() == com.typesafe.config.ConfigValueType.STRING) {
        return java.util.Arrays.stream(c.getString("operators").split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
      }
      return java.util.List.copyOf(c.getStringList("operators"));
    }
  }

  /** One listed instrument (pulse.markets.instruments): prices in ticks, quantities in lots, both integers. */
  public record InstrumentSettings(String symbol, long tickSize, long lotSize, int bandBps, int maxOpenOrders) {
    static InstrumentSettings from(Config c) {
      return new InstrumentSettings(
          c.getString("symbol"), c.getLong("tick-size"), c.getLong("lot-size"), c.getInt("band-bps"), c.getInt("max-open-orders"));
    }
  }

  /** The trading venue (pulse.markets). */
  public record MarketSettings(
      java.util.List<InstrumentSettings> instruments,
      int recentEvents,
      int snapshotEvery,
      int acksPerUser,
      int closedOrdersKept,
      int maxRate,
      Duration candleFlush,
      int candlePage,
      int sseBuffer) {
    static MarketSettings from(Config c) {
      return new MarketSettings(
          c.getConfigList("instruments").stream().map(InstrumentSettings::from).toList(),
          c.getInt("recent-events"),
          c.getInt("snapshot-every"),
          c.getInt("acks-per-user"),
          c.getInt("closed-orders-kept"),
          c.getInt("max-rate"),
          c.getDuration("candle-flush"),
          c.getInt("candle-page"),
          c.getInt("sse-buffer"));
    }
  }

  /** Limits of collaborative documents (pulse.documents). */
  public record DocumentSettings(int recentEvents, int maxTextLength, Duration maxRangeLock, int snapshotEvery, int listLimit) {
    static DocumentSettings from(Config c) {
      return new DocumentSettings(
          c.getInt("recent-events"), c.getInt("max-text-length"), c.getDuration("max-range-lock"), c.getInt("snapshot-every"), c.getInt("list-limit"));
    }
  }

  /**
   * @param allowedOrigins browser origins that may open a WebSocket; empty: the dev default (the node's
   *     own origin and loopback), which {@code requireAllowedOrigins} (production) refuses
   * @param maxOpenSockets sockets the port holds at most, handshaken or not (0: auto, from the open-file limit)
   * @param transport what serves the port: "edge" (the node's own front door) or "pekko" (Pekko HTTP's binding)
   */
  public record HttpSettings(
      String host, int port, java.util.List<String> allowedOrigins, boolean requireAllowedOrigins, int maxOpenSockets, String transport, TlsSettings tls) {
    static HttpSettings from(Config c) {
      String transport = c.getString("transport");
      if (!transport.equals("edge") && !transport.equals("pekko")) {
        throw new IllegalArgumentException("pulse.http.transport must be edge or pekko, not " + transport);
      }
      return new HttpSettings(
          c.getString("host"),
          c.getInt("port"),
          stringList(c, "allowed-origins"),
          c.getBoolean("require-allowed-origins"),
          "auto".equals(c.getString("max-open-sockets")) ? 0 : c.getInt("max-open-sockets"),
          transport,
          TlsSettings.from(c.getConfig("tls")));
    }
  }

  /**
   * TLS on the node's own port (pulse.http.tls): a PKCS#12 keystore, or a PEM certificate chain and
   * PKCS#8 key; {@code protocols} may name TLSv1.2 and TLSv1.3 only.
   */
  public record TlsSettings(
      boolean enabled, String keystore, String keystorePassword, String certificatePem, String privateKeyPem, java.util.List<String> protocols) {
    static TlsSettings from(Config c) {
      java.util.List<String> protocols = c.getStringList("protocols");
      for (String p : protocols) {
        if (!p.equals("TLSv1.2") && !p.equals("TLSv1.3")) throw new IllegalArgumentException("pulse.http.tls.protocols: only TLSv1.2 and TLSv1.3, not " + p);
      }
      return new TlsSettings(
          c.getBoolean("enabled"), c.getString("keystore"), c.getString("keystore-password"), c.getString("certificate-pem"), c.getString("private-key-pem"), protocols);
    }
  }

  /** A list setting that may also be given as one comma-separated string (an environment variable). */
  static java.util.List<String> stringList(Config c, String path) {
    if (c.getValue(path).valueType() == com.typesafe.config.ConfigValueType.STRING) {
      return java.util.Arrays.stream(c.getString(path).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
    return c.getStringList(path).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  public record CassandraSettings(
      String host, int port, String datacenter, String keyspace, boolean applySchema, EmbeddedSettings embedded) {
    static CassandraSettings from(Config c) {
      return new CassandraSettings(
          c.getString("host"),
          c.getInt("port"),
          c.getString("datacenter"),
          c.getString("keyspace"),
          c.getBoolean("apply-schema"),
          EmbeddedSettings.from(c.getConfig("embedded")));
    }
  }

  public record EmbeddedSettings(
      boolean enabled, Path dataDir, int storagePort, String javaHome, String maxHeap, Duration startupTimeout) {
    static EmbeddedSettings from(Config c) {
      return new EmbeddedSettings(
          c.getBoolean("enabled"),
          Path.of(c.getString("data-dir")).toAbsolutePath(),
          c.getInt("storage-port"),
          c.getString("java-home"),
          c.getString("max-heap"),
          c.getDuration("startup-timeout"));
    }
  }

  public record AuthSettings(
      String issuer, String hs256Secret, String rs256PublicKeyPem, Duration clockSkew, DevTokenSettings devTokens) {
    static AuthSettings from(Config c) {
      return new AuthSettings(
          c.getString("issuer"),
          c.getString("hs256-secret"),
          c.getString("rs256-public-key-pem"),
          c.getDuration("clock-skew"),
          DevTokenSettings.from(c.getConfig("dev-tokens")));
    }
  }

  public record DevTokenSettings(boolean enabled, Path secretFile, Duration ttl) {
    static DevTokenSettings from(Config c) {
      return new DevTokenSettings(
          c.getBoolean("enabled"), Path.of(c.getString("secret-file")).toAbsolutePath(), c.getDuration("ttl"));
    }
  }

  public record GatewaySettings(
      String subprotocol,
      int maxFrameBytes,
      double ratePerSecond,
      int rateBurst,
      int parallelism,
      Duration askTimeout,
      int durableBuffer,
      int ephemeralKeys,
      Duration idleTimeout,
      Duration handshakeTimeout,
      int maxUpgradeHeadBytes,
      int maxConnections,
      double newSessionsPerSecond,
      int newSessionsBurst) {
    static GatewaySettings from(Config c) {
      return new GatewaySettings(
          c.getString("subprotocol"),
          (int) c.getBytes("max-frame-bytes").longValue(),
          c.getDouble("rate-limit.per-second"),
          c.getInt("rate-limit.burst"),
          c.getInt("parallelism"),
          c.getDuration("ask-timeout"),
          c.getInt("outbound.durable-buffer"),
          c.getInt("outbound.ephemeral-keys"),
          c.getDuration("idle-timeout"),
          c.getDuration("handshake-timeout"),
          (int) c.getBytes("max-upgrade-head").longValue(),
          "auto".equals(c.getString("admission.max-connections")) ? 0 : c.getInt("admission.max-connections"),
          c.getDouble("admission.new-sessions.per-second"),
          c.getInt("admission.new-sessions.burst"));
    }
  }

  public record PresenceSettings(Duration ttl) {
    static PresenceSettings from(Config c) {
      return new PresenceSettings(c.getDuration("ttl"));
    }
  }

  public record ChatSettings(
      int maxMembers,
      int recentEvents,
      Duration typingTtl,
      int maxPage,
      Duration presenceBatch,
      double sendPerSecond,
      int sendBurst,
      int inboxLimit,
      boolean groupCommit) {
    static ChatSettings from(Config c) {
      return new ChatSettings(
          c.getInt("max-members"),
          c.getInt("recent-events"),
          c.getDuration("typing-ttl"),
          c.getInt("max-page"),
          c.getDuration("presence-batch"),
          c.getDouble("send-rate.per-second"),
          c.getInt("send-rate.burst"),
          c.getInt("inbox-limit"),
          c.getBoolean("group-commit"));
    }
  }
}
