package io.pulse.actors.auction;

import io.pulse.actors.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicPush;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Sale entity (spec, buckets, aggregated stock, sold out) and the WaitingRoom, against probes for their peers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SaleTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final Sale.Settings SETTINGS = new Sale.Settings(8, Duration.ofMillis(50), Duration.ofSeconds(30));

  private final ActorTestKit testKit = ActorTestKit.create("SaleTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private String sku;
  private List<TestProbe<SaleBucket.Command>> buckets;
  private TestProbe<WaitingRoom.Command> room;
  private EventSourcedBehaviorTestKit<Sale.Command, Sale.Event, Sale.State> sale;

  @BeforeEach
  void fresh() {
    sku = "sku-" + ids.incrementAndGet();
    buckets = new ArrayList<>();
    for (int i = 0; i < 8; i++) buckets.add(testKit.createTestProbe());
    room = testKit.createTestProbe();
    sale = EventSourcedBehaviorTestKit.create(
        testKit.system(), Sale.create(sku, SETTINGS, (s, b) -> buckets.get(b).ref(), s -> room.ref(), new TestClock(T0)));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private SaleSpec spec(int units) {
    return new SaleSpec(sku, units, T0, 2, 60_000);
  }

  private void report(int bucket, long seq, int units, int free, int held, int confirmed) {
    sale.runCommand(new Sale.StockReport(new SaleBucket.Stock(sku, bucket, seq, units, free, held, confirmed, confirmed == units)));
  }

  @Test
  void anInvalidSaleIsRefusedAndStoresNothing() {
    for (var bad : List.of(new Sale.Open("op", new SaleSpec(sku, -1, T0, 1, 1000), 1, null), new Sale.Open("op", spec(5), 0, null),
        new Sale.Open("op", spec(5), 9, null), new Sale.Open("op", new SaleSpec("other", 5, T0, 1, 1000), 1, null))) {
      var result = sale.<StatusReply<Sale.View>>runCommand(r -> new Sale.Open(bad.by(), bad.spec(), bad.buckets(), r));
      assertThat(result.reply().isError()).isTrue();
      assertThat(Rejection.of(result.reply().getError()).code()).isEqualTo(StockRules.INVALID_SALE);
      assertThat(result.hasNoEvents()).isTrue();
    }
  }

  @Test
  void askingForASaleNobodyOpenedIsRefusedAndLeavesNothingInMemory() {
    ActorRef<Sale.Command> unknown =
        testKit.spawn(Sale.create("nope-" + sku, SETTINGS, (s, b) -> buckets.get(b).ref(), s -> room.ref(), new TestClock(T0)));
    TestProbe<StatusReply<Sale.View>> reply = testKit.createTestProbe();
    unknown.tell(new Sale.Get(reply.ref()));
    assertThat(Rejection.of(reply.receiveMessage().getError()).code()).isEqualTo(Sale.UNKNOWN_SALE);
    reply.expectTerminated(unknown);
  }

  @Test
  void openingSplitsTheUnitsAcrossBucketsAndAnswersOnceEveryBucketReported() {
    TestProbe<StatusReply<Sale.View>> operator = testKit.createTestProbe();
    sale.runCommand(new Sale.Open("op", spec(5), 2, operator.ref()));
    assertThat(((SaleBucket.Open) buckets.get(0).receiveMessage()).spec().units()).isEqualTo(3);
    assertThat(((SaleBucket.Open) buckets.get(1).receiveMessage()).spec().units()).isEqualTo(2);
    report(0, 1, 3, 3, 0, 0);
    operator.expectNoMessage(Duration.ofMillis(100));
    report(1, 1, 2, 2, 0, 0);
    Sale.View view = operator.receiveMessage().getValue();
    assertThat(view.buckets()).isEqualTo(2);
    assertThat(view.remaining()).isEqualTo(5);
    assertThat(view.status()).isEqualTo("open");

    var again = sale.<StatusReply<Sale.View>>runCommand(r -> new Sale.Open("op", spec(5), 2, r));
    assertThat(again.reply().getValue().units()).isEqualTo(5);
    assertThat(again.hasNoEvents()).isTrue();
    var other = sale.<StatusReply<Sale.View>>runCommand(r -> new Sale.Open("op", spec(6), 2, r));
    assertThat(Rejection.of(other.reply().getError()).code()).isEqualTo(Sale.ALREADY_OPEN);
  }

  @Test
  void watchersSeeTheStockAndASoldOutEventOnceEveryBucketIsExhausted() {
    TestProbe<StatusReply<Sale.View>> operator = testKit.createTestProbe();
    sale.runCommand(new Sale.Open("op", spec(4), 2, operator.ref()));
    report(0, 1, 2, 2, 0, 0);
    report(1, 1, 2, 2, 0, 0);
    operator.receiveMessage();
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    TestProbe<StatusReply<Sale.Subscribed>> subscribed = testKit.createTestProbe();
    sale.runCommand(new Sale.Subscribe("eve", -1, watcher.ref(), subscribed.ref()));
    assertThat(subscribed.receiveMessage().getValue().lastSeq()).isEqualTo(1);
    TopicPush.Ephemeral now = (TopicPush.Ephemeral) watcher.receiveMessage();
    assertThat(((Sale.StockLevel) now.event()).remaining()).isEqualTo(4);

    report(0, 3, 2, 0, 0, 2);
    report(0, 2, 2, 1, 1, 0); // stale: older than the one before
    report(1, 2, 2, 0, 2, 0);
    assertThat(sale.getState().soldOut()).isFalse();
    report(1, 4, 2, 0, 0, 2);
    assertThat(sale.getState().soldOut()).isTrue();
    assertThat(room.receiveMessage()).isInstanceOf(WaitingRoom.SaleSoldOut.class);
    TopicPush.Appended soldOut = null;
    Sale.StockLevel last = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while ((soldOut == null || last == null || last.sold() != 4) && System.nanoTime() < deadline) {
      TopicPush p = watcher.receiveMessage();
      if (p instanceof TopicPush.Appended a) soldOut = a;
      if (p instanceof TopicPush.Ephemeral e) last = (Sale.StockLevel) e.event();
    }
    assertThat(soldOut.seq()).isEqualTo(2);
    assertThat(soldOut.event()).isInstanceOf(Sale.SoldOut.class);
    assertThat(last.remaining()).isZero();
    assertThat(last.sold()).isEqualTo(4);
    // recovery keeps it sold out and asks the buckets again
    assertThat(sale.restart().state().soldOut()).isTrue();
    assertThat(buckets.get(1).receiveMessage()).isInstanceOf(SaleBucket.Open.class);
  }

  // ---- the waiting room --------------------------------------------------------------------------

  private ActorRef<Sale.Command> fakeSale(long startsAt) {
    return testKit.spawn(
        Behaviors.receiveMessage(
            (Sale.Command c) -> {
              if (c instanceof Sale.Get g) {
                g.replyTo().tell(StatusReply.success(new Sale.View(sku, 10, startsAt, 1, 1000, 1, "op", 10, 0, 0, false, "open", 1, 1)));
              }
              return Behaviors.same();
            }));
  }

  @Test
  void bucketsReportingTheSameCountsPushNothingNew() {
    TestProbe<StatusReply<Sale.View>> operator = testKit.createTestProbe();
    sale.runCommand(new Sale.Open("op", spec(4), 1, operator.ref()));
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    sale.runCommand(new Sale.Subscribe("eve", -1, watcher.ref(), testKit.<StatusReply<Sale.Subscribed>>createTestProbe().ref()));
    assertThat(((Sale.StockLevel) ((TopicPush.Ephemeral) watcher.receiveMessage()).event()).remaining()).isEqualTo(4);
    report(0, 1, 4, 4, 0, 0);
    operator.receiveMessage();
    // the first report is pushed; re-reports with the same counts (a bucket's refresh before the start) are not
    assertThat(((Sale.StockLevel) ((TopicPush.Ephemeral) watcher.receiveMessage()).event()).remaining()).isEqualTo(4);
    report(0, 2, 4, 4, 0, 0);
    report(0, 3, 4, 4, 0, 0);
    watcher.expectNoMessage(Duration.ofMillis(300)); // six push intervals
    report(0, 4, 4, 3, 1, 0);
    assertThat(((Sale.StockLevel) ((TopicPush.Ephemeral) watcher.receiveMessage()).event()).held()).isEqualTo(1);
  }

  @Test
  void theWaitingRoomLetsBuyersInAtItsRateFromTheStartAndTellsThemTheirPlace() {
    long startsAt = System.currentTimeMillis() + 400;
    ActorRef<Sale.Command> fake = fakeSale(startsAt);
    var roomRef = testKit.spawn(
        WaitingRoom.create(sku, new WaitingRoom.Settings(10, Duration.ofMillis(100), Duration.ofMillis(100)), s -> fake, Duration.ofSeconds(3), Clock.systemUTC()));
    TestProbe<StatusReply<WaitingRoom.Ticket>> replies = testKit.createTestProbe();
    List<TestProbe<TopicPush>> watchers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      TestProbe<TopicPush> w = testKit.createTestProbe();
      watchers.add(w);
      roomRef.tell(new WaitingRoom.Join("u" + i, w.ref(), replies.ref()));
      WaitingRoom.Ticket t = replies.receiveMessage().getValue();
      assertThat(t.state()).isEqualTo(WaitingRoom.WAITING);
      assertThat(t.position()).isEqualTo(i + 1);
      assertThat(t.retryAfterMs()).isPositive();
    }
    // one per tick at 10/s: the first is in ~100 ms after the start, the fourth ~400 ms after
    for (int i = 0; i < 4; i++) {
      TestProbe<TopicPush> w = watchers.get(i);
      WaitingRoom.Ticket seen;
      do {
        seen = (WaitingRoom.Ticket) ((TopicPush.Ephemeral) w.receiveMessage(Duration.ofSeconds(3))).event();
      } while (!seen.state().equals(WaitingRoom.ADMITTED));
    }
    roomRef.tell(new WaitingRoom.Join("u0", null, replies.ref()));
    assertThat(replies.receiveMessage().getValue().state()).isEqualTo(WaitingRoom.ADMITTED);
    roomRef.tell(new WaitingRoom.SaleSoldOut());
    roomRef.tell(new WaitingRoom.Join("late", null, replies.ref()));
    assertThat(replies.receiveMessage().getValue().state()).isEqualTo(WaitingRoom.SOLD_OUT);
  }

  @Test
  void placesAreNotPushedBeforeTheStartAndMoveAfterIt() {
    long startsAt = System.currentTimeMillis() + 700;
    ActorRef<Sale.Command> fake = fakeSale(startsAt);
    // 2 in per second, a tick of 100 ms, places every 300 ms: each buyer hears every third tick
    var roomRef = testKit.spawn(
        WaitingRoom.create(sku, new WaitingRoom.Settings(2, Duration.ofMillis(100), Duration.ofMillis(300)), s -> fake, Duration.ofSeconds(3), Clock.systemUTC()));
    TestProbe<StatusReply<WaitingRoom.Ticket>> replies = testKit.createTestProbe();
    List<TestProbe<TopicPush>> watchers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      TestProbe<TopicPush> w = testKit.createTestProbe();
      watchers.add(w);
      roomRef.tell(new WaitingRoom.Join("u" + i, w.ref(), replies.ref()));
      assertThat(replies.receiveMessage().getValue().position()).isEqualTo(i + 1);
    }
    // the answer to the join stands until the start: nothing is pushed before it
    long beforeStart = startsAt - System.currentTimeMillis() - 100;
    if (beforeStart > 0) watchers.get(2).expectNoMessage(Duration.ofMillis(beforeStart));
    // after it the last buyer hears its place move up, then that it is in
    TestProbe<TopicPush> last = watchers.get(2);
    List<Long> places = new ArrayList<>();
    WaitingRoom.Ticket seen;
    do {
      seen = (WaitingRoom.Ticket) ((TopicPush.Ephemeral) last.receiveMessage(Duration.ofSeconds(3))).event();
      if (seen.state().equals(WaitingRoom.WAITING)) places.add(seen.position());
    } while (!seen.state().equals(WaitingRoom.ADMITTED));
    assertThat(places).isNotEmpty().isSortedAccordingTo(java.util.Comparator.reverseOrder());
    assertThat(places.get(places.size() - 1)).isLessThan(3);
  }

  @Test
  void aJoinForASaleThatDoesNotExistIsRefused() {
    ActorRef<Sale.Command> none = testKit.spawn(
        Behaviors.receiveMessage(
            (Sale.Command c) -> {
              if (c instanceof Sale.Get g) g.replyTo().tell(Rejection.reply(Sale.UNKNOWN_SALE, "no sale"));
              return Behaviors.same();
            }));
    var roomRef = testKit.spawn(WaitingRoom.create(sku, new WaitingRoom.Settings(10, Duration.ofMillis(100), Duration.ofSeconds(1)), s -> none, Duration.ofSeconds(3)));
    TestProbe<StatusReply<WaitingRoom.Ticket>> replies = testKit.createTestProbe();
    roomRef.tell(new WaitingRoom.Join("u", null, replies.ref()));
    assertThat(Rejection.of(replies.receiveMessage().getError()).code()).isEqualTo(Sale.UNKNOWN_SALE);
  }
}
