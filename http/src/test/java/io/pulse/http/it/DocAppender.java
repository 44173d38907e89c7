package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * Appends to the end of a document, basing each op on the version and length of its previous ack (no
 * OT needed on this side), and retries an op with the same client seq while the document moves: an
 * {@code unavailable} op was not applied or was applied once, and the resend is stored once.
 */
final class DocAppender {
  private final WsClient ws;
  private final String documentId;
  private final String clientId;
  private final Duration wait;
  private final StringBuilder expected = new StringBuilder();
  private long version;
  private int length;
  private long clientSeq;

  DocAppender(WsClient ws, String documentId, String clientId, long version, Duration wait) {
    this.ws = ws;
    this.documentId = documentId;
    this.clientId = clientId;
    this.version = version;
    this.wait = wait;
  }

  void append(String s) {
    clientSeq++;
    String retain = length == 0 ? "" : length + ",";
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      JsonNode r =
          ws.call(
              "{\"type\":\"doc.op\",\"documentId\":\"" + documentId + "\",\"clientId\":\"" + clientId + "\",\"clientSeq\":" + clientSeq + ",\"version\":"
                  + version + ",\"op\":[" + retain + "\"" + s + "\"]}",
              wait);
      if ("reply".equals(r.get("type").asText())) {
        version = r.at("/data/version").asLong();
        length = r.at("/data/length").asInt();
        expected.append(s);
        return;
      }
      assertThat(r.get("code").asText()).as("op while the document moves: %s", r).isEqualTo("unavailable");
      if (System.nanoTime() > deadline) throw new AssertionError("op was never acknowledged");
    }
  }

  /** Every acknowledged append, in order. */
  String expected() {
    return expected.toString();
  }
}
