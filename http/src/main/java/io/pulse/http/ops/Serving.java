package io.pulse.http.ops;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Whether the node's own HTTP port is bound and serving: set once the node has started, cleared when
 * shutdown unbinds it. Management's readiness check reads it, so it never says ready while the
 * node's port does not answer (before start-up finished, or after unbind).
 */
public final class Serving implements Extension {
  private static final ExtensionId<Serving> ID =
      new ExtensionId<>() {
        @Override
        public Serving createExtension(ActorSystem<?> system) {
          return new Serving();
        }
      };

  private final AtomicBoolean serving = new AtomicBoolean();

  private Serving() {}

  public static Serving get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public void set(boolean on) {
    serving.set(on);
  }

  public boolean isServing() {
    return serving.get();
  }
}
