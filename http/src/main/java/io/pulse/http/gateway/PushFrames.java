package io.pulse.http.gateway;

import io.pulse.actors.user.UserPresence;

/** Renders what entities push into event frames, with the delivery policy of each kind. */
final class PushFrames {
  private PushFrames() {}

  static Outbound render(UserPresence.UserEvent event) {
    if (event instanceof UserPresence.PresenceChanged p) {
      String topic = Topic.user(p.userId()).name();
      // ephemeral: a slow client only needs the newest presence of each user
      return Outbound.latest(
          topic + "#presence",
          FrameCodec.event(topic, "presence", null, new PresenceData(p.userId(), p.online(), p.connections(), p.version())));
    }
    if (event instanceof UserPresence.ProfileUpdated u) {
      String topic = Topic.user(u.profile().userId()).name();
      // durable: every profile change, in order, numbered by the entity's own sequence
      return Outbound.durable(FrameCodec.event(topic, "profile", u.profile().version(), u.profile()));
    }
    if (event instanceof UserPresence.InboxChanged c) {
      // durable: a missed join would leave a conversation the client never hears of until inbox.get
      return Outbound.durable(
          FrameCodec.event(Topic.INBOX, c.member() ? "joined" : "left", null, new InboxData(c.conversationId())));
    }
    throw new IllegalArgumentException("unknown user event " + event.getClass());
  }

  record InboxData(String conversationId) {}

  record PresenceData(String userId, boolean online, int connections, long version) {}
}
