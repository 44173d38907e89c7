package io.pulse.http.gateway;

import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.ConversationFanout;
import io.pulse.actors.chat.Timeline;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How conversation events look on the wire (docs/protocol.md, "Chat"). */
final class ChatFrames {
  private ChatFrames() {}

  /**
   * Enough for the events on their way to this node's sockets at a time (a group's subscribers get an
   * event within milliseconds of each other). Each slot keeps its event and frame until it is reused:
   * at most ~0.5 MB for the node.
   */
  private static final RenderedOnce<ConversationFanout.Push, Outbound> RENDERED = new RenderedOnce<>(1024, ChatFrames::renderNow);

  /** The frame for {@code push}, rendered once for all of this node's sockets that it goes to. */
  static Outbound render(ConversationFanout.Push push) {
    return RENDERED.get(push);
  }

  private static Outbound renderNow(ConversationFanout.Push push) {
    if (push instanceof ConversationFanout.Appended a) {
      String topic = Topic.conversation(a.conversationId()).name();
      Timeline.Entry entry = a.entry();
      return Outbound.durable(FrameCodec.event(topic, name(entry.event()), entry.seq(), data(entry.event())));
    }
    if (push instanceof ConversationFanout.TypingChanged t) {
      String topic = Topic.conversation(t.conversationId()).name();
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("userId", t.userId());
      data.put("typing", t.typing());
      if (t.typing()) data.put("expiresInMs", t.expiresInMs());
      // ephemeral: a slow client needs only the newest state of each typist
      return Outbound.latest(topic + "#typing:" + t.userId(), FrameCodec.event(topic, "typing", null, data));
    }
    if (push instanceof ConversationFanout.PresenceChanged p) {
      String topic = Topic.conversation(p.conversationId()).name();
      // already batched per interval by the conversation; batches must not replace each other
      return Outbound.durable(FrameCodec.event(topic, "presence", null, Map.of("online", p.online(), "snapshot", p.snapshot())));
    }
    if (push instanceof ConversationFanout.Ended e) {
      String topic = Topic.conversation(e.conversationId()).name();
      return Outbound.durable(FrameCodec.event(topic, "unsubscribed", null, Map.of("code", e.code(), "reason", e.reason())));
    }
    throw new IllegalArgumentException("unknown push " + push.getClass());
  }

  /** One history entry as the client sees events: {@code {seq, event, data}}. */
  static Map<String, Object> entry(Timeline.Entry entry) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", entry.seq());
    m.put("event", name(entry.event()));
    m.put("data", data(entry.event()));
    return m;
  }

  static List<Map<String, Object>> entries(List<Timeline.Entry> entries) {
    return entries.stream().map(ChatFrames::entry).toList();
  }

  static String name(Conversation.Event event) {
    if (event instanceof Conversation.Created) return "created";
    if (event instanceof Conversation.MemberAdded) return "member_added";
    if (event instanceof Conversation.MemberRemoved) return "member_removed";
    if (event instanceof Conversation.MessageSent) return "message";
    if (event instanceof Conversation.MessageEdited) return "edited";
    if (event instanceof Conversation.MessageDeleted) return "deleted";
    if (event instanceof Conversation.Delivered) return "delivered";
    if (event instanceof Conversation.Read) return "read";
    throw new IllegalArgumentException("unknown conversation event " + event.getClass());
  }

  static Map<String, Object> data(Conversation.Event event) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (event instanceof Conversation.Created c) {
      m.put("kind", c.kind());
      m.put("title", c.title());
      m.put("members", roles(c.members()));
      m.put("by", c.by());
      m.put("at", c.at());
    } else if (event instanceof Conversation.MemberAdded a) {
      m.put("userId", a.userId());
      m.put("role", role(a.role()));
      m.put("by", a.by());
      m.put("at", a.at());
    } else if (event instanceof Conversation.MemberRemoved r) {
      m.put("userId", r.userId());
      m.put("by", r.by());
      m.put("at", r.at());
    } else if (event instanceof Conversation.MessageSent s) {
      m.put("sender", s.sender());
      m.put("clientMsgId", s.clientMsgId());
      m.put("text", s.text());
      m.put("at", s.at());
    } else if (event instanceof Conversation.MessageEdited e) {
      m.put("target", e.target());
      m.put("sender", e.sender());
      m.put("text", e.text());
      m.put("at", e.at());
    } else if (event instanceof Conversation.MessageDeleted d) {
      m.put("target", d.target());
      m.put("sender", d.sender());
      m.put("at", d.at());
    } else if (event instanceof Conversation.Delivered d) {
      m.put("userId", d.userId());
      m.put("upTo", d.upTo());
      m.put("at", d.at());
    } else if (event instanceof Conversation.Read r) {
      m.put("userId", r.userId());
      m.put("upTo", r.upTo());
      m.put("at", r.at());
    }
    return m;
  }

  static String role(io.pulse.actors.chat.Role role) {
    return role.name().toLowerCase(java.util.Locale.ROOT);
  }

  static Map<String, String> roles(Map<String, io.pulse.actors.chat.Role> members) {
    Map<String, String> m = new java.util.TreeMap<>();
    members.forEach((user, role) -> m.put(user, role(role)));
    return m;
  }
}
