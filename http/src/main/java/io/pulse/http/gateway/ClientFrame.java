package io.pulse.http.gateway;

/** A frame a client sent, after parsing and validation. Every frame may carry a {@code ref}. */
public sealed interface ClientFrame {
  String ref();

  record Ping(String ref) implements ClientFrame {}

  /** {@code since}: on a conversation, replay every event after this seq first (null: live only). */
  record Subscribe(String ref, Topic topic, Long since) implements ClientFrame {}

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

  // ---- documents (docs/protocol.md, "Documents")

  /** A frame about one document; {@code documentId} is null only for {@code doc.create} and {@code doc.list}. */
  sealed interface DocFrame extends ClientFrame {
    String documentId();
  }

  record DocCreate(String ref, String title) implements DocFrame {
    public String documentId() {
      return null;
    }
  }

  record DocList(String ref) implements DocFrame {
    public String documentId() {
      return null;
    }
  }

  record DocGet(String ref, String documentId) implements DocFrame {}

  /** {@code op} in ot.js wire form, made against {@code version}. */
  record DocOp(String ref, String documentId, String clientId, long clientSeq, long version, io.pulse.actors.document.TextOperation op)
      implements DocFrame {}

  record DocUndo(String ref, String documentId, String clientId, long clientSeq, boolean redo) implements DocFrame {}

  record DocRestore(String ref, String documentId, long version, String clientId, long clientSeq) implements DocFrame {}

  record DocCursor(String ref, String documentId, long version, int anchor, int head, String name, String colour) implements DocFrame {}

  record DocShare(String ref, String documentId, String userId, String role) implements DocFrame {}

  record DocUnshare(String ref, String documentId, String userId) implements DocFrame {}

  record DocLock(String ref, String documentId, boolean lock) implements DocFrame {}

  record DocLockRange(String ref, String documentId, int start, int end, long durationMs) implements DocFrame {}

  record DocUnlockRange(String ref, String documentId) implements DocFrame {}

  record DocLabel(String ref, String documentId, long version, String label) implements DocFrame {}

  record DocVersions(String ref, String documentId) implements DocFrame {}

  record DocTextAt(String ref, String documentId, long version) implements DocFrame {}

  record DocDelete(String ref, String documentId) implements DocFrame {}
}
