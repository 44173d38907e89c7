package io.pulse.actors.chat;

import io.pulse.actors.topic.JournalEvents;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/** {@link HistoryReader} over any read journal that answers current events by persistence id. */
public final class JournalHistory implements HistoryReader {
  private final JournalEvents journal;

  public JournalHistory(ActorSystem<?> system, String readJournalPluginId) {
    this.journal = new JournalEvents(system, readJournalPluginId);
  }

  @Override
  public CompletionStage<List<Timeline.Entry>> read(String persistenceId, long from, long to) {
    return journal.read(persistenceId, from, to, (seq, event) -> new Timeline.Entry(seq, (Conversation.Event) event));
  }
}
