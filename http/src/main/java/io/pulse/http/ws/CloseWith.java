package io.pulse.http.ws;

/**
 * Why a WebSocket is closed, with the close code its client acts on (resume, reconnect elsewhere, send
 * smaller frames). Sent as a close frame by {@link Frames#close}.
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
