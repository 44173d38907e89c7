import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Handshake time of a good client while IDLE hostile connections (open, send nothing) are held on a
 * node: opens them, then SAMPLES times connects, upgrades, reads the welcome and a pong, and prints
 * p50/p99/max of upgrade-to-welcome and of the whole exchange. Run by bench/idle-crowd.sh.
 * Usage: java bench/IdleCrowd.java PORT IDLE SAMPLES
 */
public class IdleCrowd {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int idle = Integer.parseInt(args[1]);
    int samples = Integer.parseInt(args[2]);
    HttpClient http = HttpClient.newHttpClient();
    String body = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/dev/tokens"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"good-client\"}")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
    String token = body.replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");

    System.out.printf("baseline (no idle connections): %s%n", measure(port, token, samples));
    List<Socket> crowd = new ArrayList<>(idle);
    long t0 = System.nanoTime();
    for (int i = 0; i < idle; i++) {
      Socket s = new Socket();
      // spread over source addresses: one address has ~28,000 ephemeral ports
      s.bind(new InetSocketAddress("127.0.0." + (20 + i / 20_000), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      crowd.add(s);
    }
    System.out.printf("opened %d idle connections in %d ms%n", idle, (System.nanoTime() - t0) / 1_000_000);
    System.out.printf("with %d idle connections open: %s%n", idle, measure(port, token, samples));
    int closed = 0;
    for (Socket s : crowd) {
      s.setSoTimeout(1);
      try {
        if (s.getInputStream().read() < 0) closed++;
      } catch (java.net.SocketTimeoutException stillOpen) {
        // held, silent: as it should be
      } catch (IOException reset) {
        closed++;
      }
    }
    System.out.printf("idle connections closed by the node meanwhile: %d%n", closed);
    for (Socket s : crowd) s.close();
  }

  private static String measure(int port, String token, int samples) throws IOException {
    long[] welcome = new long[samples];
    long[] total = new long[samples];
    for (int i = 0; i < samples; i++) {
      long start = System.nanoTime();
      try (Socket s = new Socket()) {
        s.setTcpNoDelay(true);
        s.setSoTimeout(30_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(s.getInputStream());
        out.write(("GET /ws?access_token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String head = readHead(in);
        if (!head.startsWith("HTTP/1.1 101")) throw new IOException("refused: " + head);
        readFrame(in); // welcome
        welcome[i] = System.nanoTime() - start;
        byte[] ping = "{\"type\":\"ping\",\"ref\":\"p\"}".getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[6 + ping.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | ping.length); // mask of zeros: the payload is sent as is
        System.arraycopy(ping, 0, frame, 6, ping.length);
        out.write(frame);
        readFrame(in); // pong
        total[i] = System.nanoTime() - start;
      }
    }
    return "upgrade to welcome " + percentiles(welcome) + "; with a ping round trip " + percentiles(total);
  }

  private static String percentiles(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms", s[s.length / 2] / 1e6, s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e6, s[s.length - 1] / 1e6);
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) throw new IOException("closed during upgrade");
      b.append((char) c);
    }
    return b.toString();
  }

  private static void readFrame(DataInputStream in) throws IOException {
    in.readUnsignedByte();
    long len = in.readUnsignedByte() & 0x7f;
    if (len == 126) len = in.readUnsignedShort();
    else if (len == 127) len = in.readLong();
    in.readFully(new byte[(int) len]);
  }
}
