package io.pulse.http.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's), independent of the server's stack. It collects text frames as
 * JSON and records the close code the server sent.
 */
public final class WsClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final WebSocket socket;
  private final LinkedBlockingQueue<JsonNode> received;
  /** Frames passed over by nextMatching; read only by the test's thread. */
  private final java.util.ArrayDeque<JsonNode> skipped = new java.util.ArrayDeque<>();
  private final CompletableFuture<Integer> closeCode;
  private final Listener listener;

  private WsClient(WebSocket socket, Listener listener) {
    this.socket = socket;
    this.listener = listener;
    this.received = listener.received;
    this.closeCode = listener.closeCode;
  }

  public static WsClient connect(int port, String token) {
    return connect(URI.create("ws://127.0.0.1:" + port + "/ws"), token);
  }

  public static WsClient connect(URI uri, String token) {
    return connect(HTTP, uri, token);
  }

  /** Through {@code http} (e.g. one that trusts a test certificate, for wss://). */
  public static WsClient connect(HttpClient http, URI uri, String token) {
    Listener listener = new Listener();
    WebSocket.Builder builder = http.newWebSocketBuilder().subprotocols("pulse.v1").connectTimeout(Duration.ofSeconds(10));
    if (token != null) builder.header("Authorization", "Bearer " + token);
    WebSocket ws = builder.buildAsync(uri, listener).orTimeout(15, TimeUnit.SECONDS).join();
    return new WsClient(ws, listener);
  }

  /** The HTTP status a refused upgrade got. */
  public static int refusedStatus(URI uri, String token) {
    WebSocket.Builder builder = HTTP.newWebSocketBuilder();
    if (token != null) builder.header("Authorization", "Bearer " + token);
    try {
      builder.buildAsync(uri, new Listener()).orTimeout(15, TimeUnit.SECONDS).join();
    } catch (Exception e) {
      Throwable cause = e.getCause();
      if (cause instanceof java.net.http.WebSocketHandshakeException refused) return refused.getResponse().statusCode();
      throw new AssertionError("upgrade failed without a response", e);
    }
    throw new AssertionError("upgrade was accepted");
  }

  public WsClient send(String text) {
    socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    return this;
  }

  /** One text message sent as several WebSocket frames (a first frame and continuations). */
  public WsClient sendInFragments(String... parts) {
    for (int i = 0; i < parts.length; i++) socket.sendText(parts[i], i == parts.length - 1).orTimeout(10, TimeUnit.SECONDS).join();
    return this;
  }

  /** Sends a WebSocket ping frame; completes with the pong's data. */
  public CompletableFuture<ByteBuffer> ping(byte[] data) {
    CompletableFuture<ByteBuffer> pong = new CompletableFuture<>();
    listener.pong = pong;
    socket.sendPing(ByteBuffer.wrap(data)).orTimeout(10, TimeUnit.SECONDS).join();
    return pong;
  }

  public WsClient sendBinary(byte[] data) {
    socket.sendBinary(ByteBuffer.wrap(data), true).orTimeout(10, TimeUnit.SECONDS).join();
    return this;
  }

  public JsonNode next(Duration timeout) {
    if (!skipped.isEmpty()) return skipped.poll();
    return poll(timeout);
  }

  private JsonNode poll(Duration timeout) {
    try {
      JsonNode n = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (n == null) throw new AssertionError("no frame within " + timeout);
      return n;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public JsonNode next() {
    return next(Duration.ofSeconds(10));
  }

  /** The next frame if one has arrived, else null: for clients that type and read in one loop. */
  public JsonNode tryNext() {
    if (!skipped.isEmpty()) return skipped.poll();
    return received.poll();
  }

  /**
   * The first frame that matches. Frames passed over (e.g. a presence event that overtook a reply) are
   * kept, in order, for later calls.
   */
  public JsonNode nextMatching(Predicate<JsonNode> match, Duration timeout) {
    for (java.util.Iterator<JsonNode> it = skipped.iterator(); it.hasNext(); ) {
      JsonNode n = it.next();
      if (match.test(n)) {
        it.remove();
        return n;
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) throw new AssertionError("no matching frame within " + timeout + "; passed over " + skipped);
      JsonNode n = poll(Duration.ofNanos(left));
      if (match.test(n)) return n;
      skipped.add(n);
    }
  }

  public JsonNode nextMatching(Predicate<JsonNode> match) {
    return nextMatching(match, Duration.ofSeconds(10));
  }

  private static final java.util.concurrent.atomic.AtomicLong REFS = new java.util.concurrent.atomic.AtomicLong();

  /** Sends {@code frame} (a JSON object without a ref) with a fresh ref; the reply or error that answers it. */
  public JsonNode call(String frame, Duration timeout) {
    String ref = "t" + REFS.incrementAndGet();
    send("{\"ref\":\"" + ref + "\"," + frame.substring(1));
    return nextMatching(n -> ref.equals(n.path("ref").asText(null)), timeout);
  }

  /** The data of the reply to {@code frame}; fails if an error answers it. */
  public JsonNode ok(String frame, Duration timeout) {
    JsonNode reply = call(frame, timeout);
    if (!"reply".equals(reply.path("type").asText())) throw new AssertionError("reply to " + frame + ": " + reply);
    return reply.get("data");
  }

  public JsonNode replyTo(String ref) {
    return nextMatching(n -> ref.equals(n.path("ref").asText(null)));
  }

  /** Forgets the frames nextMatching passed over: what a test checks next is only what arrives from now. */
  public void discardPassedOver() {
    skipped.clear();
  }

  /** Asserts that no frame matching {@code match} is unread or arrives within {@code quiet}; others are kept. */
  public void expectNothingMatching(Predicate<JsonNode> match, Duration quiet) {
    for (JsonNode n : skipped) if (match.test(n)) throw new AssertionError("unexpected frame " + n);
    long deadline = System.nanoTime() + quiet.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return;
      try {
        JsonNode n = received.poll(left, TimeUnit.NANOSECONDS);
        if (n == null) return;
        if (match.test(n)) throw new AssertionError("unexpected frame " + n);
        skipped.add(n);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** Asserts nothing at all arrives for {@code quiet}, and nothing passed over is left unread. */
  public void expectNothing(Duration quiet) {
    if (!skipped.isEmpty()) throw new AssertionError("unread frames " + skipped);
    try {
      JsonNode n = received.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
      if (n != null) throw new AssertionError("unexpected frame " + n);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public int closeCode(Duration timeout) {
    return closeCode.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  public boolean isClosed() {
    return closeCode.isDone();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    socket.abort();
  }

  private static final class Listener implements WebSocket.Listener {
    final LinkedBlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    volatile CompletableFuture<ByteBuffer> pong = new CompletableFuture<>();

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
      ByteBuffer copy = ByteBuffer.allocate(message.remaining()).put(message).flip();
      pong.complete(copy);
      ws.request(1);
      return null;
    }

    @Override
    public void onOpen(WebSocket ws) {
      ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          received.add(JSON.readTree(partial.toString()));
        } catch (Exception e) {
          received.add(JSON.createObjectNode().put("type", "unparseable").put("raw", partial.toString()));
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closeCode.complete(1006);
    }
  }
}
