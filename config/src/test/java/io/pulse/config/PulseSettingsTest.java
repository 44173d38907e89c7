package io.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;

class PulseSettingsTest {

  @Test
  void defaultProfileIsTheEmbeddedDevNode() {
    PulseSettings s = PulseSettings.from(PulseConfig.load(""));
    assertThat(s.profile()).isEqualTo("dev");
    assertThat(s.http().port()).isEqualTo(8080);
    assertThat(s.cassandra().embedded().enabled()).isTrue();
    assertThat(s.cassandra().applySchema()).isTrue();
    assertThat(s.auth().devTokens().enabled()).isTrue();
    assertThat(s.gateway().maxFrameBytes()).isEqualTo(64 * 1024);
    assertThat(s.presence().ttl()).hasSeconds(60);
    assertThat(s.drivers().h3Resolution()).isEqualTo(8);
    assertThat(s.drivers().persistEvery()).hasSeconds(30);
    assertThat(s.drivers().offerTimeout()).hasSeconds(15);
    assertThat(s.drivers().nearbyMaxRadiusMeters()).isEqualTo(5000);
  }

  @Test
  void overridesReachValuesUsedInSubstitutions() {
    Config c = PulseConfig.load("pulse.cassandra.port = 19042");
    assertThat(c.getStringList("datastax-java-driver.basic.contact-points")).containsExactly("127.0.0.1:19042");
  }

  @Test
  void productionProfileTurnsOffEverythingDevOnly() {
    PulseSettings s = PulseSettings.from(PulseConfig.load("production", ""));
    assertThat(s.profile()).isEqualTo("production");
    assertThat(s.cassandra().embedded().enabled()).isFalse();
    assertThat(s.cassandra().applySchema()).isFalse();
    assertThat(s.auth().devTokens().enabled()).isFalse();
  }

  @Test
  void pluginNeverCreatesTablesItself() {
    Config c = PulseConfig.load("production", "");
    assertThat(c.getBoolean("pekko.persistence.cassandra.journal.tables-autocreate")).isFalse();
    assertThat(c.getBoolean("pekko.persistence.cassandra.journal.keyspace-autocreate")).isFalse();
    assertThat(c.getBoolean("pekko.persistence.cassandra.snapshot.tables-autocreate")).isFalse();
  }

  @Test
  void allowedOriginsAreEmptyInDevRequiredInProductionAndTakeACommaSeparatedString() {
    assertThat(PulseSettings.from(PulseConfig.load("")).http().allowedOrigins()).isEmpty();
    assertThat(PulseSettings.from(PulseConfig.load("")).http().requireAllowedOrigins()).isFalse();
    assertThat(PulseSettings.from(PulseConfig.load("production", "")).http().requireAllowedOrigins()).isTrue();
    assertThat(PulseSettings.from(PulseConfig.load("pulse.http.allowed-origins = \"https://a.example, https://*.b.example \"")).http().allowedOrigins())
        .containsExactly("https://a.example", "https://*.b.example");
    assertThat(PulseSettings.from(PulseConfig.load("pulse.http.allowed-origins = [\"https://a.example\"]")).http().allowedOrigins())
        .containsExactly("https://a.example");
  }

  @Test
  void transportAndTlsDefaultsAndOnlyTls12AndUp() {
    PulseSettings s = PulseSettings.from(PulseConfig.load(""));
    assertThat(s.http().transport()).isEqualTo("edge");
    assertThat(s.http().tls().enabled()).isFalse();
    assertThat(s.http().tls().protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PulseSettings.from(PulseConfig.load("pulse.http.tls.protocols = [\"TLSv1.1\"]")))
        .hasMessageContaining("only TLSv1.2 and TLSv1.3");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PulseSettings.from(PulseConfig.load("pulse.http.transport = netty")))
        .hasMessageContaining("edge or pekko");
  }
}
