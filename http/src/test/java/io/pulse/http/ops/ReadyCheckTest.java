package io.pulse.http.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Management's health checks, on a plain actor system (no cluster: the serving flag decides first). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadyCheckTest {
  private final ActorTestKit testKit = ActorTestKit.create("ReadyCheckTest", ConfigFactory.defaultReference());

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void notReadyWhileTheNodesPortIsNotServing() throws Exception {
    ReadyCheck check = new ReadyCheck(Adapter.toClassic(testKit.system()));
    Serving.get(testKit.system()).set(false);
    assertThat(check.get().toCompletableFuture().get(5, TimeUnit.SECONDS)).isFalse();
  }

  @Test
  void aliveWhileTheActorSystemRuns() throws Exception {
    assertThat(new AliveCheck(Adapter.toClassic(testKit.system())).get().toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
  }
}
