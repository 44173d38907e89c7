package io.pulse.http.it;

import io.pulse.actors.alerting.LabeledValue;
import io.pulse.actors.alerting.RuleQuery;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The query engine of the alerting ITs' nodes (pulse.alerting.rule-query-class): each query answers what the test set
 * for it, so the test decides when a rule's condition holds. In the test's JVM the values are this class's static
 * map (the node builds the query from its class name); a node in a JVM of its own is given
 * {@code alerting-it.values-url} and asks the test for them over HTTP ({@code GET <url>?query=<q>} answering
 * {@code [{"labels":{...},"value":n}]}).
 */
public final class ControlledRuleQuery implements RuleQuery {
  static final Map<String, List<LabeledValue>> VALUES = new ConcurrentHashMap<>();
  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private final String valuesUrl;

  public ControlledRuleQuery(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    com.typesafe.config.Config c = system.settings().config();
    this.valuesUrl = c.hasPath("alerting-it.values-url") ? c.getString("alerting-it.values-url") : null;
  }

  static void set(String query, LabeledValue... values) {
    VALUES.put(query, List.of(values));
  }

  @Override
  public CompletionStage<List<LabeledValue>> evaluate(String query, long atMillis) {
    if (valuesUrl == null) return CompletableFuture.completedFuture(VALUES.getOrDefault(query, List.of()));
    java.net.URI uri = java.net.URI.create(valuesUrl + "?query=" + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8));
    return HTTP.sendAsync(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> parse(r.body()));
  }

  static String render(List<LabeledValue> values) {
    try {
      return JSON.writeValueAsString(values.stream().map(v -> Map.of("labels", v.labels(), "value", v.value())).toList());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<LabeledValue> parse(String body) {
    try {
      List<LabeledValue> out = new java.util.ArrayList<>();
      for (com.fasterxml.jackson.databind.JsonNode n : JSON.readTree(body)) {
        Map<String, String> labels = new java.util.TreeMap<>();
        n.get("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        out.add(LabeledValue.of(labels, n.get("value").asDouble()));
      }
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
