package io.pulse.actors.auction;

import io.pulse.persistence.CborSerializable;

/**
 * A flash sale of one SKU (or one bucket's share of it, see {@link BucketPlan}): {@code units} to sell
 * from {@code startsAt} (epoch ms), at most {@code perUserLimit} per user, each purchase held for
 * {@code holdMs} until it is confirmed (paid) or it lapses. {@link StockRules#validate} says whether it
 * is usable.
 */
public record SaleSpec(String sku, int units, long startsAt, int perUserLimit, long holdMs) implements CborSerializable {}
