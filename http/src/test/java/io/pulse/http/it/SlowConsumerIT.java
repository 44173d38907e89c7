package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** A client that stops reading is closed with 4008 once its durable buffer overflows: bounded memory, no silent gap. */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowConsumerIT {
  private static final int PINGS = 400;
  private PulseNode node;

  @BeforeAll
  void start() {
    node =
        TestNodes.start(
            "pulse.gateway.outbound.durable-buffer = 8\n"
                + "pulse.gateway.rate-limit { per-second = 1000000, burst = 1000000 }\n"
                + "pekko.http.server.socket-options.so-send-buffer-size = 4096\n");
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  @Test
  void overflowClosesWithTheResumeCode() throws Exception {
    try (RawWsClient ws = RawWsClient.connect(node.httpPort(), TestNodes.devToken(node.httpPort(), "slowpoke"), 4096)) {
      // Send a burst without reading a byte: the replies pile up behind a 4 KiB receive window.
      String ping = "{\"type\":\"ping\",\"ref\":\"" + "p".repeat(1_000) + "\"}";
      for (int i = 0; i < PINGS; i++) ws.sendText(ping);

      int pongs = 0;
      RawWsClient.Frame frame = ws.readFrame(Duration.ofSeconds(30));
      while (!frame.isClose()) {
        if (frame.text().contains("\"pong\"")) pongs++;
        frame = ws.readFrame(Duration.ofSeconds(30));
      }
      assertThat(frame.closeCode()).isEqualTo(4008);
      // the overflow cut the stream short: the client knows to resume rather than trust what it got
      assertThat(pongs).isLessThan(PINGS);
    }
  }

  @Test
  void aSlowDocumentSubscriberIsClosedWithTheResumeCodeAndResumesWithNoGapOrDuplicate() throws Exception {
    int port = node.httpPort();
    String owner = TestNodes.uniqueUser("owner");
    String viewer = TestNodes.uniqueUser("viewer");
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    try (WsClient w = TestNodes.connect(port, owner)) {
      String doc = w.ok("{\"type\":\"doc.create\",\"title\":\"Slow\"}", Duration.ofSeconds(15)).get("documentId").asText();
      w.ok("{\"type\":\"doc.share\",\"documentId\":\"" + doc + "\",\"userId\":\"" + viewer + "\",\"role\":\"viewer\"}", Duration.ofSeconds(15));
      String text = "";
      long lastSeen;
      try (RawWsClient slow = RawWsClient.connect(port, TestNodes.devToken(port, viewer), 4096)) {
        slow.sendText("{\"type\":\"subscribe\",\"ref\":\"s\",\"topic\":\"doc:" + doc + "\"}");
        long version = 0;
        // the welcome, then the subscription's reply with the text to start from
        for (RawWsClient.Frame f = slow.readFrame(Duration.ofSeconds(15)); ; f = slow.readFrame(Duration.ofSeconds(15))) {
          com.fasterxml.jackson.databind.JsonNode n = json.readTree(f.text());
          if ("s".equals(n.path("ref").asText())) {
            text = n.at("/data/text").asText();
            version = n.at("/data/lastSeq").asLong();
            break;
          }
        }
        lastSeen = version;
        // A writer goes on while the viewer reads nothing: its buffer fills up once the sockets' buffers
        // (up to 4 MiB on loopback) are full, so the ops are big; every other op deletes the text again.
        String chunk = "x".repeat(20_000);
        int length = text.length();
        for (int i = 0; i < 600; i++) {
          String op = i % 2 == 0 ? "[\"" + chunk + "\"" + (length == 0 ? "" : "," + length) + "]" : "[-20000" + (length == 20_000 ? "" : "," + (length - 20_000)) + "]";
          com.fasterxml.jackson.databind.JsonNode ack =
              w.ok("{\"type\":\"doc.op\",\"documentId\":\"" + doc + "\",\"clientId\":\"w\",\"clientSeq\":" + (i + 1) + ",\"version\":" + version
                  + ",\"op\":" + op + "}", Duration.ofSeconds(15));
          version = ack.get("version").asLong();
          length = ack.get("length").asInt();
        }
        RawWsClient.Frame frame = slow.readFrame(Duration.ofSeconds(30));
        while (!frame.isClose()) {
          com.fasterxml.jackson.databind.JsonNode n = json.readTree(frame.text());
          if ("op".equals(n.path("event").asText())) {
            assertThat(n.get("seq").asLong()).isEqualTo(lastSeen + 1);
            text = OtEditor.fromWire(n.at("/data/op")).apply(text);
            lastSeen = n.get("seq").asLong();
          }
          frame = slow.readFrame(Duration.ofSeconds(30));
        }
        assertThat(frame.closeCode()).isEqualTo(4008);
        assertThat(lastSeen).isLessThan(version);
      }
      // it resumes from the last version it applied and ends with the server's text
      try (WsClient again = TestNodes.connect(port, viewer)) {
        again.ok("{\"type\":\"subscribe\",\"topic\":\"doc:" + doc + "\",\"since\":" + lastSeen + "}", Duration.ofSeconds(15));
        String server = w.ok("{\"type\":\"doc.get\",\"documentId\":\"" + doc + "\"}", Duration.ofSeconds(15)).get("text").asText();
        long target = w.ok("{\"type\":\"doc.get\",\"documentId\":\"" + doc + "\"}", Duration.ofSeconds(15)).get("version").asLong();
        OtEditor resumed = new OtEditor(again, doc, "v", text, lastSeen);
        while (resumed.version < target) resumed.on(again.nextMatching(n -> n.has("seq"), Duration.ofSeconds(15)));
        assertThat(resumed.text).isEqualTo(server);
      }
    }
  }
}
