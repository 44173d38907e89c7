package io.pulse.http.gateway;

/**
 * A frame a client sent, after parsing and validation. Every frame may carry a {@code ref}. The frames
 * of each use case beyond chat live in a file of their own ({@link DocFrame}, …), parsed by that use
 * case's codec (see {@link FrameCodec}).
 */
public interface ClientFrame {
  String ref();

  record Ping(String ref) implements ClientFrame {}

  /**
   * {@code since}: on a durable topic, replay every event after this seq first (null: live only). {@code options}:
   * how the subscriber wants the topic delivered, for topics that offer a choice (a market book's depth and rate).
   */
  record Subscribe(String ref, Topic topic, Long since, SubscribeOptions options) implements ClientFrame {
    public Subscribe(String ref, Topic topic, Long since) {
      this(ref, topic, since, SubscribeOptions.NONE);
    }
  }

  /**
   * Per-subscription delivery: {@code maxRate} updates per second at most, {@code depth} levels; null: the topic's default.
   * {@code region}: what a {@code region:<watchId>} subscription watches (null for every other topic).
   */
  record SubscribeOptions(Integer maxRate, Integer depth, io.pulse.actors.driver.Region region) {
    public static final SubscribeOptions NONE = new SubscribeOptions(null, null);

    public SubscribeOptions(Integer maxRate, Integer depth) {
      this(maxRate, depth, null);
    }
  }

  record Unsubscribe(String ref, Topic topic) implements ClientFrame {}

  /** Null fields stay unchanged. {@code userId}, if given, must be the caller's own. */
  record UpdateProfile(String ref, String userId, String displayName, String avatarUrl, String statusText)
      implements ClientFrame {}

  record GetProfile(String ref, String userId) implements ClientFrame {}

  // ---- chat

  record ConvCreate(String ref, String kind, java.util.List<String> members, String title) implements ClientFrame {}

  record ConvSend(String ref, String conversationId, String clientMsgId, String text) implements ClientFrame {}

  record ConvEdit(String ref, String conversationId, long seq, String text) implements ClientFrame {}

  record ConvDelete(String ref, String conversationId, long seq) implements ClientFrame {}

  record ConvAddMember(String ref, String conversationId, String userId, String role) implements ClientFrame {}

  record ConvRemoveMember(String ref, String conversationId, String userId) implements ClientFrame {}

  record ConvRead(String ref, String conversationId, long seq) implements ClientFrame {}

  record ConvDelivered(String ref, String conversationId, long seq) implements ClientFrame {}

  record ConvTyping(String ref, String conversationId) implements ClientFrame {}

  /** One of {@code before} / {@code after} (exclusive); neither means the newest page. */
  record ConvHistory(String ref, String conversationId, Long before, Long after, int limit) implements ClientFrame {}

  record InboxGet(String ref) implements ClientFrame {}
}
