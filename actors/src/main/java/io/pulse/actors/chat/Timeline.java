package io.pulse.actors.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * The most recent events of a conversation, by sequence number, bounded to {@code capacity}. Serves
 * resume, history pages and edit checks without a journal read; older events live only in the journal.
 * Immutable: every append returns a new timeline.
 */
public record Timeline(int capacity, List<Entry> entries) {

  /** One event with the sequence number the conversation gave it. */
  public record Entry(long seq, Conversation.Event event) {}

  public Timeline {
    entries = List.copyOf(entries);
  }

  public static Timeline empty(int capacity) {
    return new Timeline(capacity, List.of());
  }

  public Timeline append(Entry entry) {
    List<Entry> next = new ArrayList<>(Math.min(entries.size() + 1, capacity));
    int drop = Math.max(0, entries.size() + 1 - capacity);
    next.addAll(entries.subList(drop, entries.size()));
    next.add(entry);
    return new Timeline(capacity, next);
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
