package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Collaborative documents over real sockets against a real node and Cassandra (docs/protocol.md, "Documents"). */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocumentIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private PulseNode node;
  private int port;

  @BeforeAll
  void start() {
    // a small window, so that resumes beyond it read the journal
    node = TestNodes.start("pulse.documents.recent-events = 16\npulse.gateway.rate-limit { per-second = 1000, burst = 1000 }");
    port = node.httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  private static JsonNode ok(WsClient ws, String frame) {
    return ws.ok(frame, WAIT);
  }

  private static String errorCode(WsClient ws, String frame) {
    JsonNode reply = ws.call(frame, WAIT);
    assertThat(reply.get("type").asText()).as("answer to %s", frame).isEqualTo("error");
    return reply.get("code").asText();
  }

  private static String create(WsClient owner, String title) {
    return ok(owner, "{\"type\":\"doc.create\",\"title\":\"" + title + "\"}").get("documentId").asText();
  }

  private static void share(WsClient owner, String doc, String user, String role) {
    ok(owner, "{\"type\":\"doc.share\",\"documentId\":\"" + doc + "\",\"userId\":\"" + user + "\",\"role\":\"" + role + "\"}");
  }

  private static JsonNode get(WsClient ws, String doc) {
    return ok(ws, "{\"type\":\"doc.get\",\"documentId\":\"" + doc + "\"}");
  }

  private static String op(String doc, String clientId, long clientSeq, long version, String op) {
    return "{\"type\":\"doc.op\",\"documentId\":\"" + doc + "\",\"clientId\":\"" + clientId + "\",\"clientSeq\":" + clientSeq + ",\"version\":" + version
        + ",\"op\":" + op + "}";
  }

  /** Reads until every editor has no op in flight and nothing more arrives. */
  private static void settle(List<OtEditor> editors) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    int quiet = 0;
    while (quiet < 10) {
      boolean any = false;
      for (OtEditor e : editors) any |= e.drain();
      boolean idle = editors.stream().allMatch(OtEditor::idle);
      quiet = !any && idle ? quiet + 1 : 0;
      if (System.nanoTime() > deadline) throw new AssertionError("editors did not settle");
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
    }
  }

  @Test
  void severalEditorsTypingAtOnceConvergeOnTheServersText() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    String carol = TestNodes.uniqueUser("carol");
    try (WsClient a = TestNodes.connect(port, alice);
        WsClient b = TestNodes.connect(port, bob);
        WsClient c = TestNodes.connect(port, carol)) {
      String doc = create(a, "Plan");
      share(a, doc, bob, "editor");
      share(a, doc, carol, "editor");
      List<OtEditor> editors = List.of(OtEditor.open(a, doc, "ca"), OtEditor.open(b, doc, "cb"), OtEditor.open(c, doc, "cc"));
      Random random = new Random(42);
      for (int i = 0; i < 120; i++) {
        OtEditor e = editors.get(random.nextInt(editors.size()));
        if (e.text.length() > 3 && random.nextInt(4) == 0) {
          int at = random.nextInt(e.text.length() - 1);
          e.edit(io.pulse.actors.document.TextOperation.empty().retain(at).delete(1).retain(e.text.length() - at - 1));
        } else {
          e.insert(random.nextInt(e.text.length() + 1), String.valueOf((char) ('a' + random.nextInt(26))));
        }
        if (random.nextInt(3) == 0) editors.forEach(OtEditor::drain);
      }
      settle(editors);

      String server = get(a, doc).get("text").asText();
      assertThat(server).isNotEmpty();
      for (OtEditor e : editors) {
        assertThat(e.errors).as("errors of %s", e.clientId).isEmpty();
        assertThat(e.text).as("text of %s", e.clientId).isEqualTo(server);
      }
      assertThat(editors.stream().map(e -> e.version).distinct()).hasSize(1);
    }
  }

  @Test
  void aResentOpIsAnsweredWithItsFirstAckAndStoredOnce() {
    try (WsClient a = TestNodes.connect(port, TestNodes.uniqueUser("alice"))) {
      String doc = create(a, "Once");
      JsonNode first = ok(a, op(doc, "c1", 1, 1, "[\"hi\"]"));
      JsonNode again = ok(a, op(doc, "c1", 1, 1, "[\"hi\"]"));
      assertThat(first.get("duplicate").asBoolean()).isFalse();
      assertThat(again.get("duplicate").asBoolean()).isTrue();
      assertThat(again.get("version").asLong()).isEqualTo(first.get("version").asLong());
      assertThat(get(a, doc).get("text").asText()).isEqualTo("hi");
    }
  }

  @Test
  void aClientResumesWithSinceFromMemoryOrTheJournalWithoutGapOrDuplicate() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = TestNodes.connect(port, alice)) {
      String doc = create(a, "Resume");
      share(a, doc, bob, "viewer");
      long since;
      try (WsClient b = TestNodes.connect(port, bob)) {
        since = ok(b, "{\"type\":\"subscribe\",\"topic\":\"doc:" + doc + "\"}").get("lastSeq").asLong();
      }
      // more than the 16 events the node keeps in memory, so the gap is read from the journal
      long version = since;
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < 40; i++) {
        version = ok(a, op(doc, "ca", i + 1, version, i == 0 ? "[\"x\"]" : "[" + i + ",\"x\"]")).get("version").asLong();
        expected.append('x');
      }
      try (WsClient b = TestNodes.connect(port, bob)) {
        ok(b, "{\"type\":\"subscribe\",\"topic\":\"doc:" + doc + "\",\"since\":" + since + "}");
        OtEditor viewer = new OtEditor(b, doc, "cb", "", since);
        for (long v = since + 1; v <= version; v++) viewer.on(b.nextMatching(n -> "op".equals(n.path("event").asText()), WAIT));
        assertThat(viewer.version).isEqualTo(version);
        assertThat(viewer.text).isEqualTo(expected.toString());
        b.expectNothingMatching(n -> n.has("seq"), Duration.ofMillis(300));
      }
    }
  }

  @Test
  void viewersAndCommentersCannotEditAndNothingChanges() {
    String owner = TestNodes.uniqueUser("owner");
    String viewer = TestNodes.uniqueUser("viewer");
    String commenter = TestNodes.uniqueUser("commenter");
    String stranger = TestNodes.uniqueUser("stranger");
    try (WsClient o = TestNodes.connect(port, owner);
        WsClient v = TestNodes.connect(port, viewer);
        WsClient c = TestNodes.connect(port, commenter);
        WsClient s = TestNodes.connect(port, stranger)) {
      String doc = create(o, "Roles");
      ok(o, op(doc, "co", 1, 1, "[\"text\"]"));
      share(o, doc, viewer, "viewer");
      share(o, doc, commenter, "commenter");
      long version = get(o, doc).get("version").asLong();
      assertThat(errorCode(v, op(doc, "cv", 1, version, "[4,\"!\"]"))).isEqualTo("forbidden");
      assertThat(errorCode(c, op(doc, "cc", 1, version, "[4,\"!\"]"))).isEqualTo("forbidden");
      assertThat(errorCode(v, "{\"type\":\"doc.share\",\"documentId\":\"" + doc + "\",\"userId\":\"" + stranger + "\",\"role\":\"editor\"}")).isEqualTo("forbidden");
      assertThat(errorCode(s, "{\"type\":\"subscribe\",\"topic\":\"doc:" + doc + "\"}")).isEqualTo("forbidden");
      assertThat(errorCode(s, "{\"type\":\"doc.get\",\"documentId\":\"" + doc + "\"}")).isEqualTo("forbidden");
      JsonNode after = get(o, doc);
      assertThat(after.get("text").asText()).isEqualTo("text");
      assertThat(after.get("version").asLong()).isEqualTo(version);
      // the viewer reads, and sees the others' cursors
      assertThat(get(v, doc).get("text").asText()).isEqualTo("text");
      ok(v, "{\"type\":\"subscribe\",\"topic\":\"doc:" + doc + "\"}");
      ok(o, "{\"type\":\"subscribe\",\"topic\":\"doc:" + doc + "\"}");
      ok(o, "{\"type\":\"doc.cursor\",\"documentId\":\"" + doc + "\",\"version\":" + version + ",\"anchor\":2,\"head\":4,\"name\":\"Owner\",\"colour\":\"#f00\"}");
      JsonNode cursor = v.nextMatching(n -> "cursor".equals(n.path("event").asText()), WAIT);
      assertThat(cursor.at("/data/userId").asText()).isEqualTo(owner);
      assertThat(cursor.at("/data/anchor").asInt()).isEqualTo(2);
      assertThat(cursor.at("/data/head").asInt()).isEqualTo(4);
      assertThat(cursor.has("seq")).isFalse();
    }
  }

  @Test
  void cursorsMoveWithConcurrentOpsAndGoWithTheirConnection() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient b = TestNodes.connect(port, bob)) {
      String doc;
      WsClient a = TestNodes.connect(port, alice);
      doc = create(a, "Cursors");
      share(a, doc, bob, "editor");
      long v = ok(a, op(doc, "ca", 1, 1, "[\"world\"]")).get("version").asLong();
      ok(a, "{\"type\":\"subscribe\",\"topic\":\"doc:" + doc + "\"}");
      // alice selects "rl" of "world" at version v; bob then inserts "hello " in front of it
      ok(a, "{\"type\":\"doc.cursor\",\"documentId\":\"" + doc + "\",\"version\":" + v + ",\"anchor\":2,\"head\":4}");
      ok(b, op(doc, "cb", 1, v, "[\"hello \",5]"));
      // bob subscribes now: his snapshot of alice's cursor has moved with his insert
      ok(b, "{\"type\":\"subscribe\",\"topic\":\"doc:" + doc + "\"}");
      JsonNode cursor = b.nextMatching(n -> "cursor".equals(n.path("event").asText()), WAIT);
      assertThat(cursor.at("/data/anchor").asInt()).isEqualTo(8);
      assertThat(cursor.at("/data/head").asInt()).isEqualTo(10);
      // and one sent against an older version is moved before it is shown
      ok(a, "{\"type\":\"doc.cursor\",\"documentId\":\"" + doc + "\",\"version\":" + v + ",\"anchor\":5,\"head\":5}");
      assertThat(b.nextMatching(n -> "cursor".equals(n.path("event").asText()), WAIT).at("/data/anchor").asInt()).isEqualTo(11);
      String connection = cursor.at("/data/connectionId").asText();
      a.close();
      JsonNode gone = b.nextMatching(n -> "cursor_gone".equals(n.path("event").asText()), WAIT);
      assertThat(gone.at("/data/connectionId").asText()).isEqualTo(connection);
    }
  }

  @Test
  void restoreIsANewVersionEveryClientSeesAndUndoTakesBackOnlyTheCallersEdit() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = TestNodes.connect(port, alice);
        WsClient b = TestNodes.connect(port, bob)) {
      String doc = create(a, "History");
      share(a, doc, bob, "editor");
      OtEditor ea = OtEditor.open(a, doc, "ra");
      OtEditor eb = OtEditor.open(b, doc, "rb");
      ea.insert(0, "draft one");
      settle(List.of(ea, eb));
      long v1 = ea.version;
      ok(a, "{\"type\":\"doc.label\",\"documentId\":\"" + doc + "\",\"version\":" + v1 + ",\"label\":\"v1 sent to legal\"}");
      settle(List.of(ea, eb));
      eb.insert(eb.text.length(), ", with bob's part");
      settle(List.of(ea, eb));
      ea.insert(0, "FINAL: ");
      settle(List.of(ea, eb));
      assertThat(ea.text).isEqualTo("FINAL: draft one, with bob's part");

      // alice undoes her own last edit: bob's stays
      ok(a, "{\"type\":\"doc.undo\",\"documentId\":\"" + doc + "\",\"clientId\":\"ra-u\",\"clientSeq\":1}");
      settle(List.of(ea, eb));
      assertThat(eb.text).isEqualTo("draft one, with bob's part");
      assertThat(ea.text).isEqualTo(eb.text);
      ok(a, "{\"type\":\"doc.redo\",\"documentId\":\"" + doc + "\",\"clientId\":\"ra-u\",\"clientSeq\":2}");
      settle(List.of(ea, eb));
      assertThat(eb.text).isEqualTo("FINAL: draft one, with bob's part");

      // the labelled version is listed and readable, and restoring it is a new version for everyone
      JsonNode versions = ok(a, "{\"type\":\"doc.versions\",\"documentId\":\"" + doc + "\"}");
      assertThat(versions.at("/labels/0/label").asText()).isEqualTo("v1 sent to legal");
      assertThat(ok(b, "{\"type\":\"doc.at\",\"documentId\":\"" + doc + "\",\"version\":" + v1 + "}").get("text").asText()).isEqualTo("draft one");
      long before = ea.version;
      JsonNode restored = ok(a, "{\"type\":\"doc.restore\",\"documentId\":\"" + doc + "\",\"version\":" + v1 + ",\"clientId\":\"ra-r\",\"clientSeq\":1}");
      assertThat(restored.get("version").asLong()).isGreaterThan(before);
      settle(List.of(ea, eb));
      assertThat(ea.text).isEqualTo("draft one");
      assertThat(eb.text).isEqualTo("draft one");
      assertThat(get(b, doc).get("text").asText()).isEqualTo("draft one");
      // history is not rewritten: the version before the restore still reads as it was
      assertThat(ok(b, "{\"type\":\"doc.at\",\"documentId\":\"" + doc + "\",\"version\":" + before + "}").get("text").asText())
          .isEqualTo("FINAL: draft one, with bob's part");
    }
  }

  @Test
  void aRangeLockRefusesOtherEditorsInsideItAndTheWholeDocumentLockRefusesEveryone() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = TestNodes.connect(port, alice);
        WsClient b = TestNodes.connect(port, bob)) {
      String doc = create(a, "Locks");
      share(a, doc, bob, "editor");
      long v = ok(a, op(doc, "ca", 1, 1, "[\"0123456789\"]")).get("version").asLong();
      JsonNode lock = ok(a, "{\"type\":\"doc.lockRange\",\"documentId\":\"" + doc + "\",\"start\":2,\"end\":5,\"durationMs\":60000}");
      assertThat(lock.get("holder").asText()).isEqualTo(alice);
      v = get(a, doc).get("version").asLong();
      JsonNode refused = b.call(op(doc, "cb", 1, v, "[3,\"x\",7]"), WAIT);
      assertThat(refused.get("code").asText()).isEqualTo("locked");
      assertThat(refused.get("message").asText()).contains(alice);
      ok(b, op(doc, "cb", 2, v, "[8,\"y\",2]")); // outside the range
      ok(a, op(doc, "ca", 2, v + 1, "[3,\"a\",8]")); // the holder edits inside it
      ok(a, "{\"type\":\"doc.unlockRange\",\"documentId\":\"" + doc + "\"}");
      ok(b, op(doc, "cb", 3, get(b, doc).get("version").asLong(), "[3,\"b\",9]"));

      ok(a, "{\"type\":\"doc.lock\",\"documentId\":\"" + doc + "\"}");
      long locked = get(a, doc).get("version").asLong();
      assertThat(errorCode(b, op(doc, "cb", 4, locked, "[\"z\",13]"))).isEqualTo("locked");
      ok(a, "{\"type\":\"doc.unlock\",\"documentId\":\"" + doc + "\"}");
      ok(b, op(doc, "cb", 5, locked + 1, "[\"z\",13]"));
      assertThat(get(a, doc).get("text").asText()).isEqualTo("z012ba34567y89");
    }
  }

  @Test
  void badInputGetsAStableCodeAndStoresNothing() {
    try (WsClient a = TestNodes.connect(port, TestNodes.uniqueUser("alice"))) {
      String doc = create(a, "Bad");
      ok(a, op(doc, "ca", 1, 1, "[\"abc\"]"));
      long v = get(a, doc).get("version").asLong();
      assertThat(errorCode(a, op(doc, "ca", 2, v, "[10]"))).isEqualTo("invalid_op"); // retain past the end
      assertThat(errorCode(a, op(doc, "ca", 3, v, "[3,0]"))).isEqualTo("invalid_op"); // a zero count
      assertThat(errorCode(a, op(doc, "ca", 4, v, "[{\"x\":1}]"))).isEqualTo("invalid_op"); // unknown component
      assertThat(errorCode(a, op(doc, "ca", 5, v, "[1.5]"))).isEqualTo("invalid_op");
      assertThat(errorCode(a, op(doc, "ca", 6, v + 5, "[3,\"!\"]"))).isEqualTo("version_ahead");
      assertThat(errorCode(a, op(doc, "ca", 7, v, "\"abc\""))).isEqualTo("invalid_field");
      assertThat(errorCode(a, "{\"type\":\"doc.op\",\"documentId\":\"" + doc + "\",\"clientId\":\"ca\",\"clientSeq\":8,\"version\":1}")).isEqualTo("missing_field");
      assertThat(errorCode(a, "{\"type\":\"doc.frobnicate\",\"documentId\":\"" + doc + "\"}")).isEqualTo("unknown_type");
      assertThat(errorCode(a, "{\"type\":\"doc.get\",\"documentId\":\"no such/doc\"}")).isEqualTo("invalid_field");
      assertThat(errorCode(a, "{\"type\":\"doc.get\",\"documentId\":\"doc-missing\"}")).isEqualTo("not_found");
      assertThat(errorCode(a, "{\"type\":\"doc.redo\",\"documentId\":\"" + doc + "\",\"clientId\":\"cu\",\"clientSeq\":1}")).isEqualTo("nothing_to_redo");
      JsonNode after = get(a, doc);
      assertThat(after.get("text").asText()).isEqualTo("abc");
      assertThat(after.get("version").asLong()).isEqualTo(v);

      ok(a, "{\"type\":\"doc.delete\",\"documentId\":\"" + doc + "\"}");
      assertThat(errorCode(a, op(doc, "ca", 9, v + 1, "[3,\"!\"]"))).isEqualTo("not_found");
    }
  }

  @Test
  void theDocumentListShowsOwnAndSharedDocumentsWithTitleAndLastChange() {
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    try (WsClient a = TestNodes.connect(port, alice);
        WsClient b = TestNodes.connect(port, bob)) {
      String mine = create(b, "Bob's own");
      String shared = create(a, "Alice's");
      share(a, shared, bob, "viewer");
      List<String> ids = new ArrayList<>();
      TestNodes.awaitCondition(
          () -> {
            ids.clear();
            ok(b, "{\"type\":\"doc.list\"}").get("documents").forEach(d -> ids.add(d.get("documentId").asText()));
            return ids.size() == 2;
          },
          WAIT,
          "bob's two documents");
      assertThat(ids).containsExactlyInAnyOrder(mine, shared);
      JsonNode list = ok(b, "{\"type\":\"doc.list\"}").get("documents");
      for (JsonNode d : list) {
        assertThat(d.get("title").asText()).isIn("Bob's own", "Alice's");
        assertThat(d.get("lastChangeAt").asLong()).isPositive();
      }
    }
  }

  @Test
  void aDocumentAndItsLocksSurviveARestartOfTheNode() throws Exception {
    PulseNode first = TestNodes.start("");
    String alice = TestNodes.uniqueUser("alice");
    String bob = TestNodes.uniqueUser("bob");
    String doc;
    try {
      try (WsClient a = TestNodes.connect(first.httpPort(), alice)) {
        doc = create(a, "Durable");
        share(a, doc, bob, "editor");
        long v = get(a, doc).get("version").asLong();
        for (int i = 0; i < 5; i++) v = ok(a, op(doc, "ca", i + 1, v, i == 0 ? "[\"d\"]" : "[" + i + ",\"d\"]")).get("version").asLong();
        ok(a, "{\"type\":\"doc.lockRange\",\"documentId\":\"" + doc + "\",\"start\":0,\"end\":2,\"durationMs\":120000}");
      }
    } finally {
      first.close();
    }
    PulseNode second = TestNodes.start("");
    try (WsClient b = TestNodes.connect(second.httpPort(), bob)) {
      JsonNode view = get(b, doc);
      assertThat(view.get("text").asText()).isEqualTo("ddddd");
      assertThat(view.at("/rangeLocks/0/holder").asText()).isEqualTo(alice);
      assertThat(errorCode(b, op(doc, "cb", 1, view.get("version").asLong(), "[1,\"x\",4]"))).isEqualTo("locked");
    } finally {
      second.close();
    }
  }
}
