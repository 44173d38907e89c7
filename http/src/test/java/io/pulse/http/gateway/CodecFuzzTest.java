package io.pulse.http.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulse.http.FuzzTarget;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzz targets for the frame codec and each use case's frame decoding: whatever text a client sends,
 * {@link FrameCodec#parse} answers a frame or a protocol error with a code, and never throws. A use
 * case's target fixes the frame type to one of its own (the input's first byte picks it) so that the
 * fuzzer spends its time in that codec; the rest of the input is the remainder of the JSON object.
 * Seed corpus: src/test/resources/io/pulse/http/gateway/CodecFuzzTestInputs.
 */
class CodecFuzzTest {
  static final String[] CHAT = {"ping", "subscribe", "unsubscribe", "profile.update", "profile.get", "conv.create", "conv.send", "conv.edit", "conv.delete",
      "conv.members.add", "conv.members.remove", "conv.read", "conv.delivered", "conv.typing", "conv.history", "inbox.get"};
  static final String[] DOCUMENTS = {"doc.create", "doc.list", "doc.get", "doc.op", "doc.undo", "doc.redo", "doc.restore", "doc.cursor", "doc.share",
      "doc.unshare", "doc.lock", "doc.unlock", "doc.label", "doc.versions", "doc.at", "doc.delete"};
  static final String[] AUCTIONS = {"auction.create", "auction.bid", "auction.get"};
  static final String[] SALES = {"sale.open", "sale.join", "sale.purchase", "sale.confirm", "sale.release", "sale.get"};
  static final String[] MARKETS = {"market.place", "market.cancel", "market.replace", "market.book"};
  static final String[] DRIVERS = {"driver.online", "driver.offline", "driver.fix", "driver.fixes", "driver.get", "driver.nearby", "trip.request", "trip.cancel"};

  private static void parses(String text) {
    FrameCodec.Parsed parsed = FrameCodec.parse(text);
    assertThat(parsed).isNotNull();
    if (parsed instanceof FrameCodec.Failed failed) {
      assertThat(failed.error().code()).isNotNull();
      assertThat(failed.error().message()).isNotNull();
    } else {
      assertThat(((FrameCodec.Ok) parsed).frame()).isNotNull();
    }
  }

  /** {"type":"<picked>", + the rest of the input. */
  private static void useCase(String[] types, byte[] input) {
    if (input.length == 0) return;
    String type = types[(input[0] & 0xff) % types.length];
    String rest = new String(Arrays.copyOfRange(input, 1, input.length), StandardCharsets.UTF_8);
    parses("{\"type\":\"" + type + "\"" + (rest.isEmpty() || rest.startsWith("}") ? "" : ",") + rest);
  }

  @FuzzTarget
  void frameCodec(byte[] input) {
    parses(new String(input, StandardCharsets.UTF_8));
  }

  @FuzzTarget
  void chat(byte[] input) {
    useCase(CHAT, input);
  }

  @FuzzTarget
  void documents(byte[] input) {
    useCase(DOCUMENTS, input);
  }

  @FuzzTarget
  void auctions(byte[] input) {
    useCase(AUCTIONS, input);
  }

  @FuzzTarget
  void sales(byte[] input) {
    useCase(SALES, input);
  }

  @FuzzTarget
  void markets(byte[] input) {
    useCase(MARKETS, input);
  }

  @FuzzTarget
  void drivers(byte[] input) {
    useCase(DRIVERS, input);
  }
}
