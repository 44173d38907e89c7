package io.pulse.http.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * A minimal RFC 6455 client on a plain socket, for the one thing the JDK client cannot do: hold a tiny
 * receive buffer, so that a client that stops reading fills the server's outbound buffer with a few
 * hundred frames instead of megabytes.
 */
final class RawWsClient implements AutoCloseable {
  /** A frame as read: opcode and payload. */
  record Frame(int opcode, byte[] payload) {
    boolean isClose() {
      return opcode == 8;
    }

    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }

    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;

  private RawWsClient(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  static RawWsClient connect(int port, String token, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(receiveBufferBytes); // before connect, so the window is small from the start
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    RawWsClient client = new RawWsClient(socket);
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    String request =
        "GET /ws?access_token=" + token + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1:" + port + "\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + java.util.Base64.getEncoder().encodeToString(nonce) + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n";
    client.out.write(request.getBytes(StandardCharsets.US_ASCII));
    client.out.flush();
    String head = client.readHead();
    if (!head.startsWith("HTTP/1.1 101")) throw new IOException("upgrade refused: " + head.lines().findFirst().orElse(""));
    return client;
  }

  /** A connected socket that has sent nothing yet, for tests of the handshake itself. */
  static RawWsClient open(int port) throws IOException {
    Socket socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    return new RawWsClient(socket);
  }

  void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Everything the server sends until it closes the connection, as text. */
  String readToEnd(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) throw new IOException("connection closed during upgrade");
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  /** Sends one masked text frame, as every client frame must be. */
  void sendText(String text) throws IOException {
    out.write(maskedText(text));
    out.flush();
  }

  static byte[] maskedText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write(0x81);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length <= 0xffff) {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length & 0xff);
    } else {
      throw new IllegalArgumentException("frame too large for this client");
    }
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    frame.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) frame.write(payload[i] ^ mask[i & 3]);
    return frame.toByteArray();
  }

  Frame readFrame(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long length = b1 & 0x7f;
    if (length == 126) length = in.readUnsignedShort();
    else if (length == 127) length = in.readLong();
    if ((b1 & 0x80) != 0) throw new IOException("server frames must not be masked");
    byte[] payload = new byte[Math.toIntExact(length)];
    in.readFully(payload);
    return new Frame(b0 & 0x0f, payload);
  }

  InputStream input() {
    return in;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
