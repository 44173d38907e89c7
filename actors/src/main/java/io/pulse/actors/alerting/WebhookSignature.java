package io.pulse.actors.alerting;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook signature, as Stripe signs its webhooks: HMAC-SHA256 with the receiver's secret over
 * {@code <unix seconds> + "." + <body bytes>}, sent as {@code Pulse-Signature: t=<unix seconds>,v1=<hex>}. The
 * timestamp inside the signed text lets a receiver refuse replays older than its tolerance.
 */
public final class WebhookSignature {
  public static final String HEADER = "Pulse-Signature";

  private WebhookSignature() {}

  public static String hmacHex(byte[] secret, long unixSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** The header value for a body sent at {@code unixSeconds}. */
  public static String header(byte[] secret, long unixSeconds, byte[] body) {
    return "t=" + unixSeconds + ",v1=" + hmacHex(secret, unixSeconds, body);
  }

  /** Why a receiver refuses a delivery, or empty when the signature is good and fresh. */
  public static Optional<String> verify(String header, byte[] body, byte[] secret, long nowUnixSeconds, long toleranceSeconds) {
    if (header == null || header.isBlank()) return Optional.of("no signature");
    Long t = null;
    java.util.List<String> v1 = new java.util.ArrayList<>();
    for (String part : header.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) return Optional.of("malformed signature header");
      String k = part.substring(0, eq).strip();
      String v = part.substring(eq + 1).strip();
      if (k.equals("t")) {
        try {
          t = Long.parseLong(v);
        } catch (NumberFormatException e) {
          return Optional.of("malformed timestamp");
        }
      } else if (k.equals("v1")) v1.add(v);
    }
    if (t == null) return Optional.of("no timestamp");
    if (v1.isEmpty()) return Optional.of("no v1 signature");
    if (Math.abs(nowUnixSeconds - t) > toleranceSeconds) return Optional.of("timestamp outside the tolerance");
    byte[] expected = hmacHex(secret, t, body).getBytes(StandardCharsets.US_ASCII);
    for (String candidate : v1) {
      // constant time, so the comparison leaks nothing about how much of a forged signature was right
      if (MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.US_ASCII))) return Optional.empty();
    }
    return Optional.of("signature mismatch");
  }
}
