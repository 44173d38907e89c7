package io.pulse.actors;

import java.util.function.DoubleConsumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Where {@link GroupCommit} reports how long each journal write took, per actor system (several nodes
 * may share one JVM in tests, so not a static). The node sets the observer (its metrics histogram);
 * without one the timings go nowhere.
 */
public final class JournalWriteTimings implements Extension {
  private static final ExtensionId<JournalWriteTimings> ID =
      new ExtensionId<>() {
        @Override
        public JournalWriteTimings createExtension(ActorSystem<?> system) {
          return new JournalWriteTimings();
        }
      };

  private volatile DoubleConsumer observer = seconds -> {};

  private JournalWriteTimings() {}

  public static JournalWriteTimings get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Receives the seconds of each write that persisted events. */
  public void observeWith(DoubleConsumer observer) {
    this.observer = observer;
  }

  void observe(long nanos) {
    observer.accept(nanos / 1e9);
  }
}
