package io.pulse.actors.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Vectors computed independently (Python's hmac over "t.body"). */
class WebhookSignatureTest {
  private static final byte[] SECRET = "whsec_test".getBytes(StandardCharsets.UTF_8);
  private static final byte[] BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);

  @Test
  void knownVectors() {
    assertThat(WebhookSignature.hmacHex(SECRET, 1_700_000_000L, BODY)).isEqualTo("38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
    assertThat(WebhookSignature.hmacHex("Jefe".getBytes(StandardCharsets.UTF_8), 0, "what do ya want for nothing?".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc");
    assertThat(WebhookSignature.header(SECRET, 1_700_000_000L, BODY))
        .isEqualTo("t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
  }

  @Test
  void theVerifierAcceptsAGoodFreshSignature() {
    String header = WebhookSignature.header(SECRET, 1_700_000_000L, BODY);
    assertThat(WebhookSignature.verify(header, BODY, SECRET, 1_700_000_100L, 300)).isEmpty();
    // a rotated secret: several v1 values, one of them good
    assertThat(WebhookSignature.verify("t=1700000000,v1=00," + header.substring(header.indexOf("v1=")), BODY, SECRET, 1_700_000_000L, 300)).isEmpty();
  }

  @Test
  void theVerifierRefusesTamperingReplaysAndJunk() {
    String header = WebhookSignature.header(SECRET, 1_700_000_000L, BODY);
    assertThat(WebhookSignature.verify(header, "{\"a\":2}".getBytes(StandardCharsets.UTF_8), SECRET, 1_700_000_000L, 300)).contains("signature mismatch");
    assertThat(WebhookSignature.verify(header, BODY, "other".getBytes(StandardCharsets.UTF_8), 1_700_000_000L, 300)).contains("signature mismatch");
    assertThat(WebhookSignature.verify(header.replace("t=1700000000", "t=1700000001"), BODY, SECRET, 1_700_000_000L, 300)).contains("signature mismatch");
    assertThat(WebhookSignature.verify(header, BODY, SECRET, 1_700_000_301L, 300)).contains("timestamp outside the tolerance");
    for (String junk : List.of("", "v1=abc", "t=1700000000", "t=x,v1=ab", "garbage")) {
      assertThat(WebhookSignature.verify(junk, BODY, SECRET, 1_700_000_000L, 300)).as(junk).isPresent();
    }
    assertThat(WebhookSignature.verify(null, BODY, SECRET, 1_700_000_000L, 300)).isPresent();
  }

  @Test
  void notificationIdsAreDeterministicAndOrderFree() {
    String one = NotificationIds.notification(List.of("r1/1"));
    assertThat(NotificationIds.notification(List.of("r1/1"))).isEqualTo(one);
    assertThat(NotificationIds.notification(List.of("r1/2"))).isNotEqualTo(one);
    assertThat(NotificationIds.notification(List.of("r1/1", "r2/4"))).isEqualTo(NotificationIds.notification(List.of("r2/4", "r1/1")));
    assertThat(one).matches("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(NotificationIds.transition("cpu", 3)).isEqualTo("cpu/3");
  }
}
