package io.pulse.http.ws;

import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.impl.engine.ws.FrameEvent;
import org.apache.pekko.http.impl.engine.ws.FrameHandler;
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
  public static boolean isErrorClose(FrameHandler.PeerClosed closed) {
    return closed.code().isDefined() && Protocol.CloseCodes$.MODULE$.isError((Integer) closed.code().get());
  }
}
