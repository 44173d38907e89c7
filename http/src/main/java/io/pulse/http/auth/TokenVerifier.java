package io.pulse.http.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * Verifies bearer tokens: a JWS signed with the one configured algorithm (HS256 or RS256), from the
 * configured issuer, not expired (an expiry is required), with a subject that is the user id.
 */
public final class TokenVerifier {
  private final JWSAlgorithm algorithm;
  private final JWSVerifier verifier;
  private final String issuer;
  private final Duration clockSkew;
  private final Clock clock;

  private TokenVerifier(JWSAlgorithm algorithm, JWSVerifier verifier, String issuer, Duration clockSkew, Clock clock) {
    this.algorithm = algorithm;
    this.verifier = verifier;
    this.issuer = issuer;
    this.clockSkew = clockSkew;
    this.clock = clock;
  }

  public static TokenVerifier hs256(byte[] secret, String issuer, Duration clockSkew, Clock clock) {
    try {
      return new TokenVerifier(JWSAlgorithm.HS256, new MACVerifier(secret), issuer, clockSkew, clock);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("HS256 secret must be at least 32 bytes", e);
    }
  }

  public static TokenVerifier rs256(String publicKeyPem, String issuer, Duration clockSkew, Clock clock) {
    return new TokenVerifier(JWSAlgorithm.RS256, new RSASSAVerifier(parseRsaPublicKey(publicKeyPem)), issuer, clockSkew, clock);
  }

  public AuthenticatedUser verify(String token) throws TokenRejected {
    if (token == null || token.isBlank()) throw new TokenRejected("missing token");
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token.trim());
    } catch (ParseException e) {
      throw new TokenRejected("malformed token");
    }
    // Pinning the algorithm rules out alg=none and algorithm-confusion tokens.
    if (!algorithm.equals(jwt.getHeader().getAlgorithm())) throw new TokenRejected("unexpected signing algorithm");
    try {
      if (!jwt.verify(verifier)) throw new TokenRejected("invalid signature");
    } catch (JOSEException e) {
      throw new TokenRejected("invalid signature");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new TokenRejected("malformed claims");
    }
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) throw new TokenRejected("token has no expiry");
    if (now.isAfter(exp.toInstant().plus(clockSkew))) throw new TokenRejected("token expired");
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.isBefore(nbf.toInstant().minus(clockSkew))) throw new TokenRejected("token not yet valid");
    if (!issuer.equals(claims.getIssuer())) throw new TokenRejected("unexpected issuer");
    String subject = claims.getSubject();
    if (subject == null || !UserIds.isValid(subject)) throw new TokenRejected("token has no valid subject");
    return new AuthenticatedUser(subject, roles(claims));
  }

  /** The {@code roles} claim: an array of strings, or absent; anything else grants no role. */
  private static java.util.Set<String> roles(JWTClaimsSet claims) {
    Object value = claims.getClaim("roles");
    if (!(value instanceof java.util.List<?> list)) return java.util.Set.of();
    java.util.Set<String> roles = new java.util.HashSet<>();
    for (Object r : list) if (r instanceof String role) roles.add(role);
    return roles;
  }

  static RSAPublicKey parseRsaPublicKey(String pem) {
    String base64 =
        pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "").replaceAll("\\s", "");
    try {
      return (RSAPublicKey)
          KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (Exception e) {
      throw new IllegalArgumentException("rs256-public-key-pem is not an RSA public key in PEM (X.509) form", e);
    }
  }
}
