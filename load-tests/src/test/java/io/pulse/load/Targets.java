package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.FeederBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What every simulation shares: the target node (system properties), the protocol with the source
 * addresses to spread connections over, and how a virtual user gets a token — from the dev endpoint
 * of a dev node, or from a token file (CSV with columns userId,token) for a production target.
 */
final class Targets {
  private Targets() {}

  static final String BASE_URL = System.getProperty("pulse.url", "http://127.0.0.1:8080");
  static final String TOKEN_FILE = System.getProperty("pulse.tokens", "");
  static final String USER_PREFIX = System.getProperty("pulse.userPrefix", "load");

  static HttpProtocolBuilder protocol() {
    HttpProtocolBuilder p =
        http.baseUrl(BASE_URL)
            .wsBaseUrl(BASE_URL.replaceFirst("^http", "ws"))
            .acceptHeader("application/json")
            .shareConnections();
    String sources = System.getProperty("pulse.sourceAddresses", "");
    // One source address gives ~28k ephemeral ports towards one server port.
    if (!sources.isBlank()) p = p.localAddresses(Arrays.asList(sources.split(",")));
    return p;
  }

  /** Sets #{userId} and #{token} for the virtual user. */
  static ChainBuilder login() {
    if (!TOKEN_FILE.isBlank()) {
      FeederBuilder<String> tokens = csv(TOKEN_FILE).circular();
      return feed(tokens);
    }
    return feed(userIds()).exec(devToken());
  }

  /** Sets #{token} for the #{userId} already in the session, from the dev endpoint. */
  static ChainBuilder devToken() {
    return exec(
        http("dev token")
            .post("/api/dev/tokens")
            .body(StringBody("{\"userId\":\"#{userId}\"}"))
            .asJson()
            .check(status().is(200), jsonPath("$.token").saveAs("token")));
  }

  /** Opens the virtual user's socket with #{token} and waits for its welcome frame. */
  static ChainBuilder connect(int replyTimeoutSeconds) {
    return connectWith(devToken(), replyTimeoutSeconds);
  }

  /** As {@link #connect}, with a dev token carrying {@code roles} (e.g. {@code fleet}). */
  static ChainBuilder connect(int replyTimeoutSeconds, String... roles) {
    String granted = String.join("\",\"", roles);
    ChainBuilder token =
        exec(http("dev token")
            .post("/api/dev/tokens")
            .body(StringBody("{\"userId\":\"#{userId}\",\"roles\":[\"" + granted + "\"]}"))
            .asJson()
            .check(status().is(200), jsonPath("$.token").saveAs("token")));
    return connectWith(token, replyTimeoutSeconds);
  }

  private static ChainBuilder connectWith(ChainBuilder token, int replyTimeoutSeconds) {
    return exec(token)
        .exitHereIfFailed()
        .exec(ws("connect")
            .connect("/ws?access_token=#{token}")
            .subprotocol("pulse.v1")
            .await(replyTimeoutSeconds)
            .on(ws.checkTextMessage("welcome").check(jsonPath("$.type").is("welcome"))))
        .exitHereIfFailed();
  }

  /** Writes a simulation's report to {@code target/<name>} and prints it. */
  static void writeReport(String name, CharSequence report) {
    Path file = ChatSimulation.targetDir().resolve(name);
    try {
      Files.writeString(file, report);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.print(report);
    System.out.println("  written to " + file);
  }

  private static Iterator<Map<String, Object>> userIds() {
    AtomicLong next = new AtomicLong();
    return Stream.generate(() -> Map.<String, Object>of("userId", USER_PREFIX + "-" + next.incrementAndGet())).iterator();
  }

  static int intProp(String name, int def) {
    return Integer.getInteger(name, def);
  }

  static double doubleProp(String name, double def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : Double.parseDouble(v);
  }
}
