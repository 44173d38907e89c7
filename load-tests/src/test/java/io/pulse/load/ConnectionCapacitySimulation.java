package io.pulse.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * Ramps idle WebSockets up to a target count, holds them with application heartbeats, then closes.
 * Every failed token request, upgrade or welcome counts as a failure; the run asserts there are none.
 *
 * <pre>
 * mvn -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.ConnectionCapacitySimulation \
 *   -Dpulse.url=http://127.0.0.1:8080 -Dusers=5000 -Dramp=60 -Dhold=60
 * </pre>
 */
public class ConnectionCapacitySimulation extends Simulation {
  private final int users = Targets.intProp("users", 1000);
  private final Duration ramp = Duration.ofSeconds(Targets.intProp("ramp", 30));
  private final Duration hold = Duration.ofSeconds(Targets.intProp("hold", 30));
  private final Duration heartbeat = Duration.ofSeconds(Targets.intProp("heartbeat", 20));

  private final ScenarioBuilder idle =
      scenario("idle connection")
          .exec(Targets.login())
          .exec(
              ws("connect")
                  .connect("/ws?access_token=#{token}")
                  .subprotocol("pulse.v1")
                  .await(Duration.ofSeconds(30))
                  .on(ws.checkTextMessage("welcome").check(jsonPath("$.type").is("welcome"))))
          // hold: a heartbeat per interval keeps the user online; the replies need no check
          .during(hold)
          .on(pause(heartbeat).exec(ws("heartbeat").sendText("{\"type\":\"ping\"}")))
          .exec(ws("close").close());

  {
    setUp(idle.injectOpen(rampUsers(users).during(ramp)))
        .protocols(Targets.protocol())
        .assertions(global().failedRequests().count().is(0L));
  }
}
