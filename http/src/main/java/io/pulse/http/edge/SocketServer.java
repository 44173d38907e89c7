package io.pulse.http.edge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's listening port: one thread selects over the listening socket and every accepted one.
 * It accepts connections and starts each one's flow joined to a {@link SocketStage}, reads sockets
 * that have bytes, and wakes writers whose socket has room again. Writes themselves happen on the
 * connections' own threads.
 *
 * <p>Accepting on this thread keeps the property the node had with a dispatcher of its own for
 * accepting: a node busy serving its open sockets still takes new ones at once.
 */
public final class SocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SocketServer.class);
  /** Read at most this much per readiness: a busy socket does not hold the thread from the others. */
  private static final int READ_CHUNK = 64 * 1024;
  /** After accept fails (out of file descriptors, say), wait this long before accepting again. */
  private static final long ACCEPT_PAUSE_MS = 100;

  private final Selector selector;
  private final ServerSocketChannel listener;
  private final SelectionKey listenerKey;
  private final Flow<ByteString, ByteString, NotUsed> perConnection;
  private final Materializer materializer;
  private final InetSocketAddress localAddress;
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_CHUNK);
  private final Thread thread;
  private final CompletableFuture<Done> stopped = new CompletableFuture<>();
  private final CompletableFuture<Done> unbound = new CompletableFuture<>();
  /** Work that must run on the selector thread. */
  private final Queue<IoTask> tasks = new ConcurrentLinkedQueue<>();
  private volatile boolean closing;
  private long acceptPausedUntil;
  /** Sockets open now, handshaken or not. */
  private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
  private final int maxOpen;
  private final ByteBuffer full;

  private SocketServer(
      Selector selector, ServerSocketChannel listener, Flow<ByteString, ByteString, NotUsed> perConnection, Materializer materializer, int maxOpen, ByteString full)
      throws IOException {
    this.maxOpen = maxOpen;
    this.full = full.asByteBuffer().asReadOnlyBuffer();
    this.selector = selector;
    this.listener = listener;
    this.listenerKey = listener.register(selector, SelectionKey.OP_ACCEPT);
    this.perConnection = perConnection;
    this.materializer = materializer;
    this.localAddress = (InetSocketAddress) listener.getLocalAddress();
    this.thread = new Thread(this::run, "pulse-sockets-" + localAddress.getPort());
    thread.setDaemon(true);
  }

  /** Binds {@code host:port} (0: any free port) and serves each connection with {@code perConnection}. */
  public static SocketServer bind(String host, int port, int backlog, Flow<ByteString, ByteString, NotUsed> perConnection, Materializer materializer)
      throws IOException {
    return bind(host, port, backlog, perConnection, materializer, Integer.MAX_VALUE, ByteString.emptyByteString());
  }

  /**
   * As {@link #bind(String, int, int, Flow, Materializer)}, holding at most {@code maxOpen} sockets: a
   * connection accepted beyond them is sent {@code full} (an HTTP 503) and closed at once, on this
   * thread, without starting a flow. A flood of connections (open, send nothing) is answered instead
   * of filling the process's file descriptors, and the node keeps the descriptors it needs itself.
   */
  public static SocketServer bind(
      String host, int port, int backlog, Flow<ByteString, ByteString, NotUsed> perConnection, Materializer materializer, int maxOpen, ByteString full)
      throws IOException {
    Selector selector = Selector.open();
    ServerSocketChannel listener = ServerSocketChannel.open();
    try {
      listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      listener.bind(new InetSocketAddress(host, port), backlog);
      listener.configureBlocking(false);
      SocketServer server = new SocketServer(selector, listener, perConnection, materializer, maxOpen, full);
      server.thread.start();
      return server;
    } catch (IOException | RuntimeException e) {
      listener.close();
      selector.close();
      throw e;
    }
  }

  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Sockets open now, whether or not they have finished a handshake. */
  public int openSockets() {
    return open.get();
  }

  /** Stops accepting; connections already open go on. Completes once the port is released. */
  public CompletionStage<Done> unbind() {
    tasks.add(
        () -> {
          closeQuietly(listener);
          // a registered channel's descriptor is released when the selector drops its key
          selector.selectNow(this::ready);
          unbound.complete(Done.getInstance());
        });
    selector.wakeup();
    return unbound;
  }

  /** Stops accepting and closes every connection's socket. */
  @Override
  public void close() {
    closing = true;
    selector.wakeup();
    if (Thread.currentThread() != thread) {
      try {
        stopped.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("The socket thread did not stop in 10 s", e);
      }
    }
  }

  private void run() {
    try {
      while (!closing) {
        long timeout = acceptPausedUntil == 0 ? 0 : Math.max(1, acceptPausedUntil - System.currentTimeMillis());
        selector.select(this::ready, timeout);
        for (IoTask task; (task = tasks.poll()) != null; ) task.run();
        if (acceptPausedUntil != 0 && System.currentTimeMillis() >= acceptPausedUntil && listener.isOpen()) {
          acceptPausedUntil = 0;
          listenerKey.interestOps(SelectionKey.OP_ACCEPT);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.error("The socket thread failed; the node's port no longer serves", e);
    } finally {
      for (SelectionKey key : selector.keys()) closeQuietly(key.channel());
      closeQuietly(selector);
      unbound.complete(Done.getInstance());
      stopped.complete(Done.getInstance());
    }
  }

  private void ready(SelectionKey key) {
    try {
      if (key == listenerKey) accept();
      else if (key.attachment() instanceof Registration r) r.ready(key.readyOps());
    } catch (CancelledKeyException e) {
      // the connection closed meanwhile
    }
  }

  private void accept() {
    try {
      SocketChannel channel;
      while ((channel = listener.accept()) != null) {
        if (open.get() >= maxOpen) turnAway(channel);
        else start(channel);
      }
    } catch (IOException e) {
      // Most likely out of file descriptors: the listening socket stays readable, so pause instead of spinning.
      log.warn("Accepting a connection failed; accepting again in {} ms: {}", ACCEPT_PAUSE_MS, e.toString());
      listenerKey.interestOps(0);
      acceptPausedUntil = System.currentTimeMillis() + ACCEPT_PAUSE_MS;
    }
  }

  /** Best effort: the fresh socket's send buffer is empty, so the short answer fits; then it is closed. */
  private void turnAway(SocketChannel channel) {
    try {
      channel.configureBlocking(false);
      channel.write(full.duplicate());
      // no lingering: the client may have sent bytes we do not read; a reset may follow the answer
      channel.shutdownOutput();
    } catch (IOException e) {
      // the client is gone already
    } finally {
      closeQuietly(channel);
    }
  }

  private void start(SocketChannel channel) {
    Registration registration = null;
    open.incrementAndGet();
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      registration = new Registration(channel, channel.register(selector, 0));
      perConnection.join(Flow.fromGraph(new SocketStage(registration))).run(materializer);
    } catch (IOException | RuntimeException e) {
      log.warn("Starting a connection failed", e);
      if (registration != null) {
        registration.close();
      } else {
        open.decrementAndGet();
        closeQuietly(channel);
      }
    }
  }

  private interface IoTask {
    void run() throws IOException;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing on the way out: nothing more to do with it
    }
  }

  /** One accepted socket as the selector thread and its {@link SocketStage} share it. */
  final class Registration {
    private final SocketChannel channel;
    private final SelectionKey key;
    private volatile AsyncCallback<ByteString> onRead;
    private volatile AsyncCallback<Object> onSignal;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Registration(SocketChannel channel, SelectionKey key) {
      this.channel = channel;
      this.key = key;
      key.attach(this);
    }

    SocketChannel channel() {
      return channel;
    }

    /** The connection's operator has started: from now on its socket is read. */
    void attach(AsyncCallback<ByteString> onRead, AsyncCallback<Object> onSignal) {
      this.onRead = onRead;
      this.onSignal = onSignal;
      interest(SelectionKey.OP_READ, true);
    }

    /** Adds or removes {@code op}; callable from any thread. */
    void interest(int op, boolean on) {
      try {
        if (on) {
          key.interestOpsOr(op);
          selector.wakeup(); // a selection already under way would not see the new interest
        } else {
          key.interestOpsAnd(~op);
        }
      } catch (CancelledKeyException e) {
        // closed meanwhile
      }
    }

    void close() {
      if (closed.compareAndSet(false, true)) open.decrementAndGet();
      closeQuietly(channel);
      selector.wakeup(); // the descriptor is released when the selector next drops the cancelled key
    }

    /** On the selector thread. */
    private void ready(int ops) {
      if ((ops & SelectionKey.OP_WRITE) != 0) {
        key.interestOpsAnd(~SelectionKey.OP_WRITE);
        onSignal.invoke(SocketStage.Signal.WRITABLE);
      }
      if ((ops & SelectionKey.OP_READ) != 0) read();
    }

    private void read() {
      readBuffer.clear();
      int n;
      try {
        n = channel.read(readBuffer);
      } catch (IOException e) {
        key.interestOps(0);
        onSignal.invoke(e);
        return;
      }
      if (n > 0) {
        readBuffer.flip();
        onRead.invoke(ByteString.fromByteBuffer(readBuffer));
      } else if (n < 0) {
        key.interestOpsAnd(~SelectionKey.OP_READ); // end of input stays readable: stop selecting it for reads
        onSignal.invoke(SocketStage.Signal.END_OF_INPUT);
      }
    }
  }
}
