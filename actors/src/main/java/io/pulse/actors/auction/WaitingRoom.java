package io.pulse.actors.auction;

import io.pulse.actors.Rejection;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicPush;
import io.pulse.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * The virtual waiting room of one sale, entity id the SKU: one per SKU in the whole cluster, so the
 * admission rate is cluster-wide whichever node a buyer is connected to. Buyers join in arrival order
 * and get a place in the line; from the sale's start, a timer lets in {@code admitPerSecond} from the
 * front (spread over ticks of {@code tick}), and every {@code positionInterval} each waiting buyer with
 * a connection is pushed their place (an ephemeral value on {@code sale:<sku>}, key {@code queue}), a
 * slice of the line per tick; before the start places do not move and nothing is pushed.
 * After the start a buyer who finds nobody waiting and admission capacity left is let in at once.
 * When the {@link Sale} is sold out, everyone waiting is told so and later joins are answered so.
 *
 * <p>Nobody leaves the line, so a place is a ticket number: a buyer's position is their ticket less
 * those admitted, with no scan of the line. The room is kept in memory only (it holds no stock): if
 * its node fails, buyers join again, and the nodes remember who they have admitted already.
 */
public final class WaitingRoom extends AbstractBehavior<WaitingRoom.Command> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "WaitingRoom");

  /** {@code admitPerSecond} <= 0: no waiting room, every buyer is admitted at once. */
  public record Settings(double admitPerSecond, Duration tick, Duration positionInterval) {
    public boolean enabled() {
      return admitPerSecond > 0;
    }
  }

  public static final String ADMITTED = "admitted";
  public static final String WAITING = "waiting";
  public static final String SOLD_OUT = "sold_out";

  /**
   * A buyer's place: {@code state} admitted, waiting or sold_out. While waiting, {@code position} (1 is
   * next) and {@code retryAfterMs}, an estimate of when they will be let in.
   */
  public record Ticket(String sku, String state, long position, long retryAfterMs) implements TopicEvent {}

  public sealed interface Command extends CborSerializable {}

  /** Joins the line (or asks for one's place again). {@code watcher}, if given, is pushed the place as it moves. */
  public record Join(String userId, ActorRef<TopicPush> watcher, ActorRef<StatusReply<Ticket>> replyTo) implements Command {}

  /** The sale is sold out. */
  public record SaleSoldOut() implements Command {}

  record Tick() implements Command {}

  private record Known(Sale.View view, Throwable failure) implements Command {}

  public static void init(ActorSystem<?> system, Settings settings, Duration askTimeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Function<String, RecipientRef<Sale.Command>> sales = sku -> sharding.entityRefFor(Sale.ENTITY_TYPE_KEY, sku);
    sharding.init(
        Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, sales, askTimeout))
            // the line lives in memory: it must not be passivated away
            .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  public static Behavior<Command> create(String sku, Settings settings, Function<String, RecipientRef<Sale.Command>> sales, Duration askTimeout) {
    return create(sku, settings, sales, askTimeout, Clock.systemUTC());
  }

  static Behavior<Command> create(String sku, Settings settings, Function<String, RecipientRef<Sale.Command>> sales, Duration askTimeout, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new WaitingRoom(ctx, timers, sku, settings, sales, askTimeout, clock)));
  }

  private final TimerScheduler<Command> timers;
  private final String sku;
  private final String topic;
  private final Settings settings;
  private final Function<String, RecipientRef<Sale.Command>> sales;
  private final Duration askTimeout;
  private final Clock clock;
  private final double perTick;

  /** Null until the sale answered. */
  private Long startsAt;
  private boolean soldOut;
  private boolean asking;
  private final List<Join> pending = new ArrayList<>();
  private final List<String> line = new ArrayList<>();
  private final Map<String, Integer> ticketOf = new HashMap<>();
  private final Map<String, ActorRef<TopicPush>> watchers = new HashMap<>();
  /** Tickets below this are admitted. */
  private int admittedUpTo;
  private double budget;
  private long ticks;

  private WaitingRoom(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String sku,
      Settings settings,
      Function<String, RecipientRef<Sale.Command>> sales,
      Duration askTimeout,
      Clock clock) {
    super(ctx);
    this.timers = timers;
    this.sku = sku;
    this.topic = Sale.topic(sku);
    this.settings = settings;
    this.sales = sales;
    this.askTimeout = askTimeout;
    this.clock = clock;
    this.perTick = settings.admitPerSecond() * settings.tick().toMillis() / 1000.0;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Join.class, this::onJoin)
        .onMessage(Known.class, this::onKnown)
        .onMessage(Tick.class, t -> onTick())
        .onMessage(SaleSoldOut.class, s -> onSoldOut())
        .build();
  }

  private Behavior<Command> onJoin(Join j) {
    if (startsAt == null && !soldOut) {
      pending.add(j);
      if (!asking) {
        asking = true;
        getContext()
            .pipeToSelf(
                AskPattern.<Sale.Command, Sale.View>askWithStatus(sales.apply(sku), Sale.Get::new, askTimeout, getContext().getSystem().scheduler()),
                Known::new);
      }
      return this;
    }
    j.replyTo().tell(StatusReply.success(join(j)));
    return this;
  }

  private Behavior<Command> onKnown(Known k) {
    asking = false;
    List<Join> joins = List.copyOf(pending);
    pending.clear();
    if (k.failure() != null) {
      Rejection r = Rejection.of(k.failure());
      joins.forEach(j -> j.replyTo().tell(Rejection.reply(r.code(), r.message())));
      // nothing passivates rooms: a room of no sale does not stay
      return Behaviors.stopped();
    }
    startsAt = k.view().startsAt();
    soldOut |= k.view().soldOut();
    timers.startTimerAtFixedRate("tick", new Tick(), settings.tick());
    joins.forEach(j -> j.replyTo().tell(StatusReply.success(join(j))));
    return this;
  }

  private Ticket join(Join j) {
    if (j.watcher() != null) watchers.put(j.userId(), j.watcher());
    if (soldOut) return new Ticket(sku, SOLD_OUT, 0, 0);
    Integer ticket = ticketOf.get(j.userId());
    if (ticket == null) {
      ticket = line.size();
      line.add(j.userId());
      ticketOf.put(j.userId(), ticket);
      // nobody ahead and capacity left: in at once
      if (started() && ticket == admittedUpTo && budget >= 1) {
        budget -= 1;
        admittedUpTo++;
      }
    }
    return ticket(ticket);
  }

  private boolean started() {
    return startsAt != null && clock.millis() >= startsAt;
  }

  private Ticket ticket(int ticket) {
    if (soldOut) return new Ticket(sku, SOLD_OUT, 0, 0);
    if (ticket < admittedUpTo) return new Ticket(sku, ADMITTED, 0, 0);
    long position = ticket - admittedUpTo + 1;
    long untilStart = started() || startsAt == null ? 0 : startsAt - clock.millis();
    long wait = untilStart + (long) Math.ceil(position * 1000.0 / settings.admitPerSecond());
    return new Ticket(sku, WAITING, position, Math.max(100, wait));
  }

  private Behavior<Command> onTick() {
    ticks++;
    // Before the start nobody moves: the place a join answered stands, so there is nothing to push
    // (a crowd of thousands joining in the last minute would otherwise be pushed the same places).
    if (soldOut || !started()) return this;
    // at most one tick's worth is kept for buyers who come later: a steady rate, no burst
    budget = Math.min(budget + perTick, Math.max(1, perTick));
    int admit = (int) Math.min(Math.floor(budget), line.size() - admittedUpTo);
    for (int i = 0; i < admit; i++) {
      String user = line.get(admittedUpTo++);
      ActorRef<TopicPush> w = watchers.get(user);
      if (w != null) w.tell(new TopicPush.Ephemeral(topic, "queue", new Ticket(sku, ADMITTED, 0, 0)));
    }
    budget -= admit;
    pushPositions((int) (ticks % ticksPerPush()), (int) ticksPerPush());
    return this;
  }

  private long ticksPerPush() {
    return Math.max(1, settings.positionInterval().toMillis() / Math.max(1, settings.tick().toMillis()));
  }

  /**
   * Pushes their place to the waiting buyers whose ticket is {@code phase} modulo {@code every}: each
   * tick one slice of the line, so each buyer hears once per {@code positionInterval} and the room
   * never sends the whole line in one burst.
   */
  private void pushPositions(int phase, int every) {
    int first = admittedUpTo + Math.floorMod(phase - admittedUpTo, every);
    for (int t = first; t < line.size(); t += every) {
      ActorRef<TopicPush> w = watchers.get(line.get(t));
      if (w != null) w.tell(new TopicPush.Ephemeral(topic, "queue", ticket(t)));
    }
  }

  private Behavior<Command> onSoldOut() {
    if (soldOut) return this;
    soldOut = true;
    for (int t = admittedUpTo; t < line.size(); t++) {
      ActorRef<TopicPush> w = watchers.get(line.get(t));
      if (w != null) w.tell(new TopicPush.Ephemeral(topic, "queue", new Ticket(sku, SOLD_OUT, 0, 0)));
    }
    timers.cancel("tick");
    return this;
  }
}
