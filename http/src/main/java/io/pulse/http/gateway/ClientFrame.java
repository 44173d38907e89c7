package io.pulse.http.gateway;

/** A frame a client sent, after parsing and validation. Every frame may carry a {@code ref}. */
public sealed interface ClientFrame {
  String ref();

  record Ping(String ref) implements ClientFrame {}

  record Subscribe(String ref, Topic topic) implements ClientFrame {}

  record Unsubscribe(String ref, Topic topic) implements ClientFrame {}

  /** Null fields stay unchanged. {@code userId}, if given, must be the caller's own. */
  record UpdateProfile(String ref, String userId, String displayName, String avatarUrl, String statusText)
      implements ClientFrame {}

  record GetProfile(String ref, String userId) implements ClientFrame {}
}
