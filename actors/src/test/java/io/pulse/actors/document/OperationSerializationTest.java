package io.pulse.actors.document;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Operations and locks go into events and state, so they must survive the production CBOR binding. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperationSerializationTest {
  private final ActorTestKit testKit = ActorTestKit.create("OperationSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void operationsRoundTrip() {
    List<TextOperation> ops =
        List.of(
            TextOperation.empty(),
            TextOperation.empty().retain(3),
            TextOperation.fromWire(List.of(2, "h\uD83D\uDE00 \n", -4, 1)),
            TextOperation.empty().delete(2));
    for (TextOperation op : ops) {
      Object back = serialization.verifySerialization(op, true);
      assertThat(((TextOperation) back).toWire()).isEqualTo(op.toWire());
    }
  }

  @Test
  void rangeLocksRoundTrip() {
    serialization.verifySerialization(new RangeLock("bob", 2, 5, 1_700_000_000_000L), true);
  }
}
