package io.pulse.http.gateway;

import static io.pulse.http.gateway.FrameCodec.optionalText;
import static io.pulse.http.gateway.FrameCodec.requiredSeq;
import static io.pulse.http.gateway.FrameCodec.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.actors.document.Document;
import io.pulse.actors.document.TextOperation;
import io.pulse.actors.topic.TopicEvent;
import io.pulse.actors.topic.TopicPush;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How document frames and events look on the wire (docs/protocol.md, "Documents"). */
final class DocumentCodec {
  private DocumentCodec() {}

  static final String PREFIX = "doc.";

  static ClientFrame parse(String type, JsonNode root, String ref) throws ProtocolError.Invalid {
    return switch (type) {
      case "doc.create" -> new DocFrame.DocCreate(ref, requiredText(root, "title"));
      case "doc.list" -> new DocFrame.DocList(ref);
      case "doc.get" -> new DocFrame.DocGet(ref, documentId(root));
      case "doc.op" ->
          new DocFrame.DocOp(ref, documentId(root), clientId(root), requiredSeq(root, "clientSeq"), requiredSeq(root, "version"), op(root));
      case "doc.undo" -> new DocFrame.DocUndo(ref, documentId(root), clientId(root), requiredSeq(root, "clientSeq"), false);
      case "doc.redo" -> new DocFrame.DocUndo(ref, documentId(root), clientId(root), requiredSeq(root, "clientSeq"), true);
      case "doc.restore" ->
          new DocFrame.DocRestore(ref, documentId(root), requiredSeq(root, "version"), clientId(root), requiredSeq(root, "clientSeq"));
      case "doc.cursor" -> {
        int anchor = index(root, "anchor");
        JsonNode head = root.get("head");
        yield new DocFrame.DocCursor(
            ref,
            documentId(root),
            requiredSeq(root, "version"),
            anchor,
            head == null || head.isNull() ? anchor : index(root, "head"),
            bounded(optionalText(root, "name"), "name", 64),
            bounded(optionalText(root, "colour"), "colour", 32));
      }
      case "doc.share" -> new DocFrame.DocShare(ref, documentId(root), FrameCodec.userId(root), requiredText(root, "role"));
      case "doc.unshare" -> new DocFrame.DocUnshare(ref, documentId(root), FrameCodec.userId(root));
      case "doc.lock" -> new DocFrame.DocLock(ref, documentId(root), true);
      case "doc.unlock" -> new DocFrame.DocLock(ref, documentId(root), false);
      case "doc.lockRange" ->
          new DocFrame.DocLockRange(ref, documentId(root), index(root, "start"), index(root, "end"), requiredSeq(root, "durationMs"));
      case "doc.unlockRange" -> new DocFrame.DocUnlockRange(ref, documentId(root));
      case "doc.label" -> new DocFrame.DocLabel(ref, documentId(root), requiredSeq(root, "version"), requiredText(root, "label"));
      case "doc.versions" -> new DocFrame.DocVersions(ref, documentId(root));
      case "doc.at" -> new DocFrame.DocTextAt(ref, documentId(root), requiredSeq(root, "version"));
      case "doc.delete" -> new DocFrame.DocDelete(ref, documentId(root));
      default -> throw new ProtocolError.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + type + "'");
    };
  }

  private static String documentId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "documentId");
    // the same alphabet as conversation ids: both appear in topics and entity ids
    if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "invalid documentId");
    return id;
  }

  private static String clientId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "clientId");
    if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "clientId must be 1-64 of [A-Za-z0-9_.-]");
    return id;
  }

  private static int index(JsonNode node, String field) throws ProtocolError.Invalid {
    long value = requiredSeq(node, field);
    if (value > Integer.MAX_VALUE) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' is too large");
    return (int) value;
  }

  private static String bounded(String value, String field, int max) throws ProtocolError.Invalid {
    if (value != null && value.length() > max) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' is longer than " + max);
    return value;
  }

  private static TextOperation op(JsonNode root) throws ProtocolError.Invalid {
    JsonNode op = root.get("op");
    if (op == null || op.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field 'op'");
    if (!op.isArray()) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'op' must be an array of retain (n > 0), insert (\"text\") and delete (n < 0)");
    List<Object> items = new ArrayList<>(op.size());
    for (JsonNode item : op) {
      if (item.isTextual()) items.add(item.asText());
      else if (item.isIntegralNumber() && item.canConvertToLong()) items.add(item.asLong());
      else if (item.isNumber()) items.add(item.numberValue());
      else items.add(item.toString()); // not a component: rejected below with the op's own message
      if (!item.isTextual() && !item.isNumber()) {
        throw new ProtocolError.Invalid(TextOperation.InvalidOperation.CODE, "unknown component " + item + ": use n > 0 to retain, \"text\" to insert, n < 0 to delete");
      }
    }
    try {
      return TextOperation.fromWire(items);
    } catch (TextOperation.InvalidOperation e) {
      throw new ProtocolError.Invalid(e.code(), e.getMessage());
    }
  }

  // ---- server frames

  static Outbound render(TopicPush push) {
    if (push instanceof TopicPush.Appended a) {
      return Outbound.durable(FrameCodec.event(a.topic(), name(a.event()), a.seq(), data(a.event())));
    }
    if (push instanceof TopicPush.Ephemeral e && e.event() instanceof Document.CursorMoved c) {
      // one value per connection: a slow client gets only each cursor's newest place
      return Outbound.latest(e.topic() + "#cursor:" + e.key(), FrameCodec.event(e.topic(), "cursor", null, cursor(c)));
    }
    if (push instanceof TopicPush.Gone g) {
      return Outbound.durable(FrameCodec.event(g.topic(), "cursor_gone", null, Map.of("connectionId", g.key())));
    }
    if (push instanceof TopicPush.Ended e) {
      return Outbound.durable(FrameCodec.event(e.topic(), "unsubscribed", null, Map.of("code", e.code(), "reason", e.reason())));
    }
    throw new IllegalArgumentException("unknown document push " + push);
  }

  static String name(TopicEvent event) {
    if (event instanceof Document.Created) return "created";
    if (event instanceof Document.OpApplied) return "op";
    if (event instanceof Document.Shared) return "shared";
    if (event instanceof Document.Unshared) return "unshared";
    if (event instanceof Document.DocumentLocked) return "locked";
    if (event instanceof Document.DocumentUnlocked) return "unlocked";
    if (event instanceof Document.RangeLocked) return "range_locked";
    if (event instanceof Document.RangeReleased) return "range_released";
    if (event instanceof Document.VersionLabeled) return "labeled";
    if (event instanceof Document.Deleted) return "deleted";
    throw new IllegalArgumentException("unknown document event " + event.getClass());
  }

  static Map<String, Object> data(TopicEvent event) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (event instanceof Document.Created c) {
      m.put("owner", c.owner());
      m.put("title", c.title());
      m.put("at", c.at());
    } else if (event instanceof Document.OpApplied o) {
      m.put("author", o.author());
      m.put("clientId", o.clientId());
      m.put("clientSeq", o.clientSeq());
      m.put("op", o.op().toWire());
      m.put("kind", o.kind());
      m.put("at", o.at());
    } else if (event instanceof Document.Shared s) {
      m.put("userId", s.userId());
      m.put("role", role(s.role()));
      m.put("by", s.by());
      m.put("at", s.at());
    } else if (event instanceof Document.Unshared u) {
      m.put("userId", u.userId());
      m.put("by", u.by());
      m.put("at", u.at());
    } else if (event instanceof Document.DocumentLocked l) {
      m.put("by", l.by());
      m.put("at", l.at());
    } else if (event instanceof Document.DocumentUnlocked l) {
      m.put("by", l.by());
      m.put("at", l.at());
    } else if (event instanceof Document.RangeLocked r) {
      m.putAll(lock(r.lock()));
      m.put("at", r.at());
    } else if (event instanceof Document.RangeReleased r) {
      m.put("holder", r.holder());
      m.put("reason", r.reason());
      m.put("at", r.at());
    } else if (event instanceof Document.VersionLabeled v) {
      m.put("version", v.version());
      m.put("label", v.label());
      m.put("by", v.by());
      m.put("at", v.at());
    } else if (event instanceof Document.Deleted d) {
      m.put("by", d.by());
      m.put("at", d.at());
    }
    return m;
  }

  static Map<String, Object> lock(io.pulse.actors.document.RangeLock l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("holder", l.holder());
    m.put("start", l.start());
    m.put("end", l.end());
    m.put("expiresAt", l.expiresAt());
    return m;
  }

  static Map<String, Object> cursor(Document.CursorMoved c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("userId", c.userId());
    m.put("connectionId", c.connectionId());
    m.put("anchor", c.anchor());
    m.put("head", c.head());
    m.put("name", c.name());
    m.put("colour", c.colour());
    m.put("version", c.version());
    return m;
  }

  static String role(io.pulse.actors.document.DocRole role) {
    return role == null ? null : role.name().toLowerCase(Locale.ROOT);
  }

  static Map<String, Object> view(Document.View v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("documentId", v.documentId());
    m.put("title", v.title());
    m.put("owner", v.owner());
    m.put("role", role(v.role()));
    m.put("text", v.text());
    m.put("version", v.version());
    m.put("lastChangeAt", v.lastChangeAt());
    m.put("lockedBy", v.lockedBy());
    m.put("rangeLocks", v.rangeLocks().stream().map(DocumentCodec::lock).toList());
    if (!v.roles().isEmpty()) {
      Map<String, String> roles = new java.util.TreeMap<>();
      v.roles().forEach((u, r) -> roles.put(u, role(r)));
      m.put("roles", roles);
    }
    return m;
  }

  static Map<String, Object> summary(Document.Summary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("documentId", s.documentId());
    m.put("title", s.title());
    m.put("owner", s.owner());
    m.put("role", role(s.role()));
    m.put("version", s.version());
    m.put("lastChangeAt", s.lastChangeAt());
    return m;
  }
}
