package io.pulse.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenVerifierTest {
  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();
  private final TokenVerifier verifier = TokenVerifier.hs256(SECRET, "pulse", Duration.ofSeconds(30), CLOCK);

  private static String hs256(byte[] secret, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(secret));
    return jwt.serialize();
  }

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder().subject("alice").issuer("pulse").expirationTime(Date.from(NOW.plusSeconds(60)));
  }

  @Test
  void acceptsADevToken() throws TokenRejected {
    String token = new DevTokenIssuer(SECRET, "pulse", Duration.ofHours(1), CLOCK).issue("alice");
    assertThat(verifier.verify(token)).isEqualTo(new AuthenticatedUser("alice"));
  }

  @Test
  void aTokenCarriesItsRolesAndAnythingButAnArrayOfStringsGrantsNone() throws Exception {
    String driver = new DevTokenIssuer(SECRET, "pulse", Duration.ofHours(1), CLOCK).issue("dana", java.util.List.of("driver"));
    AuthenticatedUser user = verifier.verify(driver);
    assertThat(user.has(AuthenticatedUser.DRIVER)).isTrue();
    assertThat(user.has(AuthenticatedUser.FLEET)).isFalse();
    assertThat(verifier.verify(hs256(SECRET, claims().claim("roles", "driver").build())).roles()).isEmpty();
  }

  @Test
  void rejectsMissingMalformedForgedExpiredAndForeignTokens() throws Exception {
    assertThatThrownBy(() -> verifier.verify(null)).hasMessage("missing token");
    assertThatThrownBy(() -> verifier.verify("not.a.jwt")).isInstanceOf(TokenRejected.class);
    String forged = hs256("ffffffffffffffffffffffffffffffff".getBytes(), claims().build());
    assertThatThrownBy(() -> verifier.verify(forged)).hasMessage("invalid signature");
    String expired = hs256(SECRET, claims().expirationTime(Date.from(NOW.minusSeconds(31))).build());
    assertThatThrownBy(() -> verifier.verify(expired)).hasMessage("token expired");
    String noExpiry = hs256(SECRET, new JWTClaimsSet.Builder().subject("alice").issuer("pulse").build());
    assertThatThrownBy(() -> verifier.verify(noExpiry)).hasMessage("token has no expiry");
    String otherIssuer = hs256(SECRET, claims().issuer("elsewhere").build());
    assertThatThrownBy(() -> verifier.verify(otherIssuer)).hasMessage("unexpected issuer");
    String badSubject = hs256(SECRET, claims().subject("a b").build());
    assertThatThrownBy(() -> verifier.verify(badSubject)).hasMessage("token has no valid subject");
    String unsigned = new PlainJWT(claims().build()).serialize();
    assertThatThrownBy(() -> verifier.verify(unsigned)).isInstanceOf(TokenRejected.class);
  }

  @Test
  void verifiesRs256WithAPublicKeyAndRefusesHs256Confusion() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    KeyPair pair = gen.generateKeyPair();
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    TokenVerifier rs = TokenVerifier.rs256(pem, "pulse", Duration.ofSeconds(30), CLOCK);
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims().build());
    jwt.sign(new RSASSASigner(pair.getPrivate()));
    assertThat(rs.verify(jwt.serialize()).userId()).isEqualTo("alice");
    // An HS256 token "signed" with the public key bytes must not pass.
    String confused = hs256(pair.getPublic().getEncoded(), claims().build());
    assertThatThrownBy(() -> rs.verify(confused)).hasMessage("unexpected signing algorithm");
  }

  @Test
  void devSecretIsCreatedOnceAndKeptPrivate(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("nested/dev-secret");
    byte[] first = DevTokenIssuer.loadOrCreateSecret(file);
    byte[] second = DevTokenIssuer.loadOrCreateSecret(file);
    assertThat(first).hasSize(32).isEqualTo(second);
    assertThat(Files.getPosixFilePermissions(file)).hasSize(2);
  }
}
