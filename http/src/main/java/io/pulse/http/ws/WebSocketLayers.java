package io.pulse.http.ws;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.ws.UpgradeToWebSocketLowLevel;
import org.apache.pekko.http.impl.engine.ws.WebSocket;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.scaladsl.settings.WebSocketSettings;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Graph;
import scala.Option;
import scala.concurrent.duration.FiniteDuration;

/**
 * Pekko HTTP's public WebSocket API closes a socket only with 1000 (handler completed) or 1011
 * (handler failed), and puts about a dozen operators per socket between the frames and a handler of
 * messages. Pulse takes only the lower layers of Pekko HTTP's own server-side stack (masking, frame
 * handling and the close handshake) and joins its connection operator to them directly: that operator
 * assembles messages itself and closes with the code it chooses ({@link Frames}). It uses Pekko HTTP's
 * internal frame API, which is pinned with the library version in the root pom.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
public final class WebSocketLayers {
  /** How long the server waits for the peer's close frame after sending its own. */
  private static final FiniteDuration CLOSE_TIMEOUT = FiniteDuration.create(3, "s");

  /**
   * The protocol layers joined to the handler, built once: a blueprint is immutable, every socket
   * materializes its own copy, and what differs per socket comes in as attributes.
   */
  private final org.apache.pekko.stream.scaladsl.Flow frames;

  public WebSocketLayers(WebSocketSettings settings, LoggingAdapter log, Graph<FlowShape<Object, Object>, ?> handler) {
    // Scala's variance is invisible to javac: the layers are composed as raw graphs.
    org.apache.pekko.stream.scaladsl.BidiFlow masking = WebSocket.masking(true, settings.randomFactory());
    org.apache.pekko.stream.scaladsl.BidiFlow frameHandling = WebSocket.frameHandling(true, CLOSE_TIMEOUT, log);
    this.frames = masking.atop(frameHandling).join(handler);
  }

  /**
   * Completes the upgrade with the handler joined to the frame layers (it receives the frame layer's
   * events, {@code FrameHandler.Output}, and emits frames and control events for it), given this
   * socket's {@code attributes}.
   */
  public HttpResponse upgrade(WebSocketUpgrade upgrade, Attributes attributes, String subprotocol) {
    if (!(upgrade instanceof UpgradeToWebSocketLowLevel lowLevel)) {
      throw new IllegalStateException("unexpected WebSocket upgrade implementation: " + upgrade.getClass());
    }
    return (HttpResponse) lowLevel.handleFrames(frames.addAttributes(attributes), subprotocol == null ? Option.empty() : Option.apply(subprotocol));
  }
}
