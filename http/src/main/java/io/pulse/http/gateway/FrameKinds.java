package io.pulse.http.gateway;

/**
 * Labels for the gateway's metrics, kept to a bounded set: a frame's kind is its parsed record's name
 * (never a value the client chose), and an error's code is one of {@link ErrorCode}'s or a use case's.
 */
final class FrameKinds {
  private FrameKinds() {}

  private static final ClassValue<String> NAMES =
      new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
          Class<?> outer = type.getEnclosingClass();
          // ClientFrame.ConvSend → "ConvSend"; DocFrame.Op → "DocFrame.Op" (use cases reuse short names)
          return outer == null || outer == ClientFrame.class ? type.getSimpleName() : outer.getSimpleName() + "." + type.getSimpleName();
        }
      };

  private static final String ERROR_PREFIX = "{\"type\":\"error\"";
  private static final String CODE = "\"code\":\"";

  static String of(FrameCodec.Parsed parsed, boolean binary, boolean oversized) {
    if (oversized) return "oversized";
    if (binary) return "binary";
    if (parsed instanceof FrameCodec.Ok ok) return NAMES.get(ok.frame().getClass());
    if (parsed instanceof FrameCodec.Failed) return "invalid";
    return "ignored"; // read while the socket closes after an oversized frame
  }

  /** The code of an error frame (FrameCodec.error writes type first, then ref, then code), else null. */
  static String errorCode(Outbound frame) {
    String json = frame.json();
    if (json == null || !json.startsWith(ERROR_PREFIX)) return null;
    int at = json.indexOf(CODE);
    if (at < 0) return null;
    int from = at + CODE.length();
    int to = json.indexOf('"', from);
    return to < 0 ? null : json.substring(from, to);
  }
}
