package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.http.ws.CloseCodes;
import io.pulse.http.ws.CloseWith;
import java.util.List;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboundBufferTest {
  private ActorSystem system;

  @BeforeAll
  void start() {
    system = ActorSystem.create("OutboundBufferTest", com.typesafe.config.ConfigFactory.defaultReference());
  }

  @AfterAll
  void stop() {
    system.terminate();
  }

  private Pair<TestPublisher.Probe<Outbound>, TestSubscriber.Probe<Outbound>> run(int durable, int keys) {
    return TestSource.<Outbound>probe(system)
        .via(new OutboundBuffer(durable, keys))
        .toMat(TestSink.probe(system), Keep.both())
        .run(system);
  }

  @Test
  void slowClientSeesOnlyTheNewestValuePerKey() {
    var probes = run(10, 10);
    var in = probes.first();
    var out = probes.second();
    in.sendNext(Outbound.latest("user:a", "a1"));
    in.sendNext(Outbound.latest("user:b", "b1"));
    in.sendNext(Outbound.latest("user:a", "a2"));
    in.sendNext(Outbound.latest("user:a", "a3"));
    out.request(3);
    List<Outbound> got = List.of(out.expectNext(), out.expectNext());
    assertThat(got).extracting(Outbound::json).containsExactly("b1", "a3");
    out.expectNoMessage();
  }

  @Test
  void durableFramesAreNeverDroppedAndGoFirst() {
    var probes = run(10, 10);
    var in = probes.first();
    var out = probes.second();
    in.sendNext(Outbound.latest("user:a", "a1"));
    in.sendNext(Outbound.durable("d1"));
    in.sendNext(Outbound.durable("d2"));
    out.request(3);
    assertThat(List.of(out.expectNext(), out.expectNext(), out.expectNext()))
        .extracting(Outbound::json)
        .containsExactly("d1", "d2", "a1");
  }

  @Test
  void durableOverflowClosesWithTheResumeCode() {
    var probes = run(2, 10);
    var in = probes.first();
    var out = probes.second();
    out.ensureSubscription();
    in.sendNext(Outbound.durable("1"));
    in.sendNext(Outbound.durable("2"));
    in.sendNext(Outbound.durable("3"));
    Throwable error = out.expectError();
    assertThat(error).isInstanceOf(CloseWith.class);
    assertThat(((CloseWith) error).code()).isEqualTo(CloseCodes.SLOW_CONSUMER);
  }

  @Test
  void tooManyDistinctKeysDropsTheOldestKey() {
    var probes = run(10, 2);
    var in = probes.first();
    var out = probes.second();
    in.sendNext(Outbound.latest("k1", "1"));
    in.sendNext(Outbound.latest("k2", "2"));
    in.sendNext(Outbound.latest("k3", "3"));
    out.request(3);
    assertThat(List.of(out.expectNext(), out.expectNext())).extracting(Outbound::json).containsExactly("2", "3");
    out.expectNoMessage();
  }

  @Test
  void drainsWhatWaitsBeforeCompleting() {
    var probes = run(10, 10);
    var in = probes.first();
    var out = probes.second();
    in.sendNext(Outbound.durable("last words"));
    in.sendComplete();
    out.request(1);
    assertThat(out.expectNext().json()).isEqualTo("last words");
    out.expectComplete();
  }
}
