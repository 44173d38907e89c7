package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.Rejection;
import io.pulse.actors.driver.Driver;
import io.pulse.actors.driver.NearbySearch;
import io.pulse.actors.driver.Trip;
import io.pulse.http.auth.AuthenticatedUser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/**
 * Answers the {@code driver.*} and {@code trip.*} frames (docs/protocol.md, "Drivers and trips").
 *
 * <p><b>Who may act for a driver.</b> A token with the {@code driver} role acts for itself; one with the
 * {@code fleet} role (a fleet gateway relaying its vehicles' fixes over one socket) acts for every driver
 * id under its prefix, {@code <fleet user id>.}; anyone else (a rider) gets {@code not_a_driver}, and a
 * driver id outside the caller's reach {@code not_your_driver}. Nearby search, trip requests and
 * cancellations are open to every user.
 */
public final class DriverRequests {
  static final String NOT_A_DRIVER = ErrorCode.NOT_A_DRIVER;
  static final String NOT_YOUR_DRIVER = ErrorCode.NOT_YOUR_DRIVER;
  /** Nearby answers at most this many drivers when the frame names no {@code limit}. */
  public static final int DEFAULT_LIMIT = 10;

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final NearbySearch nearby;

  DriverRequests(ClusterSharding sharding, Duration timeout, NearbySearch nearby) {
    this.sharding = sharding;
    this.timeout = timeout;
    this.nearby = nearby;
  }

  public NearbySearch nearby() {
    return nearby;
  }

  /** The driver {@code user} acts for ({@code driverId} null: itself), or the refusal. */
  static Optional<Rejection> mayActFor(AuthenticatedUser user, String driverId) {
    String id = driverId == null ? user.userId() : driverId;
    if (user.has(AuthenticatedUser.DRIVER) && id.equals(user.userId())) return Optional.empty();
    if (user.has(AuthenticatedUser.FLEET) && id.startsWith(user.userId() + ".") && id.length() > user.userId().length() + 1) return Optional.empty();
    if (!user.has(AuthenticatedUser.DRIVER) && !user.has(AuthenticatedUser.FLEET)) {
      return Optional.of(new Rejection(NOT_A_DRIVER, "only a driver (a token with the driver or fleet role) reports locations and takes trips"));
    }
    return Optional.of(new Rejection(NOT_YOUR_DRIVER, "you may not act for driver " + id));
  }

  private <T> CompletionStage<T> driver(String id, Function<ActorRef<StatusReply<T>>, Driver.Command> command) {
    return onCompletingThread(sharding.entityRefFor(Driver.ENTITY_TYPE_KEY, id).askWithStatus(command::apply, timeout));
  }

  private CompletionStage<Trip.View> trip(String id, Function<ActorRef<StatusReply<Trip.View>>, Trip.Command> command) {
    return onCompletingThread(sharding.entityRefFor(Trip.ENTITY_TYPE_KEY, id).askWithStatus(command::apply, timeout));
  }

  CompletionStage<Outbound> answer(ConnectionStage.Caller caller, DriverFrame frame) {
    AuthenticatedUser user = caller.user();
    String me = user.userId();
    if (frame instanceof DriverFrame.DriverFix f) {
      Optional<Rejection> refused = mayActFor(user, f.driverId());
      if (refused.isPresent()) return error(f.ref(), refused.get());
      String id = f.driverId() == null ? me : f.driverId();
      return this.<Driver.FixAck>driver(id, r -> new Driver.UpdateLocation(f.fix(), r)).thenApply(a -> reply(f.ref(), DriverCodec.ack(a)));
    }
    if (frame instanceof DriverFrame.DriverFixes b) return batch(user, b);
    if (frame instanceof DriverFrame.DriverOnline o && o.driverIds() != null) return online(user, o);
    if (frame instanceof DriverFrame.DriverOnline o) return forDriver(user, o.ref(), o.driverId(), Driver.GoOnline::new);
    if (frame instanceof DriverFrame.DriverOffline o) return forDriver(user, o.ref(), o.driverId(), Driver.GoOffline::new);
    if (frame instanceof DriverFrame.DriverGet g) return forDriver(user, g.ref(), g.driverId(), Driver.Get::new);
    if (frame instanceof DriverFrame.DriverNearby n) {
      int limit = n.limit() == null ? DEFAULT_LIMIT : n.limit();
      return onCompletingThread(nearby.search(n.lat(), n.lng(), n.radiusMeters(), limit))
          .thenApply(r -> r.isSuccess() ? reply(n.ref(), DriverCodec.nearby(r.getValue())) : errorFrame(n.ref(), Rejection.of(r.getError())));
    }
    if (frame instanceof DriverFrame.TripRequest t) {
      String id = "trip-" + UUID.randomUUID().toString().replace("-", "");
      return trip(id, r -> new Trip.Request(me, t.pickup(), t.dropoff(), r)).thenApply(v -> reply(t.ref(), DriverCodec.view(v)));
    }
    if (frame instanceof DriverFrame.TripCancel c) {
      return trip(c.tripId(), r -> new Trip.Cancel(me, c.reason(), r)).thenApply(v -> reply(c.ref(), DriverCodec.view(v)));
    }
    if (frame instanceof DriverFrame.TripAction a) {
      if (a.action().equals("get")) return trip(a.tripId(), r -> new Trip.Get(me, r)).thenApply(v -> reply(a.ref(), DriverCodec.view(v)));
      if (!user.has(AuthenticatedUser.DRIVER)) return error(a.ref(), new Rejection(NOT_A_DRIVER, "only a driver answers offers and drives trips"));
      Function<ActorRef<StatusReply<Trip.View>>, Trip.Command> command =
          switch (a.action()) {
            case "accept" -> r -> new Trip.Accept(me, r);
            case "decline" -> r -> new Trip.Decline(me, r);
            case "arrive" -> r -> new Trip.Arrive(me, r);
            case "start" -> r -> new Trip.Start(me, r);
            case "complete" -> r -> new Trip.Complete(me, r);
            default -> throw new IllegalStateException("unhandled trip action " + a.action());
          };
      return trip(a.tripId(), command).thenApply(v -> reply(a.ref(), DriverCodec.view(v)));
    }
    throw new IllegalStateException("unhandled frame " + frame);
  }

  private CompletionStage<Outbound> forDriver(
      AuthenticatedUser user, String ref, String driverId, Function<ActorRef<StatusReply<Driver.View>>, Driver.Command> command) {
    Optional<Rejection> refused = mayActFor(user, driverId);
    if (refused.isPresent()) return error(ref, refused.get());
    return driver(driverId == null ? user.userId() : driverId, command).thenApply(v -> reply(ref, DriverCodec.view(v)));
  }

  /** A fleet's batch: every fix asked at once; one reply counts the accepted and lists the refused. */
  private CompletionStage<Outbound> batch(AuthenticatedUser user, DriverFrame.DriverFixes b) {
    List<CompletableFuture<Rejection>> answers = new ArrayList<>(b.fixes().size());
    for (DriverFrame.FleetFix f : b.fixes()) {
      Optional<Rejection> refused = mayActFor(user, f.driverId());
      if (refused.isPresent()) {
        answers.add(CompletableFuture.completedFuture(refused.get()));
        continue;
      }
      answers.add(
          this.<Driver.FixAck>driver(f.driverId(), r -> new Driver.UpdateLocation(f.fix(), r))
              .handle((ok, e) -> e == null ? null : rejection(e))
              .toCompletableFuture());
    }
    return collect(b.ref(), b.fixes().stream().map(DriverFrame.FleetFix::driverId).toList(), answers, "accepted");
  }

  private CompletionStage<Outbound> online(AuthenticatedUser user, DriverFrame.DriverOnline o) {
    List<CompletableFuture<Rejection>> answers = new ArrayList<>(o.driverIds().size());
    for (String id : o.driverIds()) {
      Optional<Rejection> refused = mayActFor(user, id);
      answers.add(
          refused.isPresent()
              ? CompletableFuture.completedFuture(refused.get())
              : this.<Driver.View>driver(id, Driver.GoOnline::new).handle((ok, e) -> e == null ? null : rejection(e)).toCompletableFuture());
    }
    return collect(o.ref(), o.driverIds(), answers, "online");
  }

  private static CompletionStage<Outbound> collect(String ref, List<String> ids, List<CompletableFuture<Rejection>> answers, String countName) {
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              List<Map<String, Object>> rejected = new ArrayList<>();
              for (int i = 0; i < answers.size(); i++) {
                Rejection r = answers.get(i).join();
                if (r == null) continue;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("index", i);
                row.put("driverId", ids.get(i));
                row.put("code", r.code());
                row.put("message", r.message());
                rejected.add(row);
              }
              Map<String, Object> data = new LinkedHashMap<>();
              data.put(countName, answers.size() - rejected.size());
              data.put("rejected", rejected);
              return reply(ref, data);
            });
  }

  private static Rejection rejection(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof java.util.concurrent.TimeoutException) return new Rejection(ErrorCode.UNAVAILABLE, "the driver did not answer in time; retry");
    return Rejection.of(cause);
  }

  private static CompletionStage<Outbound> error(String ref, Rejection r) {
    return CompletableFuture.completedFuture(errorFrame(ref, r));
  }

  private static Outbound errorFrame(String ref, Rejection r) {
    return Outbound.durable(FrameCodec.error(ProtocolError.of(ref, r.code(), r.message())));
  }

  private static Outbound reply(String ref, Object data) {
    return Outbound.durable(FrameCodec.reply(ref, data));
  }
}
