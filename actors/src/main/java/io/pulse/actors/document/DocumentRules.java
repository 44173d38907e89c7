package io.pulse.actors.document;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who may do what with a collaborative document, how locks behave, and what its fields may hold. Pure:
 * every check answers the refusal code and reason, or empty when the command may go ahead.
 *
 * <p>Roles: everyone with a role reads the text and sees cursors; only {@link DocRole#OWNER} and
 * {@link DocRole#EDITOR} change the text; only the owner shares, unshares and locks the whole document.
 * A whole-document lock makes the text read-only for everyone but the owner who set it; it has no
 * expiry. A range lock lets its holder alone change a range for a bounded time.
 */
public final class DocumentRules {
  private DocumentRules() {}

  public static final String FORBIDDEN = "forbidden";
  public static final String LOCKED = "locked";
  public static final String INVALID_OP = TextOperation.InvalidOperation.CODE;
  public static final String VERSION_AHEAD = "version_ahead";
  public static final String NOT_FOUND = "not_found";
  public static final String CONFLICT = "conflict";
  public static final String INVALID_FIELD = "invalid_field";

  public static final int MAX_TITLE = 200;
  public static final int MAX_LABEL = 100;
  public static final int MAX_USER_ID = 64;
  public static final long MIN_LOCK_MILLIS = 1_000;

  private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9_.@-]{1," + MAX_USER_ID + "}");

  /** A refused command: a stable code and a reason for humans. */
  public record Refusal(String code, String reason) {}

  private static Optional<Refusal> refuse(String code, String reason) {
    return Optional.of(new Refusal(code, reason));
  }

  private static final Optional<Refusal> OK = Optional.empty();

  // --- existence and roles ---

  /** A document that was never created and one that was deleted look the same to clients. */
  public static Optional<Refusal> found(boolean exists, boolean deleted) {
    return exists && !deleted ? OK : refuse(NOT_FOUND, "no such document");
  }

  public static Optional<Refusal> canRead(Map<String, DocRole> roles, String user) {
    return roles.containsKey(user) ? OK : refuse(FORBIDDEN, "the document is not shared with " + user);
  }

  public static Optional<Refusal> canComment(Map<String, DocRole> roles, String user) {
    Optional<Refusal> read = canRead(roles, user);
    if (read.isPresent()) return read;
    return roles.get(user).comments() ? OK : refuse(FORBIDDEN, "a viewer may not comment");
  }

  public static Optional<Refusal> canEdit(Map<String, DocRole> roles, String user) {
    Optional<Refusal> read = canRead(roles, user);
    if (read.isPresent()) return read;
    DocRole role = roles.get(user);
    return role.editsText() ? OK : refuse(FORBIDDEN, "a " + role.name().toLowerCase() + " may not edit the text");
  }

  public static Optional<Refusal> canShare(Map<String, DocRole> roles, String user) {
    return roles.get(user) == DocRole.OWNER ? OK : refuse(FORBIDDEN, "only the owner shares the document");
  }

  /**
   * The owner gives {@code user} a role, or changes the one they have. Ownership is not handed out this
   * way, and the owner's own role does not change, so a document never loses its owner.
   */
  public static Optional<Refusal> share(Map<String, DocRole> roles, String by, String user, DocRole role) {
    Optional<Refusal> owner = canShare(roles, by);
    if (owner.isPresent()) return owner;
    Optional<Refusal> id = userId(user);
    if (id.isPresent()) return id;
    if (role == null) return refuse(INVALID_FIELD, "role is required");
    if (role == DocRole.OWNER) return refuse(FORBIDDEN, "a document has one owner; share as editor, commenter or viewer");
    if (user.equals(by)) return refuse(FORBIDDEN, "the owner's own role cannot change");
    return OK;
  }

  public static Optional<Refusal> unshare(Map<String, DocRole> roles, String by, String user) {
    Optional<Refusal> owner = canShare(roles, by);
    if (owner.isPresent()) return owner;
    if (by.equals(user)) return refuse(FORBIDDEN, "the owner cannot unshare themself");
    if (!roles.containsKey(user)) return refuse(CONFLICT, "the document is not shared with " + user);
    return OK;
  }

  // --- whole-document lock ---

  /** Locking and unlocking the whole document. */
  public static Optional<Refusal> canLockDocument(Map<String, DocRole> roles, String user) {
    return roles.get(user) == DocRole.OWNER ? OK : refuse(FORBIDDEN, "only the owner locks the document");
  }

  /** {@code lockedBy} is who locked the whole document, or null; the one who locked it still edits. */
  public static Optional<Refusal> checkDocumentLock(String lockedBy, String user) {
    if (lockedBy == null || lockedBy.equals(user)) return OK;
    return refuse(LOCKED, "document is locked read-only by " + lockedBy);
  }

  // --- operations ---

  /**
   * What an operation is on its own, before it is transformed. {@link TextOperation} already refuses
   * zero and negative counts and empty inserts when built or read from the wire; this re-checks so a
   * caller need not rely on where the operation came from.
   */
  public static Optional<Refusal> checkOpShape(TextOperation op) {
    if (op == null) return refuse(INVALID_OP, "operation is missing");
    for (TextOperation.Component c : op.components()) {
      if (c == null || c.length() <= 0) return refuse(INVALID_OP, "operation has an empty component");
    }
    return OK;
  }

  /**
   * An operation, already transformed up to the current version, against the current text: it must
   * cover that text exactly.
   */
  public static Optional<Refusal> checkOp(TextOperation op, int textLength) {
    Optional<Refusal> shape = checkOpShape(op);
    if (shape.isPresent()) return shape;
    if (op.baseLength() != textLength) {
      return refuse(INVALID_OP, "operation covers " + op.baseLength() + " characters but the document has " + textLength);
    }
    return OK;
  }

  /** Bounds what one document may grow to, so one client cannot make an entity's state unbounded. */
  public static Optional<Refusal> checkTextSize(TextOperation op, int maxLength) {
    if (op.targetLength() > maxLength) {
      return refuse(INVALID_OP, "the text would grow to " + op.targetLength() + " characters, more than " + maxLength);
    }
    return OK;
  }

  /** The version an operation is based on: not negative, and not one the document has not reached. */
  public static Optional<Refusal> checkVersion(long baseVersion, long currentVersion) {
    return checkVersion(baseVersion, currentVersion, 0);
  }

  /**
   * As {@link #checkVersion(long, long)}, for a document that keeps only the operations committed after
   * {@code oldestBase}: an older base cannot be transformed any more, so the client must reload.
   */
  public static Optional<Refusal> checkVersion(long baseVersion, long currentVersion, long oldestBase) {
    if (baseVersion < 0) return refuse(INVALID_FIELD, "base version must not be negative");
    if (baseVersion > currentVersion) {
      return refuse(VERSION_AHEAD, "base version " + baseVersion + " is ahead of the document's version " + currentVersion);
    }
    if (baseVersion < oldestBase) {
      return refuse(CONFLICT, "base version " + baseVersion + " is older than the kept history (from " + oldestBase + "); reload the document");
    }
    return OK;
  }

  // --- range locks ---

  /**
   * An operation by {@code user}, in the same coordinates as {@code locks} (the current text), against
   * others' unexpired locks: touching a locked range ({@link TextOperation#touches}) is refused.
   */
  public static Optional<Refusal> checkRangeLocks(List<RangeLock> locks, String user, TextOperation op, long now) {
    for (RangeLock lock : locks) {
      if (lock.holder().equals(user) || lock.expired(now)) continue;
      if (op.touches(lock.start(), lock.end())) {
        return refuse(
            LOCKED,
            "range [" + lock.start() + ", " + lock.end() + ") is locked by " + lock.holder() + " until " + lock.expiresAt());
      }
    }
    return OK;
  }

  /** Locking {@code [start, end)} of a text of {@code textLength} for {@code durationMillis}. */
  public static Optional<Refusal> checkLockRange(
      Map<String, DocRole> roles, String user, int start, int end, int textLength, long durationMillis, long maxDurationMillis) {
    Optional<Refusal> edit = canEdit(roles, user);
    if (edit.isPresent()) return edit;
    Optional<Refusal> range = range(start, end, textLength);
    if (range.isPresent()) return range;
    return lockDuration(durationMillis, maxDurationMillis);
  }

  /** A new range lock may overlap the user's own locks, not another user's unexpired one. */
  public static Optional<Refusal> checkOverlap(List<RangeLock> locks, String user, int start, int end, long now) {
    for (RangeLock lock : locks) {
      if (lock.holder().equals(user) || lock.expired(now)) continue;
      if (lock.overlaps(start, end)) {
        return refuse(
            CONFLICT,
            "range [" + start + ", " + end + ") overlaps " + lock.holder() + "'s lock on [" + lock.start() + ", "
                + lock.end() + ") until " + lock.expiresAt());
      }
    }
    return OK;
  }

  /** The holder releases a range lock early; so may the owner, who answers for the document. */
  public static Optional<Refusal> canReleaseRangeLock(Map<String, DocRole> roles, String user, RangeLock lock) {
    if (lock.holder().equals(user) || roles.get(user) == DocRole.OWNER) return OK;
    return refuse(FORBIDDEN, "only " + lock.holder() + " or the owner releases this lock");
  }

  /**
   * Moves a lock through a committed operation. Inserts at the lock's edges land outside it (the start
   * moves after them, the end stays before them), matching {@link TextOperation#touches}; inserts inside
   * grow it. Empty when everything locked was deleted.
   */
  public static Optional<RangeLock> transform(RangeLock lock, TextOperation op) {
    int start = op.transformIndex(lock.start(), true);
    int end = op.transformIndex(lock.end(), false);
    if (start >= end) return Optional.empty();
    return Optional.of(new RangeLock(lock.holder(), start, end, lock.expiresAt()));
  }

  /** Every lock moved through {@code op}, dropping those that became empty or have expired. */
  public static List<RangeLock> transformLocks(List<RangeLock> locks, TextOperation op, long now) {
    List<RangeLock> moved = new ArrayList<>(locks.size());
    for (RangeLock lock : locks) {
      if (lock.expired(now)) continue;
      transform(lock, op).ifPresent(moved::add);
    }
    return List.copyOf(moved);
  }

  // --- fields ---

  public static Optional<Refusal> title(String title) {
    return text("title", title, MAX_TITLE);
  }

  /** A label names a version of the document; same rules as a title, shorter. */
  public static Optional<Refusal> label(String label) {
    return text("label", label, MAX_LABEL);
  }

  private static Optional<Refusal> text(String field, String value, int max) {
    if (value == null || value.isBlank()) return refuse(INVALID_FIELD, field + " must not be blank");
    if (value.codePointCount(0, value.length()) > max) return refuse(INVALID_FIELD, field + " longer than " + max + " characters");
    if (value.codePoints().anyMatch(Character::isISOControl)) {
      return refuse(INVALID_FIELD, field + " must not hold control characters");
    }
    return OK;
  }

  public static Optional<Refusal> userId(String user) {
    if (user == null || !USER_ID.matcher(user).matches()) {
      return refuse(INVALID_FIELD, "user id must be 1-" + MAX_USER_ID + " of A-Z a-z 0-9 _ . @ -");
    }
    return OK;
  }

  /** A non-empty range inside a text of {@code textLength}. */
  public static Optional<Refusal> range(int start, int end, int textLength) {
    if (start < 0 || end > textLength || start >= end) {
      return refuse(INVALID_FIELD, "range [" + start + ", " + end + ") must be non-empty and within the text of " + textLength);
    }
    return OK;
  }

  public static Optional<Refusal> lockDuration(long durationMillis, long maxDurationMillis) {
    if (durationMillis < MIN_LOCK_MILLIS || durationMillis > maxDurationMillis) {
      return refuse(INVALID_FIELD, "lock duration must be " + MIN_LOCK_MILLIS + "-" + maxDurationMillis + " ms");
    }
    return OK;
  }

  /** A cursor or selection end: a position of the text, the end included. */
  public static Optional<Refusal> cursor(int index, int textLength) {
    if (index < 0 || index > textLength) {
      return refuse(INVALID_FIELD, "position " + index + " outside the text of " + textLength);
    }
    return OK;
  }
}
