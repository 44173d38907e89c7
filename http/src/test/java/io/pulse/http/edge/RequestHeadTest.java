package io.pulse.http.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class RequestHeadTest {
  private static ByteString bytes(String s) {
    return ByteString.fromString(s);
  }

  @Test
  void findsTheRequestLineAndTheEndOfTheHeadOnlyOnceTheyAreComplete() {
    assertThat(RequestHead.requestLineLength(bytes("GET /ws HTTP/1.1\r"))).isEqualTo(-1);
    assertThat(RequestHead.requestLineLength(bytes("GET /ws HTTP/1.1\r\nHost: a\r\n"))).isEqualTo(18);
    assertThat(RequestHead.headLength(bytes("GET /ws HTTP/1.1\r\nHost: a\r\n"))).isEqualTo(-1);
    assertThat(RequestHead.headLength(bytes("GET /ws HTTP/1.1\r\nHost: a\r\n\r\nXY"))).isEqualTo(29);
  }

  @Test
  void thePathOfARequestLineIgnoresItsQuery() {
    assertThat(RequestHead.path(bytes("GET /ws?access_token=x HTTP/1.1\r\n"))).isEqualTo("/ws");
    assertThat(RequestHead.path(bytes("POST /api/dev/tokens HTTP/1.1\r\n"))).isEqualTo("/api/dev/tokens");
    assertThat(RequestHead.path(bytes("garbage\r\n"))).isNull();
  }

  @Test
  void parsesFieldsCaseInsensitivelyKeepingRepeatedOnes() throws Exception {
    RequestHead head =
        RequestHead.parse(bytes("GET /ws?a=1&access_token=t%2Bk HTTP/1.1\r\nHost: x\r\nCONNECTION: keep-alive\r\nconnection:  Upgrade \r\n\r\n"));
    assertThat(head.method()).isEqualTo("GET");
    assertThat(head.path()).isEqualTo("/ws");
    assertThat(head.header("host")).isEqualTo("x");
    assertThat(head.listHeader("connection")).isEqualTo(List.of("keep-alive", "Upgrade"));
    assertThat(head.queryParameter("access_token")).isEqualTo("t+k");
    assertThat(head.queryParameter("missing")).isNull();
    assertThatThrownBy(() -> head.header("connection")).isInstanceOf(RequestHead.Malformed.class).hasMessageContaining("repeated");
  }

  @Test
  void rejectsWhatIsNotAStrictHttp11Head() {
    assertThatThrownBy(() -> RequestHead.parse(bytes("GET /ws HTTP/1.0\r\nHost: x\r\n\r\n")))
        .isInstanceOfSatisfying(RequestHead.Malformed.class, e -> assertThat(e.status()).isEqualTo(505));
    for (String bad :
        List.of(
            "GET ws HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /ws  HTTP/1.1\r\nHost: x\r\n\r\n",
            "G(T /ws HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /w\u0001s HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /ws HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET /ws HTTP/1.1\r\nNo colon\r\n\r\n",
            "GET /ws HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "GET /ws HTTP/1.1\r\nHost: x\nInjected: y\r\n\r\n",
            "GET /ws HTTP/1.1\r\nHost: x\r\n")) {
      assertThatThrownBy(() -> RequestHead.parse(bytes(bad)))
          .as(bad)
          .isInstanceOfSatisfying(RequestHead.Malformed.class, e -> assertThat(e.status()).isEqualTo(400));
    }
  }
}
