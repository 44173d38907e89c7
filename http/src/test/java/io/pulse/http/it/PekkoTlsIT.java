package io.pulse.http.it;

import java.nio.file.Path;

/** TlsIT over the stock transport (ConnectionContext.httpsServer), with the key and certificate as PEM files. */
class PekkoTlsIT extends TlsIT {
  @Override
  protected String tlsConfig(Path keystore, String password) throws Exception {
    Path[] pem = pemFiles(keystore, password);
    return "pulse.http.transport = pekko\n"
        + "pulse.http.tls { enabled = on, certificate-pem = \"" + pem[0] + "\", private-key-pem = \"" + pem[1] + "\" }";
  }
}
