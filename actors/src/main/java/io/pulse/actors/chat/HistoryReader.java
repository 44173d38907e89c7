package io.pulse.actors.chat;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** Reads a range of a conversation's events back from the journal, for resumes and pages older than memory. */
@FunctionalInterface
public interface HistoryReader {
  /** Events with sequence numbers {@code from..to} inclusive, oldest first. */
  CompletionStage<List<Timeline.Entry>> read(String persistenceId, long from, long to);
}
