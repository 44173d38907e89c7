package io.pulse.actors.chat;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * The most recent events of a conversation, by sequence number, bounded to {@code capacity}. Serves
 * resume, history pages and edit checks without a journal read; older events live only in the journal.
 * Immutable: every append returns a new timeline that shares almost everything with the one before,
 * so appending to a full window of 500 costs the same as to an empty one.
 */
public record Timeline(int capacity, List<Entry> entries) {

  /** One event with the sequence number the conversation gave it. */
  public record Entry(long seq, Conversation.Event event) {}

  public Timeline {
    entries = entries instanceof Window w ? w : Window.of(entries);
  }

  public static Timeline empty(int capacity) {
    return new Timeline(capacity, Window.EMPTY);
  }

  public Timeline append(Entry entry) {
    Window next = ((Window) entries).append(entry);
    return new Timeline(capacity, next.size() > capacity ? next.dropFirst() : next);
  }

  /**
   * An immutable list built for append-newest, drop-oldest: full chunks of {@link #CHUNK} entries are
   * shared between versions and never copied again; an append copies at most the partial last chunk
   * and, once per {@link #CHUNK} appends, the short array of chunk references.
   */
  static final class Window extends AbstractList<Entry> implements RandomAccess {
    static final int CHUNK = 32;
    static final Window EMPTY = new Window(new Entry[0][], new Entry[0], 0);

    /** Full chunks, oldest first, then the partial tail; the first {@code offset} entries are dropped. */
    private final Entry[][] chunks;
    private final Entry[] tail;
    private final int offset;

    private Window(Entry[][] chunks, Entry[] tail, int offset) {
      this.chunks = chunks;
      this.tail = tail;
      this.offset = offset;
    }

    static Window of(List<Entry> entries) {
      Window w = EMPTY;
      for (Entry e : entries) w = w.append(e);
      return w;
    }

    Window append(Entry entry) {
      Entry[] nextTail = Arrays.copyOf(tail, tail.length + 1);
      nextTail[tail.length] = entry;
      if (nextTail.length < CHUNK) return new Window(chunks, nextTail, offset);
      Entry[][] nextChunks = Arrays.copyOf(chunks, chunks.length + 1);
      nextChunks[chunks.length] = nextTail;
      return new Window(nextChunks, new Entry[0], offset);
    }

    Window dropFirst() {
      if (offset + 1 < CHUNK || chunks.length == 0) return new Window(chunks, tail, offset + 1);
      return new Window(Arrays.copyOfRange(chunks, 1, chunks.length), tail, 0);
    }

    @Override
    public Entry get(int index) {
      if (index < 0 || index >= size()) throw new IndexOutOfBoundsException(index);
      int i = offset + index;
      int inChunks = chunks.length * CHUNK;
      return i < inChunks ? chunks[i / CHUNK][i % CHUNK] : tail[i - inChunks];
    }

    @Override
    public int size() {
      return chunks.length * CHUNK + tail.length - offset;
    }
  }

  /** The lowest sequence number held, or {@code nextSeq} when empty. */
  public long firstSeq(long nextSeq) {
    return entries.isEmpty() ? nextSeq : entries.get(0).seq();
  }

  /** True when every event after {@code seq} up to the newest is held here. */
  public boolean coversAfter(long seq, long lastSeq) {
    return seq >= lastSeq || (!entries.isEmpty() && seq >= entries.get(0).seq() - 1);
  }

  /** Up to {@code limit} entries with seq greater than {@code seq}, oldest first. */
  public List<Entry> after(long seq, int limit) {
    List<Entry> page = new ArrayList<>();
    for (Entry e : entries) {
      if (e.seq() > seq) {
        page.add(e);
        if (page.size() == limit) break;
      }
    }
    return page;
  }

  /** Up to {@code limit} entries with seq lower than {@code seq}, oldest first. */
  public List<Entry> before(long seq, int limit) {
    List<Entry> page = new ArrayList<>();
    for (int i = entries.size() - 1; i >= 0 && page.size() < limit; i--) {
      if (entries.get(i).seq() < seq) page.add(0, entries.get(i));
    }
    return page;
  }

  public java.util.Optional<Entry> find(long seq) {
    if (entries.isEmpty()) return java.util.Optional.empty();
    int index = (int) (seq - entries.get(0).seq());
    if (index < 0 || index >= entries.size()) return java.util.Optional.empty();
    Entry e = entries.get(index);
    return e.seq() == seq ? java.util.Optional.of(e) : java.util.Optional.empty();
  }

  /** Messages (not edits, receipts…) held here with seq greater than {@code seq}. */
  public long messagesAfter(long seq) {
    return entries.stream().filter(e -> e.seq() > seq && e.event() instanceof Conversation.MessageSent).count();
  }
}
