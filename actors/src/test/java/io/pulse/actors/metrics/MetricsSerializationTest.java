package io.pulse.actors.metrics;

import io.pulse.actors.TestConfigs;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every message, event and state of the metrics domain survives the wire (CBOR) and comes back equal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsSerializationTest {
  private final ActorTestKit testKit = ActorTestKit.create("MetricsSerializationTest", TestConfigs.inMemory());
  private final SerializationTestKit serialization = testKit.serializationTestKit();

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyMetricsMessageRoundTrips() {
    ActorRef<StatusReply<Done>> done = testKit.<StatusReply<Done>>createTestProbe().ref();
    ActorRef<StatusReply<Series.Windows>> windows = testKit.<StatusReply<Series.Windows>>createTestProbe().ref();
    ActorRef<StatusReply<SeriesRegistry.SeriesList>> lists = testKit.<StatusReply<SeriesRegistry.SeriesList>>createTestProbe().ref();
    ActorRef<StatusReply<TenantSeries.State>> usage = testKit.<StatusReply<TenantSeries.State>>createTestProbe().ref();
    SeriesWindows w = new SeriesWindows(Map.of(Resolution.S10, 600_000L, Resolution.M1, 600_000L, Resolution.H1, 600_000L), 0);
    w.add(1_000, 2.5, 2_000);
    w.add(2_000, -1, 2_000);
    Agg agg = w.read(Resolution.S10, 0, 10_000).get(0);
    TreeMap<String, String> labels = new TreeMap<>(Map.of("host", "a", "__name__", "cpu"));
    List<Object> messages =
        List.of(
            new Sample(1_000, 2.5),
            agg,
            Agg.empty(0),
            new Series.Append(List.of(new Sample(1, 2)), done),
            new Series.Read(Resolution.M1, 0, 60_000, windows),
            new Series.Windows(List.of(agg), 0),
            new Series.Passivate(),
            new Series.Recovered(List.of(new Sample(1, 2)), null),
            new Series.Admitted("cardinality_exceeded: full"),
            new Series.Written(done, null),
            new Series.CloseTick(),
            new Series.RetryRecovery(),
            new SeriesRegistry.Admit("cpu{host=\"a\"}", done),
            new SeriesRegistry.ListSeries(lists),
            new SeriesRegistry.SeriesList(List.of("cpu{host=\"a\"}")),
            new SeriesRegistry.Reserved(2, null),
            new SeriesRegistry.SeriesAdmitted(List.of("cpu{host=\"a\"}", "cpu")),
            new SeriesRegistry.State(java.util.Set.of("cpu{host=\"a\"}", "cpu")),
            new TenantSeries.Reserve("cpu", 3, testKit.<StatusReply<Integer>>createTestProbe().ref()),
            new TenantSeries.GetUsage(usage),
            new TenantSeries.SeriesReserved("cpu", 3),
            new TenantSeries.State(3),
            new ParsedBatch.LineError(3, MetricCodes.MALFORMED_LINE, "bad"),
            new QueryEngine.Point(10_000, 1.5),
            new QueryEngine.Result(labels, List.of(new QueryEngine.Point(0, 1))),
            new MetricsWatch.Pushed("metrics:cpu", 0, 10_000, List.of(new QueryEngine.Result(labels, List.of(new QueryEngine.Point(0, 1))))),
            new MetricsWatch.Failed("metrics:cpu", "invalid_query", "bad"));
    for (Object message : messages) serialization.verifySerialization(message, true);
  }
}
