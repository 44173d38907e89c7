package io.pulse.actors.auction;

import io.pulse.actors.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import io.pulse.actors.topic.TopicFanout;
import io.pulse.actors.topic.TopicPush;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Auction entity on the in-memory journal, with a clock moved by hand. The kit checks that every
 * command, event, reply and state survives CBOR; a snapshot every 5 events makes restarts recover from
 * a snapshot plus the events after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuctionTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long END = T0 + 60_000;
  private static final Auction.Settings SETTINGS = new Auction.Settings(4, 5, Duration.ofMillis(200));

  private final ActorTestKit testKit = ActorTestKit.create("AuctionTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private TestClock clock;
  private String id;
  private EventSourcedBehaviorTestKit<Auction.Command, AuctionEvent, Auction.State> auction;

  @BeforeEach
  void fresh() {
    clock = new TestClock(T0);
    id = "a-" + ids.incrementAndGet();
    auction = EventSourcedBehaviorTestKit.create(testKit.system(), Auction.create(id, SETTINGS, history(), null, clock));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  /** The journal as subscribers see it, from the kit's in-memory storage. */
  private TopicFanout.History history() {
    return (pid, from, to) -> {
      List<Object> events = auction.persistenceTestKit().persistedInStorage(pid);
      List<TopicFanout.Entry> out = new ArrayList<>();
      for (long seq = from; seq <= to; seq++) out.add(new TopicFanout.Entry(seq, Auction.publicOf((AuctionEvent) events.get((int) seq - 1))));
      return CompletableFuture.completedFuture(out);
    };
  }

  private static AuctionSpec spec(Long reserve, long snipeWindow, long extendBy, long hardEnd) {
    return new AuctionSpec("sam", "Lamp", 1_000, IncrementRule.fixed(100), reserve, T0, END, snipeWindow, extendBy, hardEnd);
  }

  private Auction.View created(AuctionSpec spec) {
    var result = auction.<StatusReply<Auction.View>>runCommand(r -> new Auction.Create(spec, r));
    return ok(result.reply());
  }

  private Auction.View created() {
    return created(spec(null, 10_000, 20_000, END + 60_000));
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<Auction.Command, AuctionEvent, Auction.State, StatusReply<Auction.BidOutcome>> bid(
      String bidder, long maximum, String key) {
    return auction.runCommand(r -> new Auction.Bid(bidder, maximum, key, r));
  }

  private Auction.BidAck accepted(String bidder, long maximum, String key) {
    Auction.BidOutcome outcome = ok(bid(bidder, maximum, key).reply());
    assertThat(outcome.refused()).as("refusal").isNull();
    return outcome.accepted();
  }

  private AuctionRules.Refusal refused(String bidder, long maximum, String key) {
    var result = bid(bidder, maximum, key);
    assertThat(result.hasNoEvents()).as("a refused bid persists nothing").isTrue();
    Auction.BidOutcome outcome = ok(result.reply());
    assertThat(outcome.accepted()).isNull();
    return outcome.refused();
  }

  private static <T> T ok(StatusReply<T> reply) {
    assertThat(reply.isSuccess()).as("%s", reply).isTrue();
    return reply.getValue();
  }

  private static String code(StatusReply<?> reply) {
    assertThat(reply.isError()).as("expected a rejection, got %s", reply).isTrue();
    return Rejection.of(reply.getError()).code();
  }

  private List<Object> persisted() {
    return auction.persistenceTestKit().persistedInStorage("Auction|" + id);
  }

  private void awaitPersisted(int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (persisted().size() < count) {
      if (System.nanoTime() > deadline) throw new AssertionError("expected " + count + " events, have " + persisted());
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
    }
  }

  @Test
  void aSellerCreatesAnAuctionOnceAndAnInvalidSpecStoresNothing() {
    var invalid = auction.<StatusReply<Auction.View>>runCommand(
        r -> new Auction.Create(new AuctionSpec("sam", "", 1_000, IncrementRule.fixed(100), null, T0, END, 0, 0, END), r));
    assertThat(code(invalid.reply())).isEqualTo(AuctionRules.INVALID_AUCTION);
    assertThat(invalid.hasNoEvents()).isTrue();

    Auction.View view = created();
    assertThat(view.status()).isEqualTo("open");
    assertThat(view.minimumBid()).isEqualTo(1_000);
    assertThat(view.seq()).isEqualTo(1);
    // the same create again answers the same; other terms under this id are refused
    assertThat(created().seq()).isEqualTo(1);
    var other = auction.<StatusReply<Auction.View>>runCommand(r -> new Auction.Create(spec(5_000L, 0, 0, END), r));
    assertThat(code(other.reply())).isEqualTo(Auction.ALREADY_EXISTS);
    assertThat(persisted()).hasSize(1);
  }

  @Test
  void badBidsAreRefusedWithStableCodesAndStoreNothing() {
    var unknown = bid("bob", 2_000, null);
    assertThat(code(unknown.reply())).isEqualTo(Auction.NOT_FOUND);
    assertThat(unknown.hasNoEvents()).isTrue();

    clock.set(T0 - 1_000);
    created();
    assertThat(refused("bob", 2_000, null).code()).isEqualTo(AuctionRules.NOT_STARTED);
    clock.set(T0 + 1_000);
    assertThat(refused("sam", 2_000, null).code()).isEqualTo(AuctionRules.SELLER_CANNOT_BID);
    assertThat(refused("bob", 0, null).code()).isEqualTo(AuctionRules.INVALID_AMOUNT);
    assertThat(refused("bob", -5, null).code()).isEqualTo(AuctionRules.INVALID_AMOUNT);
    AuctionRules.Refusal low = refused("bob", 999, null);
    assertThat(low.code()).isEqualTo(AuctionRules.BID_TOO_LOW);
    assertThat(low.minimumAmount()).isEqualTo(1_000);
    assertThat(persisted()).hasSize(1);
  }

  @Test
  void proxyBiddingRaisesThePriceJustEnoughAndHidesTheMaximum() {
    created();
    clock.advance(1_000);
    Auction.BidAck alice = accepted("alice", 5_000, "k1");
    assertThat(alice.price()).isEqualTo(1_000);
    assertThat(alice.leading()).isTrue();
    assertThat(alice.seq()).isEqualTo(2);
    Auction.BidAck bob = accepted("bob", 3_000, "k1"); // same key, another bidder: keys are scoped
    assertThat(bob.leading()).isFalse();
    assertThat(bob.leader()).isEqualTo("alice");
    assertThat(bob.price()).isEqualTo(3_100);
    AuctionRules.Refusal low = refused("bob", 3_100, null);
    assertThat(low.minimumAmount()).isEqualTo(3_200);

    Auction.View asBob = ok(auction.<StatusReply<Auction.View>>runCommand(r -> new Auction.Get("bob", r)).reply());
    assertThat(asBob.yourMaximum()).isNull();
    assertThat(asBob.leader()).isEqualTo("alice");
    Auction.View asAlice = ok(auction.<StatusReply<Auction.View>>runCommand(r -> new Auction.Get("alice", r)).reply());
    assertThat(asAlice.yourMaximum()).isEqualTo(5_000);
  }

  @Test
  void aRetriedBidCountsOnceAndAKeyReusedForAnotherBidIsRefused() {
    created();
    clock.advance(1_000);
    Auction.BidAck first = accepted("bob", 2_000, "bid-1");
    Auction.BidOutcome again = ok(bid("bob", 2_000, "bid-1").reply());
    assertThat(again.accepted().duplicate()).isTrue();
    assertThat(again.accepted().seq()).isEqualTo(first.seq());
    assertThat(again.accepted().price()).isEqualTo(first.price());
    assertThat(refused("bob", 2_500, "bid-1").code()).isEqualTo(AuctionRules.IDEMPOTENCY_KEY_REUSED);
    assertThat(persisted()).hasSize(2);
    // after a restart the key is still known
    auction.restart();
    assertThat(ok(bid("bob", 2_000, "bid-1").reply()).accepted().duplicate()).isTrue();
    assertThat(persisted()).hasSize(2);
  }

  @Test
  void subscribersGetEveryBidInOrderWithoutMaximaAndResumeFromTheJournal() {
    created();
    clock.advance(1_000);
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    TestProbe<StatusReply<Auction.Subscribed>> subscribed = testKit.createTestProbe();
    auction.runCommand(new Auction.Subscribe("eve", -1, watcher.ref(), subscribed.ref()));
    assertThat(subscribed.receiveMessage().getValue().lastSeq()).isEqualTo(1);
    accepted("alice", 5_000, null);
    accepted("bob", 3_000, null);
    List<TopicPush.Appended> live = new ArrayList<>();
    while (live.size() < 2) {
      TopicPush p = watcher.receiveMessage();
      if (p instanceof TopicPush.Appended a) live.add(a);
      else assertThat(p).isInstanceOf(TopicPush.Ephemeral.class);
    }
    assertThat(live).extracting(TopicPush.Appended::seq).containsExactly(2L, 3L);
    assertThat(live.get(1).event()).isEqualTo(new Auction.BidPlaced("bob", 3_100, "alice", T0 + 1_000));

    // more bids than the 4 kept in memory: a resume from seq 1 reads the journal first
    for (int i = 0; i < 5; i++) accepted("carol", 10_000 + i * 1_000, null);
    TestProbe<TopicPush> late = testKit.createTestProbe();
    auction.runCommand(new Auction.Subscribe("eve", 1, late.ref(), subscribed.ref()));
    subscribed.receiveMessage();
    List<Long> seqs = new ArrayList<>();
    while (seqs.size() < 7) {
      TopicPush p = late.receiveMessage();
      if (p instanceof TopicPush.Appended a) {
        seqs.add(a.seq());
        assertThat(a.event()).isInstanceOf(Auction.BidPlaced.class);
      }
    }
    assertThat(seqs).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L);
  }

  @Test
  void aLateBidExtendsTheEndAndTheCloseWaitsForIt() {
    created(); // snipe window 10 s, extend by 20 s, hard end END + 60 s
    clock.set(END - 5_000);
    var result = bid("bob", 2_000, null);
    assertThat(result.events()).hasSize(2);
    assertThat(result.events().get(1)).isEqualTo(new AuctionEvent.EndExtended(END + 15_000));
    clock.set(END + 1_000);
    // the timer of the old end fires: not ended yet, nothing persisted
    assertThat(auction.runCommand(new Auction.CloseDue()).hasNoEvents()).isTrue();
    clock.set(END + 15_000);
    var closed = auction.runCommand(new Auction.CloseDue());
    assertThat(closed.events()).containsExactly(new AuctionEvent.Closed("bob", 1_000, true, END + 15_000));
    assertThat(refused("carol", 5_000, null).code()).isEqualTo(AuctionRules.AUCTION_CLOSED);
  }

  @Test
  void aReserveNotMetClosesWithoutAWinner() {
    created(spec(5_000L, 0, 0, END));
    clock.advance(1_000);
    accepted("bob", 2_000, null);
    clock.set(END);
    var closed = auction.runCommand(new Auction.CloseDue());
    assertThat(closed.events()).containsExactly(new AuctionEvent.Closed(null, 1_000, false, END));
    Auction.View view = ok(auction.<StatusReply<Auction.View>>runCommand(r -> new Auction.Get("bob", r)).reply());
    assertThat(view.status()).isEqualTo("closed");
    assertThat(view.closed().reserveMet()).isFalse();
    assertThat(view.reservePrice()).as("hidden from bidders").isNull();
  }

  @Test
  void recoveryRebuildsTheBookAndAnAuctionWhoseEndPassedClosesAtOnce() {
    created();
    clock.advance(1_000);
    for (int i = 0; i < 6; i++) accepted(i % 2 == 0 ? "alice" : "bob", 2_000 + i * 500, "k" + i);
    Auction.State before = auction.getState();
    assertThat(auction.restart().state()).isEqualTo(before);

    // every node was down past the end: the recovered entity closes by itself
    clock.set(END + 30_000);
    auction.restart();
    awaitPersisted(8);
    assertThat(persisted().get(7)).isInstanceOf(AuctionEvent.Closed.class);
    AuctionEvent.Closed c = (AuctionEvent.Closed) persisted().get(7);
    assertThat(c.winner()).isEqualTo(before.book().leader());
    assertThat(c.price()).isEqualTo(before.book().price());
    assertThat(auction.restart().state().book().ended()).isTrue();
  }

  @Test
  void watchersAreToldTheTimeLeftWhileOpen() {
    created();
    TestProbe<TopicPush> watcher = testKit.createTestProbe();
    TestProbe<StatusReply<Auction.Subscribed>> subscribed = testKit.createTestProbe();
    auction.runCommand(new Auction.Subscribe("eve", -1, watcher.ref(), subscribed.ref()));
    TopicPush p = watcher.receiveMessage();
    assertThat(p).isInstanceOf(TopicPush.Ephemeral.class);
    TopicPush.Ephemeral e = (TopicPush.Ephemeral) p;
    assertThat(e.key()).isEqualTo("time");
    assertThat(((Auction.TimeLeft) e.event()).msLeft()).isEqualTo(60_000);
    // and again on the interval
    assertThat(watcher.receiveMessage(Duration.ofSeconds(2))).isInstanceOf(TopicPush.Ephemeral.class);
  }
}
