package io.pulse.http.edge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One accepted TCP connection as a stream operator: bytes pushed in are written to the socket, bytes
 * read from it come out. Joined to a connection's flow (for Pulse, a {@link FrontDoor}).
 *
 * <p>Why not Pekko's TCP stage: there every write is a message to the connection's actor and every
 * write acknowledgement a message back, two hand-offs between threads per frame; at ~27,000 frames/s
 * those hand-offs and the actors' wake-ups were a third of the node's CPU. Here the operator writes to
 * the non-blocking channel itself, on its own thread, and only a socket that cannot take a whole
 * write waits for the selector. Reads arrive from {@link SocketServer}'s selector thread through one
 * callback per chunk.
 *
 * <p>Backpressure both ways: the next write is pulled only when the previous one is fully in the
 * kernel; reading stops while more than {@link #READ_HIGH_WATER} bytes read wait for demand. The
 * socket closes when the flow completes its output (after the last bytes are out) or fails, or on an
 * I/O error; the peer closing its side ends the flow's input, and the flow decides when to finish.
 */
final class SocketStage extends GraphStage<FlowShape<ByteString, ByteString>> {
  /** Read bytes waiting for demand beyond which the socket is not read (the peer's TCP window fills). */
  static final int READ_HIGH_WATER = 256 * 1024;

  /** What the selector thread reports besides bytes read: these, or the {@code IOException} that ended reading. */
  enum Signal { END_OF_INPUT, WRITABLE }

  private final Inlet<ByteString> in = Inlet.create("Socket.write");
  private final Outlet<ByteString> out = Outlet.create("Socket.read");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final SocketServer.Registration registration;

  SocketStage(SocketServer.Registration registration) {
    this.registration = registration;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic();
  }

  private final class Logic extends GraphStageLogic {
    private final SocketChannel channel = registration.channel();
    /** Read and not yet pushed (null: nothing). */
    private ByteString pendingRead;
    private boolean readPaused;
    private boolean inputEnded;
    /** The part of a write the kernel did not take yet (null: none). */
    private ByteBuffer[] pendingWrite;

    Logic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              write(grab(in));
            }

            @Override
            public void onUpstreamFinish() {
              // the last bytes still go out; then the connection closes
              if (pendingWrite == null) completeStage();
            }

            @Override
            public void onUpstreamFailure(Throwable ex) {
              failStage(ex);
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              if (pendingRead != null) {
                ByteString bytes = pendingRead;
                pendingRead = null;
                push(out, bytes);
                if (readPaused) resumeReading();
              }
              if (inputEnded && pendingRead == null) complete(out);
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
              // nothing reads any more: stop reading, finish writing what the flow still sends
              pauseReading();
              if (isClosed(in) && pendingWrite == null) completeStage();
            }
          });
    }

    @Override
    public void preStart() {
      AsyncCallback<ByteString> onRead = createAsyncCallback(this::onRead);
      AsyncCallback<Object> onSignal = createAsyncCallback(this::onSignal);
      registration.attach(onRead, onSignal);
      pull(in);
    }

    @Override
    public void postStop() {
      registration.close();
    }

    private void onRead(ByteString bytes) {
      if (isClosed(out)) return;
      if (pendingRead == null && isAvailable(out)) {
        push(out, bytes);
        return;
      }
      pendingRead = pendingRead == null ? bytes : pendingRead.concat(bytes);
      if (pendingRead.size() > READ_HIGH_WATER) pauseReading();
    }

    private void onSignal(Object signal) {
      if (signal == Signal.WRITABLE) {
        if (pendingWrite != null) flush();
      } else if (signal == Signal.END_OF_INPUT) {
        // the peer closed its side: what it sent before still goes downstream, then the input ends;
        // the connection closes when the flow ends its output
        inputEnded = true;
        if (pendingRead == null) complete(out);
      } else {
        failStage((IOException) signal);
      }
    }

    private void write(ByteString bytes) {
      List<ByteBuffer> buffers = new ArrayList<>(2);
      bytes.getByteBuffers().forEach(buffers::add);
      pendingWrite = buffers.toArray(new ByteBuffer[0]);
      flush();
    }

    /** Writes what the kernel takes now; the rest waits for the selector to say the socket is writable. */
    private void flush() {
      try {
        long remaining = remaining(pendingWrite);
        while (remaining > 0) {
          long written = channel.write(pendingWrite);
          if (written == 0) {
            registration.interest(SelectionKey.OP_WRITE, true);
            return;
          }
          remaining -= written;
        }
      } catch (IOException | CancelledKeyException e) {
        failStage(e);
        return;
      }
      pendingWrite = null;
      if (isClosed(in)) completeStage();
      else pull(in);
    }

    private void pauseReading() {
      if (readPaused) return;
      readPaused = true;
      registration.interest(SelectionKey.OP_READ, false);
    }

    private void resumeReading() {
      readPaused = false;
      registration.interest(SelectionKey.OP_READ, true);
    }
  }

  private static long remaining(ByteBuffer[] buffers) {
    long n = 0;
    for (ByteBuffer b : buffers) n += b.remaining();
    return n;
  }
}
