package io.pulse.actors.driver;

import io.pulse.actors.Rejection;
import io.pulse.actors.topic.TopicPush;
import io.pulse.persistence.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * "The K nearest available drivers within R metres of a point": asks the cells that cover the circle
 * ({@link GeoCells#ringsCovering}) ring by ring outwards, each for its own K nearest within R, in
 * parallel within a ring, and merges them by true distance ({@link NearestMerge}); the global K nearest
 * are among the union of each cell's K nearest. It stops at the first ring after which the K nearest
 * found are all nearer than what the rings asked cover entirely, so a dense city asks the 7 cells of
 * rings 0–1, not the 19–37 of the whole radius.
 * A cell that does not answer in time is left out and counted in {@link Result#cellsUnanswered}, so a
 * slow node degrades an answer instead of failing it. Also starts and ends region watches on the cells
 * a region touches. Plain class, thread-safe: one per node.
 */
public final class NearbySearch {
  public static final String INVALID_RADIUS = "invalid_radius";
  public static final String INVALID_LIMIT = "invalid_limit";
  public static final String INVALID_REGION = "invalid_region";

  /** @param maxCells most cells a region given as a set of cells may name */
  public record Limits(double maxRadiusMeters, int maxLimit, int maxCells, Duration timeout) {}

  /** Nearest first. */
  public record Result(List<NearestMerge.Match> drivers, int cellsAsked, int cellsUnanswered) implements CborSerializable {}

  private final GeoCells geo;
  private final Function<String, RecipientRef<Cell.Command>> cells;
  private final Scheduler scheduler;
  private final Limits limits;

  public NearbySearch(GeoCells geo, Function<String, RecipientRef<Cell.Command>> cells, Scheduler scheduler, Limits limits) {
    this.geo = geo;
    this.cells = cells;
    this.scheduler = scheduler;
    this.limits = limits;
  }

  public Optional<Rejection> validate(double lat, double lng, double radiusMeters, int limit) {
    return FixRules.position(lat, lng).or(() -> radius(radiusMeters)).or(() -> {
      if (limit <= 0 || limit > limits.maxLimit()) return Optional.of(new Rejection(INVALID_LIMIT, "limit must be 1.." + limits.maxLimit()));
      return Optional.empty();
    });
  }

  private Optional<Rejection> radius(double radiusMeters) {
    if (!(radiusMeters > 0) || radiusMeters > limits.maxRadiusMeters()) {
      return Optional.of(new Rejection(INVALID_RADIUS, "radius must be above 0 and at most " + (long) limits.maxRadiusMeters() + " m"));
    }
    return Optional.empty();
  }

  public CompletionStage<StatusReply<Result>> search(double lat, double lng, double radiusMeters, int limit) {
    Optional<Rejection> refusal = validate(lat, lng, radiusMeters, limit);
    if (refusal.isPresent()) return CompletableFuture.completedFuture(Rejection.reply(refusal.get().code(), refusal.get().message()));
    GeoCells.Rings rings = geo.ringsCovering(lat, lng, radiusMeters);
    // the first stage asks rings 0 and 1 together: in a city they usually hold the answer
    int first = Math.min(1, rings.rings().size() - 1);
    return stage(lat, lng, radiusMeters, limit, rings, 0, first, new ArrayList<>(), new AtomicInteger(), new AtomicInteger());
  }

  /**
   * Asks rings {@code from..to} and merges with what earlier rings answered. Stops once the {@code
   * limit} nearest found so far are all nearer than what rings 0..to cover entirely (no driver farther
   * out can displace them), else asks the next ring; the last ring covers the whole radius.
   */
  private CompletionStage<StatusReply<Result>> stage(
      double lat, double lng, double radiusMeters, int limit, GeoCells.Rings rings, int from, int to,
      List<List<Candidate>> perCell, AtomicInteger asked, AtomicInteger unanswered) {
    List<CompletableFuture<List<Candidate>>> answers = new ArrayList<>();
    for (int k = from; k <= to; k++) {
      for (long cell : rings.rings().get(k)) {
        asked.incrementAndGet();
        CompletionStage<StatusReply<Cell.Candidates>> reply =
            AskPattern.ask(cells.apply(GeoCells.address(cell)), r -> new Cell.Nearby(lat, lng, radiusMeters, limit, r), limits.timeout(), scheduler);
        answers.add(
            reply
                .handle((ok, failure) -> {
                  if (failure != null || !ok.isSuccess()) {
                    unanswered.incrementAndGet();
                    return List.<Candidate>of();
                  }
                  return ok.getValue().drivers();
                })
                .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenCompose(done -> {
          for (CompletableFuture<List<Candidate>> a : answers) perCell.add(a.join());
          List<NearestMerge.Match> nearest = NearestMerge.merge(lat, lng, radiusMeters, limit, perCell);
          boolean last = to == rings.rings().size() - 1;
          boolean settled = nearest.size() == limit && nearest.get(limit - 1).distanceMeters() < rings.covered()[to];
          if (last || settled) return CompletableFuture.completedFuture(StatusReply.success(new Result(nearest, asked.get(), unanswered.get())));
          return stage(lat, lng, radiusMeters, limit, rings, to + 1, to + 1, perCell, asked, unanswered);
        });
  }

  /** The cells a region touches, or the refusal of a region that is not valid. */
  public StatusReply<List<String>> cellsOf(Region region) {
    if (region.isCircle()) {
      Optional<Rejection> refusal = FixRules.position(region.lat(), region.lng()).or(() -> radius(region.radiusMeters()));
      if (refusal.isPresent()) return Rejection.reply(refusal.get().code(), refusal.get().message());
      return StatusReply.success(geo.cellsCovering(region.lat(), region.lng(), region.radiusMeters()).stream().map(GeoCells::address).toList());
    }
    if (region.cells().size() > limits.maxCells()) return Rejection.reply(INVALID_REGION, "a region names at most " + limits.maxCells() + " cells");
    for (String c : region.cells()) {
      if (!geo.isCell(c)) return Rejection.reply(INVALID_REGION, c + " is not a cell of resolution " + geo.resolution());
    }
    return StatusReply.success(List.copyOf(new java.util.LinkedHashSet<>(region.cells())));
  }

  /**
   * Registers the watch with every cell of the region; done once all have pushed their current drivers,
   * with the first cell's answer (the centre's, for a circle), whose address tells when it stopped.
   */
  public CompletionStage<StatusReply<Cell.Watching>> watch(String watchId, Region region, ActorRef<TopicPush> watcher) {
    StatusReply<List<String>> touched = cellsOf(region);
    if (touched.isError()) return CompletableFuture.completedFuture(StatusReply.error(touched.getError()));
    List<CompletableFuture<StatusReply<Cell.Watching>>> acks = new ArrayList<>();
    for (String cell : touched.getValue()) {
      acks.add(
          AskPattern.<Cell.Command, StatusReply<Cell.Watching>>ask(
                  cells.apply(cell), r -> new Cell.Watch(watchId, region, watcher, r), limits.timeout(), scheduler)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
        .handle((done, failure) -> failure == null ? acks.get(0).join() : Rejection.reply("unavailable", "some cells did not answer; watch again"));
  }

  public void unwatch(String watchId, Region region, ActorRef<TopicPush> watcher) {
    StatusReply<List<String>> touched = cellsOf(region);
    if (touched.isSuccess()) for (String cell : touched.getValue()) cells.apply(cell).tell(new Cell.Unwatch(watchId, watcher));
  }
}
