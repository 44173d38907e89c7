package io.pulse.http;

import io.pulse.config.PulseSettings.AuthSettings;
import io.pulse.http.auth.DevTokenIssuer;
import io.pulse.http.auth.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;

/** Chooses the token verifier (and, in dev, the issuer) the configuration asks for. */
final class Authenticator {
  final TokenVerifier verifier;
  final Optional<DevTokenIssuer> devIssuer;

  private Authenticator(TokenVerifier verifier, Optional<DevTokenIssuer> devIssuer) {
    this.verifier = verifier;
    this.devIssuer = devIssuer;
  }

  static Authenticator from(AuthSettings auth, Clock clock) {
    if (!auth.rs256PublicKeyPem().isBlank()) {
      if (auth.devTokens().enabled()) {
        throw new IllegalStateException("dev tokens cannot be issued when tokens are verified with an RS256 public key");
      }
      return new Authenticator(TokenVerifier.rs256(auth.rs256PublicKeyPem(), auth.issuer(), auth.clockSkew(), clock), Optional.empty());
    }
    byte[] secret;
    if (!auth.hs256Secret().isBlank()) {
      secret = auth.hs256Secret().getBytes(StandardCharsets.UTF_8);
    } else if (auth.devTokens().enabled()) {
      secret = DevTokenIssuer.loadOrCreateSecret(auth.devTokens().secretFile());
    } else {
      throw new IllegalStateException(
          "no token verification configured: set pulse.auth.hs256-secret (PULSE_JWT_SECRET) or pulse.auth.rs256-public-key-pem (PULSE_JWT_PUBLIC_KEY)");
    }
    if (secret.length < 32) throw new IllegalStateException("pulse.auth.hs256-secret must be at least 32 bytes");
    TokenVerifier verifier = TokenVerifier.hs256(secret, auth.issuer(), auth.clockSkew(), clock);
    Optional<DevTokenIssuer> issuer =
        auth.devTokens().enabled()
            ? Optional.of(new DevTokenIssuer(secret, auth.issuer(), auth.devTokens().ttl(), clock))
            : Optional.empty();
    return new Authenticator(verifier, issuer);
  }
}
