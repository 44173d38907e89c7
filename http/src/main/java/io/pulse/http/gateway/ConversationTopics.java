package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.ConversationFanout;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** {@code conv:<id>}: a conversation's events, followed by seq (docs/protocol.md, "Chat"). */
public final class ConversationTopics implements DurableTopics {
  private final Function<String, RecipientRef<Conversation.Command>> conversations;
  private final Duration timeout;
  private final Scheduler scheduler;

  public ConversationTopics(Function<String, RecipientRef<Conversation.Command>> conversations, Duration timeout, Scheduler scheduler) {
    this.conversations = conversations;
    this.timeout = timeout;
    this.scheduler = scheduler;
  }

  @Override
  public boolean follows(Topic topic) {
    return topic.isConversation();
  }

  @Override
  public CompletionStage<Followed> subscribe(String userId, Topic topic, long since, ActorRef<Object> watcher) {
    return onCompletingThread(
            AskPattern.<Conversation.Command, Conversation.Subscribed>askWithStatus(
                conversations.apply(topic.id()), r -> new Conversation.Subscribe(userId, since, pushes(watcher), r), timeout, scheduler))
        .thenApply(s -> new Followed(s.lastSeq(), s.fanout(), Map.of()));
  }

  @Override
  public void unsubscribe(Topic topic, ActorRef<Object> watcher) {
    conversations.apply(topic.id()).tell(new Conversation.Unsubscribe(pushes(watcher)));
  }

  @Override
  public Push classify(Object message) {
    if (message instanceof ConversationFanout.Appended a) return new Push(Topic.conversation(a.conversationId()).name(), a.entry().seq(), false);
    if (message instanceof ConversationFanout.TypingChanged t) return new Push(Topic.conversation(t.conversationId()).name(), -1, false);
    if (message instanceof ConversationFanout.PresenceChanged p) return new Push(Topic.conversation(p.conversationId()).name(), -1, false);
    if (message instanceof ConversationFanout.Ended e) return new Push(Topic.conversation(e.conversationId()).name(), -1, true);
    return null;
  }

  @Override
  public Outbound render(Object message) {
    return ChatFrames.render((ConversationFanout.Push) message);
  }

  @SuppressWarnings("unchecked")
  private static ActorRef<ConversationFanout.Push> pushes(ActorRef<Object> watcher) {
    return (ActorRef<ConversationFanout.Push>) (Object) watcher;
  }
}
