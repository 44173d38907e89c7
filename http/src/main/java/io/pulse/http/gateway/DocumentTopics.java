package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.document.Document;
import io.pulse.actors.topic.TopicPush;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** {@code doc:<id>}: a document's events, followed by version (docs/protocol.md, "Documents"). */
public final class DocumentTopics implements DurableTopics {
  private final Function<String, RecipientRef<Document.Command>> documents;
  private final Duration timeout;
  private final Scheduler scheduler;

  public DocumentTopics(Function<String, RecipientRef<Document.Command>> documents, Duration timeout, Scheduler scheduler) {
    this.documents = documents;
    this.timeout = timeout;
    this.scheduler = scheduler;
  }

  @Override
  public boolean follows(Topic topic) {
    return Document.TOPIC_KIND.equals(topic.kind());
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher) {
    return onCompletingThread(
            AskPattern.<Document.Command, Document.Subscribed>askWithStatus(
                documents.apply(topic.id()), r -> new Document.Subscribe(userId, since, pushes(watcher), r), timeout, scheduler))
        .thenApply(
            s -> {
              Map<String, Object> extra = new HashMap<>();
              // without since, the client starts from the text at lastSeq
              if (s.text() != null) extra.put("text", s.text());
              return new Followed(s.lastSeq(), s.fanout(), extra);
            });
  }

  @Override
  public void unsubscribe(Topic topic, ActorRef<Object> watcher) {
    documents.apply(topic.id()).tell(new Document.Unsubscribe(pushes(watcher)));
  }

  @Override
  public Push classify(Object message) {
    if (!(message instanceof TopicPush p) || !p.topic().startsWith(Document.TOPIC_KIND + ":")) return null;
    if (p instanceof TopicPush.Appended a) return new Push(a.topic(), a.seq(), false);
    return new Push(p.topic(), -1, p instanceof TopicPush.Ended);
  }

  @Override
  public Outbound render(Object message) {
    return DocumentCodec.render((TopicPush) message);
  }

  @SuppressWarnings("unchecked")
  static ActorRef<TopicPush> pushes(ActorRef<Object> watcher) {
    return (ActorRef<TopicPush>) (Object) watcher;
  }
}
