package io.pulse.actors.user;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProfileRulesTest {
  private static final User.Profile ALICE = new User.Profile("alice", "Alice", "https://img.example/a.png", "here", 3);

  @Test
  void acceptsAPartialChangeAndKeepsTheRest() {
    User.ProfileChange change = new User.ProfileChange("  Alice B  ", null, null);
    assertThat(ProfileRules.violation(change)).isEmpty();
    assertThat(ProfileRules.apply(ALICE, change))
        .isEqualTo(new User.Profile("alice", "Alice B", "https://img.example/a.png", "here", 4));
  }

  @Test
  void emptyStringsClearOptionalFields() {
    User.ProfileChange change = new User.ProfileChange(null, "", "");
    assertThat(ProfileRules.violation(change)).isEmpty();
    assertThat(ProfileRules.apply(ALICE, change)).isEqualTo(new User.Profile("alice", "Alice", null, null, 4));
  }

  @Test
  void rejectsAnEmptyChange() {
    assertThat(ProfileRules.violation(new User.ProfileChange(null, null, null))).get().asString().contains("nothing to change");
  }

  @Test
  void rejectsBlankOrLongOrControlDisplayNames() {
    assertThat(ProfileRules.violation(new User.ProfileChange("   ", null, null))).get().asString().contains("blank");
    assertThat(ProfileRules.violation(new User.ProfileChange("x".repeat(65), null, null))).get().asString().contains("longer");
    assertThat(ProfileRules.violation(new User.ProfileChange("a\u0007b", null, null))).get().asString().contains("control");
    // 64 code points of an astral character is still within the limit
    assertThat(ProfileRules.violation(new User.ProfileChange("\uD83D\uDE00".repeat(64), null, null))).isEmpty();
  }

  @Test
  void rejectsLongStatusText() {
    assertThat(ProfileRules.violation(new User.ProfileChange(null, null, "s".repeat(141)))).get().asString().contains("statusText");
    assertThat(ProfileRules.violation(new User.ProfileChange(null, null, "s".repeat(140)))).isEmpty();
  }

  @Test
  void avatarMustBeAnAbsoluteHttpUrl() {
    assertThat(ProfileRules.violation(new User.ProfileChange(null, "javascript:alert(1)", null))).isPresent();
    assertThat(ProfileRules.violation(new User.ProfileChange(null, "/relative.png", null))).isPresent();
    assertThat(ProfileRules.violation(new User.ProfileChange(null, "https://" + "a".repeat(600), null))).isPresent();
    assertThat(ProfileRules.violation(new User.ProfileChange(null, "http://cdn.example/x.png", null))).isEmpty();
  }
}
