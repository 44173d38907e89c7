package io.pulse.actors.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.TestConfigs;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Defining, refusing and deleting fences; the version a directory follows; recovery. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FenceRegistryTest {
  private static final List<Position> BOX =
      List.of(new Position(52.50, 13.40), new Position(52.50, 13.42), new Position(52.51, 13.42), new Position(52.51, 13.40));

  private final ActorTestKit testKit = ActorTestKit.create("FenceRegistryTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private EventSourcedBehaviorTestKit<FenceRegistry.Command, FenceRegistry.Event, FenceRegistry.State> registry;

  @BeforeEach
  void fresh() {
    FenceRegistry.Settings settings = new FenceRegistry.Settings(new FenceShapes(11, 100, 500), 2, 2);
    registry = EventSourcedBehaviorTestKit.create(testKit.system(), FenceRegistry.create("r-" + ids.incrementAndGet(), settings, Clock.systemUTC()));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private StatusReply<FenceRegistry.Defined> define(String id, String name, List<Position> vertices) {
    return registry.<StatusReply<FenceRegistry.Defined>>runCommand(r -> new FenceRegistry.Define(id, name, vertices, r)).reply();
  }

  private FenceRegistry.Fences fences(long known) {
    return registry.<FenceRegistry.Fences>runCommand(r -> new FenceRegistry.GetFences(known, r)).reply();
  }

  @Test
  void aDefinedFenceIsListedAtANewVersion() {
    StatusReply<FenceRegistry.Defined> defined = define("airport", "Airport", BOX);
    assertThat(defined.isSuccess()).isTrue();
    assertThat(defined.getValue().version()).isEqualTo(1);
    assertThat(defined.getValue().cells()).isPositive();
    FenceRegistry.Fences all = fences(0);
    assertThat(all.changed()).isTrue();
    assertThat(all.fences()).extracting(FenceDefinition::id).containsExactly("airport");
    assertThat(fences(1).changed()).as("the asker is current").isFalse();
    assertThat(fences(1).fences()).isEmpty();
  }

  @Test
  void badFencesPersistNothing() {
    assertThat(Rejections.code(define("x", "X", BOX.subList(0, 2)))).isEqualTo(FenceShapes.INVALID_FENCE);
    assertThat(Rejections.code(define("bad id!", "X", BOX))).isEqualTo(FenceShapes.INVALID_FENCE);
    assertThat(fences(0).changed()).isFalse();
    define("a", "A", BOX);
    define("b", "B", BOX);
    assertThat(Rejections.code(define("c", "C", BOX))).isEqualTo(FenceRegistry.TOO_MANY_FENCES);
    assertThat(define("a", "A again", BOX).isSuccess()).as("replacing one is no new fence").isTrue();
    assertThat(Rejections.code(registry.<StatusReply<Done>>runCommand(r -> new FenceRegistry.Delete("nope", r)).reply())).isEqualTo(FenceRegistry.UNKNOWN_FENCE);
  }

  @Test
  void fencesSurviveARestart() {
    define("a", "A", BOX);
    define("b", "B", BOX);
    registry.<StatusReply<Done>>runCommand(r -> new FenceRegistry.Delete("a", r));
    registry.restart();
    FenceRegistry.Fences all = fences(0);
    assertThat(all.version()).isEqualTo(3);
    assertThat(all.fences()).extracting(FenceDefinition::name).containsExactly("B");
  }

  /** The code of a refused reply. */
  static final class Rejections {
    static String code(StatusReply<?> r) {
      assertThat(r.isError()).isTrue();
      return io.pulse.actors.Rejection.of(r.getError()).code();
    }
  }
}
