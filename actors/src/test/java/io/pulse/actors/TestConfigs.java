package io.pulse.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/**
 * Unit-test actor systems: reference config, the in-memory journal and the production CBOR binding,
 * never the node's application.conf (no cluster, no Cassandra).
 */
public final class TestConfigs {
  private TestConfigs() {}

  public static Config inMemory() {
    return ConfigFactory.parseString(
            """
            pekko.actor.serialization-bindings {
              "io.pulse.persistence.CborSerializable" = jackson-cbor
            }
            pekko.loglevel = WARNING
            """)
        .withFallback(EventSourcedBehaviorTestKit.config());
  }
}
