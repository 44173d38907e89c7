package io.pulse.http.gateway;

/** The {@code doc.*} frames (docs/protocol.md, "Documents"); {@code documentId} is null only for {@code doc.create} and {@code doc.list}. */
public sealed interface DocFrame extends ClientFrame {
  String documentId();


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
