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
}
