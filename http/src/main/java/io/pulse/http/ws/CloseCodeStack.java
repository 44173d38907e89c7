package io.pulse.http.ws;

import org.apache.pekko.NotUsed;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.ws.FrameEvent;
import org.apache.pekko.http.impl.engine.ws.FrameHandler;
import org.apache.pekko.http.impl.engine.ws.UpgradeToWebSocketLowLevel;
import org.apache.pekko.http.impl.engine.ws.WebSocket;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.scaladsl.settings.WebSocketSettings;
import java.util.function.Supplier;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import scala.Option;
import scala.concurrent.duration.FiniteDuration;

/**
 * Pekko HTTP's public WebSocket API closes a socket only with 1000 (handler completed) or 1011
 * (handler failed); the protocol needs 1009 for oversized frames and 4xxx codes that tell a client to
 * resume. This assembles the same layers Pekko HTTP's own server stack uses, plus one layer that turns a
 * handler failure with {@link CloseWith} into an active close with that code. It uses Pekko HTTP's
 * internal frame API, which is pinned with the library version in the root pom.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
public final class CloseCodeStack {
  private static final FiniteDuration CLOSE_TIMEOUT = FiniteDuration.create(3, "s");

  /** The protocol layers, built once: a blueprint is immutable and every socket materializes its own copy. */
  private final org.apache.pekko.stream.scaladsl.BidiFlow layers;

  public CloseCodeStack(WebSocketSettings settings, LoggingAdapter log) {
    // Scala's variance is invisible to javac: the layers are composed as raw graphs.
    org.apache.pekko.stream.scaladsl.BidiFlow masking = WebSocket.masking(true, settings.randomFactory());
    org.apache.pekko.stream.scaladsl.BidiFlow frameHandling = WebSocket.frameHandling(true, CLOSE_TIMEOUT, log);
    org.apache.pekko.stream.scaladsl.BidiFlow keepAlive = WebSocket.periodicKeepAlive(settings);
    org.apache.pekko.stream.scaladsl.BidiFlow messageApi = WebSocket.messageAPI(true, CLOSE_TIMEOUT);
    this.layers = masking.atop(frameHandling).atop(closeCodes()).atop(keepAlive).atop(messageApi);
  }

  /**
   * Completes the upgrade with the handler that {@code handler} builds, which may fail with {@link
   * CloseWith} to pick a close code. The handler is built when the socket's stream starts: the server
   * keeps the upgrade's blueprint for the life of the connection, so only a one-stage blueprint is held
   * per socket, not the whole graph description.
   */
  public HttpResponse upgrade(WebSocketUpgrade upgrade, Supplier<Flow<Message, Message, ?>> handler, String subprotocol) {
    if (!(upgrade instanceof UpgradeToWebSocketLowLevel lowLevel)) {
      throw new IllegalStateException("unexpected WebSocket upgrade implementation: " + upgrade.getClass());
    }
    org.apache.pekko.stream.scaladsl.Flow frames =
        Flow.fromMaterializer(
                (Materializer mat, Attributes attributes) ->
                    Flow.fromGraph((org.apache.pekko.stream.Graph) layers.join(toScala(handler.get()))))
            .asScala();
    return (HttpResponse)
        lowLevel.handleFrames(frames, subprotocol == null ? Option.empty() : Option.apply(subprotocol));
  }

  @SuppressWarnings("unchecked")
  private static org.apache.pekko.stream.scaladsl.BidiFlow<
          FrameHandler.Output, FrameHandler.Output, Object, Object, NotUsed>
      closeCodes() {
    return (org.apache.pekko.stream.scaladsl.BidiFlow<FrameHandler.Output, FrameHandler.Output, Object, Object, NotUsed>)
        (Object)
            BidiFlow.fromFlows(
                    Flow.<FrameHandler.Output>create(),
                    Flow.create()
                        .map(
                            out -> {
                              if (out instanceof FrameHandler.UserHandlerErredOut erred
                                  && erred.cause() instanceof CloseWith close) {
                                return (Object)
                                    new FrameHandler.ActivelyCloseWithCode(
                                        Option.apply(close.code()), close.reason());
                              }
                              return out;
                            }))
                .asScala();
  }

  private static org.apache.pekko.stream.scaladsl.Flow<
          org.apache.pekko.http.scaladsl.model.ws.Message,
          org.apache.pekko.http.scaladsl.model.ws.Message,
          NotUsed>
      toScala(Flow<Message, Message, ?> handler) {
    // Scala messages are Java messages, and the gateway emits Scala ones: a cast, not an operator.
    return (org.apache.pekko.stream.scaladsl.Flow) handler.asScala();
  }
}
