package io.pulse.http.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

/** Issues HS256 tokens for the embedded dev profile's {@code POST /api/dev/tokens}. */
public final class DevTokenIssuer {
  private final byte[] secret;
  private final String issuer;
  private final Duration ttl;
  private final Clock clock;

  public DevTokenIssuer(byte[] secret, String issuer, Duration ttl, Clock clock) {
    this.secret = secret.clone();
    this.issuer = issuer;
    this.ttl = ttl;
    this.clock = clock;
  }

  public String issue(String userId) {
    return issue(userId, java.util.List.of());
  }

  /** A token granting {@code roles} (the {@code roles} claim; see {@link AuthenticatedUser}). */
  public String issue(String userId, java.util.List<String> roles) {
    if (!UserIds.isValid(userId)) throw new IllegalArgumentException("invalid user id");
    Instant now = clock.instant();
    JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
    if (!roles.isEmpty()) builder.claim("roles", java.util.List.copyOf(roles));
    JWTClaimsSet claims =
        builder
            .subject(userId)
            .issuer(issuer)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign dev token", e);
    }
    return jwt.serialize();
  }

  /**
   * The per-installation dev secret: read from {@code file}, or created there (owner-only) on first
   * start, so tokens survive restarts but differ between installations.
   */
  public static byte[] loadOrCreateSecret(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(file, Base64.getEncoder().encodeToString(fresh));
        } catch (FileAlreadyExistsException raced) {
          // another node of a local cluster created it first: use theirs
        }
      }
      byte[] secret = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.UTF_8).trim());
      if (secret.length < 32) throw new IllegalStateException("dev token secret in " + file + " is shorter than 32 bytes");
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the dev token secret " + file, e);
    }
  }
}
