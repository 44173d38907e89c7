package io.pulse.actors.alerting;

import io.pulse.actors.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.actors.Rejection;
import io.pulse.actors.TestConfigs;
import java.time.Duration;
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

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertTenantTest {
  private final ActorTestKit testKit = ActorTestKit.create("AlertTenantTest", TestConfigs.inMemory());
  private final AtomicInteger ids = new AtomicInteger();
  private TestClock clock;
  private EventSourcedBehaviorTestKit<AlertTenant.Command, AlertTenant.Event, AlertTenant.State> tenant;

  @BeforeEach
  void fresh() {
    clock = new TestClock(10_000);
    tenant = EventSourcedBehaviorTestKit.create(
        testKit.system(), AlertTenant.create("t" + ids.incrementAndGet(), new AlertTenant.Settings(2, 4, Duration.ofSeconds(60), 5), clock));
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private static Silence silence(String id, long from, long to) {
    return new Silence(id, List.of(new LabelMatcher("host", "=~", "web-.*")), from, to, "ops", "deploy");
  }

  private StatusReply<Silence> create(Silence s) {
    return tenant.<StatusReply<Silence>>runCommand(r -> new AlertTenant.CreateSilence(s, r)).reply();
  }

  private static String code(StatusReply<?> r) {
    assertThat(r.isError()).as("%s", r).isTrue();
    return Rejection.of(r.getError()).code();
  }

  private List<Silence> active(long at) {
    return tenant.<StatusReply<AlertTenant.SilenceList>>runCommand(r -> new AlertTenant.ActiveSilences(at, r)).reply().getValue().silences();
  }

  @Test
  void silencesAreCreatedListedExpiredAndSurviveARestart() {
    assertThat(create(silence("s1", 5_000, 20_000)).isSuccess()).isTrue();
    assertThat(create(silence("s2", 15_000, 30_000)).isSuccess()).isTrue();
    assertThat(active(12_000)).extracting(Silence::id).containsExactly("s1");
    assertThat(active(16_000)).extracting(Silence::id).containsExactly("s1", "s2");
    clock.set(17_000);
    Silence expired = tenant.<StatusReply<Silence>>runCommand(r -> new AlertTenant.ExpireSilence("s1", r)).reply().getValue();
    assertThat(expired.endsAt()).isEqualTo(17_000);
    tenant.restart();
    assertThat(active(17_500)).extracting(Silence::id).containsExactly("s2");
    assertThat(tenant.<StatusReply<AlertTenant.SilenceList>>runCommand(AlertTenant.ListSilences::new).reply().getValue().silences()).hasSize(2);
  }

  @Test
  void badSilencesAreRefusedAndNothingIsPersisted() {
    assertThat(code(create(silence("bad id", 5_000, 20_000)))).isEqualTo(AlertTenant.INVALID_SILENCE);
    assertThat(code(create(new Silence("s", List.of(), 5_000, 20_000, "ops", "")))).isEqualTo(AlertTenant.INVALID_SILENCE);
    assertThat(code(create(silence("s", 20_000, 20_000)))).isEqualTo(AlertTenant.INVALID_SILENCE);
    assertThat(code(create(silence("s", 1_000, 9_000)))).as("already over").isEqualTo(AlertTenant.INVALID_SILENCE);
    assertThat(code(tenant.<StatusReply<Silence>>runCommand(r -> new AlertTenant.ExpireSilence("none", r)).reply())).isEqualTo(AlertTenant.NOT_FOUND);
    assertThat(tenant.getState().silences()).isEmpty();
  }

  @Test
  void aRetriedCreateIsAnsweredAgainAnotherUnderItsIdIsRefusedAndTheCapHolds() {
    assertThat(create(silence("s1", 5_000, 20_000)).isSuccess()).isTrue();
    assertThat(create(silence("s1", 5_000, 20_000)).isSuccess()).isTrue();
    assertThat(code(create(silence("s1", 5_000, 25_000)))).isEqualTo(AlertTenant.ALREADY_EXISTS);
    assertThat(create(silence("s2", 5_000, 20_000)).isSuccess()).isTrue();
    assertThat(code(create(silence("s3", 5_000, 20_000)))).isEqualTo(AlertTenant.TOO_MANY_SILENCES);
  }

  @Test
  void expiredSilencesAreForgottenAfterKeepExpired() {
    create(silence("s1", 5_000, 20_000));
    clock.set(90_000);
    create(silence("s2", 85_000, 100_000));
    assertThat(tenant.getState().silences()).containsOnlyKeys("s2");
  }

  @Test
  void theRuleDirectory() {
    for (String id : List.of("b", "a", "a")) assertThat(tenant.<StatusReply<Done>>runCommand(r -> new AlertTenant.AddRule(id, r)).reply().isSuccess()).isTrue();
    tenant.restart();
    assertThat(tenant.<StatusReply<AlertTenant.RuleIds>>runCommand(AlertTenant.ListRules::new).reply().getValue().ruleIds()).containsExactly("a", "b");
    tenant.<StatusReply<Done>>runCommand(r -> new AlertTenant.RemoveRule("a", r));
    assertThat(tenant.<StatusReply<AlertTenant.RuleIds>>runCommand(AlertTenant.ListRules::new).reply().getValue().ruleIds()).containsExactly("b");
  }
}
