package io.pulse.http.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The operator's view of the cluster, as this node sees it: every member with its status and roles, and
 * beside each the figures its {@link NodeStats} answered within the timeout ({@code node: null} for a
 * member that did not answer, e.g. one still joining or unreachable). The JSON shape is a contract
 * (docs/operations.md, "Operator endpoints"): a web page reads it.
 */
public final class ClusterView {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ActorSystem<?> system;
  private final Duration timeout;

  public ClusterView(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  /** The view as JSON text; never fails (members whose stats did not come have {@code node: null}). */
  public CompletionStage<String> json() {
    return stats().thenApply(this::render);
  }

  private CompletionStage<Map<String, NodeStats.Stats>> stats() {
    CompletionStage<Receptionist.Listing> listing =
        AskPattern.ask(system.receptionist(), replyTo -> Receptionist.find(NodeStats.KEY, replyTo), timeout, system.scheduler());
    return listing
        .thenCompose(
            l -> {
              List<CompletableFuture<NodeStats.Stats>> asks = new ArrayList<>();
              for (ActorRef<NodeStats.Command> node : l.getServiceInstances(NodeStats.KEY)) {
                asks.add(
                    AskPattern.<NodeStats.Command, NodeStats.Stats>ask(node, NodeStats.Get::new, timeout, system.scheduler())
                        .exceptionally(e -> null)
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                  .thenApply(
                      v -> {
                        Map<String, NodeStats.Stats> byAddress = new HashMap<>();
                        for (CompletableFuture<NodeStats.Stats> a : asks) {
                          NodeStats.Stats s = a.join();
                          if (s != null) byAddress.put(s.address(), s);
                        }
                        return byAddress;
                      });
            })
        .exceptionally(e -> Map.of());
  }

  private String render(Map<String, NodeStats.Stats> stats) {
    Cluster cluster = Cluster.get(system);
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("self", cluster.selfMember().address().toString());
    List<Map<String, Object>> members = new ArrayList<>();
    for (Member m : cluster.state().getMembers()) {
      Map<String, Object> member = new LinkedHashMap<>();
      String address = m.address().toString();
      member.put("address", address);
      member.put("status", status(m));
      member.put("roles", new ArrayList<>(m.getRoles()).stream().filter(r -> !r.startsWith("dc-")).sorted().toList());
      NodeStats.Stats s = stats.get(address);
      if (s == null) {
        member.put("node", null);
      } else {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("connections", s.connections());
        node.put("framesInPerSec", s.framesInPerSec());
        node.put("framesOutPerSec", s.framesOutPerSec());
        node.put("shards", s.shards());
        node.put("entities", s.entities());
        member.put("node", node);
      }
      members.add(member);
    }
    view.put("members", members);
    try {
      return JSON.writeValueAsString(view);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The member's status as Pekko names it: Joining, WeaklyUp, Up, Leaving, Exiting, Down, Removed. */
  private static String status(Member m) {
    return m.status().toString();
  }
}
