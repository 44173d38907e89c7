package io.pulse.http.gateway;

import io.pulse.http.ws.CloseCodes;
import io.pulse.http.ws.CloseWith;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * The bounded per-connection buffer between Pulse and a client's socket, with the two policies of the
 * two stream kinds. It always pulls, so a slow client never backs up into the entities:
 *
 * <ul>
 *   <li>durable frames queue up to {@code durableCapacity}; one more fails the stream with close code
 *       {@link CloseCodes#SLOW_CONSUMER}, and the client resumes from its last sequence number;
 *   <li>ephemeral frames are conflated: per key only the newest waits, so a slow client sees fewer,
 *       fresher values. More than {@code ephemeralKeys} distinct waiting keys drops the oldest key.
 * </ul>
 *
 * Durable frames go out first when both wait, so replies are not delayed behind a burst of presence.
 */
public final class OutboundBuffer extends GraphStage<FlowShape<Outbound, Outbound>> {
  private final int durableCapacity;
  private final int ephemeralKeys;
  private final Inlet<Outbound> in = Inlet.create("OutboundBuffer.in");
  private final Outlet<Outbound> out = Outlet.create("OutboundBuffer.out");
  private final FlowShape<Outbound, Outbound> shape = FlowShape.of(in, out);

  private final Outbound first;

  public OutboundBuffer(int durableCapacity, int ephemeralKeys) {
    this(durableCapacity, ephemeralKeys, null);
  }

  /** {@code first} goes out before anything else (the welcome), without an operator of its own. */
  public OutboundBuffer(int durableCapacity, int ephemeralKeys, Outbound first) {
    this.first = first;
    if (durableCapacity < 1 || ephemeralKeys < 1) throw new IllegalArgumentException("capacities must be positive");
    this.durableCapacity = durableCapacity;
    this.ephemeralKeys = ephemeralKeys;
  }

  @Override
  public FlowShape<Outbound, Outbound> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      // Stage-local queues: touched only by this stage's own callbacks.
      private final ArrayDeque<Outbound> durable = new ArrayDeque<>();
      private final LinkedHashMap<String, Outbound> latest = new LinkedHashMap<>();

      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                Outbound frame = grab(in);
                if (frame.durable()) {
                  if (durable.size() >= durableCapacity) {
                    failStage(new CloseWith(CloseCodes.SLOW_CONSUMER, "outbound buffer overflow: resume with since"));
                    return;
                  }
                  durable.add(frame);
                } else {
                  latest.remove(frame.conflationKey());
                  latest.put(frame.conflationKey(), frame);
                  if (latest.size() > ephemeralKeys) {
                    String oldest = latest.keySet().iterator().next();
                    latest.remove(oldest);
                  }
                }
                if (isAvailable(out)) pushNext();
                pull(in);
              }

              @Override
              public void onUpstreamFinish() {
                if (durable.isEmpty() && latest.isEmpty()) completeStage();
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                pushNext();
                if (isClosed(in) && durable.isEmpty() && latest.isEmpty()) completeStage();
              }
            });
      }

      @Override
      public void preStart() {
        if (first != null) durable.add(first);
        pull(in);
      }

      private void pushNext() {
        Outbound next = durable.poll();
        if (next == null && !latest.isEmpty()) {
          Map.Entry<String, Outbound> first = latest.entrySet().iterator().next();
          latest.remove(first.getKey());
          next = first.getValue();
        }
        if (next != null) push(out, next);
      }
    };
  }
}
