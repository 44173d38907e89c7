package io.pulse.http.gateway;

import io.pulse.http.auth.UserIds;

/** A topic name, {@code <kind>:<id>}. Only kinds the node serves parse. */
public record Topic(String kind, String id) {
  public static final String USER = "user";
  public static final String CONVERSATION = "conv";
  public static final String DOCUMENT = io.pulse.actors.document.Document.TOPIC_KIND;
  public static final String AUCTION = io.pulse.actors.auction.Auction.TOPIC_KIND;
  public static final String SALE = io.pulse.actors.auction.Sale.TOPIC_KIND;

  /** A market's streams, each by its symbol: {@code book:BTC-USD}, {@code trades:BTC-USD}, … */
  public static final java.util.Set<String> MARKET_KINDS = MarketTopics.KINDS;

  /** Kinds whose id is an entity id ({@link ConversationIds}' alphabet): one entry per use case. */
  private static final java.util.Set<String> ENTITY_KINDS =
      union(union(java.util.Set.of(CONVERSATION, DOCUMENT, AUCTION, SALE), MARKET_KINDS), DriverTopics.KINDS);

  private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return java.util.Set.copyOf(all);
  }
  /** The connection's own user's inbox: pushed to every connection without a subscription, never parsed. */
  public static final String INBOX = "inbox";

  private static final java.util.regex.Pattern METRICS_ID = java.util.regex.Pattern.compile("[A-Za-z0-9%._~*+!'()@-]+");

  public static Topic parse(String name) throws ProtocolError.Invalid {
    int colon = name == null ? -1 : name.indexOf(':');
    if (colon <= 0) throw new ProtocolError.Invalid(ErrorCode.INVALID_TOPIC, "topic must look like <kind>:<id>");
    String kind = name.substring(0, colon);
    String id = name.substring(colon + 1);
    if (USER.equals(kind)) {
      if (!UserIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_TOPIC, "invalid user id in topic");
    } else if (MetricsTopics.KIND.equals(kind)) {
      // a url-encoded query, optionally @step: checked when subscribing (invalid_query)
      if (id.isEmpty() || id.length() > 4096 || !METRICS_ID.matcher(id).matches()) {
        throw new ProtocolError.Invalid(ErrorCode.INVALID_TOPIC, "a metrics topic is metrics:<url-encoded query>[@<step>]");
      }
    } else if (ENTITY_KINDS.contains(kind)) {
      if (!ConversationIds.isValid(id)) throw new ProtocolError.Invalid(ErrorCode.INVALID_TOPIC, "invalid " + kind + " id in topic");
    } else {
      throw new ProtocolError.Invalid(ErrorCode.INVALID_TOPIC, "unknown topic kind '" + kind + "'");
    }
    return new Topic(kind, id);
  }

  /** A topic name this node made itself (a push's), split without checking its kind. */
  public static Topic named(String name) {
    int colon = name.indexOf(':');
    return new Topic(name.substring(0, colon), name.substring(colon + 1));
  }

  public static Topic user(String userId) {
    return new Topic(USER, userId);
  }

  public static Topic conversation(String conversationId) {
    return new Topic(CONVERSATION, conversationId);
  }

  public boolean isConversation() {
    return CONVERSATION.equals(kind);
  }

  public String name() {
    return kind + ":" + id;
  }
}
