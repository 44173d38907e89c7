package io.pulse.http.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** Parses client frames and renders server frames: JSON text, one object per frame. */
public final class FrameCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FrameCodec() {}

  /** Parses the frames of one use case, given their type, the whole frame and its ref. */
  @FunctionalInterface
  interface UseCaseParser {
    ClientFrame parse(String type, JsonNode root, String ref) throws ProtocolError.Invalid;
  }

  /** Each use case beyond chat, by the prefix of its frame types: its own codec parses them. */
  private static final Map<String, UseCaseParser> USE_CASES =
      Map.of(
          DocumentCodec.PREFIX, DocumentCodec::parse,
          AuctionCodec.PREFIX, AuctionCodec::parse,
          SaleCodec.PREFIX, SaleCodec::parse,
          MarketCodec.PREFIX, MarketCodec::parse,
          DriverCodec.DRIVER_PREFIX, DriverCodec::parse,
          DriverCodec.TRIP_PREFIX, DriverCodec::parse,
          MetricsCodec.PREFIX, MetricsCodec::parse);

  /** A parsed frame, or the error to answer it with (echoing its ref when one could be read). */
  public sealed interface Parsed {}

  public record Ok(ClientFrame frame) implements Parsed {}

  public record Failed(ProtocolError error) implements Parsed {}

  public static Parsed parse(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return new Failed(ProtocolError.of(null, ErrorCode.MALFORMED_JSON, "frame is not valid JSON"));
    }
    if (root == null || !root.isObject()) {
      return new Failed(ProtocolError.of(null, ErrorCode.MALFORMED_JSON, "frame must be a JSON object"));
    }
    String ref = null;
    try {
      ref = optionalText(root, "ref");
      String type = requiredText(root, "type");
      ClientFrame frame =
          switch (type) {
            case "ping" -> new ClientFrame.Ping(ref);
            case "subscribe" ->
                new ClientFrame.Subscribe(
                    ref,
                    Topic.parse(requiredText(root, "topic")),
                    optionalSeq(root, "since"),
                    new ClientFrame.SubscribeOptions(optionalInt(root, "maxRate"), optionalInt(root, "depth"), DriverCodec.region(root.get("region"))));
            case "unsubscribe" -> new ClientFrame.Unsubscribe(ref, Topic.parse(requiredText(root, "topic")));
            case "profile.update" -> {
              JsonNode data = root.get("data");
              if (data == null || data.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field 'data'");
              if (!data.isObject()) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'data' must be an object");
              yield new ClientFrame.UpdateProfile(
                  ref,
                  optionalText(root, "userId"),
                  optionalText(data, "displayName"),
                  optionalText(data, "avatarUrl"),
                  optionalText(data, "statusText"));
            }
            case "profile.get" -> new ClientFrame.GetProfile(ref, requiredText(root, "userId"));
            case "conv.create" ->
                new ClientFrame.ConvCreate(
                    ref, requiredText(root, "kind"), requiredUserIds(root, "members"), optionalText(root, "title"));
            case "conv.send" ->
                new ClientFrame.ConvSend(ref, conversationId(root), requiredText(root, "clientMsgId"), requiredText(root, "text"));
            case "conv.edit" -> new ClientFrame.ConvEdit(ref, conversationId(root), requiredSeq(root, "seq"), requiredText(root, "text"));
            case "conv.delete" -> new ClientFrame.ConvDelete(ref, conversationId(root), requiredSeq(root, "seq"));
            case "conv.members.add" ->
                new ClientFrame.ConvAddMember(ref, conversationId(root), userId(root), optionalText(root, "role"));
            case "conv.members.remove" -> new ClientFrame.ConvRemoveMember(ref, conversationId(root), userId(root));
            case "conv.read" -> new ClientFrame.ConvRead(ref, conversationId(root), requiredSeq(root, "seq"));
            case "conv.delivered" -> new ClientFrame.ConvDelivered(ref, conversationId(root), requiredSeq(root, "seq"));
            case "conv.typing" -> new ClientFrame.ConvTyping(ref, conversationId(root));
            case "conv.history" -> {
              Long before = optionalSeq(root, "before");
              Long after = optionalSeq(root, "after");
              if (before != null && after != null) {
                throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "give 'before' or 'after', not both");
              }
              Long limit = optionalSeq(root, "limit");
              yield new ClientFrame.ConvHistory(ref, conversationId(root), before, after, limit == null ? 50 : (int) Math.min(limit, 1000));
            }
            case "inbox.get" -> new ClientFrame.InboxGet(ref);
            default -> {
              int dot = type.indexOf('.');
              UseCaseParser useCase = dot > 0 ? USE_CASES.get(type.substring(0, dot + 1)) : null;
              if (useCase != null) yield useCase.parse(type, root, ref);
              throw new ProtocolError.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + type + "'");
            }
          };
      return new Ok(frame);
    } catch (ProtocolError.Invalid e) {
      return new Failed(ProtocolError.of(ref, e.code(), e.getMessage()));
    }
  }

  private static String conversationId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "conversationId");
    if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "invalid conversationId");
    return id;
  }

  static String userId(JsonNode node) throws ProtocolError.Invalid {
    String id = requiredText(node, "userId");
    if (!io.pulse.http.auth.UserIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "invalid userId");
    return id;
  }

  static java.util.List<String> requiredUserIds(JsonNode node, String field) throws ProtocolError.Invalid {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    if (!value.isArray()) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' must be an array of user ids");
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual() || !io.pulse.http.auth.UserIds.isValid(item.asText())) {
        throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' must be an array of user ids");
      }
      ids.add(item.asText());
    }
    return ids;
  }

  static long requiredSeq(JsonNode node, String field) throws ProtocolError.Invalid {
    Long value = optionalSeq(node, field);
    if (value == null) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    return value;
  }

  static Long optionalSeq(JsonNode node, String field) throws ProtocolError.Invalid {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) return null;
    if (!value.canConvertToExactIntegral() || !value.canConvertToLong() || value.asLong() < 0) {
      throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' must be a non-negative integer");
    }
    return value.asLong();
  }

  static Integer optionalInt(JsonNode node, String field) throws ProtocolError.Invalid {
    Long value = optionalSeq(node, field);
    if (value != null && value > Integer.MAX_VALUE) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' is too large");
    return value == null ? null : value.intValue();
  }

  static String requiredText(JsonNode node, String field) throws ProtocolError.Invalid {
    String value = optionalText(node, field);
    if (value == null) throw new ProtocolError.Invalid(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
    return value;
  }

  static String optionalText(JsonNode node, String field) throws ProtocolError.Invalid {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) return null;
    if (!value.isTextual()) throw new ProtocolError.Invalid(ErrorCode.INVALID_FIELD, "'" + field + "' must be a string");
    return value.asText();
  }

  // ---- server frames

  public static String pong(String ref) {
    ObjectNode n = frame("pong", ref);
    return write(n);
  }

  public static String reply(String ref, Object data) {
    ObjectNode n = frame("reply", ref);
    n.set("data", JSON.valueToTree(data));
    return write(n);
  }

  public static String error(ProtocolError error) {
    return error(error, Map.of());
  }

  /** An error with fields of its own beside the code (an auction's {@code minimumAmount}, a sale's {@code remaining}). */
  public static String error(ProtocolError error, Map<String, Object> extra) {
    ObjectNode n = frame("error", error.ref());
    n.put("code", error.code());
    n.put("message", error.message());
    if (error.retryAfterMs() != null) n.put("retryAfterMs", error.retryAfterMs());
    extra.forEach((k, v) -> n.set(k, JSON.valueToTree(v)));
    return write(n);
  }

  /** A pushed event; {@code seq} is set on durable topics' events, null on ephemeral ones. */
  public static String event(String topic, String event, Long seq, Object data) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "event");
    n.put("topic", topic);
    n.put("event", event);
    if (seq != null) n.put("seq", seq);
    n.set("data", JSON.valueToTree(data));
    return write(n);
  }

  /** A pushed event of a topic whose seqs are not consecutive: {@code prevSeq} is the seq of the one before it. */
  public static String event(String topic, String event, long seq, long prevSeq, Object data) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "event");
    n.put("topic", topic);
    n.put("event", event);
    n.put("seq", seq);
    n.put("prevSeq", prevSeq);
    n.set("data", JSON.valueToTree(data));
    return write(n);
  }

  public static String welcome(Map<String, Object> fields) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "welcome");
    fields.forEach((k, v) -> n.set(k, JSON.valueToTree(v)));
    return write(n);
  }

  private static ObjectNode frame(String type, String ref) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", type);
    if (ref != null) n.put("ref", ref);
    return n;
  }

  private static String write(ObjectNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render frame", e);
    }
  }
}
