package io.pulse.actors.topic;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.pulse.persistence.CborSerializable;

/**
 * An event that a topic's subscribers receive: a document's operation, an auction's bid, a cursor. Held
 * by this interface type inside {@link TopicPush} and {@link TopicFanout.Entry}, so Jackson writes the
 * concrete class next to it; implementations are records of one domain and need no list of subtypes here.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS, property = "@c")
public interface TopicEvent extends CborSerializable {}
