package io.pulse.http.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import scala.Function0;
import scala.Option;
import scala.concurrent.duration.FiniteDuration;

/**
 * Pulse uses Pekko HTTP's internal WebSocket frame API ({@code org.apache.pekko.http.impl.engine.ws}),
 * and only from this package ({@link Frames}, {@link WebSocketLayers}, {@link StockMessages}). Internal
 * API may change in any release: these checks fail loudly, naming what moved, when a version bump
 * changes a class, constructor or method used, so the bump is reviewed rather than discovered at run
 * time. After checking the frame layers still behave (ConnectionStageTest, GatewayIT, HostileClientsIT),
 * move {@link #PINNED} to the new version.
 */
class PekkoInternalsTest {
  /** The pekko-http version these shapes were checked against (root pom, pekko-http.version). */
  private static final String PINNED = "1.3.0";
  private static final String PKG = "org.apache.pekko.http.impl.engine.ws.";

  @Test
  void theLibraryIsTheVersionTheInternalsWereCheckedAgainst() {
    assertThat(org.apache.pekko.http.Version.current())
        .as("pekko-http changed: re-check the internal frame API Pulse uses (this class), then update PINNED")
        .isEqualTo(PINNED);
  }

  @Test
  void theFrameLayersBuildersHaveTheirShape() throws Exception {
    Class<?> ws = type("WebSocket");
    Class<?> bidi = org.apache.pekko.stream.scaladsl.BidiFlow.class;
    assertStatic(ws, "framing", bidi);
    assertStatic(ws, "masking", bidi, boolean.class, Function0.class);
    assertStatic(ws, "frameHandling", bidi, boolean.class, FiniteDuration.class, LoggingAdapter.class);
    assertModule("WebSocket$Tick$");
    assertModule("FrameHandler$UserHandlerCompleted$");
    assertModule("Protocol$Opcode$Text$");
    assertModule("Protocol$Opcode$Pong$");
    Method isError = type("Protocol$CloseCodes$").getMethod("isError", int.class);
    assertThat(isError.getReturnType()).isEqualTo(boolean.class);
  }

  @Test
  void theFrameEventsHaveTheirShape() throws Exception {
    Class<?> frameStart = type("FrameStart");
    assertStatic(type("FrameEvent"), "fullFrame", frameStart, type("Protocol$Opcode"), Option.class, ByteString.class, boolean.class, boolean.class, boolean.class, boolean.class);
    assertThat(frameStart.getMethod("data").getReturnType()).isEqualTo(ByteString.class);

    assertConstructor("FrameHandler$TextMessagePart", String.class, boolean.class);
    assertThat(type("FrameHandler$TextMessagePart").getMethod("data").getReturnType()).isEqualTo(String.class);
    assertThat(type("FrameHandler$TextMessagePart").getMethod("last").getReturnType()).isEqualTo(boolean.class);
    assertConstructor("FrameHandler$BinaryMessagePart", ByteString.class, boolean.class);
    assertThat(type("FrameHandler$BinaryMessagePart").getMethod("data").getReturnType()).isEqualTo(ByteString.class);
    assertThat(type("FrameHandler$BinaryMessagePart").getMethod("last").getReturnType()).isEqualTo(boolean.class);
    for (String close : new String[] {"FrameHandler$PeerClosed", "FrameHandler$ActivelyCloseWithCode"}) {
      assertConstructor(close, Option.class, String.class);
      assertThat(type(close).getMethod("code").getReturnType()).isEqualTo(Option.class);
      assertThat(type(close).getMethod("reason").getReturnType()).isEqualTo(String.class);
    }
    assertConstructor("FrameHandler$DirectAnswer", frameStart);
  }

  @Test
  void theFacadeBuildsAndReadsEventsAsBefore() {
    // the values, not only the shapes: what the connection operator relies on
    assertThat(Frames.inbound(Frames.textPart("x", true))).isEqualTo(Frames.Inbound.TEXT);
    assertThat(Frames.text(Frames.textPart("x", false))).isEqualTo("x");
    assertThat(Frames.last(Frames.textPart("x", false))).isFalse();
    assertThat(Frames.inbound(Frames.binaryPart(ByteString.fromString("ab"), true))).isEqualTo(Frames.Inbound.BINARY);
    assertThat(Frames.binaryBytes(Frames.binaryPart(ByteString.fromString("ab"), true))).isEqualTo(2);
    assertThat(Frames.inbound(Frames.peerClosed(1000, ""))).isEqualTo(Frames.Inbound.PEER_CLOSED);
    assertThat(Frames.isErrorClose(Frames.peerClosed(1000, ""))).isFalse();
    assertThat(Frames.isErrorClose(Frames.peerClosed(1002, ""))).isTrue();
    assertThat(Frames.inbound(Frames.protocolClose(1002))).isEqualTo(Frames.Inbound.PROTOCOL_CLOSE);
    assertThat(Frames.inbound(Frames.pongAnswer())).isEqualTo(Frames.Inbound.DIRECT_ANSWER);
    assertThat(Frames.textOf(Frames.text("héllo"))).isEqualTo("héllo");
    assertThat(Frames.closeCodeOf(Frames.close(new CloseWith(4008, "slow")))).isEqualTo(4008);
    assertThat(Frames.closeReasonOf(Frames.close(new CloseWith(4008, "slow")))).isEqualTo("slow");
  }

  private static Class<?> type(String name) {
    try {
      return Class.forName(PKG + name);
    } catch (ClassNotFoundException e) {
      throw new AssertionError("Pekko HTTP no longer has " + PKG + name + ": the internal frame API Pulse uses changed", e);
    }
  }

  private static void assertStatic(Class<?> owner, String name, Class<?> returns, Class<?>... params) {
    Method m;
    try {
      m = owner.getMethod(name, params);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(owner.getName() + "." + name + java.util.Arrays.toString(params) + " is gone: the internal frame API Pulse uses changed", e);
    }
    assertThat(Modifier.isStatic(m.getModifiers())).as(owner.getName() + "." + name + " static").isTrue();
    assertThat(returns.isAssignableFrom(m.getReturnType())).as(owner.getName() + "." + name + " returns " + returns.getName()).isTrue();
  }

  private static void assertConstructor(String name, Class<?>... params) {
    try {
      Constructor<?> c = type(name).getConstructor(params);
      assertThat(Modifier.isPublic(c.getModifiers())).isTrue();
    } catch (NoSuchMethodException e) {
      throw new AssertionError(PKG + name + java.util.Arrays.toString(params) + " constructor is gone: the internal frame API Pulse uses changed", e);
    }
  }

  private static void assertModule(String name) throws Exception {
    assertThat(type(name).getField("MODULE$").get(null)).as(name).isNotNull();
  }
}
