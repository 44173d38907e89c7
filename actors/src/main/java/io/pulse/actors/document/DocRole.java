package io.pulse.actors.document;

/**
 * What a user may do with a document. Everyone with a role reads the text and sees the others' cursors;
 * the rest grows down the list.
 */
public enum DocRole {
  /** Edits, shares, deletes, and locks the whole document. Exactly one per document. */
  OWNER,
  /** Edits the text and may lock a range of it for a while. */
  EDITOR,
  /** Comments, but does not change the text. */
  COMMENTER,
  /** Reads and sees cursors only. */
  VIEWER;

  public boolean editsText() {
    return this == OWNER || this == EDITOR;
  }

  public boolean comments() {
    return this != VIEWER;
  }
}
