package io.pulse.actors.document;

import static io.pulse.actors.document.DocumentRules.CONFLICT;
import static io.pulse.actors.document.DocumentRules.FORBIDDEN;
import static io.pulse.actors.document.DocumentRules.INVALID_FIELD;
import static io.pulse.actors.document.DocumentRules.INVALID_OP;
import static io.pulse.actors.document.DocumentRules.LOCKED;
import static io.pulse.actors.document.DocumentRules.NOT_FOUND;
import static io.pulse.actors.document.DocumentRules.VERSION_AHEAD;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DocumentRulesTest {
  /** alice owns, bob edits, carol comments, dave views. */
  private static final Map<String, DocRole> ROLES =
      Map.of("alice", DocRole.OWNER, "bob", DocRole.EDITOR, "carol", DocRole.COMMENTER, "dave", DocRole.VIEWER);

  private static final long NOW = 1_700_000_000_000L;
  private static final long MAX_LOCK = 300_000;

  private static String code(Optional<DocumentRules.Refusal> refusal) {
    assertThat(refusal).as("expected a refusal").isPresent();
    return refusal.get().code();
  }

  private static String reason(Optional<DocumentRules.Refusal> refusal) {
    assertThat(refusal).as("expected a refusal").isPresent();
    return refusal.get().reason();
  }

  private static TextOperation wire(Object... items) {
    return TextOperation.fromWire(Arrays.asList(items));
  }

  @Test
  void codesAreStable() {
    assertThat(List.of(FORBIDDEN, LOCKED, INVALID_OP, VERSION_AHEAD, NOT_FOUND, CONFLICT, INVALID_FIELD))
        .containsExactly("forbidden", "locked", "invalid_op", "version_ahead", "not_found", "conflict", "invalid_field");
  }

  @Test
  void whatEachRoleMayDo() {
    assertThat(DocRole.OWNER.editsText()).isTrue();
    assertThat(DocRole.EDITOR.editsText()).isTrue();
    assertThat(DocRole.COMMENTER.editsText()).isFalse();
    assertThat(DocRole.VIEWER.editsText()).isFalse();
    assertThat(DocRole.COMMENTER.comments()).isTrue();
    assertThat(DocRole.VIEWER.comments()).isFalse();
  }

  @Test
  void aMissingOrDeletedDocumentIsNotFound() {
    assertThat(DocumentRules.found(true, false)).isEmpty();
    assertThat(code(DocumentRules.found(false, false))).isEqualTo(NOT_FOUND);
    assertThat(code(DocumentRules.found(true, true))).isEqualTo(NOT_FOUND);
  }

  @Test
  void everyRoleReadsOnlyOwnersAndEditorsEdit() {
    for (String user : ROLES.keySet()) assertThat(DocumentRules.canRead(ROLES, user)).isEmpty();
    assertThat(code(DocumentRules.canRead(ROLES, "mallory"))).isEqualTo(FORBIDDEN);

    assertThat(DocumentRules.canEdit(ROLES, "alice")).isEmpty();
    assertThat(DocumentRules.canEdit(ROLES, "bob")).isEmpty();
    assertThat(code(DocumentRules.canEdit(ROLES, "carol"))).isEqualTo(FORBIDDEN);
    assertThat(reason(DocumentRules.canEdit(ROLES, "carol"))).contains("commenter");
    assertThat(code(DocumentRules.canEdit(ROLES, "dave"))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.canEdit(ROLES, "mallory"))).isEqualTo(FORBIDDEN);

    assertThat(DocumentRules.canComment(ROLES, "carol")).isEmpty();
    assertThat(DocumentRules.canComment(ROLES, "bob")).isEmpty();
    assertThat(code(DocumentRules.canComment(ROLES, "dave"))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.canComment(ROLES, "mallory"))).isEqualTo(FORBIDDEN);
  }

  @Test
  void onlyTheOwnerSharesAndNeverOwnership() {
    assertThat(DocumentRules.canShare(ROLES, "alice")).isEmpty();
    assertThat(code(DocumentRules.canShare(ROLES, "bob"))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.canShare(ROLES, "mallory"))).isEqualTo(FORBIDDEN);

    assertThat(DocumentRules.share(ROLES, "alice", "erin", DocRole.EDITOR)).isEmpty();
    assertThat(DocumentRules.share(ROLES, "alice", "dave", DocRole.COMMENTER)).isEmpty(); // a role changes
    assertThat(DocumentRules.share(ROLES, "alice", "erin@example.org", DocRole.VIEWER)).isEmpty();
    assertThat(code(DocumentRules.share(ROLES, "bob", "erin", DocRole.VIEWER))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.share(ROLES, "alice", "erin", DocRole.OWNER))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.share(ROLES, "alice", "alice", DocRole.EDITOR))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.share(ROLES, "alice", "erin", null))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.share(ROLES, "alice", "er in", DocRole.VIEWER))).isEqualTo(INVALID_FIELD);
  }

  @Test
  void onlyTheOwnerUnsharesAndNotThemself() {
    assertThat(DocumentRules.unshare(ROLES, "alice", "bob")).isEmpty();
    assertThat(code(DocumentRules.unshare(ROLES, "bob", "carol"))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.unshare(ROLES, "bob", "bob"))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.unshare(ROLES, "alice", "alice"))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.unshare(ROLES, "alice", "mallory"))).isEqualTo(CONFLICT);
  }

  @Test
  void onlyTheOwnerLocksTheDocumentAndTheLockMakesItReadOnlyForOthers() {
    assertThat(DocumentRules.canLockDocument(ROLES, "alice")).isEmpty();
    assertThat(code(DocumentRules.canLockDocument(ROLES, "bob"))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.canLockDocument(ROLES, "mallory"))).isEqualTo(FORBIDDEN);

    assertThat(DocumentRules.checkDocumentLock(null, "bob")).isEmpty();
    assertThat(DocumentRules.checkDocumentLock("alice", "alice")).isEmpty();
    Optional<DocumentRules.Refusal> locked = DocumentRules.checkDocumentLock("alice", "bob");
    assertThat(code(locked)).isEqualTo(LOCKED);
    assertThat(reason(locked)).isEqualTo("document is locked read-only by alice");
  }

  // --- operations and versions ---

  @Test
  void anOperationMustCoverTheCurrentText() {
    assertThat(DocumentRules.checkOp(wire(3, "x"), 3)).isEmpty();
    assertThat(DocumentRules.checkOp(TextOperation.empty(), 0)).isEmpty();
    Optional<DocumentRules.Refusal> mismatch = DocumentRules.checkOp(wire(3, "x"), 4);
    assertThat(code(mismatch)).isEqualTo(INVALID_OP);
    assertThat(reason(mismatch)).contains("covers 3").contains("has 4");
    assertThat(code(DocumentRules.checkOp(null, 0))).isEqualTo(INVALID_OP);
    assertThat(DocumentRules.checkOpShape(wire(1, -1, "a"))).isEmpty();
    assertThat(code(DocumentRules.checkOpShape(null))).isEqualTo(INVALID_OP);
  }

  @Test
  void theTextMayNotGrowPastTheLimit() {
    assertThat(DocumentRules.checkTextSize(wire(3, "xy"), 5)).isEmpty();
    assertThat(code(DocumentRules.checkTextSize(wire(3, "xyz"), 5))).isEqualTo(INVALID_OP);
    assertThat(DocumentRules.checkTextSize(wire(-3, "x"), 1)).isEmpty(); // shrinking an oversized text is fine
  }

  @Test
  void aBaseVersionFromTheFutureOrTooOldIsRefused() {
    assertThat(DocumentRules.checkVersion(0, 0)).isEmpty();
    assertThat(DocumentRules.checkVersion(3, 5)).isEmpty();
    assertThat(DocumentRules.checkVersion(5, 5)).isEmpty();
    assertThat(code(DocumentRules.checkVersion(6, 5))).isEqualTo(VERSION_AHEAD);
    assertThat(code(DocumentRules.checkVersion(-1, 5))).isEqualTo(INVALID_FIELD);
    assertThat(DocumentRules.checkVersion(3, 5, 3)).isEmpty();
    assertThat(code(DocumentRules.checkVersion(2, 5, 3))).isEqualTo(CONFLICT);
    assertThat(code(DocumentRules.checkVersion(6, 5, 3))).isEqualTo(VERSION_AHEAD);
  }

  // --- range locks ---

  private static final RangeLock BOBS = new RangeLock("bob", 2, 5, NOW + 10_000); // "cde" of "abcdefg"

  @Test
  void othersMayNotTouchAnUnexpiredLockedRange() {
    List<RangeLock> locks = List.of(BOBS);
    Optional<DocumentRules.Refusal> refused = DocumentRules.checkRangeLocks(locks, "alice", wire(3, "x", 4), NOW);
    assertThat(code(refused)).isEqualTo(LOCKED);
    assertThat(reason(refused)).contains("bob").contains(String.valueOf(NOW + 10_000));
    assertThat(code(DocumentRules.checkRangeLocks(locks, "alice", wire(1, -2, 4), NOW))).isEqualTo(LOCKED);

    // the holder edits inside; others edit outside and at the edges
    assertThat(DocumentRules.checkRangeLocks(locks, "bob", wire(3, "x", 4), NOW)).isEmpty();
    assertThat(DocumentRules.checkRangeLocks(locks, "alice", wire(-2, 5), NOW)).isEmpty();
    assertThat(DocumentRules.checkRangeLocks(locks, "alice", wire(2, "x", 5), NOW)).isEmpty();
    assertThat(DocumentRules.checkRangeLocks(locks, "alice", wire(5, "x", 2), NOW)).isEmpty();
    assertThat(DocumentRules.checkRangeLocks(locks, "alice", wire(5, -2), NOW)).isEmpty();
    // an expired lock no longer counts
    assertThat(DocumentRules.checkRangeLocks(locks, "alice", wire(3, "x", 4), NOW + 10_000)).isEmpty();
    assertThat(DocumentRules.checkRangeLocks(List.of(), "alice", wire(-7), NOW)).isEmpty();
  }

  @Test
  void editorsLockAValidRangeForABoundedTime() {
    assertThat(DocumentRules.checkLockRange(ROLES, "bob", 2, 5, 7, 60_000, MAX_LOCK)).isEmpty();
    assertThat(DocumentRules.checkLockRange(ROLES, "alice", 0, 7, 7, 1_000, MAX_LOCK)).isEmpty();
    assertThat(DocumentRules.checkLockRange(ROLES, "bob", 0, 1, 7, MAX_LOCK, MAX_LOCK)).isEmpty();
    assertThat(code(DocumentRules.checkLockRange(ROLES, "carol", 2, 5, 7, 60_000, MAX_LOCK))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.checkLockRange(ROLES, "dave", 2, 5, 7, 60_000, MAX_LOCK))).isEqualTo(FORBIDDEN);
    assertThat(code(DocumentRules.checkLockRange(ROLES, "bob", 5, 5, 7, 60_000, MAX_LOCK))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.checkLockRange(ROLES, "bob", 5, 2, 7, 60_000, MAX_LOCK))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.checkLockRange(ROLES, "bob", -1, 2, 7, 60_000, MAX_LOCK))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.checkLockRange(ROLES, "bob", 2, 8, 7, 60_000, MAX_LOCK))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.checkLockRange(ROLES, "bob", 2, 5, 7, 999, MAX_LOCK))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.checkLockRange(ROLES, "bob", 2, 5, 7, MAX_LOCK + 1, MAX_LOCK))).isEqualTo(INVALID_FIELD);
  }

  @Test
  void aNewRangeLockMayNotOverlapAnotherUsersLock() {
    List<RangeLock> locks = List.of(BOBS);
    Optional<DocumentRules.Refusal> overlap = DocumentRules.checkOverlap(locks, "alice", 4, 6, NOW);
    assertThat(code(overlap)).isEqualTo(CONFLICT);
    assertThat(reason(overlap)).contains("bob");
    assertThat(code(DocumentRules.checkOverlap(locks, "alice", 0, 3, NOW))).isEqualTo(CONFLICT);
    assertThat(code(DocumentRules.checkOverlap(locks, "alice", 0, 7, NOW))).isEqualTo(CONFLICT);
    assertThat(DocumentRules.checkOverlap(locks, "alice", 0, 2, NOW)).isEmpty(); // adjacent
    assertThat(DocumentRules.checkOverlap(locks, "alice", 5, 7, NOW)).isEmpty();
    assertThat(DocumentRules.checkOverlap(locks, "bob", 3, 6, NOW)).isEmpty(); // own lock
    assertThat(DocumentRules.checkOverlap(locks, "alice", 3, 6, NOW + 10_000)).isEmpty(); // expired
  }

  @Test
  void theHolderOrTheOwnerReleasesARangeLock() {
    assertThat(DocumentRules.canReleaseRangeLock(ROLES, "bob", BOBS)).isEmpty();
    assertThat(DocumentRules.canReleaseRangeLock(ROLES, "alice", BOBS)).isEmpty();
    assertThat(code(DocumentRules.canReleaseRangeLock(ROLES, "carol", BOBS))).isEqualTo(FORBIDDEN);
  }

  @Test
  void aLockExpiresAtItsExpiry() {
    assertThat(BOBS.expired(NOW + 9_999)).isFalse();
    assertThat(BOBS.expired(NOW + 10_000)).isTrue();
    assertThat(BOBS.overlaps(4, 9)).isTrue();
    assertThat(BOBS.overlaps(5, 9)).isFalse();
  }

  // --- a range lock moves with edits ---

  private static RangeLock moved(RangeLock lock, TextOperation op) {
    Optional<RangeLock> moved = DocumentRules.transform(lock, op);
    assertThat(moved).as("lock dropped").isPresent();
    assertThat(moved.get().holder()).isEqualTo(lock.holder());
    assertThat(moved.get().expiresAt()).isEqualTo(lock.expiresAt());
    return moved.get();
  }

  private static void range(RangeLock lock, int start, int end) {
    assertThat(List.of(lock.start(), lock.end())).containsExactly(start, end);
  }

  @Test
  void aLockShiftsWithEditsBeforeItAndStaysForEditsAfter() {
    range(moved(BOBS, wire("xy", 7)), 4, 7); // insert before
    range(moved(BOBS, wire(1, -1, 5)), 1, 4); // delete before
    range(moved(BOBS, wire(6, "xy", 1)), 2, 5); // insert after
    range(moved(BOBS, wire(5, -2)), 2, 5); // delete after
  }

  @Test
  void insertsAtTheEdgesLandOutsideTheLock() {
    range(moved(BOBS, wire(2, "xy", 5)), 4, 7);
    range(moved(BOBS, wire(5, "xy", 2)), 2, 5);
  }

  @Test
  void editsInsideGrowOrShrinkTheLock() {
    range(moved(BOBS, wire(3, "xy", 4)), 2, 7);
    range(moved(BOBS, wire(3, -1, 3)), 2, 4);
    range(moved(BOBS, wire(1, -2, 4)), 1, 3); // a delete across the start
    range(moved(BOBS, wire(4, -2, 1)), 2, 4); // a delete across the end
  }

  @Test
  void aLockWhoseTextIsAllDeletedIsDropped() {
    assertThat(DocumentRules.transform(BOBS, wire(2, -3, 2))).isEmpty();
    assertThat(DocumentRules.transform(BOBS, wire(1, -5, 1))).isEmpty();
    assertThat(DocumentRules.transform(BOBS, wire(2, "new", -3, 2))).isEmpty(); // replaced
  }

  @Test
  void transformLocksMovesAllAndDropsEmptyAndExpiredOnes() {
    RangeLock carols = new RangeLock("carol", 0, 1, NOW + 5);
    RangeLock stale = new RangeLock("dave", 5, 7, NOW - 1);
    List<RangeLock> after = DocumentRules.transformLocks(List.of(carols, BOBS, stale), wire(-1, "xy", 6), NOW);
    assertThat(after).containsExactly(new RangeLock("bob", 3, 6, NOW + 10_000));
  }

  // --- fields ---

  @Test
  void titles() {
    assertThat(DocumentRules.title("Plan")).isEmpty();
    assertThat(DocumentRules.title("t".repeat(200))).isEmpty();
    assertThat(DocumentRules.title("\uD83D\uDE00".repeat(200))).isEmpty(); // characters, not code units
    assertThat(code(DocumentRules.title("t".repeat(201)))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.title(""))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.title("   "))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.title(null))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.title("a\nb"))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.title("a\u0000b"))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.title("a\u007Fb"))).isEqualTo(INVALID_FIELD);
  }

  @Test
  void labels() {
    assertThat(DocumentRules.label("v1 draft")).isEmpty();
    assertThat(DocumentRules.label("l".repeat(100))).isEmpty();
    assertThat(code(DocumentRules.label("l".repeat(101)))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.label(""))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.label("a\tb"))).isEqualTo(INVALID_FIELD);
  }

  @Test
  void userIds() {
    assertThat(DocumentRules.userId("alice")).isEmpty();
    assertThat(DocumentRules.userId("a.b-c_d@e.org")).isEmpty();
    assertThat(DocumentRules.userId("u".repeat(64))).isEmpty();
    assertThat(code(DocumentRules.userId("u".repeat(65)))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.userId(""))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.userId(null))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.userId("a b"))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.userId("al/ice"))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.userId("\u00E9"))).isEqualTo(INVALID_FIELD);
  }

  @Test
  void rangesDurationsAndCursors() {
    assertThat(DocumentRules.range(0, 1, 1)).isEmpty();
    assertThat(code(DocumentRules.range(0, 0, 1))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.range(0, 2, 1))).isEqualTo(INVALID_FIELD);
    assertThat(DocumentRules.lockDuration(1_000, 1_000)).isEmpty();
    assertThat(code(DocumentRules.lockDuration(0, 1_000))).isEqualTo(INVALID_FIELD);
    assertThat(DocumentRules.cursor(0, 0)).isEmpty();
    assertThat(DocumentRules.cursor(3, 3)).isEmpty();
    assertThat(code(DocumentRules.cursor(4, 3))).isEqualTo(INVALID_FIELD);
    assertThat(code(DocumentRules.cursor(-1, 3))).isEqualTo(INVALID_FIELD);
  }
}
