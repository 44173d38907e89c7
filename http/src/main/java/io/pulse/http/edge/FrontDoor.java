package io.pulse.http.edge;

import io.pulse.http.auth.AuthenticatedUser;
import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * The first operator of every TCP connection to the node's port. It reads the request line: a
 * WebSocket upgrade to {@code webSocketPath} is handshaken here ({@link WebSocketHandshake}) and the
 * connection continues as WebSocket frames; anything else goes, bytes unchanged, to Pekko HTTP's server
 * layer and routes.
 *
 * <p>Why not Pekko HTTP's own upgrade: after it, Pekko HTTP keeps its per-connection HTTP layers
 * (parser, renderer, controller, protocol switch, timeouts: about twenty operators) in place for the
 * socket's whole life. Here a WebSocket costs this operator and its frame layers only, which roughly
 * halves the node's heap per idle socket (docs/benchmarks.md).
 *
 * <p>The inner flow of either kind runs as a substream of this operator. A connection that within
 * {@code handshakeTimeout} has neither finished its WebSocket handshake nor been sent the start of an
 * HTTP response is answered 408 and closed (slow or stalled request heads hold no connection); a
 * WebSocket head larger than {@code maxHeadBytes} is answered 431.
 */
public final class FrontDoor extends GraphStage<FlowShape<ByteString, ByteString>> {
  private final Inlet<ByteString> in = Inlet.create("FrontDoor.in");
  private final Outlet<ByteString> out = Outlet.create("FrontDoor.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  private final Graph<FlowShape<ByteString, ByteString>, ?> http;
  private final Flow<ByteString, ByteString, ?> webSocket;
  private final String webSocketPath;
  private final WebSocketHandshake handshake;
  private final Function<AuthenticatedUser, Attributes> session;
  private final Admission admission;
  private final int maxHeadBytes;
  private final Duration handshakeTimeout;

  /**
   * @param webSocket the frame layers joined to the connection operator, shared by every socket
   * @param session the per-socket attributes {@code webSocket} is materialized with
   * @param admission whether the node takes one more session (503 if not)
   */
  public FrontDoor(
      Graph<FlowShape<ByteString, ByteString>, ?> http,
      Flow<ByteString, ByteString, ?> webSocket,
      String webSocketPath,
      WebSocketHandshake handshake,
      Function<AuthenticatedUser, Attributes> session,
      Admission admission,
      int maxHeadBytes,
      Duration handshakeTimeout) {
    this.http = http;
    this.webSocket = webSocket;
    this.webSocketPath = webSocketPath;
    this.handshake = handshake;
    this.session = session;
    this.admission = admission;
    this.maxHeadBytes = maxHeadBytes;
    this.handshakeTimeout = handshakeTimeout;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic();
  }

  private static final String HANDSHAKE_TIMER = "handshake";

  private final class Logic extends TimerGraphStageLogic {
    /** Bytes read before the connection chose its protocol. */
    private ByteString head = ByteString.emptyByteString();
    /** The request line named the WebSocket path: reading the rest of its head. */
    private boolean webSocketHead;
    /** Set once switched: the inner flow's input and output. */
    private SubSourceOutlet<ByteString> toInner;
    private SubSinkInlet<ByteString> fromInner;
    /** Read before the switch, owed to the inner flow first. */
    private ByteString owedIn;
    /** The 101 response, owed to the client before the inner flow's first bytes. */
    private ByteString owedOut;
    private boolean inFinished;
    /** This connection holds one of {@link Admission}'s slots until it ends. */
    private boolean admitted;

    Logic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              if (toInner != null) {
                toInner.push(grab(in));
              } else {
                head = head.concat(grab(in));
                choose();
              }
            }

            @Override
            public void onUpstreamFinish() {
              inFinished = true;
              if (toInner == null) completeStage();
              else if (owedIn == null) toInner.complete();
            }

            @Override
            public void onUpstreamFailure(Throwable ex) {
              if (toInner == null) failStage(ex);
              else toInner.fail(ex);
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              feedOut();
            }
          });
    }

    private void feedOut() {
      if (owedOut != null) {
        push(out, owedOut);
        owedOut = null;
      } else if (fromInner != null && !fromInner.hasBeenPulled() && !fromInner.isClosed()) {
        fromInner.pull();
      }
    }

    @Override
    public void preStart() {
      scheduleOnce(HANDSHAKE_TIMER, handshakeTimeout);
      pull(in);
    }

    @Override
    public void postStop() {
      if (admitted) admission.release();
    }

    @Override
    public void onTimer(Object key) {
      if (fromInner != null) {
        // Pekko HTTP has not started a response: it is still waiting on the request.
        fromInner.cancel();
        toInner.complete();
      }
      refuse(WebSocketHandshake.refuse(408, "request_timeout", "no complete request within " + handshakeTimeout.toSeconds() + " s", ""));
    }

    private void choose() {
      if (!webSocketHead) {
        int line = RequestHead.requestLineLength(head);
        if (line < 0) {
          // Pekko HTTP answers an over-long request line with its own limits.
          if (head.size() > maxHeadBytes) switchTo(http, null, head);
          else pull(in);
          return;
        }
        if (!webSocketPath.equals(RequestHead.path(head.take(line)))) {
          switchTo(http, null, head);
          return;
        }
        webSocketHead = true;
      }
      int length = RequestHead.headLength(head);
      if (length < 0 && head.size() <= maxHeadBytes) {
        pull(in);
        return;
      }
      if (length < 0 || length > maxHeadBytes) {
        refuse(WebSocketHandshake.refuse(431, "request_header_fields_too_large", "the upgrade request's head exceeds " + maxHeadBytes + " bytes", ""));
        return;
      }
      WebSocketHandshake.Outcome outcome;
      try {
        outcome = handshake.decide(RequestHead.parse(head.take(length)));
      } catch (RequestHead.Malformed e) {
        outcome = WebSocketHandshake.refuse(e.status(), "bad_request", e.getMessage(), "");
      }
      if (outcome instanceof WebSocketHandshake.Outcome.Accepted) {
        // only a valid, authenticated upgrade counts against the node's session budget
        WebSocketHandshake.Outcome.Refused busy = admission.check();
        if (busy != null) outcome = busy;
        else admitted = true;
      }
      if (outcome instanceof WebSocketHandshake.Outcome.Accepted accepted) {
        switchTo(webSocket.addAttributes(session.apply(accepted.user())), accepted.response(), head.drop(length));
      } else {
        refuse((WebSocketHandshake.Outcome.Refused) outcome);
      }
    }

    /** Answers with an error and closes once it is written; what the client sends meanwhile is ignored. */
    private void refuse(WebSocketHandshake.Outcome.Refused refused) {
      cancelTimer(HANDSHAKE_TIMER);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              pull(in);
            }

            @Override
            public void onUpstreamFinish() {}
          });
      if (!hasBeenPulled(in) && !isClosed(in)) pull(in);
      emit(out, refused.response(), this::completeStage);
    }

    /**
     * Runs {@code inner} on the rest of the connection. The timer stops at a WebSocket's 101, and at
     * the first byte of a plain HTTP response: Pekko HTTP's server layer has no idle timeout of its own.
     */
    private void switchTo(Graph<FlowShape<ByteString, ByteString>, ?> inner, ByteString response, ByteString read) {
      if (response != null) cancelTimer(HANDSHAKE_TIMER);
      owedOut = response;
      owedIn = read.isEmpty() ? null : read;
      head = null;
      toInner = new SubSourceOutlet<>("FrontDoor.toInner");
      toInner.setHandler(
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              if (owedIn != null) {
                toInner.push(owedIn);
                owedIn = null;
                if (inFinished) toInner.complete();
              } else if (!hasBeenPulled(in) && !isClosed(in)) {
                pull(in);
              }
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
              cancel(in, cause);
            }
          });
      fromInner = new SubSinkInlet<>("FrontDoor.fromInner");
      fromInner.setHandler(
          new AbstractInHandler() {
            @Override
            public void onPush() {
              cancelTimer(HANDSHAKE_TIMER);
              push(out, fromInner.grab());
            }

            @Override
            public void onUpstreamFinish() {
              completeStage();
            }

            @Override
            public void onUpstreamFailure(Throwable ex) {
              failStage(ex);
            }
          });
      Source.fromGraph(toInner.source()).via(inner).runWith(fromInner.sink(), subFusingMaterializer());
      if (isAvailable(out)) feedOut();
    }
  }
}
