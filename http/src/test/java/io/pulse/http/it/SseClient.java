package io.pulse.http.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real Server-Sent Events reader (the JDK's HTTP client), collecting each event's id, name and JSON data. */
final class SseClient implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  record Event(String id, String event, JsonNode data) {}

  private final InputStream body;
  final int status;
  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();

  private SseClient(HttpResponse<InputStream> response) {
    this.status = response.statusCode();
    this.body = response.body();
    Thread reader = new Thread(this::read, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  static SseClient open(int port, String path, String token, String lastEventId) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Accept", "text/event-stream");
    if (token != null) b.header("Authorization", "Bearer " + token);
    if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
    try {
      return new SseClient(HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String name = null;
      StringBuilder data = new StringBuilder();
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isEmpty()) {
          if (data.length() > 0) events.add(new Event(id, name, JSON.readTree(data.toString())));
          id = null;
          name = null;
          data.setLength(0);
        } else if (line.startsWith("id:")) {
          id = line.substring(3).strip();
        } else if (line.startsWith("event:")) {
          name = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).strip());
        }
      }
    } catch (Exception e) {
      // closed by the test
    }
  }

  /** The next event named {@code name}; others are dropped. */
  Event next(String name, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      try {
        Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
        if (e == null) throw new AssertionError("no '" + name + "' event within " + timeout);
        if (name.equals(e.event())) return e;
      } catch (InterruptedException ex) {
        throw new AssertionError(ex);
      }
    }
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (Exception e) {
      // gone already
    }
  }
}
