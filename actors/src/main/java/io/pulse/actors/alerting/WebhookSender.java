package io.pulse.actors.alerting;

import java.util.concurrent.CompletionStage;

/**
 * Sends one attempt of a notification to its receiver (the node's implementation: a signed HTTP POST). Knows the
 * receivers' URLs and secrets, so neither is in any entity's state or journal. The stage never fails: a failure
 * is a {@link Result} that is not delivered, with why.
 */
public interface WebhookSender {
  CompletionStage<Result> send(String receiver, AlertDelivery.Delivery delivery, int attempt);

  /** {@code delivered}: the receiver answered 2xx; otherwise {@code error} says what happened instead. */
  record Result(boolean delivered, String error) {
    public static Result ok() {
      return new Result(true, null);
    }

    public static Result failed(String error) {
      return new Result(false, error);
    }
  }
}
