package io.pulse.http.edge;

import io.pulse.config.PulseSettings.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.TLS;
import org.apache.pekko.util.ByteString;

/**
 * TLS on the node's port: the JDK's {@code SSLEngine} run by Pekko Streams' own TLS stage, with the key
 * and certificate from config. No cryptography here, only loading keys and choosing protocols.
 */
public final class Tls {
  private Tls() {}

  /** The server's context, from a PKCS#12 keystore or PEM files. */
  public static SSLContext context(TlsSettings tls) {
    try {
      KeyStore keys;
      char[] password;
      if (!tls.keystore().isBlank()) {
        password = tls.keystorePassword().toCharArray();
        keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(tls.keystore()))) {
          keys.load(in, password);
        }
      } else if (!tls.certificatePem().isBlank() && !tls.privateKeyPem().isBlank()) {
        password = new char[0];
        keys = fromPem(Path.of(tls.certificatePem()), Path.of(tls.privateKeyPem()));
      } else {
        throw new IllegalArgumentException("pulse.http.tls is enabled: set keystore (PKCS#12) or certificate-pem and private-key-pem");
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("pulse.http.tls: cannot load the key and certificate: " + e.getMessage(), e);
    }
  }

  /** A server engine per connection that speaks only {@code tls.protocols()} (TLS 1.2+). */
  public static Supplier<SSLEngine> serverEngines(SSLContext context, TlsSettings tls) {
    String[] protocols = tls.protocols().toArray(new String[0]);
    return () -> {
      SSLEngine engine = context.createSSLEngine();
      engine.setUseClientMode(false);
      SSLParameters params = engine.getSSLParameters();
      params.setProtocols(protocols);
      params.setApplicationProtocols(new String[] {"http/1.1"});
      engine.setSSLParameters(params);
      return engine;
    };
  }

  /** {@code plain} (the front door's bytes) behind TLS: the socket's bytes are the TLS records. */
  public static Flow<ByteString, ByteString, NotUsed> wrap(Flow<ByteString, ByteString, ?> plain, Supplier<SSLEngine> engines) {
    Flow<TLSProtocol.SslTlsInbound, TLSProtocol.SslTlsOutbound, NotUsed> app =
        Flow.<TLSProtocol.SslTlsInbound>create()
            .filter(x -> x instanceof TLSProtocol.SessionBytes)
            .map(x -> ((TLSProtocol.SessionBytes) x).bytes())
            .via(plain)
            .map(b -> (TLSProtocol.SslTlsOutbound) new TLSProtocol.SendBytes(b))
            .mapMaterializedValue(m -> NotUsed.getInstance());
    // the server's side ends the connection: once the front door completes, TLS closes
    return TLS.create(engines, TLSClosing.eagerClose()).reversed().join(app);
  }

  private static KeyStore fromPem(Path certificates, Path privateKey) throws IOException, GeneralSecurityException {
    Certificate[] chain;
    try (InputStream in = Files.newInputStream(certificates)) {
      chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
    }
    if (chain.length == 0) throw new GeneralSecurityException("no certificate in " + certificates);
    String pem = Files.readString(privateKey, StandardCharsets.US_ASCII);
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) throw new GeneralSecurityException(privateKey + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
    String algorithm = chain[0].getPublicKey().getAlgorithm();
    PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("pulse", key, new char[0], chain);
    return keys;
  }
}
