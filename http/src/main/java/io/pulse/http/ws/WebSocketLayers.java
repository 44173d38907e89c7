package io.pulse.http.ws;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.impl.engine.ws.WebSocket;
import org.apache.pekko.http.scaladsl.settings.WebSocketSettings;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import scala.concurrent.duration.FiniteDuration;

/**
 * Pekko HTTP's public WebSocket API closes a socket only with 1000 (handler completed) or 1011
 * (handler failed), and puts about a dozen operators per socket between the frames and a handler of
 * messages. Pulse takes only the lower layers of Pekko HTTP's own server-side stack (framing, masking,
 * frame handling and the close handshake) and joins its connection operator to them directly: that
 * operator assembles messages itself and closes with the code it chooses ({@link Frames}). It uses
 * Pekko HTTP's internal frame API, which is pinned with the library version in the root pom.
 *
 * <p>Every use of that internal API ({@code org.apache.pekko.http.impl}) is in this package: this class,
 * {@link Frames} (the events, for the connection operator) and {@link StockMessages}.
 * PekkoInternalsTest checks by reflection that the classes and methods used keep their shape.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
public final class WebSocketLayers {
  /** How long the server waits for the peer's close frame after sending its own. */
  private static final FiniteDuration CLOSE_TIMEOUT = FiniteDuration.create(3, "s");

  private WebSocketLayers() {}

  /**
   * The bytes of an upgraded connection in and out, through the protocol layers to {@code handler}
   * (it receives the frame layer's events, {@code FrameHandler.Output}, and emits frames and control
   * events for it). Built once: a blueprint is immutable, every socket materializes its own copy, and
   * what differs per socket comes in as attributes.
   */
  public static Flow<ByteString, ByteString, NotUsed> server(WebSocketSettings settings, LoggingAdapter log, Graph<FlowShape<Object, Object>, ?> handler) {
    // Scala's variance is invisible to javac: the layers are composed as raw graphs.
    org.apache.pekko.stream.scaladsl.BidiFlow framing = WebSocket.framing();
    org.apache.pekko.stream.scaladsl.BidiFlow masking = WebSocket.masking(true, settings.randomFactory());
    org.apache.pekko.stream.scaladsl.BidiFlow frameHandling = WebSocket.frameHandling(true, CLOSE_TIMEOUT, log);
    org.apache.pekko.stream.scaladsl.Flow bytes = framing.atop(masking).atop(frameHandling).join(handler);
    return Flow.fromGraph(bytes).mapMaterializedValue(m -> NotUsed.getInstance());
  }
}
