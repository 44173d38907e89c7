package io.pulse.http.edge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.auth.TokenRejected;
import io.pulse.http.auth.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.util.ByteString;

/**
 * The server side of the RFC 6455 opening handshake, with Pulse's bearer-token check: decides whether
 * an upgrade request is accepted and renders the response bytes either way. Plain logic, no I/O.
 */
public final class WebSocketHandshake {
  /** What to do with an upgrade request. */
  public sealed interface Outcome {
    /** Send {@code response} (101) and switch the connection to WebSocket frames for {@code user}. */
    record Accepted(AuthenticatedUser user, ByteString response) implements Outcome {}

    /**
     * Send {@code response} (an HTTP error) and close the connection. Its parts ({@code extraHeaders}
     * as CRLF-terminated lines, the JSON {@code body}) are for a transport that renders responses itself.
     */
    record Refused(int status, ByteString response, String extraHeaders, byte[] body) implements Outcome {}
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final TokenVerifier verifier;
  private final String subprotocol;
  private final OriginPolicy origins;

  /** With the dev default of origins (the node's own and loopback). */
  public WebSocketHandshake(TokenVerifier verifier, String subprotocol) {
    this(verifier, subprotocol, OriginPolicy.devDefaults());
  }

  public WebSocketHandshake(TokenVerifier verifier, String subprotocol, OriginPolicy origins) {
    this.verifier = verifier;
    this.subprotocol = subprotocol;
    this.origins = origins;
  }

  public Outcome decide(RequestHead head) {
    try {
      return accept(head);
    } catch (RequestHead.Malformed e) {
      return refuse(e.status(), "bad_request", e.getMessage(), "");
    }
  }

  private Outcome accept(RequestHead head) throws RequestHead.Malformed {
    if (!head.method().equals("GET")) return refuse(405, "method_not_allowed", "a WebSocket is opened with GET", "Allow: GET\r\n");
    if (head.header("host") == null) return refuse(400, "bad_request", "missing Host", "");
    if (!containsIgnoreCase(head.listHeader("upgrade"), "websocket")) {
      return refuse(426, "upgrade_required", "expected a WebSocket upgrade request", "Upgrade: websocket\r\nConnection: Upgrade\r\n");
    }
    if (!containsIgnoreCase(head.listHeader("connection"), "upgrade")) return refuse(400, "bad_request", "Connection must include Upgrade", "");
    if (!"13".equals(head.header("sec-websocket-version"))) {
      return refuse(426, "upgrade_required", "unsupported WebSocket version; this server speaks 13", "Sec-WebSocket-Version: 13\r\n");
    }
    String key = head.header("sec-websocket-key");
    if (!isNonce(key)) return refuse(400, "bad_request", "Sec-WebSocket-Key must be 16 bytes in base64", "");
    String length = head.header("content-length");
    if ((length != null && !length.equals("0")) || head.headers().containsKey("transfer-encoding")) {
      return refuse(400, "bad_request", "an upgrade request has no body", "");
    }
    // before the token: a hostile page must learn nothing about the user's token from the answer
    if (!origins.allows(head.header("origin"), head.header("host"))) {
      return refuse(403, "origin_not_allowed", "pages of this origin may not open a WebSocket to this node (pulse.http.allowed-origins)", "");
    }

    String token = bearer(head.header("authorization"));
    if (token == null) token = head.queryParameter("access_token");
    AuthenticatedUser user;
    try {
      user = verifier.verify(token);
    } catch (TokenRejected rejected) {
      return refuse(401, "unauthorized", rejected.getMessage(), "WWW-Authenticate: Bearer realm=\"pulse\"\r\n");
    }

    // Clients that offer no subprotocol (stock tools) are served the current one implicitly.
    boolean offered = head.listHeader("sec-websocket-protocol").contains(subprotocol);
    String response =
        "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: " + acceptKey(key) + "\r\n"
            + (offered ? "Sec-WebSocket-Protocol: " + subprotocol + "\r\n" : "")
            + "\r\n";
    return new Outcome.Accepted(user, ByteString.fromString(response, StandardCharsets.US_ASCII));
  }

  /** An error response that closes the connection; the body is JSON like the rest of the HTTP API's errors. */
  public static Outcome.Refused refuse(int status, String error, String message, String extraHeaders) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(Map.of("error", error, "message", message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("two strings always serialize", e);
    }
    String head =
        "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
            + extraHeaders
            + "Content-Type: application/json\r\n"
            + "Content-Length: " + body.length + "\r\n"
            + "Connection: close\r\n"
            + "\r\n";
    return new Outcome.Refused(status, ByteString.fromString(head, StandardCharsets.US_ASCII).concat(ByteString.fromArray(body)), extraHeaders, body);
  }

  /** Sec-WebSocket-Accept for a client's key (RFC 6455 §4.2.2). */
  static String acceptKey(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }

  private static boolean isNonce(String key) {
    if (key == null || key.length() != 24) return false;
    try {
      return Base64.getDecoder().decode(key).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
    return authorization.substring(7).strip();
  }

  private static boolean containsIgnoreCase(List<String> elements, String wanted) {
    for (String e : elements) if (e.toLowerCase(Locale.ROOT).equals(wanted)) return true;
    return false;
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 405 -> "Method Not Allowed";
      case 408 -> "Request Timeout";
      case 426 -> "Upgrade Required";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      case 505 -> "HTTP Version Not Supported";
      default -> "Error";
    };
  }

}
