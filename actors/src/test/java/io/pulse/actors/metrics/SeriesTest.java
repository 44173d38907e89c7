package io.pulse.actors.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The series entity with its registry and tenant entities (in-memory journal) and a store in memory. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeriesTest {
  private static final long T0 = 1_700_002_800_000L; // an hour boundary
  private static final Map<Resolution, Long> SPANS = Map.of(Resolution.S10, 600_000L, Resolution.M1, 7_200_000L, Resolution.H1, 172_800_000L);
  private final ActorTestKit testKit = ActorTestKit.create("SeriesTest", TestConfigs.inMemory());
  private final AtomicLong now = new AtomicLong(T0 + 100_000);
  private final Series.Settings settings = new Series.Settings(SPANS, 2_000, 600_000, 600_000, Duration.ofSeconds(3));

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private record Env(SampleStore.InMemory store, ActorRef<SeriesRegistry.Command> registry, ActorRef<TenantSeries.Command> tenant) {}

  private Env env(String tenant, String name, int perMetric, int perTenant) {
    now.set(T0 + 100_000);
    ActorRef<TenantSeries.Command> t = testKit.spawn(TenantSeries.create(tenant, perTenant));
    ActorRef<SeriesRegistry.Command> r = testKit.spawn(SeriesRegistry.create(tenant + "|" + name, perMetric, Duration.ofSeconds(3), id -> t));
    return new Env(SampleStore.inMemory(), r, t);
  }

  private ActorRef<Series.Command> series(Env env, String id) {
    return testKit.spawn(Series.create(id, settings, env.store(), new SampleBatcher(env.store(), 1000, 2), x -> env.registry(), now::get));
  }

  private StatusReply<Done> append(ActorRef<Series.Command> s, List<Sample> samples) {
    TestProbe<StatusReply<Done>> probe = testKit.createTestProbe();
    s.tell(new Series.Append(samples, probe.ref()));
    StatusReply<Done> reply = probe.receiveMessage(Duration.ofSeconds(5));
    if (reply.isError()) System.out.println("append refused: " + reply.getError().getMessage());
    return reply;
  }

  private Series.Windows read(ActorRef<Series.Command> s, Resolution r, long from, long to) {
    TestProbe<StatusReply<Series.Windows>> probe = testKit.createTestProbe();
    s.tell(new Series.Read(r, from, to, probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(5)).getValue();
  }

  @Test
  void samplesAreDurableWhenAckedAndTheWindowsComeBackAfterARestart() {
    Env env = env("acme", "cpu", 10, 10);
    String id = Series.entityId("acme", "cpu{host=\"a\"}");
    ActorRef<Series.Command> s = series(env, id);
    assertThat(append(s, List.of(new Sample(T0 + 1_000, 1), new Sample(T0 + 2_000, 3), new Sample(T0 + 11_000, 5))).isSuccess()).isTrue();
    assertThat(env.store().readRaw(id, T0, T0 + 100_000).toCompletableFuture().join()).hasSize(3);
    Series.Windows before = read(s, Resolution.S10, T0, T0 + 100_000);
    assertThat(before.windows()).extracting(Agg::count).containsExactly(2L, 1L);
    assertThat(before.memoryFrom()).as("10 min of 10 s windows").isEqualTo(T0 + 100_000 - 600_000);

    TestProbe<Object> watcher = testKit.createTestProbe();
    s.tell(new Series.Passivate());
    watcher.expectTerminated(s, Duration.ofSeconds(5));
    // passivation wrote the open 1 min window as a downsampled row
    assertThat(env.store().readRollups(id, Resolution.M1, T0, T0 + 60_000).toCompletableFuture().join()).extracting(Agg::count).containsExactly(3L);

    ActorRef<Series.Command> again = series(env, id);
    assertThat(read(again, Resolution.S10, T0, T0 + 100_000).windows()).isEqualTo(before.windows());
    assertThat(read(again, Resolution.H1, T0, T0 + 3_600_000).windows().get(0).sum()).isEqualTo(9);
  }

  @Test
  void aClosedMinuteIsWrittenToTheDownsampledTable() {
    Env env = env("acme", "mem", 10, 10);
    String id = Series.entityId("acme", "mem");
    ActorRef<Series.Command> s = series(env, id);
    now.set(T0 + 58_000);
    assertThat(append(s, List.of(new Sample(T0 + 57_000, 4))).isSuccess()).isTrue();
    now.set(T0 + 63_000); // the minute closed (60 s + 2 s grace); the timer fires within ~4 s of real time
    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          assertThat(env.store().readRollups(id, Resolution.M1, T0, T0 + 60_000).toCompletableFuture().join()).extracting(Agg::sum).containsExactly(4.0);
          return null;
        });
    now.set(T0 + 100_000);
  }

  @Test
  void newSeriesBeyondThePerMetricOrPerTenantLimitAreRefusedAndExistingOnesKeepWriting() {
    Env env = env("small", "reqs", 2, 3);
    ActorRef<Series.Command> a = series(env, Series.entityId("small", "reqs{i=\"1\"}"));
    ActorRef<Series.Command> b = series(env, Series.entityId("small", "reqs{i=\"2\"}"));
    ActorRef<Series.Command> c = series(env, Series.entityId("small", "reqs{i=\"3\"}"));
    assertThat(append(a, List.of(new Sample(T0 + 1, 1))).isSuccess()).isTrue();
    assertThat(append(b, List.of(new Sample(T0 + 1, 1))).isSuccess()).isTrue();
    StatusReply<Done> refused = append(c, List.of(new Sample(T0 + 1, 1)));
    assertThat(refused.isError()).isTrue();
    assertThat(Rejection.of(refused.getError()).code()).isEqualTo(MetricCodes.CARDINALITY_EXCEEDED);
    assertThat(append(a, List.of(new Sample(T0 + 2, 2))).isSuccess()).as("an admitted series keeps writing").isTrue();
    assertThat(env.store().readRaw(Series.entityId("small", "reqs{i=\"3\"}"), T0, T0 + 10).toCompletableFuture().join()).isEmpty();

    // the tenant's third place is taken by another metric; the fourth series of the tenant is refused by the tenant
    ActorRef<SeriesRegistry.Command> other = testKit.spawn(SeriesRegistry.create("small|errs", 10, Duration.ofSeconds(3), id -> env.tenant()));
    TestProbe<StatusReply<Done>> admit = testKit.createTestProbe();
    other.tell(new SeriesRegistry.Admit("errs{i=\"1\"}", admit.ref()));
    assertThat(admit.receiveMessage().isSuccess()).isTrue();
    other.tell(new SeriesRegistry.Admit("errs{i=\"2\"}", admit.ref()));
    StatusReply<Done> byTenant = admit.receiveMessage();
    assertThat(Rejection.of(byTenant.getError()).code()).isEqualTo(MetricCodes.CARDINALITY_EXCEEDED);
    assertThat(byTenant.getError().getMessage()).contains("tenant");
  }

  @Test
  void admissionsArrivingTogetherAreReservedTogetherUpToTheTenantsLimit() {
    Env env = env("burst", "hits", 100, 15);
    TestProbe<StatusReply<Done>> admit = testKit.createTestProbe();
    for (int i = 0; i < 20; i++) env.registry().tell(new SeriesRegistry.Admit("hits{i=\"" + i + "\"}", admit.ref()));
    int ok = 0;
    int refused = 0;
    for (int i = 0; i < 20; i++) {
      StatusReply<Done> r = admit.receiveMessage(Duration.ofSeconds(5));
      if (r.isSuccess()) ok++;
      else {
        assertThat(Rejection.of(r.getError()).code()).isEqualTo(MetricCodes.CARDINALITY_EXCEEDED);
        refused++;
      }
    }
    assertThat(ok).isEqualTo(15);
    assertThat(refused).isEqualTo(5);
    TestProbe<StatusReply<SeriesRegistry.SeriesList>> list = testKit.createTestProbe();
    env.registry().tell(new SeriesRegistry.ListSeries(list.ref()));
    assertThat(list.receiveMessage().getValue().series()).hasSize(15);
    TestProbe<StatusReply<TenantSeries.State>> usage = testKit.createTestProbe();
    env.tenant().tell(new TenantSeries.GetUsage(usage.ref()));
    assertThat(usage.receiveMessage().getValue().series()).isEqualTo(15);
  }

  @Test
  void theRegistryRemembersItsSeriesAfterARestart() {
    Env env = env("r", "up", 10, 10);
    TestProbe<StatusReply<Done>> admit = testKit.createTestProbe();
    env.registry().tell(new SeriesRegistry.Admit("up{job=\"a\"}", admit.ref()));
    env.registry().tell(new SeriesRegistry.Admit("up{job=\"b\"}", admit.ref()));
    env.registry().tell(new SeriesRegistry.Admit("up{job=\"a\"}", admit.ref()));
    for (int i = 0; i < 3; i++) assertThat(admit.receiveMessage().isSuccess()).isTrue();
    testKit.stop(env.registry());
    ActorRef<SeriesRegistry.Command> again = testKit.spawn(SeriesRegistry.create("r|up", 10, Duration.ofSeconds(3), id -> env.tenant()));
    TestProbe<StatusReply<SeriesRegistry.SeriesList>> list = testKit.createTestProbe();
    again.tell(new SeriesRegistry.ListSeries(list.ref()));
    assertThat(list.receiveMessage().getValue().series()).containsExactlyInAnyOrder("up{job=\"a\"}", "up{job=\"b\"}");
    TestProbe<StatusReply<TenantSeries.State>> usage = testKit.createTestProbe();
    env.tenant().tell(new TenantSeries.GetUsage(usage.ref()));
    assertThat(usage.receiveMessage().getValue().series()).as("a repeated admission reserves nothing").isEqualTo(2);
  }
}
