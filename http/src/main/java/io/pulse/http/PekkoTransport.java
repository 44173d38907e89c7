package io.pulse.http;

import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.edge.Admission;
import io.pulse.http.edge.RequestHead;
import io.pulse.http.edge.WebSocketHandshake;
import io.pulse.http.ws.StockMessages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * {@code pulse.http.transport = pekko}: WebSockets at /ws through Pekko HTTP's public server binding
 * and {@code handleWebSocketMessages} API instead of the node's own front door. The upgrade is decided
 * by the same {@link WebSocketHandshake} (origin, token, the same error bodies) and {@link Admission},
 * the socket runs the same connection operator through {@link StockMessages}. What differs is what
 * the stock API cannot do: close codes other than 1000 and 1011 (docs/protocol.md), and its own
 * answers to requests that are not WebSocket upgrades.
 */
final class PekkoTransport extends AllDirectives {
  private final WebSocketHandshake handshake;
  private final Admission admission;
  private final Graph<FlowShape<Object, Object>, ?> connection;
  private final Function<AuthenticatedUser, Attributes> session;
  private final String subprotocol;

  PekkoTransport(
      WebSocketHandshake handshake, Admission admission, Graph<FlowShape<Object, Object>, ?> connection, Function<AuthenticatedUser, Attributes> session, String subprotocol) {
    this.handshake = handshake;
    this.admission = admission;
    this.connection = connection;
    this.session = session;
    this.subprotocol = subprotocol;
  }

  /** GET /ws; everything else goes on to {@code rest}. */
  Route routes(Route rest) {
    return concat(path("ws", () -> extractRequest(this::upgrade)), rest);
  }

  private Route upgrade(HttpRequest request) {
    WebSocketHandshake.Outcome outcome = handshake.decide(head(request));
    if (outcome instanceof WebSocketHandshake.Outcome.Accepted) {
      WebSocketHandshake.Outcome.Refused busy = admission.check();
      if (busy != null) outcome = busy;
    }
    if (outcome instanceof WebSocketHandshake.Outcome.Refused refused) return complete(response(refused));
    AuthenticatedUser user = ((WebSocketHandshake.Outcome.Accepted) outcome).user();
    Flow<Message, Message, NotUsed> socket =
        StockMessages.bridge(Flow.fromGraph(connection).addAttributes(session.apply(user)))
            .watchTermination(
                (mat, done) -> {
                  done.whenComplete((d, e) -> admission.release());
                  return mat;
                });
    // Pekko HTTP validates the key and version itself: an upgrade it does not take is rejected (400)
    // and gives its admission slot back at once
    return extractOfferedWsProtocols(
        offered ->
            mapRouteResult(
                result -> {
                  if (!(result instanceof org.apache.pekko.http.javadsl.server.Complete)) admission.release();
                  return result;
                },
                () -> handleWebSocketMessagesForOptionalProtocol(socket, offered.contains(subprotocol) ? Optional.of(subprotocol) : Optional.empty())));
  }

  /** The request as the handshake reads it: Pekko HTTP has parsed it already, strictly. */
  private static RequestHead head(HttpRequest request) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (HttpHeader h : request.getHeaders()) headers.computeIfAbsent(h.lowercaseName(), k -> new ArrayList<>()).add(h.value());
    String query = request.getUri().rawQueryString().orElse("");
    return new RequestHead(request.method().value(), request.getUri().path(), query, request.protocol().value(), headers);
  }

  private static HttpResponse response(WebSocketHandshake.Outcome.Refused refused) {
    List<HttpHeader> headers = new ArrayList<>();
    for (String line : refused.extraHeaders().split("\r\n")) {
      int colon = line.indexOf(':');
      // Connection is the renderer's own: every refusal closes
      if (colon > 0 && !line.regionMatches(true, 0, "Connection:", 0, 11)) headers.add(RawHeader.create(line.substring(0, colon), line.substring(colon + 1).strip()));
    }
    headers.add(org.apache.pekko.http.javadsl.model.headers.Connection.create("close"));
    return HttpResponse.create()
        .withStatus(StatusCodes.get(refused.status()))
        .addHeaders(headers)
        .withEntity(ContentTypes.APPLICATION_JSON, refused.body());
  }
}
