package io.pulse.http.ws;

/**
 * Failing a WebSocket handler flow with this closes the socket with {@code code} instead of the 1011
 * that any other failure produces. See {@link CloseCodeStack}.
 */
public final class CloseWith extends RuntimeException {
  private final int code;

  public CloseWith(int code, String reason) {
    super(reason, null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }

  public String reason() {
    return getMessage();
  }
}
