package io.pulse.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One plain WebSocket client (the JDK's) for what a simulation does outside its measured load, in
 * {@code before()} and {@code after()}: open an auction or a sale, read a sale's final counts. Gatling's
 * DSL runs only inside scenarios; this keeps set-up and the final check out of the measured figures.
 * Dev tokens only. Not thread-safe beyond one call at a time per reply ref.
 */
final class SetupClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final WebSocket socket;
  private final ConcurrentHashMap<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicLong refs = new AtomicLong();

  SetupClient(String userId) {
    try {
      HttpRequest tokenRequest = HttpRequest.newBuilder(URI.create(Targets.BASE_URL + "/api/dev/tokens"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + userId + "\"}"))
          .build();
      HttpResponse<String> r = http.send(tokenRequest, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) throw new IllegalStateException("dev token: " + r.statusCode() + " " + r.body());
      String token = JSON.readTree(r.body()).get("token").asText();
      URI ws = URI.create(Targets.BASE_URL.replaceFirst("^http", "ws") + "/ws?access_token=" + token);
      socket = http.newWebSocketBuilder().subprotocols("pulse.v1").buildAsync(ws, new Listener()).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("set-up client for " + userId + ": " + e, e);
    }
  }

  /** Sends {@code frame} (a JSON object without "ref", starting with "{") and returns its reply or error. */
  JsonNode call(String frame) {
    String ref = "setup-" + refs.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(ref, answer);
    try {
      socket.sendText("{\"ref\":\"" + ref + "\"," + frame.substring(1), true).get(10, TimeUnit.SECONDS);
      return answer.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("no answer to " + frame + ": " + e, e);
    } finally {
      pending.remove(ref);
    }
  }

  /** Like {@link #call} but fails unless the answer is a reply; returns its data. */
  JsonNode reply(String frame) {
    JsonNode a = call(frame);
    if (!"reply".equals(a.path("type").asText())) throw new IllegalStateException(frame + " answered " + a);
    return a.get("data");
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      socket.abort();
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          JsonNode n = JSON.readTree(text);
          CompletableFuture<JsonNode> f = pending.get(n.path("ref").asText(""));
          if (f != null) f.complete(n);
        } catch (Exception ignored) {
          // not an answer of ours
        }
      }
      ws.request(1);
      return null;
    }
  }
}
