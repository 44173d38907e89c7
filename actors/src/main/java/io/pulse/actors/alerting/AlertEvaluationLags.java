package io.pulse.actors.alerting;

import java.util.function.DoubleConsumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Where each {@link AlertRule} reports how late an evaluation started against its schedule, per actor system
 * (several nodes may share one JVM in tests, so not a static), as {@code JournalWriteTimings} does for journal
 * writes. The node sets the observer (its metrics histogram); without one the lags go nowhere.
 */
public final class AlertEvaluationLags implements Extension {
  private static final ExtensionId<AlertEvaluationLags> ID =
      new ExtensionId<>() {
        @Override
        public AlertEvaluationLags createExtension(ActorSystem<?> system) {
          return new AlertEvaluationLags();
        }
      };

  private volatile DoubleConsumer observer = seconds -> {};

  private AlertEvaluationLags() {}

  public static AlertEvaluationLags get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Receives the seconds each evaluation started after its scheduled time. */
  public void observeWith(DoubleConsumer observer) {
    this.observer = observer;
  }

  void observe(long lagMillis) {
    observer.accept(lagMillis / 1e3);
  }
}
