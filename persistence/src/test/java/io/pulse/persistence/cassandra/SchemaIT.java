package io.pulse.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(CassandraExtension.class)
class SchemaIT {
  private static CqlSession session;

  @BeforeAll
  static void connect() {
    session = CassandraExtension.openSession();
  }

  @AfterAll
  static void disconnect() {
    session.close();
  }

  private static List<Row> rows(String cql, Object... values) {
    return session.execute(cql, values).all();
  }

  @Test
  void createsExactlyThePluginsTablesWithoutTagTablesAndTheCandles() {
    List<String> tables =
        rows("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", CassandraExtension.KEYSPACE)
            .stream()
            .map(row -> row.getString("table_name"))
            .toList();

    assertThat(tables).containsExactlyInAnyOrder("messages", "metadata", "all_persistence_ids", "snapshots", "candles", "metric_samples", "metric_rollups");
  }

  @Test
  void candlesArePartitionedBySymbolIntervalAndBucketAndClusteredByStart() {
    Map<String, String> kinds =
        rows(
                "SELECT column_name, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'candles'",
                CassandraExtension.KEYSPACE)
            .stream()
            .collect(Collectors.toMap(row -> row.getString("column_name"), row -> row.getString("kind")));
    assertThat(kinds)
        .containsEntry("symbol", "partition_key")
        .containsEntry("interval", "partition_key")
        .containsEntry("bucket", "partition_key")
        .containsEntry("start", "clustering")
        .containsKeys("open", "high", "low", "close", "volume", "trades")
        .hasSize(10);
  }

  @Test
  void metricTablesArePartitionedBySeriesAndTimeBucketAndExpireByTtl() {
    Map<String, String> raw =
        rows("SELECT column_name, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'metric_samples'", CassandraExtension.KEYSPACE)
            .stream()
            .collect(Collectors.toMap(row -> row.getString("column_name"), row -> row.getString("kind")));
    assertThat(raw).containsEntry("series", "partition_key").containsEntry("bucket", "partition_key").containsEntry("ts", "clustering").hasSize(4);
    Map<String, String> rollups =
        rows("SELECT column_name, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'metric_rollups'", CassandraExtension.KEYSPACE)
            .stream()
            .collect(Collectors.toMap(row -> row.getString("column_name"), row -> row.getString("kind")));
    assertThat(rollups)
        .containsEntry("series", "partition_key")
        .containsEntry("resolution", "partition_key")
        .containsEntry("bucket", "partition_key")
        .containsEntry("start", "clustering")
        .containsKeys("count", "sum", "min", "max", "last", "last_ts", "increase", "sketch")
        .hasSize(12);
    Row compaction =
        rows("SELECT compaction FROM system_schema.tables WHERE keyspace_name = ? AND table_name = 'metric_samples'", CassandraExtension.KEYSPACE).get(0);
    assertThat(compaction.getMap("compaction", String.class, String.class).get("class")).endsWith("TimeWindowCompactionStrategy");
  }

  @Test
  void keyspaceUsesSimpleStrategyWithOneReplica() {
    Row keyspace =
        rows("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", CassandraExtension.KEYSPACE)
            .get(0);

    assertThat(keyspace.getMap("replication", String.class, String.class))
        .containsEntry("class", "org.apache.cassandra.locator.SimpleStrategy")
        .containsEntry("replication_factor", "1");
  }

  @Test
  void journalTableHasThePluginsKeyAndColumns() {
    Map<String, String> kinds =
        rows(
                "SELECT column_name, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'messages'",
                CassandraExtension.KEYSPACE)
            .stream()
            .collect(Collectors.toMap(row -> row.getString("column_name"), row -> row.getString("kind")));

    assertThat(kinds)
        .containsEntry("persistence_id", "partition_key")
        .containsEntry("partition_nr", "partition_key")
        .containsEntry("sequence_nr", "clustering")
        .containsEntry("timestamp", "clustering")
        .containsKeys(
            "timebucket", "writer_uuid", "ser_id", "ser_manifest", "event_manifest", "event", "meta_ser_id",
            "meta_ser_manifest", "meta", "tags")
        .hasSize(14);
  }

  @Test
  void snapshotsAreClusteredNewestFirst() {
    Row sequenceNr =
        rows(
                "SELECT clustering_order FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'snapshots' AND column_name = 'sequence_nr'",
                CassandraExtension.KEYSPACE)
            .get(0);

    assertThat(sequenceNr.getString("clustering_order")).isEqualTo("desc");
  }

  @Test
  void applyingTheSchemaAgainChangesNothing() {
    UUID before = schemaVersion();

    SchemaApplier.apply(
        CassandraExtension.host(), CassandraExtension.port(), CassandraExtension.DATACENTER, CassandraExtension.KEYSPACE);

    assertThat(schemaVersion()).isEqualTo(before);
  }

  private static UUID schemaVersion() {
    return rows("SELECT schema_version FROM system.local").get(0).getUuid("schema_version");
  }
}
