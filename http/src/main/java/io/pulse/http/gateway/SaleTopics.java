package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.auction.Sale;
import io.pulse.actors.topic.TopicPush;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** {@code sale:<sku>}: a sale's opening and sold-out events by seq, its stock and a buyer's place in the waiting room (docs/protocol.md). */
public final class SaleTopics implements DurableTopics {
  private final Function<String, RecipientRef<Sale.Command>> sales;
  private final Duration timeout;
  private final Scheduler scheduler;

  public SaleTopics(Function<String, RecipientRef<Sale.Command>> sales, Duration timeout, Scheduler scheduler) {
    this.sales = sales;
    this.timeout = timeout;
    this.scheduler = scheduler;
  }

  @Override
  public boolean follows(Topic topic) {
    return Sale.TOPIC_KIND.equals(topic.kind());
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher) {
    return onCompletingThread(
            AskPattern.<Sale.Command, Sale.Subscribed>askWithStatus(
                sales.apply(topic.id()), r -> new Sale.Subscribe(userId, since, DocumentTopics.pushes(watcher), r), timeout, scheduler))
        .thenApply(s -> new Followed(s.lastSeq(), s.fanout(), Map.of()));
  }

  @Override
  public void unsubscribe(Topic topic, ActorRef<Object> watcher) {
    sales.apply(topic.id()).tell(new Sale.Unsubscribe(DocumentTopics.pushes(watcher)));
  }

  @Override
  public Push classify(Object message) {
    if (!(message instanceof TopicPush p) || !p.topic().startsWith(Sale.TOPIC_KIND + ":")) return null;
    if (p instanceof TopicPush.Appended a) return new Push(a.topic(), a.seq(), false);
    return new Push(p.topic(), -1, p instanceof TopicPush.Ended);
  }

  @Override
  public Outbound render(Object message) {
    return SaleCodec.render((TopicPush) message);
  }
}
