package io.pulse.http.auth;

/** Why a token was not accepted; the reason is safe to show to the client. */
public final class TokenRejected extends Exception {
  public TokenRejected(String reason) {
    super(reason, null, false, false);
  }
}
