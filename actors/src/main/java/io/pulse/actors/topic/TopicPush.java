package io.pulse.actors.topic;

import io.pulse.persistence.CborSerializable;

/**
 * What a connection subscribed to a durable topic receives from its {@link TopicFanout}, on any node.
 * {@code topic} is the wire name ({@code <kind>:<id>}), so the connection needs no lookup to route it.
 */
public sealed interface TopicPush extends CborSerializable {
  String topic();

  /** A persisted event, in order: {@code seq} follows the previous one without gaps. */
  record Appended(String topic, long seq, TopicEvent event) implements TopicPush {}

  /** Ephemeral: only the newest per {@code key} matters (a cursor, the time left), never persisted. */
  record Ephemeral(String topic, String key, TopicEvent event) implements TopicPush {}

  /** The ephemeral value under {@code key} is gone (its connection closed). */
  record Gone(String topic, String key) implements TopicPush {}

  /** The subscription ended (access revoked, too far behind, history unavailable): resubscribe or stop. */
  record Ended(String topic, String code, String reason) implements TopicPush {}
}
