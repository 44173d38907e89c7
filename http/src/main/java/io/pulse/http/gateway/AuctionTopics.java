package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.auction.Auction;
import io.pulse.actors.topic.TopicPush;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** {@code auction:<id>}: an auction's public events, followed by seq, and its time left (docs/protocol.md). */
public final class AuctionTopics implements DurableTopics {
  private final Function<String, RecipientRef<Auction.Command>> auctions;
  private final Duration timeout;
  private final Scheduler scheduler;

  public AuctionTopics(Function<String, RecipientRef<Auction.Command>> auctions, Duration timeout, Scheduler scheduler) {
    this.auctions = auctions;
    this.timeout = timeout;
    this.scheduler = scheduler;
  }

  @Override
  public boolean follows(Topic topic) {
    return Auction.TOPIC_KIND.equals(topic.kind());
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher) {
    return onCompletingThread(
            AskPattern.<Auction.Command, Auction.Subscribed>askWithStatus(
                auctions.apply(topic.id()), r -> new Auction.Subscribe(userId, since, DocumentTopics.pushes(watcher), r), timeout, scheduler))
        .thenApply(s -> new Followed(s.lastSeq(), s.fanout(), Map.of()));
  }

  @Override
  public void unsubscribe(Topic topic, ActorRef<Object> watcher) {
    auctions.apply(topic.id()).tell(new Auction.Unsubscribe(DocumentTopics.pushes(watcher)));
  }

  @Override
  public Push classify(Object message) {
    if (!(message instanceof TopicPush p) || !p.topic().startsWith(Auction.TOPIC_KIND + ":")) return null;
    if (p instanceof TopicPush.Appended a) return new Push(a.topic(), a.seq(), false);
    return new Push(p.topic(), -1, p instanceof TopicPush.Ended);
  }

  @Override
  public Outbound render(Object message) {
    return AuctionCodec.render((TopicPush) message);
  }
}
