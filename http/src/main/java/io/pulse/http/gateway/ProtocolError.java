package io.pulse.http.gateway;

/** An error answered to one frame; the socket stays open. */
public record ProtocolError(String ref, String code, String message, Long retryAfterMs) {

  public static ProtocolError of(String ref, String code, String message) {
    return new ProtocolError(ref, code, message, null);
  }

  /** Thrown while parsing a frame, before its ref is known to the caller. */
  public static final class Invalid extends Exception {
    private final String code;

    public Invalid(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }
}
