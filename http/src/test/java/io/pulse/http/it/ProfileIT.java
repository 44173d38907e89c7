package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Profile updates are acknowledged after they are persisted, pushed in order, and survive a restart. */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProfileIT {
  private PulseNode node;

  @BeforeAll
  void start() {
    node = TestNodes.start("");
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  private WsClient connect(String user) {
    return TestNodes.connect(node.httpPort(), user);
  }

  @Test
  void updatesArePushedToWatchersAndSurviveANodeRestart() throws Exception {
    String alice = TestNodes.uniqueUser("alice");
    try (WsClient watcher = connect(TestNodes.uniqueUser("watcher"));
        WsClient ws = connect(alice)) {
      watcher.send("{\"type\":\"subscribe\",\"ref\":\"s\",\"topic\":\"user:" + alice + "\"}").replyTo("s");

      JsonNode first = ws.send("{\"type\":\"profile.update\",\"ref\":\"u1\",\"data\":{\"displayName\":\"Alice\",\"statusText\":\"hi\"}}").replyTo("u1");
      assertThat(first.get("type").asText()).isEqualTo("reply");
      assertThat(first.at("/data/displayName").asText()).isEqualTo("Alice");
      assertThat(first.at("/data/version").asLong()).isEqualTo(1);

      JsonNode second = ws.send("{\"type\":\"profile.update\",\"ref\":\"u2\",\"data\":{\"avatarUrl\":\"https://example.org/a.png\"}}").replyTo("u2");
      assertThat(second.at("/data/displayName").asText()).isEqualTo("Alice");
      assertThat(second.at("/data/avatarUrl").asText()).isEqualTo("https://example.org/a.png");
      assertThat(second.at("/data/version").asLong()).isEqualTo(2);

      JsonNode e1 = watcher.nextMatching(n -> "profile".equals(n.path("event").asText()));
      JsonNode e2 = watcher.nextMatching(n -> "profile".equals(n.path("event").asText()));
      assertThat(e1.get("seq").asLong()).isEqualTo(1);
      assertThat(e2.get("seq").asLong()).isEqualTo(2);
      assertThat(e2.at("/data/avatarUrl").asText()).isEqualTo("https://example.org/a.png");
    }

    node.close();
    node = TestNodes.start("");

    try (WsClient reader = connect(TestNodes.uniqueUser("reader"))) {
      JsonNode read = reader.send("{\"type\":\"profile.get\",\"ref\":\"g\",\"userId\":\"" + alice + "\"}").replyTo("g");
      assertThat(read.at("/data/displayName").asText()).isEqualTo("Alice");
      assertThat(read.at("/data/statusText").asText()).isEqualTo("hi");
      assertThat(read.at("/data/version").asLong()).isEqualTo(2);
    }
  }
}
