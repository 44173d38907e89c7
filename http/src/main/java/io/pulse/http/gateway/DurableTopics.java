package io.pulse.http.gateway;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Topics a connection follows by sequence number: conversations, documents, auctions… For each kind it
 * knows how to subscribe a connection to the entity and what the entity's pushes mean. The connection
 * ({@link ConnectionStage}) does the rest the same way for every kind: it forwards each seq once and in
 * order, and resubscribes from the last one it forwarded when the live side moves or a gap shows.
 */
public interface DurableTopics {
  /** What subscribing answered: the topic's newest seq, its live side to watch, and extra reply fields. */
  record Followed(long lastSeq, ActorRef<?> live, Map<String, Object> reply) {}

  /**
   * A push from a followed topic: its wire topic, its seq ({@code -1}: not sequenced), whether it ends the
   * subscription, and the seq of the push before it on this subscription: {@code seq - 1} on topics numbered
   * consecutively, any lower number on topics that carry only some of an entity's events, and {@link #RESTART} for a
   * push that starts the subscription's sequence afresh (a snapshot that replaces everything before it).
   */
  record Push(String topic, long seq, boolean ends, long prevSeq) {
    public static final long RESTART = Long.MIN_VALUE;

    public Push(String topic, long seq, boolean ends) {
      this(topic, seq, ends, seq - 1);
    }
  }

  boolean follows(Topic topic);

  /** Starts pushing {@code topic} to {@code watcher}: every event after {@code since} (negative: from now). */
  CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher);

  /** As above, with the subscriber's delivery options; topics without a choice ignore them. */
  default CompletionStage<Followed> subscribe(
      String userId, Topic topic, long since, ClientFrame.SubscribeOptions options, ActorRef<Object> watcher) {
    return subscribe(userId, topic, since, watcher);
  }

  void unsubscribe(Topic topic, ActorRef<Object> watcher);

  /** What {@code message} is, or null when it is no push of these topics. */
  Push classify(Object message);

  Outbound render(Object message);

  /** Several kinds behind one: each topic and push goes to the kind that serves it. */
  static DurableTopics of(List<DurableTopics> kinds) {
    List<DurableTopics> all = List.copyOf(kinds);
    return new DurableTopics() {
      private DurableTopics kind(Topic topic) {
        for (DurableTopics k : all) if (k.follows(topic)) return k;
        return null;
      }

      private DurableTopics kind(Object message) {
        for (DurableTopics k : all) if (k.classify(message) != null) return k;
        return null;
      }

      @Override
      public boolean follows(Topic topic) {
        return kind(topic) != null;
      }

      @Override
      public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher) {
        DurableTopics k = kind(topic);
        if (k == null) return CompletableFuture.failedFuture(new IllegalArgumentException("not a durable topic: " + topic.name()));
        return k.subscribe(userId, topic, since, watcher);
      }

      @Override
      public CompletionStage<Followed> subscribe(
          String userId, Topic topic, long since, ClientFrame.SubscribeOptions options, ActorRef<Object> watcher) {
        DurableTopics k = kind(topic);
        if (k == null) return CompletableFuture.failedFuture(new IllegalArgumentException("not a durable topic: " + topic.name()));
        return k.subscribe(userId, topic, since, options, watcher);
      }

      @Override
      public void unsubscribe(Topic topic, ActorRef<Object> watcher) {
        DurableTopics k = kind(topic);
        if (k != null) k.unsubscribe(topic, watcher);
      }

      @Override
      public Push classify(Object message) {
        for (DurableTopics k : all) {
          Push p = k.classify(message);
          if (p != null) return p;
        }
        return null;
      }

      @Override
      public Outbound render(Object message) {
        return kind(message).render(message);
      }
    };
  }
}
