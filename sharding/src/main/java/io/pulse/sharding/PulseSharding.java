package io.pulse.sharding;

import io.pulse.actors.chat.Conversation;
import io.pulse.actors.chat.Inbox;
import io.pulse.actors.chat.JournalHistory;
import io.pulse.actors.document.Document;
import io.pulse.actors.market.CassandraCandleStore;
import io.pulse.actors.market.Instrument;
import io.pulse.actors.market.InstrumentSpec;
import io.pulse.actors.topic.JournalEvents;
import io.pulse.actors.user.User;
import io.pulse.actors.user.UserPresence;
import io.pulse.config.PulseSettings;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Registers every entity type with Cluster Sharding on this node. Each node of the cluster runs this
 * once at start, so any node can reach any entity: connections are never sticky.
 */
public final class PulseSharding {
  private PulseSharding() {}

  /** The Cassandra plugin's read journal, which serves conversation history older than memory. */
  public static final String READ_JOURNAL = "pekko.persistence.cassandra.query";

  public static void init(ActorSystem<?> system, PulseSettings settings) {
    User.init(system);
    UserPresence.init(system, settings.presence().ttl());
    Inbox.init(system);
    PulseSettings.ChatSettings chat = settings.chat();
    Conversation.init(
        system,
        new Conversation.Settings(chat.maxMembers(), chat.recentEvents(), chat.typingTtl(), chat.maxPage(), chat.presenceBatch()),
        new JournalHistory(system, READ_JOURNAL),
        chat.groupCommit());
    PulseSettings.DocumentSettings docs = settings.documents();
    Document.init(
        system,
        new Document.Settings(docs.recentEvents(), docs.maxTextLength(), docs.maxRangeLock(), docs.snapshotEvery()),
        new JournalEvents(system, READ_JOURNAL));
    Instrument.init(system, instrumentSettings(settings.markets()), new JournalEvents(system, READ_JOURNAL), candles(system, settings));
  }

  /** The Cassandra plugin's config path: the candle store shares the journal's session. */
  public static final String CASSANDRA_PLUGIN = "pekko.persistence.cassandra";

  /** A candle store on the journal's own Cassandra session (the instruments write it, the HTTP API reads it). */
  public static CassandraCandleStore candles(ActorSystem<?> system, PulseSettings settings) {
    return new CassandraCandleStore(system, CASSANDRA_PLUGIN, settings.cassandra().keyspace());
  }

  public static Instrument.Settings instrumentSettings(PulseSettings.MarketSettings m) {
    java.util.Map<String, InstrumentSpec> specs = new java.util.HashMap<>();
    for (PulseSettings.InstrumentSettings i : m.instruments()) {
      specs.put(i.symbol(), new InstrumentSpec(i.symbol(), i.tickSize(), i.lotSize(), i.bandBps(), i.maxOpenOrders()));
    }
    return new Instrument.Settings(specs, m.recentEvents(), m.snapshotEvery(), m.acksPerUser(), m.closedOrdersKept(), m.maxRate(), m.candleFlush());
  }
}
