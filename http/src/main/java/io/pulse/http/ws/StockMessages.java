package io.pulse.http.ws;

import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The connection operator (which speaks the frame layer's events, see {@link WebSocketLayers}) behind
 * Pekko HTTP's public WebSocket API ({@code handleWebSocketMessages}): messages in become message
 * parts, the end of the messages becomes the peer's close, and text frames out become messages.
 *
 * <p>The public API closes a socket only with 1000 (the handler completed) or 1011 (it failed). So a
 * close the operator chooses goes out as 1000 when it is a normal one (1000, 1001: the node going
 * away) and as 1011 otherwise (1009 too big, 4001 idle, 4008 slow consumer): a client reconnects and
 * resumes on 1011, as it would on the code it cannot see (docs/protocol.md).
 */
public final class StockMessages {
  private StockMessages() {}

  /** Why a stock socket was failed: the close code the stock API could not send. */
  public static final class NotSendable extends RuntimeException {
    public NotSendable(int code, String reason) {
      super("closed with " + code + " (" + reason + "), sent as 1011", null, false, false);
    }
  }

  /** The connection operator as a flow of public messages; {@code connection} carries its session attributes. */
  public static Flow<Message, Message, NotUsed> bridge(Graph<FlowShape<Object, Object>, ?> connection) {
    Object peerClosed = Frames.peerClosed(CloseCodes.NORMAL, "");
    return Flow.<Message>create()
        .flatMapConcat(StockMessages::parts)
        // the peer closed (or the socket ended): what the frame layer would tell the operator
        .concat(Source.single(peerClosed))
        .via(connection)
        .takeWhile(out -> out != Frames.COMPLETED && !isNormalClose(out))
        .mapConcat(StockMessages::message);
  }

  private static Source<Object, ?> parts(Message message) {
    if (message.isText()) {
      TextMessage text = message.asTextMessage();
      if (text.isStrict()) return Source.single(Frames.textPart(text.getStrictText(), true));
      return text.getStreamedText()
          .<Object>map(s -> Frames.textPart(s, false))
          .concat(Source.single(Frames.textPart("", true)));
    }
    BinaryMessage binary = message.asBinaryMessage();
    if (binary.isStrict()) return Source.single(Frames.binaryPart(binary.getStrictData(), true));
    return binary.getStreamedData()
        .<Object>map(b -> Frames.binaryPart(b, false))
        .concat(Source.single(Frames.binaryPart(org.apache.pekko.util.ByteString.emptyByteString(), true)));
  }

  private static boolean isNormalClose(Object out) {
    Integer code = Frames.closeCodeOf(out);
    return code != null && !isError(code);
  }

  private static boolean isError(int code) {
    return code != CloseCodes.NORMAL && code != CloseCodes.GOING_AWAY;
  }

  /** A text frame as a message; a close the stock API cannot send fails the flow (1011); control events are the stock layer's own. */
  private static Iterable<Message> message(Object out) {
    String text = Frames.textOf(out);
    if (text != null) return java.util.List.of(TextMessage.create(text));
    Integer code = Frames.closeCodeOf(out);
    if (code != null) throw new NotSendable(code, Frames.closeReasonOf(out));
    return java.util.List.of();
  }
}
