package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * https:// and wss:// on the node's own port, with a self-signed certificate made by keytool at test
 * time, against real TLS clients: the JDK's HttpClient (GET /ready, a dev token, a WebSocket chat round
 * trip) and a client in a JVM of its own that offers TLS 1.1 (refused) or 1.2 (served). This class
 * runs the edge transport with a PKCS#12 keystore; PekkoTlsIT the stock one with PEM files.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsIT {
  private static final String PASSWORD = "test-only-password";
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  private Path keystore;
  private PulseNode node;
  private int port;
  private HttpClient https;

  /** HOCON for the transport and how the key is given; {@code keystore} exists already. */
  protected String tlsConfig(Path keystore, String password) throws Exception {
    return "pulse.http.tls { enabled = on, keystore = \"" + keystore + "\", keystore-password = \"" + password + "\" }";
  }

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "tls");
    keystore = dir.resolve("node.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "pulse", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
            .redirectErrorStream(true)
            .start();
    String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(out).isZero();

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      trusted.load(in, PASSWORD.toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
    https = HttpClient.newBuilder().sslContext(client).connectTimeout(WAIT).build();

    node = TestNodes.start(tlsConfig(keystore, PASSWORD));
    port = node.httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  /** The keystore's key and certificate as PEM files (JDK encodings only), for PekkoTlsIT. */
  static Path[] pemFiles(Path keystore, String password) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, password.toCharArray());
    }
    PrivateKey key = (PrivateKey) keys.getKey("pulse", password.toCharArray());
    Base64.Encoder mime = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
    Path cert = keystore.resolveSibling("node.crt");
    Path pem = keystore.resolveSibling("node.key");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + mime.encodeToString(keys.getCertificate("pulse").getEncoded()) + "\n-----END CERTIFICATE-----\n");
    Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + mime.encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    return new Path[] {cert, pem};
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return https.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private String token(String user) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/dev/tokens"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + user + "\"}"))
                .build());
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body()).get("token").asText();
  }

  @Test
  void httpsServesTheHttpApi() throws Exception {
    HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/ready")).GET().build());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready");
    assertThat(ready.sslSession()).isPresent();
    assertThat(ready.sslSession().get().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
  }

  @Test
  void wssCarriesAChatRoundTrip() throws Exception {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = WsClient.connect(https, URI.create("wss://127.0.0.1:" + port + "/ws"), token(alice));
        WsClient b = WsClient.connect(https, URI.create("wss://127.0.0.1:" + port + "/ws"), token(bob))) {
      assertThat(a.next().get("type").asText()).isEqualTo("welcome");
      assertThat(b.next().get("type").asText()).isEqualTo("welcome");
      String conv = a.ok("{\"type\":\"conv.create\",\"kind\":\"group\",\"title\":\"t\",\"members\":[\"" + bob + "\"]}", WAIT).get("conversationId").asText();
      b.ok("{\"type\":\"subscribe\",\"topic\":\"conv:" + conv + "\"}", WAIT);
      String text = "over tls " + "t".repeat(3_000);
      a.ok("{\"type\":\"conv.send\",\"conversationId\":\"" + conv + "\",\"clientMsgId\":\"m1\",\"text\":\"" + text + "\"}", WAIT);
      JsonNode got = b.nextMatching(n -> "message".equals(n.path("event").asText()), WAIT);
      assertThat(got.at("/data/text").asText()).isEqualTo(text);
      // larger than one TLS record (16 KiB) both ways: reassembled across records
      String ref = "r".repeat(40_000);
      assertThat(a.send("{\"type\":\"ping\",\"ref\":\"" + ref + "\"}").nextMatching(n -> "pong".equals(n.path("type").asText()), WAIT).get("ref").asText())
          .isEqualTo(ref);
    }
  }

  @Test
  void tls11IsRefusedAndTls12Served() throws Exception {
    assertThat(probe("TLSv1.1")).startsWith("REFUSED");
    assertThat(probe("TLSv1.2")).isEqualTo("OK TLSv1.2");
  }

  @Test
  void plainHttpOnTheTlsPortIsClosedNotServed() throws Exception {
    try (RawWsClient raw = RawWsClient.open(port)) {
      raw.write("GET /ready HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String answer;
      try {
        answer = raw.readToEnd(WAIT);
      } catch (java.net.SocketException reset) {
        answer = "";
      }
      assertThat(answer).doesNotContain("ready");
    }
  }

  /** Runs {@link TlsProbe} in a JVM whose security properties let it offer {@code protocol}. */
  private String probe(String protocol) throws Exception {
    Path security = keystore.resolveSibling("probe.security");
    // the JDK's list without TLSv1 and TLSv1.1: the client may offer them, the server decides
    Files.writeString(security, "jdk.tls.disabledAlgorithms=SSLv3, RC4, DES, MD5withRSA, DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL\n");
    Process p =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djava.security.properties=" + security,
                    "-cp",
                    System.getProperty("java.class.path"),
                    TlsProbe.class.getName(),
                    Integer.toString(port),
                    protocol,
                    keystore.toString(),
                    PASSWORD))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out.lines().reduce((first, second) -> second).orElse("");
  }
}
