package io.pulse.http.edge;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which browser pages may open a WebSocket to the node: the {@code Origin} of an upgrade request checked
 * against {@code pulse.http.allowed-origins}. A browser sends the bearer token of whoever is logged in
 * on any page that opens the socket (cross-site WebSocket hijacking), so the page's origin is what
 * tells a legitimate client from a hostile one. Non-browser clients send no Origin and are let through:
 * they authenticate with their token only.
 *
 * <p>With no list configured (dev), the node's own origin (the request's Host) and localhost,
 * 127.0.0.1 and [::1] on any port are allowed. Production requires a list ({@link #from}).
 */
public final class OriginPolicy {
  /** One allowed origin: a scheme, a host (or {@code *.suffix}) and a port (-1: the scheme's default). */
  private record Allowed(String scheme, String host, boolean wildcard, int port) {
    boolean matches(Parsed o) {
      if (!scheme.equals(o.scheme) || port != o.port) return false;
      return wildcard ? o.host.endsWith("." + host) : host.equals(o.host);
    }
  }

  private record Parsed(String scheme, String host, int port) {}

  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

  private final List<Allowed> allowed;
  private final boolean any;
  private final boolean devDefaults;

  private OriginPolicy(List<Allowed> allowed, boolean any, boolean devDefaults) {
    this.allowed = allowed;
    this.any = any;
    this.devDefaults = devDefaults;
  }

  /** The dev default: the node's own origin and loopback hosts on any port. */
  public static OriginPolicy devDefaults() {
    return new OriginPolicy(List.of(), false, true);
  }

  /**
   * The policy of {@code origins} ("https://app.example.com", "https://*.example.com:8443", or "*" for
   * any origin); empty means the dev default, which {@code required} (the production profile) refuses.
   *
   * @throws IllegalArgumentException if an entry is not an origin, or the list is empty but required
   */
  public static OriginPolicy from(List<String> origins, boolean required) {
    if (origins.isEmpty()) {
      if (required) {
        throw new IllegalArgumentException(
            "pulse.http.allowed-origins (PULSE_ALLOWED_ORIGINS) must list the origins of the pages that may open a WebSocket, e.g."
                + " \"https://app.example.com\" (or \"*\" to allow any page)");
      }
      return devDefaults();
    }
    if (origins.contains("*")) return new OriginPolicy(List.of(), true, false);
    List<Allowed> parsed =
        origins.stream()
            .map(
                entry -> {
                  boolean wildcard = entry.contains("://*.");
                  Parsed p = parse(wildcard ? entry.replace("://*.", "://") : entry);
                  if (p == null) throw new IllegalArgumentException("pulse.http.allowed-origins: not an origin (scheme://host[:port]): " + entry);
                  return new Allowed(p.scheme, p.host, wildcard, p.port);
                })
            .toList();
    return new OriginPolicy(parsed, false, false);
  }

  /**
   * Whether an upgrade with this {@code Origin} (null: none sent) and {@code Host} may proceed. An origin
   * that is not a well-formed http(s) origin, "null" included (sandboxed frames, file pages), is refused.
   */
  public boolean allows(String origin, String host) {
    if (origin == null) return true;
    if (any) return true;
    Parsed o = parse(origin);
    if (o == null) return false;
    if (devDefaults) return LOOPBACK.contains(o.host) || sameAuthority(o, host);
    for (Allowed a : allowed) if (a.matches(o)) return true;
    return false;
  }

  /** The page was served by the host the client connected to (the Host header's host and port). */
  private static boolean sameAuthority(Parsed o, String host) {
    if (host == null) return false;
    Parsed h = parse(o.scheme + "://" + host);
    return h != null && h.host.equals(o.host) && h.port == o.port;
  }

  /** An origin's scheme, host and port with the scheme's default port made explicit; null if it is not one. */
  private static Parsed parse(String origin) {
    URI uri;
    try {
      uri = new URI(origin.strip());
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!"http".equals(scheme) && !"https".equals(scheme)) return null;
    // an origin is scheme://host[:port] and nothing else (RFC 6454 §7)
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) return null;
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) return null;
    int port = uri.getPort();
    if (port == -1) port = scheme.equals("https") ? 443 : 80;
    return new Parsed(scheme, uri.getHost().toLowerCase(Locale.ROOT), port);
  }
}
