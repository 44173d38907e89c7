package io.pulse.actors.chat;

import io.pulse.persistence.Continuations;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/** {@link HistoryReader} over any read journal that answers current events by persistence id. */
public final class JournalHistory implements HistoryReader {
  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;

  public JournalHistory(ActorSystem<?> system, String readJournalPluginId) {
    this.system = system;
    this.journal = PersistenceQuery.get(system).getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
  }

  @Override
  public CompletionStage<List<Timeline.Entry>> read(String persistenceId, long from, long to) {
    // read by actors through pipeToSelf: see Continuations for why the callback stays on this thread
    return Continuations.onCompletingThread(
        journal
            .currentEventsByPersistenceId(persistenceId, from, to)
            .map(envelope -> new Timeline.Entry(envelope.sequenceNr(), (Conversation.Event) envelope.event()))
            .runWith(Sink.seq(), system));
  }
}
