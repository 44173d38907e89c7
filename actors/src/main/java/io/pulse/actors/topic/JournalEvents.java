package io.pulse.actors.topic;

import io.pulse.persistence.Continuations;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/** Reads an entity's events back from any read journal that answers current events by persistence id. */
public final class JournalEvents implements TopicFanout.History {
  /** Turns one journal event and its sequence number into what the caller keeps. */
  @FunctionalInterface
  public interface Mapping<T> {
    T map(long seq, Object event);
  }

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;

  public JournalEvents(ActorSystem<?> system, String readJournalPluginId) {
    this.system = system;
    this.journal = PersistenceQuery.get(system).getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
  }

  /** Events {@code from..to} inclusive, oldest first. */
  public <T> CompletionStage<List<T>> read(String persistenceId, long from, long to, Mapping<T> mapping) {
    // read by actors through pipeToSelf: see Continuations for why the callback stays on this thread
    return Continuations.onCompletingThread(
        journal
            .currentEventsByPersistenceId(persistenceId, from, to)
            .map(envelope -> mapping.map(envelope.sequenceNr(), envelope.event()))
            .runWith(Sink.seq(), system));
  }

  @Override
  public CompletionStage<List<TopicFanout.Entry>> read(String persistenceId, long from, long to) {
    return read(persistenceId, from, to, (seq, event) -> new TopicFanout.Entry(seq, (TopicEvent) event));
  }
}
