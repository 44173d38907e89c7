package io.pulse.http.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

  @Test
  void devDefaultAllowsTheNodesOwnOriginAndLoopbackOnAnyPort() {
    OriginPolicy dev = OriginPolicy.from(List.of(), false);
    assertThat(dev.allows("http://localhost:3000", "pulse.example:8080")).isTrue();
    assertThat(dev.allows("http://127.0.0.1:5173", "pulse.example:8080")).isTrue();
    assertThat(dev.allows("https://[::1]:8443", "pulse.example:8080")).isTrue();
    assertThat(dev.allows("http://pulse.example:8080", "pulse.example:8080")).isTrue();
    assertThat(dev.allows("HTTP://Pulse.Example", "pulse.example:80")).isTrue();
    // same host, other port or scheme: another origin
    assertThat(dev.allows("http://pulse.example:9090", "pulse.example:8080")).isFalse();
    assertThat(dev.allows("https://pulse.example:8080", "pulse.example")).isFalse();
    assertThat(dev.allows("https://evil.example", "pulse.example:8080")).isFalse();
    assertThat(dev.allows("http://localhost.evil.example", "pulse.example:8080")).isFalse();
  }

  @Test
  void clientsWithoutAnOriginAreNotBrowsersAndPass() {
    assertThat(OriginPolicy.from(List.of("https://app.example"), true).allows(null, "x")).isTrue();
  }

  @Test
  void aListAllowsExactlyItsOriginsAndSubdomainWildcards() {
    OriginPolicy p = OriginPolicy.from(List.of("https://app.example", "https://*.tenant.example:8443"), true);
    assertThat(p.allows("https://app.example", "node:8080")).isTrue();
    assertThat(p.allows("https://app.example:443", "node:8080")).isTrue();
    assertThat(p.allows("https://app.example/", "node:8080")).isTrue();
    assertThat(p.allows("http://app.example", "node:8080")).isFalse();
    assertThat(p.allows("https://app.example:444", "node:8080")).isFalse();
    assertThat(p.allows("https://app.example.evil", "node:8080")).isFalse();
    assertThat(p.allows("https://a.tenant.example:8443", "node:8080")).isTrue();
    assertThat(p.allows("https://tenant.example:8443", "node:8080")).isFalse();
    assertThat(p.allows("https://eviltenant.example:8443", "node:8080")).isFalse();
    // with a list, loopback and the node's own origin are not implied
    assertThat(p.allows("http://localhost:3000", "node:8080")).isFalse();
    assertThat(p.allows("http://node:8080", "node:8080")).isFalse();
  }

  @Test
  void malformedAndOpaqueOriginsAreRefused() {
    OriginPolicy dev = OriginPolicy.devDefaults();
    for (String o : new String[] {"null", "", "localhost", "file:///etc", "ws://localhost", "http://user@localhost", "http://localhost/path", "http://localhost?q", "%%%"}) {
      assertThat(dev.allows(o, "localhost")).as(o).isFalse();
    }
  }

  @Test
  void aStarAllowsAnyPage() {
    assertThat(OriginPolicy.from(List.of("*"), true).allows("https://anything.example", "node")).isTrue();
  }

  @Test
  void anEmptyListIsRefusedWhereRequiredAndABadEntryAlways() {
    assertThatThrownBy(() -> OriginPolicy.from(List.of(), true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pulse.http.allowed-origins");
    assertThatThrownBy(() -> OriginPolicy.from(List.of("app.example"), false)).hasMessageContaining("not an origin");
  }
}
