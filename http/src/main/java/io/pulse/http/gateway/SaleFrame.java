package io.pulse.http.gateway;

/** The {@code sale.*} frames (docs/protocol.md, "Auctions and flash sales"). */
public sealed interface SaleFrame extends ClientFrame {

  /** {@code startsAt} null: now; {@code buckets} null: the configured default. */
  record SaleOpen(String ref, String sku, int units, Long startsAt, int perUserLimit, long holdMs, Integer buckets) implements SaleFrame {}

  record SaleJoin(String ref, String sku) implements SaleFrame {}

  record SalePurchase(String ref, String sku, int units, String idempotencyKey) implements SaleFrame {}

  record SaleConfirm(String ref, String holdId) implements SaleFrame {}

  record SaleRelease(String ref, String holdId) implements SaleFrame {}

  record SaleGet(String ref, String sku) implements SaleFrame {}
}
