package io.pulse.actors.auction;

import io.pulse.actors.GroupCommit;
import io.pulse.actors.Rejection;
import io.pulse.actors.auction.AuctionEvent.AuctionCreated;
import io.pulse.actors.auction.AuctionEvent.BidAccepted;
import io.pulse.actors.auction.AuctionEvent.Closed;
import io.pulse.actors.auction.AuctionEvent.EndExtended;
import io.pulse.actors.topic.JournalEvents;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * One live auction: a sharded, event-sourced entity that owns an {@link AuctionBook} and decides every
 * command with {@link AuctionRules}. The journal holds the rules' own {@link AuctionEvent}s (a bid with
 * its bidder's secret maximum, so the book replays exactly); subscribers of {@code auction:<id>} get a
 * public projection of each one ({@link #publicOf}) with the journal's sequence number, which never
 * carries a maximum, live from the child {@link TopicFanout} or read back from the journal on resume.
 *
 * <p>The end is persisted state: the close timer is armed at {@link AuctionBook#endsAt()} after the
 * creation, after every extension and on every recovery, so an auction whose end passed while no node
 * ran it closes as soon as it starts again. Sharding remembers auction entities (see {@link #init}), so
 * a restarted cluster starts them by itself. While open, the time left is broadcast every {@code
 * timeLeftInterval} (ephemeral: conflated per connection, never persisted).
 */
public final class Auction extends EventSourcedBehaviorWithEnforcedReplies<Auction.Command, AuctionEvent, Auction.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Auction");
  public static final String TOPIC_KIND = "auction";
  public static final String NOT_FOUND = "not_found";
  public static final String ALREADY_EXISTS = "already_exists";

  /** pulse.auctions in config. */
  public record Settings(int recentEvents, int snapshotEvery, Duration timeLeftInterval) {}

  public static String topic(String auctionId) {
    return TOPIC_KIND + ":" + auctionId;
  }

  // ---- replies ------------------------------------------------------------------------------------

  /**
   * What a reader sees. {@code reservePrice} only for the seller; {@code yourMaximum} only for the
   * current leader (their own secret). {@code status}: scheduled, open or closed.
   */
  public record View(
      String auctionId,
      String seller,
      String item,
      long startingPrice,
      IncrementRule increment,
      Long reservePrice,
      boolean hasReserve,
      boolean reserveMet,
      long price,
      String leader,
      int bids,
      long minimumBid,
      long startsAt,
      long endsAt,
      long hardEndAt,
      String status,
      Closed closed,
      Long yourMaximum,
      long seq)
      implements CborSerializable {}

  /** An accepted bid. {@code seq}: the journal sequence number of the bid event (the first one's on a replay). */
  public record BidAck(
      String auctionId, long seq, long price, String leader, boolean leading, long maximum, long minimumBid, long endsAt, boolean duplicate)
      implements CborSerializable {}

  /** A bid's answer: accepted, or refused with the rules' code (and the winning amount for bid_too_low). */
  public record BidOutcome(BidAck accepted, AuctionRules.Refusal refused) implements CborSerializable {}

  public record Subscribed(long lastSeq, ActorRef<TopicFanout.Command> fanout) implements CborSerializable {}

  // ---- commands -----------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** {@code spec.seller()} is the creator. */
  public record Create(AuctionSpec spec, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Bid(String bidder, long maximum, String idempotencyKey, ActorRef<StatusReply<BidOutcome>> replyTo) implements Command {}

  public record Get(String user, ActorRef<StatusReply<View>> replyTo) implements Command {}

  /** Every event after {@code since} (none if negative), then the live stream. */
  public record Subscribe(String user, long since, ActorRef<io.pulse.actors.topic.TopicPush> watcher, ActorRef<StatusReply<Subscribed>> replyTo)
      implements Command {}

  public record Unsubscribe(ActorRef<io.pulse.actors.topic.TopicPush> watcher) implements Command {}

  /** Writes grouped by {@link GroupCommit}. Local only. */
  public record Batch(List<Command> commands, ActorRef<GroupCommit.Signal> front) implements Command {}

  /** The close timer: closes the auction if its (possibly extended) end has passed. */
  record CloseDue() implements Command {}

  /** The time-left timer. */
  record Tick() implements Command {}

  // ---- what subscribers see: public, never a maximum or the reserve ----------------------------------

  public record Opened(String seller, String item, long startingPrice, boolean hasReserve, long startsAt, long endsAt, long hardEndAt, long at)
      implements TopicEvent {}

  public record BidPlaced(String bidder, long price, String leader, long at) implements TopicEvent {}

  public record Extended(long endsAt) implements TopicEvent {}

  /** {@code winner} null when nobody bid or the reserve was not met. */
  public record Ended(String winner, long price, boolean reserveMet, long at) implements TopicEvent {}

  /** Ephemeral: the current end and what is left of it at {@code at}. */
  public record TimeLeft(long endsAt, long msLeft, long at) implements TopicEvent {}

  public static TopicEvent publicOf(AuctionEvent event) {
    if (event instanceof AuctionCreated c) {
      AuctionSpec s = c.spec();
      return new Opened(s.seller(), s.item(), s.startingPrice(), s.reservePrice() != null, s.startsAt(), s.endsAt(), s.hardEndAt(), c.at());
    }
    if (event instanceof BidAccepted b) return new BidPlaced(b.bidder(), b.priceAfter(), b.leaderAfter(), b.at());
    if (event instanceof EndExtended e) return new Extended(e.newEnd());
    Closed c = (Closed) event;
    return new Ended(c.winner(), c.price(), c.reserveMet(), c.at());
  }

  /** Reads the journal back as what subscribers see. */
  public static TopicFanout.History history(JournalEvents journal) {
    return (pid, from, to) -> journal.read(pid, from, to, (seq, e) -> new TopicFanout.Entry(seq, publicOf((AuctionEvent) e)));
  }

  // ---- state --------------------------------------------------------------------------------------

  /** {@code book} null until created; {@code recent}: the newest public events, for resumes without a journal read. */
  public record State(AuctionBook book, long seq, List<TopicFanout.Entry> recent) implements CborSerializable {
    public State {
      recent = recent instanceof PVector<TopicFanout.Entry> p ? p : TreePVector.from(recent);
    }

    static final State EMPTY = new State(null, 0, List.of());

    boolean created() {
      return book != null;
    }

    long oldestBase() {
      return recent.isEmpty() ? seq : recent.get(0).seq() - 1;
    }
  }

  static State apply(State s, AuctionEvent event, int recentEvents) {
    long seq = s.seq() + 1;
    PVector<TopicFanout.Entry> recent = ((PVector<TopicFanout.Entry>) s.recent()).plus(new TopicFanout.Entry(seq, publicOf(event)));
    if (recent.size() > recentEvents) recent = recent.minus(0);
    AuctionBook book = event instanceof AuctionCreated c ? AuctionBook.initial(c.spec()) : s.book().apply(event);
    return new State(book, seq, recent);
  }

  // ---- wiring -------------------------------------------------------------------------------------

  /**
   * Auctions are remembered by sharding (in the journal), so after a restart of every node each auction
   * starts again by itself and its close timer runs without anyone touching it.
   */
  public static void init(ActorSystem<?> system, Settings settings, TopicFanout.History history) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_TYPE_KEY, ctx -> GroupCommit.create(front -> create(ctx.getEntityId(), settings, history, front), Auction::isWrite, Batch::new))
                .withSettings(
                    ClusterShardingSettings.create(system)
                        .withRememberEntities(true)
                        .withRememberEntitiesStoreMode(ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())));
  }

  public static Behavior<Command> create(String auctionId, Settings settings, TopicFanout.History history, ActorRef<GroupCommit.Signal> front) {
    return create(auctionId, settings, history, front, Clock.systemUTC());
  }

  static Behavior<Command> create(String auctionId, Settings settings, TopicFanout.History history, ActorRef<GroupCommit.Signal> front, Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  String pid = PersistenceId.of(ENTITY_TYPE_KEY.name(), auctionId).id();
                  ActorRef<TopicFanout.Command> fanout =
                      ctx.spawn(TopicFanout.create(topic(auctionId), pid, history, TopicFanout.PresenceThrough.UNCHANGED), "fanout");
                  return new Auction(ctx, timers, auctionId, settings, fanout, front, clock);
                }));
  }

  public static boolean isWrite(Command c) {
    return c instanceof Create || c instanceof Bid;
  }

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final String auctionId;
  private final Settings settings;
  private final ActorRef<TopicFanout.Command> fanout;
  private final ActorRef<GroupCommit.Signal> front;
  private final Clock clock;

  private Auction(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String auctionId,
      Settings settings,
      ActorRef<TopicFanout.Command> fanout,
      ActorRef<GroupCommit.Signal> front,
      Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), auctionId), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ctx = ctx;
    this.timers = timers;
    this.auctionId = auctionId;
    this.settings = settings;
    this.fanout = fanout;
    this.front = front;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              // The end is persisted: re-arm the close (at once if it already passed) and the time left.
              armTimers(state);
              if (front != null) front.tell(GroupCommit.Signal.RECOVERED);
            })
        .build();
  }

  private void armTimers(State state) {
    if (!state.created() || state.book().ended()) {
      timers.cancel("close");
      timers.cancel("tick");
      return;
    }
    timers.startSingleTimer("close", new CloseDue(), Duration.ofMillis(Math.max(0, state.book().endsAt() - now())));
    if (!timers.isTimerActive("tick")) timers.startTimerAtFixedRate("tick", new Tick(), settings.timeLeftInterval());
  }

  // ---- commands -----------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, AuctionEvent, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Batch.class, (state, batch) -> write(state, batch.commands(), batch.front()))
        .onCommand(Create.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(Bid.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(CloseDue.class, (state, c) -> write(state, List.of(c), null))
        .onCommand(Tick.class, this::onTick)
        .onCommand(Get.class, this::onGet)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(
            Unsubscribe.class,
            (state, c) -> {
              fanout.tell(new TopicFanout.Unregister(c.watcher()));
              return Effect().noReply();
            })
        .build();
  }

  private ReplyEffect<AuctionEvent, State> write(State state, List<Command> commands, ActorRef<GroupCommit.Signal> front) {
    return GroupCommit.write(Effect(), state, commands, writer, front);
  }

  private final GroupCommit.Writer<Command, AuctionEvent, State> writer = GroupCommit.Writer.of(this::decide, this::applied, this::published);

  private State applied(State state, AuctionEvent event) {
    return apply(state, event, settings.recentEvents());
  }

  private GroupCommit.Decision<AuctionEvent, State> decide(State state, Command command) {
    if (command instanceof Bid c) return decideBid(state, c);
    if (command instanceof Create c) return decideCreate(state, c);
    if (command instanceof CloseDue) return decideClose(state);
    throw new IllegalArgumentException("not a write: " + command);
  }

  private GroupCommit.Decision<AuctionEvent, State> decideCreate(State state, Create c) {
    if (state.created()) {
      // a resent create of the same auction is answered again; another spec under this id is refused
      if (state.book().spec().equals(c.spec())) return GroupCommit.Decision.answer(c.replyTo(), view(state, c.spec().seller()));
      return GroupCommit.Decision.reject(c.replyTo(), ALREADY_EXISTS, "auction " + auctionId + " exists");
    }
    AuctionRules.Decision d = AuctionRules.create(c.spec(), now());
    if (d instanceof AuctionRules.Refused r) return GroupCommit.Decision.reject(c.replyTo(), r.refusal().code(), r.refusal().reason());
    return new GroupCommit.Decision<>(d.events(), s -> c.replyTo().tell(StatusReply.success(view(s, c.spec().seller()))));
  }

  private GroupCommit.Decision<AuctionEvent, State> decideBid(State state, Bid c) {
    if (!state.created()) return GroupCommit.Decision.reject(c.replyTo(), NOT_FOUND, "no auction " + auctionId);
    AuctionRules.Decision d = AuctionRules.bid(state.book(), c.bidder(), c.maximum(), now(), c.idempotencyKey());
    if (d instanceof AuctionRules.Refused r) return GroupCommit.Decision.answer(c.replyTo(), new BidOutcome(null, r.refusal()));
    if (d instanceof AuctionRules.Replayed r) {
      BidAccepted first = r.first();
      long seq = seqOf(state, first);
      BidAck ack =
          new BidAck(auctionId, seq, first.priceAfter(), first.leaderAfter(), first.leaderAfter().equals(c.bidder()), first.maximum(),
              state.book().minimumBid(), state.book().endsAt(), true);
      return GroupCommit.Decision.answer(c.replyTo(), new BidOutcome(ack, null));
    }
    long before = state.seq();
    return new GroupCommit.Decision<>(
        d.events(),
        s -> {
          AuctionBook b = s.book();
          // the bid's own event is the first of its events
          BidAck ack = new BidAck(auctionId, before + 1, b.price(), b.leader(), c.bidder().equals(b.leader()), c.maximum(), b.minimumBid(), b.endsAt(), false);
          c.replyTo().tell(StatusReply.success(new BidOutcome(ack, null)));
        });
  }

  /** The sequence number of an earlier bid, when memory still holds it; 0 when it is older. */
  private static long seqOf(State state, BidAccepted bid) {
    for (TopicFanout.Entry e : state.recent()) {
      if (e.event() instanceof BidPlaced p && p.at() == bid.at() && p.bidder().equals(bid.bidder()) && p.price() == bid.priceAfter()) return e.seq();
    }
    return 0;
  }

  private GroupCommit.Decision<AuctionEvent, State> decideClose(State state) {
    if (!state.created() || state.book().ended()) return new GroupCommit.Decision<>(List.of(), s -> {});
    AuctionRules.Decision d = AuctionRules.close(state.book(), now());
    // not ended (extended meanwhile): the timer is armed again at the new end
    if (d instanceof AuctionRules.Refused) return new GroupCommit.Decision<>(List.of(), this::armTimers);
    return new GroupCommit.Decision<>(d.events(), s -> {});
  }

  private ReplyEffect<AuctionEvent, State> onTick(State state, Tick t) {
    if (!state.created() || state.book().ended()) {
      timers.cancel("tick");
      return Effect().noReply();
    }
    broadcastTimeLeft(state);
    return Effect().noReply();
  }

  private void broadcastTimeLeft(State state) {
    long now = now();
    long endsAt = state.book().endsAt();
    fanout.tell(new TopicFanout.Broadcast("time", new TimeLeft(endsAt, Math.max(0, endsAt - now), now)));
  }

  private ReplyEffect<AuctionEvent, State> onGet(State state, Get c) {
    if (!state.created()) return Effect().reply(c.replyTo(), Rejection.reply(NOT_FOUND, "no auction " + auctionId));
    return Effect().reply(c.replyTo(), StatusReply.success(view(state, c.user())));
  }

  private ReplyEffect<AuctionEvent, State> onSubscribe(State state, Subscribe c) {
    if (!state.created()) return Effect().reply(c.replyTo(), Rejection.reply(NOT_FOUND, "no auction " + auctionId));
    long since = c.since() < 0 ? state.seq() : Math.min(c.since(), state.seq());
    List<TopicFanout.Entry> replay;
    long journalFrom = 1;
    long journalTo = 0;
    if (since >= state.oldestBase()) {
      replay = state.recent().stream().filter(e -> e.seq() > since).toList();
    } else {
      replay = state.recent();
      journalFrom = since + 1;
      journalTo = state.oldestBase();
    }
    fanout.tell(new TopicFanout.Register(c.user(), c.watcher(), replay, journalFrom, journalTo));
    if (!state.book().ended()) {
      long now = now();
      // the time left at once, not only at the next tick
      fanout.tell(new TopicFanout.Broadcast("time", new TimeLeft(state.book().endsAt(), Math.max(0, state.book().endsAt() - now), now)));
    }
    return Effect().reply(c.replyTo(), StatusReply.success(new Subscribed(state.seq(), fanout)));
  }

  private void published(State state, AuctionEvent event) {
    fanout.tell(new TopicFanout.Published(new TopicFanout.Entry(state.seq(), publicOf(event))));
    if (event instanceof AuctionCreated || event instanceof EndExtended) {
      armTimers(state);
      broadcastTimeLeft(state);
    } else if (event instanceof Closed) {
      armTimers(state); // cancels both
    }
  }

  private View view(State state, String user) {
    AuctionBook b = state.book();
    AuctionSpec s = b.spec();
    long now = now();
    String status = b.ended() ? "closed" : now < s.startsAt() ? "scheduled" : "open";
    boolean seller = s.seller().equals(user);
    Long yourMaximum = user != null && user.equals(b.leader()) ? b.leaderMaximum() : null;
    return new View(
        auctionId,
        s.seller(),
        s.item(),
        s.startingPrice(),
        s.increment(),
        seller ? s.reservePrice() : null,
        s.reservePrice() != null,
        b.reserveMet(),
        b.price(),
        b.leader(),
        b.bids().size(),
        b.minimumBid(),
        s.startsAt(),
        b.endsAt(),
        s.hardEndAt(),
        status,
        b.closed(),
        yourMaximum,
        state.seq());
  }

  private long now() {
    return clock.millis();
  }

  // ---- events -------------------------------------------------------------------------------------

  @Override
  public EventHandler<State, AuctionEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> apply(state, event, settings.recentEvents()));
  }
}
