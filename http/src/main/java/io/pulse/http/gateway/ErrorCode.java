package io.pulse.http.gateway;

/** Stable machine-readable error codes of the wire protocol (docs/protocol.md). */
public final class ErrorCode {
  private ErrorCode() {}

  public static final String MALFORMED_JSON = "malformed_json";
  public static final String UNKNOWN_TYPE = "unknown_type";
  public static final String MISSING_FIELD = "missing_field";
  public static final String INVALID_FIELD = "invalid_field";
  public static final String INVALID_TOPIC = "invalid_topic";
  public static final String BINARY_NOT_SUPPORTED = "binary_not_supported";
  public static final String FORBIDDEN = "forbidden";
  public static final String RATE_LIMITED = "rate_limited";
  public static final String NOT_SUBSCRIBED = "not_subscribed";
  public static final String UNAVAILABLE = "unavailable";
  public static final String INTERNAL = "internal";
  /** Drivers and trips (docs/protocol.md, "Drivers and trips"). */
  public static final String NOT_A_DRIVER = "not_a_driver";
  public static final String NOT_YOUR_DRIVER = "not_your_driver";
}
