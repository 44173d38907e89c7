package io.pulse.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SchemaApplierTest {
  private static final Pattern CREATE = Pattern.compile("(?s)^CREATE (KEYSPACE|TABLE) IF NOT EXISTS (\\S+).*");

  @Test
  void everyStatementIsAnIdempotentCreateInTheKeyspace() {
    List<String> statements = SchemaApplier.statements("pulse_it");

    assertThat(statements).hasSize(8);
    List<String> created =
        statements.stream()
            .map(
                statement -> {
                  Matcher m = CREATE.matcher(statement);
                  assertThat(m.matches()).as("not an idempotent CREATE: %s", statement).isTrue();
                  return m.group(2);
                })
            .toList();
    assertThat(created)
        .containsExactly(
            "pulse_it",
            "pulse_it.messages",
            "pulse_it.metadata",
            "pulse_it.all_persistence_ids",
            "pulse_it.snapshots",
            "pulse_it.candles",
            "pulse_it.metric_samples",
            "pulse_it.metric_rollups");
  }

  @Test
  void eventsByTagTablesAreNotPartOfTheSchema() {
    assertThat(String.join("\n", SchemaApplier.statements("pulse")))
        .doesNotContain("tag_views", "tag_write_progress", "tag_scanning");
  }

  @Test
  void renderFillsInTheKeyspaceEverywhereAndKeepsTheOperatorNotes() {
    String cql = SchemaApplier.render("orders");

    assertThat(cql).doesNotContain("${keyspace}");
    assertThat(cql).contains("CREATE KEYSPACE IF NOT EXISTS orders\n");
    assertThat(cql).contains("'class': 'SimpleStrategy', 'replication_factor': 1");
    assertThat(cql).contains("-- Replication:");
    assertThat(cql).contains("WITH CLUSTERING ORDER BY (sequence_nr DESC)");
  }

  @Test
  void statementsCarryNoCommentsOrSemicolons() {
    assertThat(SchemaApplier.statements("pulse")).allSatisfy(s -> assertThat(s).doesNotContain("--", ";"));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"Pulse", "1pulse", "pulse-dev", "pulse dev", "pulse;DROP KEYSPACE system", "\"pulse\""})
  void rejectsKeyspaceNamesThatAreNotPlainLowerCaseIdentifiers(String keyspace) {
    assertThatThrownBy(() -> SchemaApplier.render(keyspace))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid keyspace name");
  }

  @Test
  void rejectsKeyspaceNamesLongerThanCassandraAllows() {
    assertThat(SchemaApplier.render("k".repeat(48))).contains("k".repeat(48) + ".messages");
    assertThatThrownBy(() -> SchemaApplier.render("k".repeat(49))).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"pulse", "_pulse", "pulse_2", "p"})
  void acceptsPlainLowerCaseIdentifiers(String keyspace) {
    assertThat(SchemaApplier.render(keyspace)).contains("CREATE KEYSPACE IF NOT EXISTS " + keyspace + "\n");
  }
}
