package io.pulse.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.pulse.config.PulseConfig;
import io.pulse.config.PulseSettings;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The production profile as an operator gets it (docs/operations.md, "Production"): no dev endpoint, no
 * signing key unless the operator gives one, no schema changes by the node, management not on every
 * interface and read-only.
 */
class ProductionProfileTest {
  private static final String SECRET = "an-operator-secret-of-at-least-32-bytes!";

  private static Config production(String overrides) {
    return PulseConfig.load("production", overrides);
  }

  @Test
  void thereIsNoDefaultSigningKeyAndNoDevTokenEndpoint() {
    PulseSettings s = PulseSettings.from(production(""));
    assertThat(s.auth().hs256Secret()).as("no secret in the shipped config").isEmpty();
    assertThat(s.auth().rs256PublicKeyPem()).isEmpty();
    assertThat(s.auth().devTokens().enabled()).isFalse();
    // a node without PULSE_JWT_SECRET / PULSE_JWT_PUBLIC_KEY refuses to start rather than invent a key
    assertThatThrownBy(() -> Authenticator.from(s.auth(), Clock.systemUTC()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("PULSE_JWT_SECRET");

    // with the operator's secret: tokens are verified, none is issued (PulseRoutes has no /api/dev/tokens then)
    Authenticator auth = Authenticator.from(PulseSettings.from(production("pulse.auth.hs256-secret = \"" + SECRET + "\"")).auth(), Clock.systemUTC());
    assertThat(auth.devIssuer).isEmpty();
  }

  @Test
  void secretsComeOnlyFromConfigOrEnvironment() {
    // every setting whose name says it holds a secret is empty unless the operator set it
    Config c = production("");
    for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
      String key = e.getKey().toLowerCase(java.util.Locale.ROOT);
      if (key.startsWith("pulse.") && (key.contains("secret") || key.contains("password") || key.endsWith("-pem")) && !key.endsWith("secret-file")) {
        assertThat(c.getString(e.getKey())).as(e.getKey()).isEmpty();
      }
    }
    assertThat(c.hasPath("datastax-java-driver.advanced.auth-provider.password")).isFalse();
  }

  @Test
  void theNodeNeverChangesTheSchema() {
    Config c = production("");
    PulseSettings s = PulseSettings.from(c);
    assertThat(s.cassandra().applySchema()).isFalse();
    assertThat(s.cassandra().embedded().enabled()).isFalse();
    for (String store : new String[] {"journal", "snapshot"}) {
      assertThat(c.getBoolean("pekko.persistence.cassandra." + store + ".keyspace-autocreate")).isFalse();
      assertThat(c.getBoolean("pekko.persistence.cassandra." + store + ".tables-autocreate")).isFalse();
    }
  }

  @Test
  void managementIsBoundToTheClusterAddressAndReadOnly() {
    Config c = production("pekko.remote.artery.canonical.hostname = \"10.0.0.11\"");
    assertThat(c.getBoolean("pulse.management.enabled")).isTrue();
    assertThat(c.getString("pekko.management.http.hostname")).isEqualTo("10.0.0.11");
    assertThat(c.getString("pekko.management.http.bind-hostname")).isEmpty(); // binds the hostname above
    assertThat(c.getBoolean("pekko.management.http.route-providers-read-only")).isTrue();
    assertThat(c.getString("pekko.management.health-checks.readiness-checks.pulse-ready")).isEqualTo("io.pulse.http.ops.ReadyCheck");
    assertThat(c.getString("pekko.management.health-checks.liveness-checks.pulse-alive")).isEqualTo("io.pulse.http.ops.AliveCheck");
    // the dev node keeps it on this machine only
    Config dev = PulseConfig.load("");
    assertThat(dev.getString("pekko.management.http.hostname")).isEqualTo("127.0.0.1");
    assertThat(dev.getBoolean("pulse.management.enabled")).isFalse();
  }
}
