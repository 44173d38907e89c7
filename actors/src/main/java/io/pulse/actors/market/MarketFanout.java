package io.pulse.actors.market;

import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * The live side of one instrument, a child of its {@link Instrument}: pushes its streams to the connections subscribed
 * to them, on any node.
 *
 * <ul>
 *   <li><b>Durable</b> ({@code trades}, the subscriber's own {@code orders}): every matching event in order, each with
 *       the previous one's number; a resuming subscriber first gets what it missed, from the entity's recent events or
 *       the journal.
 *   <li><b>Book</b>: an aggregated copy of the book is kept here, fed by the entity's level changes. Each subscriber
 *       has its depth (10, 50, all), its rate (at most {@code maxRate} diffs per second) and the levels last sent to
 *       it. When it is due, it gets one diff: every visible level whose quantity differs from what it was last sent.
 *       Between sends nothing queues: a level that changed ten times is sent once, as it is now. So a throttled
 *       subscriber gets fewer, fresher diffs, and the book it builds from them is the same book. This is where
 *       conflation lives, at the source, so the cluster link to a throttled connection carries throttled traffic too.
 *   <li><b>Latest values</b> ({@code ticker}, {@code candles}): the newest per key, also given to a new subscriber.
 * </ul>
 */
public final class MarketFanout extends AbstractBehavior<MarketFanout.Command> {

  /** A subscriber holding more events than this while its catch-up read runs is told to resubscribe. */
  static final int MAX_PENDING = 10_000;

  /** The streams of an instrument, by topic kind. */
  public enum Stream {
    BOOK("book"),
    TRADES("trades"),
    TICKER("ticker"),
    CANDLES("candles"),
    ORDERS("orders");

    private final String kind;

    Stream(String kind) {
      this.kind = kind;
    }

    public String kind() {
      return kind;
    }

    public String topic(String symbol) {
      return kind + ":" + symbol;
    }

    public boolean durable() {
      return this == TRADES || this == ORDERS;
    }

    public static Stream ofKind(String kind) {
      for (Stream s : values()) if (s.kind.equals(kind)) return s;
      return null;
    }
  }

  // ---- what the entity tells it ------------------------------------------------------------------

  public sealed interface Command {}

  public record Published(TopicFanout.Entry entry) implements Command {}

  /** The levels one command changed; {@code seq}: the instrument's number after it. */
  public record BookChanged(long seq, List<OrderBook.LevelChange> changes) implements Command {}

  /** The whole book after a recovery, best first per side. */
  public record BookReset(long seq, List<OrderBook.PriceLevel> bids, List<OrderBook.PriceLevel> asks) implements Command {}

  public record Latest(Stream stream, String key, TopicEvent value) implements Command {}

  /**
   * {@code since}: the number the subscriber has (the entity's newest when it gave none); {@code resumed}: it gave one,
   * so a book subscriber also gets its snapshot as a push (a resubscription has no reply to carry it). Durable: the
   * journal range {@code journalFrom..journalTo} (none if empty) first, then {@code replay}, then live.
   */
  public record Register(
      Stream stream,
      String userId,
      ActorRef<MarketPush> watcher,
      long since,
      boolean resumed,
      int depth,
      int maxRate,
      List<TopicFanout.Entry> replay,
      long journalFrom,
      long journalTo,
      ActorRef<StatusReply<Instrument.Subscribed>> replyTo)
      implements Command {}

  public record Unregister(Stream stream, ActorRef<MarketPush> watcher) implements Command {}

  private record WatcherGone(ActorRef<MarketPush> watcher) implements Command {}

  private record CaughtUp(Key key, List<TopicFanout.Entry> entries, Throwable failure) implements Command {}

  private record FlushBook(Key key) implements Command {}

  // ---- state (mutable: one actor's, touched one message at a time) --------------------------------

  private record Key(ActorRef<MarketPush> watcher, Stream stream) {}

  /** A durable subscriber: the last seq sent, and what waits while it catches up from the journal (null: live). */
  private static final class DurableSub {
    final String userId;
    long lastSent;
    List<TopicFanout.Entry> pending;

    DurableSub(String userId, long lastSent, List<TopicFanout.Entry> pending) {
      this.userId = userId;
      this.lastSent = lastSent;
      this.pending = pending;
    }
  }

  /** A book subscriber: its depth (0: all), its interval between diffs, and the levels it was last sent. */
  private static final class BookSub {
    final int depth;
    final long intervalNanos;
    long lastSent;
    final TreeMap<Long, OrderBook.PriceLevel> sentBids = new TreeMap<>(Comparator.reverseOrder());
    final TreeMap<Long, OrderBook.PriceLevel> sentAsks = new TreeMap<>();
    /** Full depth only: the prices changed since the last diff (a depth-limited one compares its whole window). */
    final TreeSet<Long> dirtyBids = new TreeSet<>();
    final TreeSet<Long> dirtyAsks = new TreeSet<>();
    boolean dirty;
    boolean timerSet;
    long nextDue;

    BookSub(int depth, int maxRate) {
      this.depth = depth;
      this.intervalNanos = maxRate <= 0 ? 0 : 1_000_000_000L / maxRate;
      this.nextDue = System.nanoTime();
    }
  }

  public static Behavior<Command> create(String symbol, String persistenceId, TopicFanout.History history) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new MarketFanout(ctx, timers, symbol, persistenceId, history)));
  }

  private final TimerScheduler<Command> timers;
  private final String symbol;
  private final String persistenceId;
  private final TopicFanout.History history;
  private final TreeMap<Long, OrderBook.PriceLevel> bids = new TreeMap<>(Comparator.reverseOrder());
  private final TreeMap<Long, OrderBook.PriceLevel> asks = new TreeMap<>();
  /** The seq of the last change of the book, and of the instrument's last event. */
  private long bookSeq;
  /** When the newest book change arrived from the entity (epoch ms): a diff's {@code at}. */
  private long bookChangedAt;
  private long lastSeq;
  private final Map<Key, DurableSub> durable = new HashMap<>();
  private final Map<Key, BookSub> books = new HashMap<>();
  private final Map<Key, Boolean> latestSubs = new HashMap<>();
  private final Map<ActorRef<MarketPush>, Integer> watched = new HashMap<>();
  private final Map<Stream, Map<String, TopicEvent>> latest = new HashMap<>();

  private MarketFanout(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, String symbol, String persistenceId, TopicFanout.History history) {
    super(ctx);
    this.timers = timers;
    this.symbol = symbol;
    this.persistenceId = persistenceId;
    this.history = history;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Published.class, this::onPublished)
        .onMessage(BookChanged.class, this::onBookChanged)
        .onMessage(BookReset.class, this::onBookReset)
        .onMessage(Latest.class, this::onLatest)
        .onMessage(Register.class, this::onRegister)
        .onMessage(Unregister.class, m -> {
          remove(new Key(m.watcher(), m.stream()));
          return this;
        })
        .onMessage(WatcherGone.class, this::onWatcherGone)
        .onMessage(CaughtUp.class, this::onCaughtUp)
        .onMessage(FlushBook.class, m -> {
          BookSub sub = books.get(m.key());
          if (sub != null) {
            sub.timerSet = false;
            // a change handled just before this timer may have flushed already: keep to the rate
            due(m.key(), sub, System.nanoTime());
          }
          return this;
        })
        .build();
  }

  private String topic(Stream stream) {
    return stream.topic(symbol);
  }

  // ---- durable streams ----------------------------------------------------------------------------

  private static boolean relevant(Key key, DurableSub sub, TopicEvent event) {
    if (!(event instanceof Instrument.Event e)) return false;
    if (key.stream() == Stream.TRADES) return e instanceof Instrument.Traded;
    return e.concerns(sub.userId);
  }

  private void send(Key key, DurableSub sub, TopicFanout.Entry entry) {
    if (entry.seq() <= sub.lastSent || !relevant(key, sub, entry.event())) return;
    key.watcher().tell(new MarketPush.Appended(topic(key.stream()), sub.lastSent, entry.seq(), entry.event()));
    sub.lastSent = entry.seq();
  }

  private Behavior<Command> onPublished(Published m) {
    lastSeq = Math.max(lastSeq, m.entry().seq());
    List<Key> ended = null;
    for (Map.Entry<Key, DurableSub> e : durable.entrySet()) {
      DurableSub sub = e.getValue();
      if (sub.pending == null) {
        send(e.getKey(), sub, m.entry());
      } else if (sub.pending.size() >= MAX_PENDING) {
        e.getKey().watcher().tell(new MarketPush.Ended(topic(e.getKey().stream()), "resume", "too far behind while catching up; resubscribe with since"));
        if (ended == null) ended = new ArrayList<>();
        ended.add(e.getKey());
      } else {
        sub.pending.add(m.entry());
      }
    }
    if (ended != null) ended.forEach(this::remove);
    return this;
  }

  private Behavior<Command> onCaughtUp(CaughtUp m) {
    DurableSub sub = durable.get(m.key());
    if (sub == null || sub.pending == null) return this;
    if (m.failure() != null) {
      getContext().getLog().warn("Catch-up read of {} failed", topic(m.key().stream()), m.failure());
      m.key().watcher().tell(new MarketPush.Ended(topic(m.key().stream()), "unavailable", "history is unavailable; resubscribe with since"));
      remove(m.key());
      return this;
    }
    List<TopicFanout.Entry> pending = sub.pending;
    sub.pending = null;
    for (TopicFanout.Entry e : m.entries()) send(m.key(), sub, e);
    for (TopicFanout.Entry e : pending) send(m.key(), sub, e);
    return this;
  }

  // ---- registration -------------------------------------------------------------------------------

  private Behavior<Command> onRegister(Register m) {
    Key key = new Key(m.watcher(), m.stream());
    boolean known = durable.containsKey(key) || books.containsKey(key) || latestSubs.containsKey(key);
    if (!known) watch(m.watcher());
    Instrument.BookView snapshot = null;
    long lastSeq = m.since();
    switch (m.stream()) {
      case TRADES, ORDERS -> {
        DurableSub sub = new DurableSub(m.userId(), m.since(), null);
        durable.put(key, sub);
        if (m.journalTo() < m.journalFrom()) {
          m.replay().forEach(e -> send(key, sub, e));
        } else {
          sub.pending = new ArrayList<>(m.replay());
          getContext().pipeToSelf(history.read(persistenceId, m.journalFrom(), m.journalTo()), (entries, failure) -> new CaughtUp(key, entries, failure));
        }
      }
      case BOOK -> {
        BookSub sub = new BookSub(m.depth(), m.maxRate());
        books.remove(key);
        timers.cancel(key);
        visible(bids, sub.depth, sub.sentBids);
        visible(asks, sub.depth, sub.sentAsks);
        // the book as of the instrument's last event: the same number a market.book read answers
        sub.lastSent = this.lastSeq;
        lastSeq = this.lastSeq;
        snapshot = new Instrument.BookView(symbol, this.lastSeq, List.copyOf(sub.sentBids.values()), List.copyOf(sub.sentAsks.values()));
        books.put(key, sub);
        if (m.resumed()) m.watcher().tell(new MarketPush.BookSnapshot(topic(Stream.BOOK), snapshot));
      }
      case TICKER, CANDLES -> {
        latestSubs.put(key, Boolean.TRUE);
        latest.getOrDefault(m.stream(), Map.of()).forEach((k, v) -> m.watcher().tell(new MarketPush.Latest(topic(m.stream()), k, v)));
      }
    }
    m.replyTo().tell(StatusReply.success(new Instrument.Subscribed(lastSeq, snapshot, getContext().getSelf())));
    return this;
  }

  private void watch(ActorRef<MarketPush> watcher) {
    int n = watched.getOrDefault(watcher, 0);
    if (n == 0) getContext().watchWith(watcher, new WatcherGone(watcher));
    watched.put(watcher, n + 1);
  }

  private void remove(Key key) {
    boolean had = durable.remove(key) != null | books.remove(key) != null | latestSubs.remove(key) != null;
    timers.cancel(key);
    if (!had) return;
    int n = watched.getOrDefault(key.watcher(), 0) - 1;
    if (n <= 0) {
      watched.remove(key.watcher());
      getContext().unwatch(key.watcher());
    } else {
      watched.put(key.watcher(), n);
    }
  }

  private Behavior<Command> onWatcherGone(WatcherGone m) {
    for (Stream s : Stream.values()) remove(new Key(m.watcher(), s));
    watched.remove(m.watcher());
    return this;
  }

  // ---- latest values ------------------------------------------------------------------------------

  private Behavior<Command> onLatest(Latest m) {
    latest.computeIfAbsent(m.stream(), s -> new LinkedHashMap<>()).put(m.key(), m.value());
    MarketPush.Latest push = new MarketPush.Latest(topic(m.stream()), m.key(), m.value());
    for (Key key : latestSubs.keySet()) if (key.stream() == m.stream()) key.watcher().tell(push);
    return this;
  }

  // ---- the book -----------------------------------------------------------------------------------

  private Behavior<Command> onBookReset(BookReset m) {
    // after a recovery: every subscriber is diffed against the book as it now is
    for (TreeMap<Long, OrderBook.PriceLevel> side : List.of(bids, asks)) {
      for (Long price : side.keySet()) markAll(side == bids, price);
      side.clear();
    }
    m.bids().forEach(l -> bids.put(l.price(), l));
    m.asks().forEach(l -> asks.put(l.price(), l));
    for (OrderBook.PriceLevel l : m.bids()) markAll(true, l.price());
    for (OrderBook.PriceLevel l : m.asks()) markAll(false, l.price());
    bookSeq = m.seq();
    lastSeq = m.seq();
    flushDue();
    return this;
  }

  private Behavior<Command> onBookChanged(BookChanged m) {
    for (OrderBook.LevelChange c : m.changes()) {
      boolean bid = c.side() == Side.BUY;
      TreeMap<Long, OrderBook.PriceLevel> side = bid ? bids : asks;
      if (c.quantity() == 0) side.remove(c.price());
      else side.put(c.price(), new OrderBook.PriceLevel(c.price(), c.quantity(), c.orders()));
      markAll(bid, c.price());
    }
    bookSeq = m.seq();
    bookChangedAt = System.currentTimeMillis();
    flushDue();
    return this;
  }

  private void markAll(boolean bid, long price) {
    for (BookSub sub : books.values()) {
      sub.dirty = true;
      if (sub.depth == 0) (bid ? sub.dirtyBids : sub.dirtyAsks).add(price);
    }
  }

  private void flushDue() {
    long now = System.nanoTime();
    for (Map.Entry<Key, BookSub> e : books.entrySet()) due(e.getKey(), e.getValue(), now);
  }

  /** Flushes a changed subscriber whose interval has passed, else arms its timer for when it does. */
  private void due(Key key, BookSub sub, long now) {
    if (!sub.dirty) return;
    if (now - sub.nextDue >= 0) {
      flush(key, sub, now);
    } else if (!sub.timerSet) {
      sub.timerSet = true;
      timers.startSingleTimer(key, new FlushBook(key), java.time.Duration.ofNanos(sub.nextDue - now));
    }
  }

  /** One diff to one subscriber: every visible level that differs from what it was last sent. */
  private void flush(Key key, BookSub sub, long now) {
    if (!sub.dirty) return;
    List<OrderBook.PriceLevel> bidChanges = diff(bids, sub.depth, sub.sentBids, sub.dirtyBids);
    List<OrderBook.PriceLevel> askChanges = diff(asks, sub.depth, sub.sentAsks, sub.dirtyAsks);
    sub.dirty = false;
    if (bidChanges.isEmpty() && askChanges.isEmpty()) return; // nothing it can see changed
    key.watcher().tell(new MarketPush.BookDiff(topic(Stream.BOOK), sub.lastSent, bookSeq, bidChanges, askChanges, bookChangedAt));
    sub.lastSent = bookSeq;
    sub.nextDue = now + sub.intervalNanos;
  }

  /** The top {@code depth} levels (all for 0) of {@code side} into {@code into}. */
  private static void visible(TreeMap<Long, OrderBook.PriceLevel> side, int depth, TreeMap<Long, OrderBook.PriceLevel> into) {
    into.clear();
    int n = 0;
    for (OrderBook.PriceLevel l : side.values()) {
      if (depth > 0 && n++ >= depth) break;
      into.put(l.price(), l);
    }
  }

  /** Changes {@code sent} into the visible part of {@code side}, answering each level that changed (0 = gone), best first. */
  static List<OrderBook.PriceLevel> diff(
      TreeMap<Long, OrderBook.PriceLevel> side, int depth, TreeMap<Long, OrderBook.PriceLevel> sent, TreeSet<Long> dirty) {
    TreeMap<Long, OrderBook.PriceLevel> changes = new TreeMap<>(side.comparator());
    if (depth == 0) {
      for (Long price : dirty) {
        OrderBook.PriceLevel now = side.get(price);
        OrderBook.PriceLevel was = sent.get(price);
        if (now == null && was != null) {
          sent.remove(price);
          changes.put(price, new OrderBook.PriceLevel(price, 0, 0));
        } else if (now != null && !now.equals(was)) {
          sent.put(price, now);
          changes.put(price, now);
        }
      }
      dirty.clear();
    } else {
      NavigableMap<Long, OrderBook.PriceLevel> window = new TreeMap<>(side.comparator());
      int n = 0;
      for (OrderBook.PriceLevel l : side.values()) {
        if (n++ >= depth) break;
        window.put(l.price(), l);
      }
      for (Iterator<Map.Entry<Long, OrderBook.PriceLevel>> it = sent.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, OrderBook.PriceLevel> e = it.next();
        if (!window.containsKey(e.getKey())) {
          it.remove();
          changes.put(e.getKey(), new OrderBook.PriceLevel(e.getKey(), 0, 0));
        }
      }
      for (OrderBook.PriceLevel l : window.values()) {
        if (!l.equals(sent.get(l.price()))) {
          sent.put(l.price(), l);
          changes.put(l.price(), l);
        }
      }
    }
    return List.copyOf(changes.values());
  }
}
