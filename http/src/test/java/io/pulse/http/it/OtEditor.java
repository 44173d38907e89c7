package io.pulse.http.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.document.TextOperation;
import java.util.ArrayList;
import java.util.List;

/**
 * A document editor as a real client would write one (the ot.js client's three states: in sync, one
 * op awaiting its ack, and a buffer of local edits behind it), over a real socket. Its own op comes
 * back on the topic with its client id: that is its ack, in order with everyone else's ops.
 */
final class OtEditor {
  private static final ObjectMapper JSON = new ObjectMapper();

  final WsClient ws;
  final String documentId;
  final String clientId;
  String text;
  long version;
  private TextOperation outstanding;
  private TextOperation buffer;
  private long clientSeq;
  /** Errors the server answered (their frames), which a correct editor never provokes. */
  final List<JsonNode> errors = new ArrayList<>();

  OtEditor(WsClient ws, String documentId, String clientId, String text, long version) {
    this.ws = ws;
    this.documentId = documentId;
    this.clientId = clientId;
    this.text = text;
    this.version = version;
  }

  /** Subscribes without since: the reply carries the text at its version. */
  static OtEditor open(WsClient ws, String documentId, String clientId) {
    JsonNode sub = ws.ok("{\"type\":\"subscribe\",\"topic\":\"doc:" + documentId + "\"}", java.time.Duration.ofSeconds(15));
    return new OtEditor(ws, documentId, clientId, sub.get("text").asText(), sub.get("lastSeq").asLong());
  }

  void edit(TextOperation op) {
    text = op.apply(text);
    if (outstanding == null) send(op);
    else buffer = buffer == null ? op : buffer.compose(op);
  }

  void insert(int at, String s) {
    edit(TextOperation.empty().retain(at).insert(s).retain(text.length() - at));
  }

  boolean idle() {
    return outstanding == null && buffer == null;
  }

  private void send(TextOperation op) {
    outstanding = op;
    clientSeq++;
    try {
      String wire = JSON.writeValueAsString(op.toWire());
      ws.send("{\"type\":\"doc.op\",\"ref\":\"" + clientId + "-" + clientSeq + "\",\"documentId\":\"" + documentId + "\",\"clientId\":\"" + clientId
          + "\",\"clientSeq\":" + clientSeq + ",\"version\":" + version + ",\"op\":" + wire + "}");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Handles every frame that has arrived; true if any did. */
  boolean drain() {
    boolean any = false;
    for (JsonNode n = ws.tryNext(); n != null; n = ws.tryNext()) {
      any = true;
      on(n);
    }
    return any;
  }

  void on(JsonNode n) {
    String type = n.path("type").asText();
    if ("error".equals(type)) {
      errors.add(n);
      return;
    }
    if (!"event".equals(type) || !("doc:" + documentId).equals(n.path("topic").asText())) return;
    long seq = n.get("seq") == null ? -1 : n.get("seq").asLong();
    if (seq < 0) return; // cursors: not part of the text
    if (seq != version + 1) throw new AssertionError(clientId + " expected version " + (version + 1) + " but got " + n);
    version = seq;
    if (!"op".equals(n.path("event").asText())) return;
    JsonNode data = n.get("data");
    if (clientId.equals(data.path("clientId").asText())) {
      // our own op, committed: the next waiting edits go out
      outstanding = null;
      if (buffer != null) {
        TextOperation next = buffer;
        buffer = null;
        send(next);
      }
      return;
    }
    TextOperation op = fromWire(data.get("op"));
    if (outstanding != null) {
      TextOperation.Transformed t = TextOperation.transform(op, outstanding);
      outstanding = t.incomingPrime();
      op = t.committedPrime();
      if (buffer != null) {
        TextOperation.Transformed u = TextOperation.transform(op, buffer);
        buffer = u.incomingPrime();
        op = u.committedPrime();
      }
    }
    text = op.apply(text);
  }

  static TextOperation fromWire(JsonNode op) {
    List<Object> items = new ArrayList<>();
    for (JsonNode c : op) items.add(c.isTextual() ? c.asText() : (Object) c.asLong());
    return TextOperation.fromWire(items);
  }
}
