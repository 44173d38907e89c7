package io.pulse.http.it;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS client offering exactly one protocol version, run in a JVM of its own (TlsIT) whose security
 * properties let it offer the versions this JDK disables by default: it prints "OK &lt;protocol&gt;"
 * or "REFUSED &lt;exception&gt;".
 */
public final class TlsProbe {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String protocol = args[1];
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(Path.of(args[2]))) {
      trusted.load(in, args[3].toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket.startHandshake();
      System.out.println("OK " + socket.getSession().getProtocol());
    } catch (Exception e) {
      System.out.println("REFUSED " + e);
    }
  }
}
