package io.pulse.http.gateway;

import static io.pulse.persistence.Continuations.onCompletingThread;

import io.pulse.actors.chat.Inbox;
import io.pulse.actors.document.DocRole;
import io.pulse.actors.document.Document;
import io.pulse.actors.document.RangeLock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/** Answers the {@code doc.*} frames by asking the document entities (docs/protocol.md, "Documents"). */
final class DocumentRequests {
  private final ClusterSharding sharding;
  private final Duration timeout;
  private final int listLimit;

  DocumentRequests(ClusterSharding sharding, Duration timeout, int listLimit) {
    this.sharding = sharding;
    this.timeout = timeout;
    this.listLimit = listLimit;
  }

  private EntityRef<Document.Command> doc(String id) {
    return sharding.entityRefFor(Document.ENTITY_TYPE_KEY, id);
  }

  private <T> CompletionStage<T> ask(String id, java.util.function.Function<ActorRef<StatusReply<T>>, Document.Command> command) {
    return onCompletingThread(doc(id).askWithStatus(command::apply, timeout));
  }

  CompletionStage<Outbound> answer(ConnectionStage.Caller caller, DocFrame frame) {
    String me = caller.user().userId();
    String ref = frame.ref();
    if (frame instanceof DocFrame.DocCreate c) {
      String id = "doc-" + UUID.randomUUID().toString().replace("-", "");
      return this.<Document.View>ask(id, r -> new Document.Create(me, c.title(), r)).thenApply(v -> reply(ref, DocumentCodec.view(v)));
    }
    if (frame instanceof DocFrame.DocList) return list(me).thenApply(list -> reply(ref, Map.of("documents", list)));
    String id = frame.documentId();
    if (frame instanceof DocFrame.DocGet) {
      return this.<Document.View>ask(id, r -> new Document.Get(me, r)).thenApply(v -> reply(ref, DocumentCodec.view(v)));
    }
    if (frame instanceof DocFrame.DocOp o) {
      return this.<Document.OpAck>ask(id, r -> new Document.Apply(me, o.clientId(), o.clientSeq(), o.version(), o.op(), r)).thenApply(a -> reply(ref, a));
    }
    if (frame instanceof DocFrame.DocUndo u) {
      return this.<Document.OpAck>ask(
              id, r -> u.redo() ? new Document.Redo(me, u.clientId(), u.clientSeq(), r) : new Document.Undo(me, u.clientId(), u.clientSeq(), r))
          .thenApply(a -> reply(ref, a));
    }
    if (frame instanceof DocFrame.DocRestore rs) {
      return this.<Document.OpAck>ask(id, r -> new Document.Restore(me, rs.version(), rs.clientId(), rs.clientSeq(), r)).thenApply(a -> reply(ref, a));
    }
    if (frame instanceof DocFrame.DocCursor c) {
      return this.<Done>ask(
              id,
              r -> new Document.MoveCursor(me, caller.connectionId(), c.version(), c.anchor(), c.head(), c.name(), c.colour(), DocumentTopics.pushes(caller.self()), r))
          .thenApply(d -> reply(ref, Map.of("documentId", id)));
    }
    if (frame instanceof DocFrame.DocShare s) {
      DocRole role;
      try {
        role = DocRole.valueOf(s.role().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return error(ref, ErrorCode.INVALID_FIELD, "role must be editor, commenter or viewer");
      }
      return this.<Long>ask(id, r -> new Document.Share(me, s.userId(), role, r)).thenApply(seq -> versioned(ref, id, seq));
    }
    if (frame instanceof DocFrame.DocUnshare u) return this.<Long>ask(id, r -> new Document.Unshare(me, u.userId(), r)).thenApply(seq -> versioned(ref, id, seq));
    if (frame instanceof DocFrame.DocLock l) {
      return this.<Long>ask(id, r -> l.lock() ? new Document.Lock(me, r) : new Document.Unlock(me, r)).thenApply(seq -> versioned(ref, id, seq));
    }
    if (frame instanceof DocFrame.DocLockRange l) {
      return this.<RangeLock>ask(id, r -> new Document.LockRange(me, l.start(), l.end(), l.durationMs(), r)).thenApply(lock -> reply(ref, DocumentCodec.lock(lock)));
    }
    if (frame instanceof DocFrame.DocUnlockRange) return this.<Long>ask(id, r -> new Document.UnlockRange(me, r)).thenApply(seq -> versioned(ref, id, seq));
    if (frame instanceof DocFrame.DocLabel l) {
      return this.<Long>ask(id, r -> new Document.Label(me, l.version(), l.label(), r)).thenApply(seq -> versioned(ref, id, seq));
    }
    if (frame instanceof DocFrame.DocVersions) return this.<Document.Versions>ask(id, r -> new Document.GetVersions(me, r)).thenApply(v -> reply(ref, v));
    if (frame instanceof DocFrame.DocTextAt t) return this.<Document.TextAt>ask(id, r -> new Document.GetTextAt(me, t.version(), r)).thenApply(v -> reply(ref, v));
    if (frame instanceof DocFrame.DocDelete) return this.<Long>ask(id, r -> new Document.Delete(me, r)).thenApply(seq -> versioned(ref, id, seq));
    throw new IllegalStateException("unhandled frame " + frame);
  }

  /** The user's documents, newest first, each asked for its title and last change at once. */
  private CompletionStage<List<Map<String, Object>>> list(String userId) {
    return onCompletingThread(sharding.entityRefFor(Inbox.DOCUMENTS, userId).<Inbox.Conversations>askWithStatus(Inbox.GetConversations::new, timeout))
        .thenCompose(
            ids -> {
              List<CompletableFuture<Map<String, Object>>> summaries =
                  ids.conversationIds().stream()
                      .limit(listLimit)
                      .map(
                          id ->
                              this.<Document.Summary>ask(id, r -> new Document.GetSummary(userId, r))
                                  .thenApply(DocumentCodec::summary)
                                  // one unavailable document does not hide the others
                                  .exceptionally(e -> Map.of("documentId", id, "unavailable", true))
                                  .toCompletableFuture())
                      .toList();
              return CompletableFuture.allOf(summaries.toArray(CompletableFuture[]::new))
                  .thenApply(v -> summaries.stream().map(CompletableFuture::join).toList());
            });
  }

  private static Outbound versioned(String ref, String id, long seq) {
    return reply(ref, Map.of("documentId", id, "version", seq));
  }

  private static Outbound reply(String ref, Object data) {
    return Outbound.durable(FrameCodec.reply(ref, data));
  }

  private static CompletionStage<Outbound> error(String ref, String code, String message) {
    return CompletableFuture.completedFuture(Outbound.durable(FrameCodec.error(ProtocolError.of(ref, code, message))));
  }
}
