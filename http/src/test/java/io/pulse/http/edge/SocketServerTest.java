package io.pulse.http.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The node's own TCP transport, against real sockets on a free loopback port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SocketServerTest {
  private final ActorTestKit testKit = ActorTestKit.create("SocketServerTest", ConfigFactory.parseString("pekko.loglevel = WARNING"));
  private final Materializer materializer = Materializer.matFromSystem(testKit.system());

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private SocketServer serve(Flow<ByteString, ByteString, NotUsed> perConnection) throws IOException {
    return SocketServer.bind("127.0.0.1", 0, 128, perConnection, materializer);
  }

  private static Socket connect(SocketServer server) throws IOException {
    Socket socket = new Socket();
    socket.connect(server.localAddress(), 5_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  @Test
  void bytesWrittenByTheClientComeBackThroughTheFlow() throws Exception {
    try (SocketServer server = serve(Flow.<ByteString>create().map(b -> ByteString.fromString(b.utf8String().toUpperCase())));
        Socket client = connect(server)) {
      client.getOutputStream().write("hello pulse".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(client.getInputStream().readNBytes(11), StandardCharsets.UTF_8)).isEqualTo("HELLO PULSE");
    }
  }

  @Test
  void aClientThatDoesNotReadHoldsBackTheFlowAndThenGetsEveryByteInOrder() throws Exception {
    int chunk = 64 * 1024;
    long total = 256L * 1024 * 1024; // far more than socket buffers hold
    AtomicLong produced = new AtomicLong();
    Source<ByteString, NotUsed> counting =
        Source.range(0, (int) (total / chunk) - 1).map(i -> {
          produced.addAndGet(chunk);
          byte[] b = new byte[chunk];
          Arrays.fill(b, (byte) (i % 251));
          return ByteString.fromArrayUnsafe(b);
        });
    try (SocketServer server = serve(Flow.fromSinkAndSource(Sink.ignore(), counting)); Socket client = connect(server)) {
      // nothing read yet: the writes stop once the kernel's buffers are full
      long held = awaitSteady(produced);
      assertThat(held).isLessThan(total / 4);

      InputStream in = client.getInputStream();
      byte[] buf = new byte[chunk];
      for (long i = 0; i < total / chunk; i++) {
        int n = in.readNBytes(buf, 0, chunk);
        assertThat(n).isEqualTo(chunk);
        byte expected = (byte) (i % 251);
        for (int k = 0; k < chunk; k += 4096) assertThat(buf[k]).isEqualTo(expected);
      }
      assertThat(produced.get()).isEqualTo(total);
      assertThat(in.read()).as("the connection closes once the flow's output completes").isEqualTo(-1);
    }
  }

  @Test
  void aFlowThatStopsReadingHoldsBackTheClient() throws Exception {
    // takes one chunk, then never asks for another
    Flow<ByteString, ByteString, NotUsed> stuck = Flow.<ByteString>create().mapAsync(1, b -> new CompletableFuture<ByteString>());
    long limit = 256L * 1024 * 1024;
    AtomicLong sent = new AtomicLong();
    try (SocketServer server = serve(stuck); Socket client = connect(server)) {
      Thread writer =
          new Thread(
              () -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                  OutputStream out = client.getOutputStream();
                  while (sent.get() < limit) {
                    out.write(chunk);
                    sent.addAndGet(chunk.length);
                  }
                } catch (IOException closed) {
                  // the test closed the socket
                }
              });
      writer.start();
      long held = awaitSteady(sent);
      assertThat(held).as("the server stops reading: the client's writes block").isLessThan(limit / 4);
      client.close();
      writer.join(10_000);
    }
  }

  @Test
  void theFlowSeesItsInputEndWhenThePeerCloses() throws Exception {
    CompletableFuture<String> received = new CompletableFuture<>();
    Flow<ByteString, ByteString, NotUsed> collecting =
        // coupled: the output ends when the input does, and with it the connection
        Flow.fromSinkAndSourceCoupled(
            Sink.<ByteString, ByteString>fold(ByteString.emptyByteString(), ByteString::concat)
                .mapMaterializedValue(f -> f.thenAccept(b -> received.complete(b.utf8String()))),
            Source.<ByteString>maybe());
    try (SocketServer server = serve(collecting); Socket client = connect(server)) {
      OutputStream out = client.getOutputStream();
      out.write("first ".getBytes(StandardCharsets.UTF_8));
      out.write("and last".getBytes(StandardCharsets.UTF_8));
      client.shutdownOutput();
      assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("first and last");
      assertThat(client.getInputStream().read()).as("the flow ended its output: the server closes").isEqualTo(-1);
    }
  }

  @Test
  void aFlowThatFailsClosesTheConnection() throws Exception {
    Flow<ByteString, ByteString, NotUsed> failing =
        Flow.<ByteString>create().map(b -> {
          throw new IllegalStateException("boom");
        });
    try (SocketServer server = serve(failing); Socket client = connect(server)) {
      client.getOutputStream().write(1);
      assertThat(readToEnd(client)).isTrue();
    }
  }

  @Test
  void unbindStopsNewConnectionsAndKeepsOpenOnes() throws Exception {
    try (SocketServer server = serve(Flow.<ByteString>create()); Socket open = connect(server)) {
      InetSocketAddress address = server.localAddress();
      server.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close()).isInstanceOf(ConnectException.class);
      open.getOutputStream().write("still here".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(open.getInputStream().readNBytes(10), StandardCharsets.UTF_8)).isEqualTo("still here");
    }
  }

  @Test
  void closeEndsOpenConnections() throws Exception {
    SocketServer server = serve(Flow.<ByteString>create());
    try (Socket open = connect(server)) {
      open.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
      assertThat(open.getInputStream().read()).isEqualTo('x');
      server.close();
      assertThat(readToEnd(open)).isTrue();
    }
  }

  @Test
  void aConnectionBeyondTheSocketCapIsAnsweredAndClosedUntilASocketCloses() throws Exception {
    ByteString full = ByteString.fromString("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    try (SocketServer server = SocketServer.bind("127.0.0.1", 0, 128, Flow.<ByteString>create(), materializer, 2, full);
        Socket first = connect(server);
        Socket second = connect(server)) {
      // an echo on each proves both started a flow before the third connects
      for (Socket s : new Socket[] {first, second}) {
        s.getOutputStream().write('x');
        assertThat(s.getInputStream().read()).isEqualTo('x');
      }
      try (Socket third = connect(server)) {
        assertThat(new String(third.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 503 ");
      }
      assertThat(server.openSockets()).isEqualTo(2);
      first.close();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (server.openSockets() > 1 && System.nanoTime() < deadline) Thread.sleep(10); // the server notices the close asynchronously
      try (Socket fourth = connect(server)) {
        fourth.getOutputStream().write('y');
        assertThat(fourth.getInputStream().read()).isEqualTo('y');
      }
    }
  }

  /** True once the peer has closed (end of stream or reset). */
  private static boolean readToEnd(Socket socket) {
    try {
      while (socket.getInputStream().read() >= 0) {
        // drain
      }
      return true;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** The counter's value once it has stopped moving for 20 polls of 25 ms (at most 20 s). */
  private static long awaitSteady(AtomicLong counter) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    long last = -1;
    int still = 0;
    while (System.nanoTime() < deadline) {
      long now = counter.get();
      still = now == last && now > 0 ? still + 1 : 0;
      if (still == 20) return now;
      last = now;
      Thread.sleep(25); // polling a counter another thread moves
    }
    throw new AssertionError("the flow never stopped producing: " + counter.get() + " bytes");
  }
}
