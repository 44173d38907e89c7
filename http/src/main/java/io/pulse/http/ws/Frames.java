package io.pulse.http.ws;

import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.impl.engine.ws.FrameEvent;
import org.apache.pekko.http.impl.engine.ws.FrameHandler;
import org.apache.pekko.http.impl.engine.ws.FrameStart;
import org.apache.pekko.http.impl.engine.ws.Protocol$Opcode$Pong$;
import org.apache.pekko.http.impl.engine.ws.Protocol;
import org.apache.pekko.http.impl.engine.ws.Protocol$Opcode$Text$;
import org.apache.pekko.http.impl.engine.ws.WebSocket;
import org.apache.pekko.util.ByteString;
import scala.Option;

/**
 * What Pulse's connection operator hands to Pekko HTTP's WebSocket frame layer, built from its internal
 * frame API (pinned with the library version in the root pom). The frame layer turns these into wire
 * frames and runs the close handshake.
 */
public final class Frames {
  private Frames() {}

  /** The handler is done: the frame layer sends close 1000 (or echoes the peer's close) and ends. */
  public static final Object COMPLETED = FrameHandler.UserHandlerCompleted$.MODULE$;

  /** Lets the frame layer check its close-handshake deadline while a close is under way. */
  public static final Object TICK = WebSocket.Tick$.MODULE$;

  /** One whole text message in one frame. */
  public static Object text(String text) {
    ByteString data = ByteString.fromString(text, StandardCharsets.UTF_8);
    return FrameEvent.fullFrame(Protocol$Opcode$Text$.MODULE$, Option.empty(), data, true, false, false, false);
  }

  /** Starts the close handshake with this code; the frame layer waits for the peer's close frame. */
  public static Object close(CloseWith close) {
    return new FrameHandler.ActivelyCloseWithCode(Option.apply((Object) close.code()), close.reason());
  }

  /** Whether the peer's close code says something went wrong (anything but 1000 and 1001, or none). */
  public static boolean isErrorClose(Object peerClosed) {
    FrameHandler.PeerClosed closed = (FrameHandler.PeerClosed) peerClosed;
    return closed.code().isDefined() && Protocol.CloseCodes$.MODULE$.isError((Integer) closed.code().get());
  }

  // ---- what the frame layer hands the connection operator (FrameHandler.Output) -------------------

  /** What an event from the frame layer is, as far as the connection operator cares. */
  public enum Inbound {
    /** A piece of a text message: {@link #text}, {@link #last}. */
    TEXT,
    /** A piece of a binary message: {@link #binaryBytes}, {@link #last}. */
    BINARY,
    /** The peer sent its close frame ({@link #isErrorClose}). */
    PEER_CLOSED,
    /** The frame layer found a protocol error and closes the connection itself. */
    PROTOCOL_CLOSE,
    /** A control answer (pong) the frame layer wants written. */
    DIRECT_ANSWER,
    /** Anything else (the end-of-message marker). */
    OTHER
  }

  public static Inbound inbound(Object event) {
    if (event instanceof FrameHandler.TextMessagePart) return Inbound.TEXT;
    if (event instanceof FrameHandler.BinaryMessagePart) return Inbound.BINARY;
    if (event instanceof FrameHandler.PeerClosed) return Inbound.PEER_CLOSED;
    if (event instanceof FrameHandler.ActivelyCloseWithCode) return Inbound.PROTOCOL_CLOSE;
    if (event instanceof FrameHandler.DirectAnswer) return Inbound.DIRECT_ANSWER;
    return Inbound.OTHER;
  }

  /** The text of a {@link Inbound#TEXT} piece. */
  public static String text(Object textPart) {
    return ((FrameHandler.TextMessagePart) textPart).data();
  }

  /** The size of a {@link Inbound#BINARY} piece. */
  public static long binaryBytes(Object binaryPart) {
    return ((FrameHandler.BinaryMessagePart) binaryPart).data().size();
  }

  /** Whether a text or binary piece ends its message. */
  public static boolean last(Object part) {
    return part instanceof FrameHandler.TextMessagePart t ? t.last() : ((FrameHandler.BinaryMessagePart) part).last();
  }

  // ---- building and reading events, for tests and the stock transport's bridge -------------------

  public static Object textPart(String text, boolean last) {
    return new FrameHandler.TextMessagePart(text, last);
  }

  public static Object binaryPart(ByteString data, boolean last) {
    return new FrameHandler.BinaryMessagePart(data, last);
  }

  public static Object peerClosed(int code, String reason) {
    return new FrameHandler.PeerClosed(Option.apply((Object) code), reason);
  }

  /** What the frame layer emits on a protocol error (e.g. 1002). */
  public static Object protocolClose(int code) {
    return new FrameHandler.ActivelyCloseWithCode(Option.apply((Object) code), "");
  }

  /** A pong frame as the frame layer's direct answer to a ping. */
  public static Object pongAnswer() {
    return new FrameHandler.DirectAnswer(
        FrameEvent.fullFrame(Protocol$Opcode$Pong$.MODULE$, Option.empty(), ByteString.emptyByteString(), true, false, false, false));
  }

  /** The text of a whole text frame the operator emits, or null if {@code out} is not one. */
  public static String textOf(Object out) {
    return out instanceof FrameStart frame ? frame.data().decodeString(StandardCharsets.UTF_8) : null;
  }

  /** The close code the operator starts a close with, or null if {@code out} is not a close. */
  public static Integer closeCodeOf(Object out) {
    if (!(out instanceof FrameHandler.ActivelyCloseWithCode close)) return null;
    return close.code().isDefined() ? (Integer) close.code().get() : CloseCodes.INTERNAL;
  }

  /** The reason of such a close. */
  public static String closeReasonOf(Object out) {
    return ((FrameHandler.ActivelyCloseWithCode) out).reason();
  }
}
