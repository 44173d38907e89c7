package io.pulse.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import com.typesafe.config.Config;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.stream.connectors.cassandra.DriverConfigLoaderFromConfig;

/**
 * The physical baseline: what the journal table takes when nothing but the driver writes to it. Each request is the
 * Cassandra plugin's own single-event write: one prepared {@code INSERT} into the journal table with the plugin's
 * columns (partition 0, a time-based uuid, the hour bucket, a writer uuid, serializer id and manifest, a payload
 * blob, no meta columns, no tags), executed with the journal's write profile (its consistency). Each request slot
 * writes its own persistence id with increasing sequence numbers, like one busy entity per slot.
 *
 * <p>The session is built exactly as the plugin builds its own: from the node's {@code datastax-java-driver}
 * configuration (contact points, pool, timeouts and profiles).
 */
final class RawJournalLoad implements AutoCloseable {
  /** Pekko's jackson-cbor serializer, which writes every Pulse event. */
  static final int SER_ID = 33;

  static final String SER_MANIFEST = "io.pulse.actors.chat.Conversation$MessageSent";

  private final CqlSession session;
  private final PreparedStatement insert;
  private final String writeProfile;
  private final String consistency;
  private final String table;
  private final long bucketMillis;
  private final String writerUuid = UUID.randomUUID().toString();

  private RawJournalLoad(Config config) {
    Config plugin = config.getConfig("pekko.persistence.cassandra");
    Config journal = plugin.getConfig("journal");
    this.writeProfile = plugin.getString("write-profile");
    this.consistency =
        config.getString("datastax-java-driver.profiles." + writeProfile + ".basic.request.consistency");
    this.table = journal.getString("keyspace") + "." + journal.getString("table");
    this.bucketMillis = bucketMillis(plugin.getString("events-by-tag.bucket-size"));
    String driverPath = plugin.getString("datastax-java-driver-config");
    this.session =
        CqlSession.builder()
            .withConfigLoader(DriverConfigLoaderFromConfig.fromConfig(config.getConfig(driverPath)))
            .build();
    try {
      // the statement of the plugin's writeMessage(withMeta = false)
      this.insert =
          session.prepare(
              "INSERT INTO " + table
                  + " (persistence_id, partition_nr, sequence_nr, timestamp, timebucket, writer_uuid, ser_id, ser_manifest,"
                  + " event_manifest, event, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  static RawJournalLoad open(Config config) {
    return new RawJournalLoad(config);
  }

  String consistency() {
    return consistency;
  }

  String writeProfile() {
    return writeProfile;
  }

  String table() {
    return table;
  }

  String releaseVersion() {
    Row row = session.execute("SELECT release_version FROM system.local").one();
    return row == null ? "?" : row.getString("release_version");
  }

  ClosedLoop.Measurement run(int inFlight, int payloadBytes, Duration warmup, Duration duration, Duration drainTimeout)
      throws InterruptedException {
    byte[] payload = new byte[payloadBytes];
    ThreadLocalRandom.current().nextBytes(payload);
    String prefix = "bench-raw-" + inFlight + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    return ClosedLoop.run(
        inFlight,
        (slot, n) -> session.executeAsync(bind(prefix + slot, n + 1, payload)),
        null, // continue on the driver's I/O thread: nothing in between the driver and Cassandra
        warmup,
        duration,
        drainTimeout);
  }

  private BoundStatement bind(String persistenceId, long sequenceNr, byte[] payload) {
    UUID timestamp = Uuids.timeBased();
    long bucket = Uuids.unixTimestamp(timestamp) / bucketMillis * bucketMillis;
    return insert
        .bind()
        .setString("persistence_id", persistenceId)
        .setLong("partition_nr", 0L)
        .setLong("sequence_nr", sequenceNr)
        .setUuid("timestamp", timestamp)
        .setString("timebucket", Long.toString(bucket))
        .setString("writer_uuid", writerUuid)
        .setInt("ser_id", SER_ID)
        .setString("ser_manifest", SER_MANIFEST)
        .setString("event_manifest", "")
        .setByteBuffer("event", ByteBuffer.wrap(payload))
        .setSet("tags", Set.of(), String.class)
        .setExecutionProfileName(writeProfile);
  }

  /** The plugin's time bucket sizes (events-by-tag.bucket-size), which also name the journal's timebucket column. */
  private static long bucketMillis(String size) {
    return switch (size.toLowerCase()) {
      case "day" -> Duration.ofDays(1).toMillis();
      case "hour" -> Duration.ofHours(1).toMillis();
      case "minute" -> Duration.ofMinutes(1).toMillis();
      case "second" -> Duration.ofSeconds(1).toMillis();
      default -> throw new IllegalArgumentException("unknown events-by-tag.bucket-size " + size);
    };
  }

  @Override
  public void close() {
    session.close();
  }
}
