package io.pulse.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.Rejection;
import io.pulse.actors.alerting.AlertDelivery;
import io.pulse.actors.alerting.AlertRule;
import io.pulse.actors.alerting.AlertStatus;
import io.pulse.actors.alerting.AlertTenant;
import io.pulse.actors.alerting.Comparison;
import io.pulse.actors.alerting.LabelMatcher;
import io.pulse.actors.alerting.PromDuration;
import io.pulse.actors.alerting.RuleQuery;
import io.pulse.actors.alerting.Rules;
import io.pulse.actors.alerting.Silence;
import io.pulse.actors.alerting.WebhookSender;
import io.pulse.config.AlertingSettings;
import io.pulse.http.alerting.AlertWire;
import io.pulse.http.alerting.WebhookClient;
import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.auth.TokenVerifier;
import io.pulse.sharding.AlertingSharding;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.pattern.StatusReply;

/**
 * Alerting's REST surface (docs/protocol.md, "Alerting"), behind the WebSocket's bearer token: rules
 * ({@code PUT/GET/DELETE /api/alerts/rules/{id}}), silences ({@code POST/GET /api/alerts/silences},
 * {@code DELETE /api/alerts/silences/{id}}), the current alerts ({@code GET /api/alerts}) and every delivery's
 * state ({@code GET /api/alerts/deliveries}). Receivers are configuration (pulse.alerting.receivers), never REST:
 * their secrets stay out of the journal and out of any answer.
 */
final class AlertRoutes extends AllDirectives {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String MALFORMED_JSON = "malformed_json";
  public static final String INVALID_MATCHER = "invalid_matcher";

  private final BearerAuth auth;
  private final AlertingSettings settings;
  private final ClusterSharding sharding;
  private final Duration timeout;
  private final Clock clock;

  AlertRoutes(ActorSystem<?> system, TokenVerifier verifier, AlertingSettings settings) {
    this.auth = new BearerAuth(verifier);
    this.settings = settings;
    this.sharding = ClusterSharding.get(system);
    this.timeout = settings.handoffTimeout();
    this.clock = Clock.systemUTC();
  }

  /**
   * Starts alerting with the query engine {@code rule-query-class} names, or, when it names none,
   * {@code metricsEngine} (the node's own metrics).
   */
  static AlertRoutes start(ActorSystem<?> system, TokenVerifier verifier, RuleQuery metricsEngine) {
    AlertingSettings s = AlertingSettings.from(system.settings().config());
    RuleQuery query = s.ruleQueryClass().isBlank() ? metricsEngine : AlertingSharding.ruleQuery(system, s);
    return start(system, verifier, s, query, new WebhookClient(system, s, Clock.systemUTC()));
  }

  /** Starts alerting with the query engine and sender given. */
  static AlertRoutes start(ActorSystem<?> system, TokenVerifier verifier, AlertingSettings s, RuleQuery query, WebhookSender sender) {
    AlertingSharding.init(system, s, query, sender);
    return new AlertRoutes(system, verifier, s);
  }

  Route routes() {
    return pathPrefix(
        PathMatchers.segment("api").slash("alerts"),
        () ->
            auth.authenticated(
                user ->
                    concat(
                        pathEnd(() -> get(this::alerts)),
                        path(
                            PathMatchers.segment("rules").slash(PathMatchers.segment()),
                            id ->
                                concat(
                                    put(() -> entity(Unmarshaller.entityToString(), body -> putRule(id, body))),
                                    get(() -> getRule(id)),
                                    delete(() -> deleteRule(id)))),
                        path(
                            "silences",
                            () -> concat(post(() -> entity(Unmarshaller.entityToString(), body -> createSilence(user, body))), get(this::silences))),
                        path(PathMatchers.segment("silences").slash(PathMatchers.segment()), id -> delete(() -> expireSilence(id))),
                        path("deliveries", () -> get(() -> parameterOptional("receiver", r -> deliveries(r.orElse(null))))))));
  }

  // ---- rules --------------------------------------------------------------------------------------

  private Route putRule(String id, String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (Exception e) {
      return problem(StatusCodes.BAD_REQUEST, MALFORMED_JSON, "the body is not valid JSON");
    }
    if (root == null || !root.isObject()) return problem(StatusCodes.BAD_REQUEST, MALFORMED_JSON, "the body must be a JSON object");
    JsonNode query = root.get("query");
    if (query == null || !query.isTextual()) return problem(StatusCodes.BAD_REQUEST, Rules.MISSING_FIELD, "query (a string) is required");
    JsonNode cmp = root.get("comparison");
    if (cmp == null || !cmp.isTextual() || Comparison.parse(cmp.asText()).isEmpty()) {
      return problem(StatusCodes.BAD_REQUEST, Rules.INVALID_COMPARISON, "comparison must be one of >, >=, <, <=, ==, !=");
    }
    JsonNode threshold = root.get("threshold");
    if (threshold == null || !threshold.isNumber()) return problem(StatusCodes.BAD_REQUEST, Rules.INVALID_THRESHOLD, "threshold must be a number");
    OptionalLong forMs = duration(root.get("for"), 0);
    if (forMs.isEmpty()) return problem(StatusCodes.BAD_REQUEST, Rules.INVALID_DURATION, "for is a duration such as \"5m\" or \"30s\"");
    OptionalLong interval = duration(root.get("interval"), settings.defaultInterval().toMillis());
    if (interval.isEmpty()) return problem(StatusCodes.BAD_REQUEST, Rules.INVALID_DURATION, "interval is a duration such as \"10s\"");
    TreeMap<String, String> labels = new TreeMap<>();
    TreeMap<String, String> annotations = new TreeMap<>();
    if (!strings(root.get("labels"), labels)) return problem(StatusCodes.BAD_REQUEST, Rules.INVALID_LABEL, "labels is an object of strings");
    if (!strings(root.get("annotations"), annotations)) return problem(StatusCodes.BAD_REQUEST, Rules.INVALID_LABEL, "annotations is an object of strings");
    JsonNode receiver = root.get("receiver");
    Rules.RuleSpec spec =
        new Rules.RuleSpec(
            query.asText(),
            Comparison.parse(cmp.asText()).get(),
            threshold.asDouble(),
            forMs.getAsLong(),
            interval.getAsLong(),
            labels,
            annotations,
            receiver == null || !receiver.isTextual() ? null : receiver.asText());
    var bad = Rules.problem(id, spec, settings.receivers().keySet(), settings.minInterval().toMillis());
    if (bad.isPresent()) return problem(StatusCodes.BAD_REQUEST, bad.get().code(), bad.get().message());
    CompletionStage<AlertRule.View> defined =
        sharding
            .entityRefFor(AlertRule.ENTITY_TYPE_KEY, id)
            .<AlertRule.View>askWithStatus(r -> new AlertRule.Define(spec, r), timeout)
            .thenCompose(
                v ->
                    sharding
                        .entityRefFor(AlertTenant.ENTITY_TYPE_KEY, AlertTenant.DEFAULT)
                        .<org.apache.pekko.Done>askWithStatus(r -> new AlertTenant.AddRule(id, r), timeout)
                        .thenApply(d -> v));
    return answer(defined, v -> complete(StatusCodes.OK, AlertWire.rule(v), Jackson.marshaller()));
  }

  private static OptionalLong duration(JsonNode node, long absent) {
    if (node == null || node.isNull()) return OptionalLong.of(absent);
    if (!node.isTextual()) return OptionalLong.empty();
    return PromDuration.parseMillis(node.asText());
  }

  private static boolean strings(JsonNode node, Map<String, String> into) {
    if (node == null || node.isNull()) return true;
    if (!node.isObject()) return false;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) return false;
      into.put(e.getKey(), e.getValue().asText());
    }
    return true;
  }

  private Route getRule(String id) {
    if (!Rules.ID.matcher(id).matches()) return problem(StatusCodes.BAD_REQUEST, Rules.INVALID_ID, "a rule id is 1-64 of [A-Za-z0-9_.-]");
    return answer(
        sharding.entityRefFor(AlertRule.ENTITY_TYPE_KEY, id).<AlertRule.View>askWithStatus(AlertRule.Get::new, timeout),
        v -> complete(StatusCodes.OK, AlertWire.rule(v), Jackson.marshaller()));
  }

  private Route deleteRule(String id) {
    if (!Rules.ID.matcher(id).matches()) return problem(StatusCodes.BAD_REQUEST, Rules.INVALID_ID, "a rule id is 1-64 of [A-Za-z0-9_.-]");
    CompletionStage<org.apache.pekko.Done> deleted =
        sharding
            .entityRefFor(AlertRule.ENTITY_TYPE_KEY, id)
            .<org.apache.pekko.Done>askWithStatus(AlertRule.Delete::new, timeout)
            .thenCompose(
                d -> sharding.entityRefFor(AlertTenant.ENTITY_TYPE_KEY, AlertTenant.DEFAULT).<org.apache.pekko.Done>askWithStatus(r -> new AlertTenant.RemoveRule(id, r), timeout));
    return answer(deleted, d -> complete(StatusCodes.OK, Map.of("id", id, "deleted", true), Jackson.marshaller()));
  }

  /** Every rule's alerts that are pending, firing or (recently) resolved. */
  private Route alerts() {
    CompletionStage<Map<String, Object>> all =
        sharding
            .entityRefFor(AlertTenant.ENTITY_TYPE_KEY, AlertTenant.DEFAULT)
            .<AlertTenant.RuleIds>askWithStatus(AlertTenant.ListRules::new, timeout)
            .thenCompose(
                ids -> {
                  List<CompletableFuture<AlertRule.View>> views = new ArrayList<>();
                  for (String id : ids.ruleIds()) {
                    views.add(
                        sharding
                            .entityRefFor(AlertRule.ENTITY_TYPE_KEY, id)
                            .<AlertRule.View>askWithStatus(AlertRule.Get::new, timeout)
                            .exceptionally(e -> null) // deleted meanwhile, or not answering: left out, listed under unavailable
                            .toCompletableFuture());
                  }
                  return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                      .thenApply(
                          x -> {
                            List<Object> alerts = new ArrayList<>();
                            List<String> unavailable = new ArrayList<>();
                            for (int i = 0; i < views.size(); i++) {
                              AlertRule.View v = views.get(i).join();
                              if (v == null) {
                                unavailable.add(ids.ruleIds().get(i));
                                continue;
                              }
                              v.alerts().stream().filter(a -> a.status() != AlertStatus.INACTIVE).forEach(a -> alerts.add(AlertWire.alert(v.ruleId(), v.spec(), a)));
                            }
                            Map<String, Object> body = new LinkedHashMap<>();
                            body.put("alerts", alerts);
                            body.put("rules", ids.ruleIds().size());
                            body.put("unavailable", unavailable);
                            return body;
                          });
                });
    return answer(all, body -> complete(StatusCodes.OK, body, Jackson.marshaller()));
  }

  // ---- silences -----------------------------------------------------------------------------------

  private Route createSilence(AuthenticatedUser user, String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (Exception e) {
      return problem(StatusCodes.BAD_REQUEST, MALFORMED_JSON, "the body is not valid JSON");
    }
    if (root == null || !root.isObject()) return problem(StatusCodes.BAD_REQUEST, MALFORMED_JSON, "the body must be a JSON object");
    JsonNode ms = root.get("matchers");
    if (ms == null || !ms.isArray() || ms.isEmpty()) return problem(StatusCodes.BAD_REQUEST, INVALID_MATCHER, "matchers is a non-empty array of {name, op, value}");
    List<LabelMatcher> matchers = new ArrayList<>();
    for (JsonNode m : ms) {
      String name = m.path("name").isTextual() ? m.get("name").asText() : null;
      String op = m.path("op").isTextual() ? m.get("op").asText() : LabelMatcher.EQ;
      String value = m.path("value").isTextual() ? m.get("value").asText() : null;
      var bad = LabelMatcher.problem(name, op, value);
      if (bad.isPresent()) return problem(StatusCodes.BAD_REQUEST, INVALID_MATCHER, bad.get());
      matchers.add(new LabelMatcher(name, op, value));
    }
    long now = clock.millis();
    long startsAt;
    long endsAt;
    JsonNode s = root.get("startsAt");
    JsonNode e = root.get("endsAt");
    JsonNode d = root.get("duration");
    if (s != null && !s.isNull() && !s.canConvertToExactIntegral()) return problem(StatusCodes.BAD_REQUEST, AlertTenant.INVALID_SILENCE, "startsAt is epoch milliseconds");
    startsAt = s == null || s.isNull() ? now : s.asLong();
    if (e != null && !e.isNull()) {
      if (!e.canConvertToExactIntegral()) return problem(StatusCodes.BAD_REQUEST, AlertTenant.INVALID_SILENCE, "endsAt is epoch milliseconds");
      endsAt = e.asLong();
    } else if (d != null && d.isTextual() && PromDuration.parseMillis(d.asText()).isPresent()) {
      endsAt = startsAt + PromDuration.parseMillis(d.asText()).getAsLong();
    } else {
      return problem(StatusCodes.BAD_REQUEST, AlertTenant.INVALID_SILENCE, "endsAt (epoch ms) or duration (e.g. \"2h\") is required");
    }
    String id = root.path("id").isTextual() ? root.get("id").asText() : UUID.randomUUID().toString();
    String comment = root.path("comment").isTextual() ? root.get("comment").asText() : "";
    if (comment.length() > 1024) return problem(StatusCodes.BAD_REQUEST, AlertTenant.INVALID_SILENCE, "comment is at most 1024 characters");
    Silence silence = new Silence(id, matchers, startsAt, endsAt, user.userId(), comment);
    return answer(
        sharding.entityRefFor(AlertTenant.ENTITY_TYPE_KEY, AlertTenant.DEFAULT).<Silence>askWithStatus(r -> new AlertTenant.CreateSilence(silence, r), timeout),
        x -> complete(StatusCodes.CREATED, AlertWire.silence(x, clock.millis()), Jackson.marshaller()));
  }

  private Route silences() {
    return answer(
        sharding.entityRefFor(AlertTenant.ENTITY_TYPE_KEY, AlertTenant.DEFAULT).<AlertTenant.SilenceList>askWithStatus(AlertTenant.ListSilences::new, timeout),
        list -> {
          long now = clock.millis();
          return complete(StatusCodes.OK, Map.of("silences", list.silences().stream().map(x -> AlertWire.silence(x, now)).toList()), Jackson.marshaller());
        });
  }

  private Route expireSilence(String id) {
    return answer(
        sharding.entityRefFor(AlertTenant.ENTITY_TYPE_KEY, AlertTenant.DEFAULT).<Silence>askWithStatus(r -> new AlertTenant.ExpireSilence(id, r), timeout),
        x -> complete(StatusCodes.OK, AlertWire.silence(x, clock.millis()), Jackson.marshaller()));
  }

  // ---- deliveries ---------------------------------------------------------------------------------

  private Route deliveries(String only) {
    if (only != null && !settings.receivers().containsKey(only)) return problem(StatusCodes.NOT_FOUND, Rules.UNKNOWN_RECEIVER, "no receiver '" + only + "' is configured");
    List<String> names = only != null ? List.of(only) : List.copyOf(new java.util.TreeSet<>(settings.receivers().keySet()));
    List<CompletableFuture<AlertDelivery.Deliveries>> asks = new ArrayList<>();
    for (String r : names) {
      asks.add(sharding.entityRefFor(AlertDelivery.ENTITY_TYPE_KEY, r).<AlertDelivery.Deliveries>askWithStatus(AlertDelivery.GetDeliveries::new, timeout).toCompletableFuture());
    }
    CompletionStage<List<Map<String, Object>>> all =
        CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
            .thenApply(
                x -> {
                  List<Map<String, Object>> out = new ArrayList<>();
                  for (CompletableFuture<AlertDelivery.Deliveries> a : asks) out.addAll(AlertWire.deliveries(a.join()));
                  return out;
                });
    return answer(all, list -> complete(StatusCodes.OK, Map.of("deliveries", list), Jackson.marshaller()));
  }

  // ---- answers ------------------------------------------------------------------------------------

  private <T> Route answer(CompletionStage<T> stage, java.util.function.Function<T, Route> ok) {
    return onComplete(
        stage,
        result -> {
          if (result.isSuccess()) return ok.apply(result.get());
          Throwable cause = result.failed().get();
          if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) cause = cause.getCause();
          if (cause instanceof StatusReply.ErrorMessage) {
            Rejection r = Rejection.of(cause);
            return problem(statusOf(r.code()), r.code(), r.message());
          }
          if (cause instanceof java.util.concurrent.TimeoutException) {
            return problem(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "alerting did not answer in time; retry");
          }
          return problem(StatusCodes.INTERNAL_SERVER_ERROR, "internal", "internal error");
        });
  }

  static StatusCode statusOf(String code) {
    return switch (code) {
      case AlertRule.NOT_FOUND -> StatusCodes.NOT_FOUND;
      case AlertTenant.ALREADY_EXISTS, AlertTenant.TOO_MANY_SILENCES -> StatusCodes.CONFLICT;
      default -> StatusCodes.BAD_REQUEST;
    };
  }

  private Route problem(StatusCode status, String code, String message) {
    return complete(status, Map.of("error", code, "message", message), Jackson.marshaller());
  }
}
