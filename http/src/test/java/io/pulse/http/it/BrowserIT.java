package io.pulse.http.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulse.actors.document.TextOperation;
import io.pulse.http.PulseNode;
import io.pulse.persistence.testkit.CassandraExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real browser: Debian's headless Chromium, driven through its own chromedriver, against
 * a real node and Cassandra. Two browsers with separate profiles act as two users (alice and bob) and use
 * each page as a person would; a plain WebSocket client plays the other side where a page needs one (a
 * market order, a driver's fix). One node and both browsers serve the whole class. Every page is
 * photographed into {@code target/screenshots/}.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserIT {
  /** Where Debian's packages put them (apt-get install chromium chromium-driver); overridable for other systems. */
  static final Path CHROMIUM = Path.of(System.getProperty("pulse.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getProperty("pulse.chromedriver", "/usr/bin/chromedriver"));
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String SYMBOL = "UI-MKT";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();
  /**
   * Selenium warns on every session that it ships no CDP bindings for this Chromium; the tests use only
   * WebDriver, never CDP. Held here so the logger keeps its level.
   */
  private static final java.util.logging.Logger CDP_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools");

  private PulseNode node;
  private int port;
  private final List<ChromeDriver> browsers = new ArrayList<>();
  private final List<Path> profiles = new ArrayList<>();
  private ChromeDriver alice;
  private ChromeDriver bob;

  @BeforeAll
  void start() throws IOException {
    // Not a skip: CI installs the browser (.ci/run), so a missing one is a broken machine, said plainly.
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      throw new AssertionError(
          "BrowserIT needs Chromium and its driver at " + CHROMIUM + " and " + CHROMEDRIVER
              + ": install them with `apt-get install -y chromium chromium-driver` (Debian), or point -Dpulse.chromium and"
              + " -Dpulse.chromedriver at them");
    }
    Files.createDirectories(SCREENSHOTS);
    CDP_LOG.setLevel(java.util.logging.Level.SEVERE);
    node = TestNodes.start(
        "pulse.gateway.rate-limit { per-second = 1000, burst = 1000 }\n"
            + "pulse.markets.instruments = [{ symbol = \"" + SYMBOL + "\", tick-size = 1, lot-size = 1, band-bps = 5000, max-open-orders = 100 }]\n");
    port = node.httpPort();
    alice = browser();
    bob = browser();
  }

  @AfterAll
  void stop() throws Exception {
    for (ChromeDriver b : browsers) b.quit();
    if (node != null) node.close();
    for (Path p : profiles) deleteTree(p);
  }

  /** A browser with a profile of its own: its storage, and so its user, is not the other's. */
  private ChromeDriver browser() throws IOException {
    Path profile = Files.createTempDirectory(Path.of("target"), "chromium-profile");
    profiles.add(profile);
    ChromeOptions options = new ChromeOptions();
    // The binary is named, so Selenium Manager never looks for (or downloads) a browser.
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox", // CI runs as root, where Chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--user-data-dir=" + profile.toAbsolutePath(),
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding");
    // The driver is named too: with an executable given, Selenium does not run Selenium Manager.
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(Path.of("target", profile.getFileName() + "-chromedriver.log").toFile())
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    browsers.add(driver);
    return driver;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private String url(String page, String user, String query) {
    return "http://127.0.0.1:" + port + "/web/" + page + "?user=" + user + (query.isEmpty() ? "" : "&" + query);
  }

  /** Opens a page as {@code user} and waits until its socket is up. */
  private void open(WebDriver browser, String page, String user, String query) {
    browser.get(url(page, user, query));
    until(browser, page + " connected", b -> "connected".equals(b.findElement(By.id("status")).getAttribute("data-state")));
  }

  /** Waits for {@code condition}; a timeout names what was awaited and what the page showed as its last error. */
  private static <T> T until(WebDriver browser, String what, Function<WebDriver, T> condition) {
    try {
      return new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(condition::apply);
    } catch (TimeoutException e) {
      String error;
      try {
        error = browser.findElement(By.id("last-error")).getText();
      } catch (RuntimeException none) {
        error = "(none shown)";
      }
      throw new AssertionError("timed out waiting for " + what + " on " + browser.getCurrentUrl() + "; the page's last error: " + error, e);
    }
  }

  private static String text(WebDriver browser, String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  private static boolean present(WebDriver browser, String css) {
    return !browser.findElements(By.cssSelector(css)).isEmpty();
  }

  private static void type(WebDriver browser, String id, String text) {
    WebElement e = browser.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  private static void click(WebDriver browser, String id) {
    browser.findElement(By.id(id)).click();
  }

  private static void screenshot(ChromeDriver browser, String name) throws IOException {
    Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  // ---- the pages --------------------------------------------------------------------------------

  @Test
  void theNodeServesThePagesAndTheirScriptsFromItsOwnClasspath() throws IOException {
    HttpResponse<String> index = TestNodes.get(port, "/");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    for (String page : List.of("chat", "document", "auction", "sale", "market", "drivers", "ops", "metrics")) {
      assertThat(index.body()).as("the index links %s", page).contains("/web/" + page + ".html");
      assertThat(TestNodes.get(port, "/web/" + page + ".html").statusCode()).as(page).isEqualTo(200);
    }
    HttpResponse<String> js = TestNodes.get(port, "/web/pulse.js");
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type").orElse("")).contains("javascript");
    assertThat(TestNodes.get(port, "/web/nothing-here.html").statusCode()).isEqualTo(404);
    assertThat(TestNodes.get(port, "/web/../logback.xml").statusCode()).as("no way out of web/").isEqualTo(404);

    alice.get("http://127.0.0.1:" + port + "/");
    until(alice, "the index's links", b -> b.findElements(By.cssSelector("#pages a")).size() == 8);
    screenshot(alice, "index");
  }

  @Test
  void twoUsersChatWithPresenceAndTyping() throws IOException {
    String a = TestNodes.uniqueUser("ui-alice");
    String b = TestNodes.uniqueUser("ui-bob");
    open(alice, "chat.html", a, "");
    open(bob, "chat.html", b, "");

    type(alice, "new-members", b);
    click(alice, "create-conv");
    until(alice, "the new conversation open", d -> present(d, "#messages .message.system") && d.findElement(By.id("message-input")).isEnabled());
    String conversationId = until(alice, "the conversation listed", d -> d.findElement(By.cssSelector("#conversations li")).getAttribute("data-id"));

    // bob is told he joined, with no subscription and no reload
    until(bob, "the conversation in bob's inbox", d -> present(d, "#conversations li[data-id='" + conversationId + "']"));
    bob.findElement(By.cssSelector("#conversations li[data-id='" + conversationId + "']")).click();
    until(bob, "the conversation open", d -> d.findElement(By.id("message-input")).isEnabled());

    type(alice, "message-input", "hello " + b);
    click(alice, "send");
    until(bob, "alice's message", d -> d.findElements(By.cssSelector("#messages .message[data-sender='" + a + "'] .text")).stream()
        .anyMatch(e -> e.getText().equals("hello " + b)));

    // presence: each sees the other online
    until(alice, "bob online", d -> "true".equals(d.findElement(By.cssSelector("#members [data-user='" + b + "']")).getAttribute("data-online")));
    until(bob, "alice online", d -> "true".equals(d.findElement(By.cssSelector("#members [data-user='" + a + "']")).getAttribute("data-online")));

    // typing shows before the message, and goes when it is sent
    bob.findElement(By.id("message-input")).sendKeys("hi ");
    until(alice, "bob typing", d -> text(d, "#typing").contains(b + " is typing"));
    bob.findElement(By.id("message-input")).sendKeys("alice");
    click(bob, "send");
    until(alice, "bob's reply", d -> d.findElements(By.cssSelector("#messages .message[data-sender='" + b + "'] .text")).stream()
        .anyMatch(e -> e.getText().equals("hi alice")));
    until(alice, "the typing line cleared", d -> text(d, "#typing").isEmpty());

    // both see the same conversation, in the same order
    Function<WebDriver, List<String>> lines = d -> d.findElements(By.cssSelector("#messages .message:not(.system)")).stream()
        .map(e -> e.getAttribute("data-seq") + ":" + e.findElement(By.className("text")).getText()).toList();
    until(bob, "the same messages on both sides", d -> lines.apply(d).equals(lines.apply(alice)) && lines.apply(d).size() == 2);
    screenshot(alice, "chat");
  }

  /**
   * pulse.js resubscribes with since after its socket drops: what was sent while the page was away comes,
   * once, in order. The page's reconnect is held off until the messages are sent, so they cannot arrive live.
   */
  @Test
  void aPageThatLostItsSocketGetsWhatItMissedOnceAndInOrder() {
    String b = TestNodes.uniqueUser("ui-bob");
    try (WsClient a = TestNodes.connect(port, TestNodes.uniqueUser("ui-alice"))) {
      String conversationId = a.ok("{\"type\":\"conv.create\",\"kind\":\"direct\",\"members\":[\"" + b + "\"]}", WAIT).get("conversationId").asText();
      open(bob, "chat.html", b, "conv=" + conversationId);
      until(bob, "the conversation open", d -> d.findElement(By.id("message-input")).isEnabled());
      a.ok("{\"type\":\"conv.send\",\"conversationId\":\"" + conversationId + "\",\"clientMsgId\":\"m1\",\"text\":\"one\"}", WAIT);
      until(bob, "the first message", d -> texts(d).equals(List.of("one")));

      bob.executeScript("window.heldOpen = client.open; client.open = () => {}; client.ws.close();");
      until(bob, "the socket down", d -> "disconnected".equals(d.findElement(By.id("status")).getAttribute("data-state")));
      a.ok("{\"type\":\"conv.send\",\"conversationId\":\"" + conversationId + "\",\"clientMsgId\":\"m2\",\"text\":\"two\"}", WAIT);
      a.ok("{\"type\":\"conv.send\",\"conversationId\":\"" + conversationId + "\",\"clientMsgId\":\"m3\",\"text\":\"three\"}", WAIT);
      bob.executeScript("client.open = window.heldOpen; client.open(null, null);");

      until(bob, "the missed messages after the reconnect", d -> texts(d).equals(List.of("one", "two", "three")));
      List<Integer> seqs = bob.findElements(By.cssSelector("#messages .message:not(.system)")).stream().map(e -> Integer.parseInt(e.getAttribute("data-seq"))).toList();
      assertThat(seqs).isSorted().doesNotHaveDuplicates();
    }
  }

  private static List<String> texts(WebDriver browser) {
    return browser.findElements(By.cssSelector("#messages .message:not(.system) .text")).stream().map(WebElement::getText).toList();
  }

  @Test
  void twoUsersEditOneDocumentAtOnceAndConverge() throws Exception {
    String a = TestNodes.uniqueUser("ui-alice");
    String b = TestNodes.uniqueUser("ui-bob");
    open(alice, "document.html", a, "");
    type(alice, "new-title", "Launch plan");
    click(alice, "create-doc");
    String documentId = until(alice, "the new document open", d -> {
      String id = text(d, "#doc-id");
      return id.startsWith("doc-") && d.findElement(By.id("editor")).isEnabled() ? id : null;
    });
    type(alice, "share-user", b);
    click(alice, "share");
    until(alice, "shared", d -> text(d, "#share").equals("Shared"));
    alice.findElement(By.id("editor")).sendKeys("plan: ");

    open(bob, "document.html", b, "doc=" + documentId);
    until(bob, "alice's text at bob's", d -> "plan: ".equals(d.findElement(By.id("editor")).getDomProperty("value")) && d.findElement(By.id("editor")).isEnabled());

    // both type at once, each at the end of the text as they see it
    String byAlice = "alpha one two three ";
    String byBob = "BRAVO FOUR FIVE ";
    CompletableFuture<Void> typingA = CompletableFuture.runAsync(() -> alice.findElement(By.id("editor")).sendKeys(byAlice));
    CompletableFuture<Void> typingB = CompletableFuture.runAsync(() -> bob.findElement(By.id("editor")).sendKeys(byBob));
    CompletableFuture.allOf(typingA, typingB).get(60, java.util.concurrent.TimeUnit.SECONDS);

    int expectedLength = "plan: ".length() + byAlice.length() + byBob.length();
    Function<WebDriver, String> settled = d -> {
      WebElement state = d.findElement(By.id("sync-state"));
      return "synced".equals(state.getAttribute("data-state")) ? state.getAttribute("data-version") + "|" + d.findElement(By.id("editor")).getDomProperty("value") : null;
    };
    String converged = until(bob, "both editors on the same version and text", d -> {
      String mine = settled.apply(d);
      String theirs = settled.apply(alice);
      return mine != null && mine.equals(theirs) && mine.length() - mine.indexOf('|') - 1 == expectedLength ? mine : null;
    });
    String textNow = converged.substring(converged.indexOf('|') + 1);
    // nobody's keystrokes were lost or reordered: each user's text is in there, in the order typed
    assertThat(textNow).startsWith("plan: ");
    assertThat(isSubsequence(byAlice, textNow.substring(6))).as("alice's typing in %s", textNow).isTrue();
    assertThat(isSubsequence(byBob, textNow.substring(6))).as("bob's typing in %s", textNow).isTrue();

    // and it is the server's text
    try (WsClient ws = TestNodes.connect(port, a)) {
      JsonNode view = ws.ok("{\"type\":\"doc.get\",\"documentId\":\"" + documentId + "\"}", WAIT);
      assertThat(view.get("text").asText()).isEqualTo(textNow);
      assertThat(view.get("version").asText()).isEqualTo(converged.substring(0, converged.indexOf('|')));
    }

    // live cursors: a click puts alice's caret at bob's, in the list and in the mirrored text
    alice.findElement(By.id("editor")).click();
    until(bob, "alice's cursor", d -> present(d, "#cursors li[data-user='" + a + "']") && present(d, "#mirror .caret[data-name='" + a + "']"));
    screenshot(bob, "document");

    // bob takes back his last edit: the server's inverse comes back as an op both pages apply
    click(bob, "undo");
    String undone = until(bob, "both on the undone text", d -> {
      String mine = settled.apply(d);
      return mine != null && mine.equals(settled.apply(alice)) && !mine.equals(converged) ? mine : null;
    });
    String undoneText = undone.substring(undone.indexOf('|') + 1);
    assertThat(undoneText.length()).as("an undo of an insert removes it").isLessThan(textNow.length());
    assertThat(isSubsequence(byAlice, undoneText)).as("alice's typing is untouched by bob's undo: %s", undoneText).isTrue();
    try (WsClient ws = TestNodes.connect(port, a)) {
      assertThat(ws.ok("{\"type\":\"doc.get\",\"documentId\":\"" + documentId + "\"}", WAIT).get("text").asText()).isEqualTo(undoneText);
    }
  }

  /**
   * Edits made while the page's socket is down are kept, and after the reconnect (resubscribe with since,
   * the op in flight resent) they merge with what the other user typed meanwhile.
   */
  @Test
  void editsMadeOfflineMergeWithTheOthersAfterTheReconnect() throws Exception {
    String a = TestNodes.uniqueUser("ui-alice");
    String b = TestNodes.uniqueUser("ui-bob");
    String documentId;
    try (WsClient ws = TestNodes.connect(port, a)) {
      documentId = ws.ok("{\"type\":\"doc.create\",\"title\":\"Offline\"}", WAIT).get("documentId").asText();
      ws.ok("{\"type\":\"doc.share\",\"documentId\":\"" + documentId + "\",\"userId\":\"" + b + "\",\"role\":\"editor\"}", WAIT);
    }
    open(alice, "document.html", a, "doc=" + documentId);
    open(bob, "document.html", b, "doc=" + documentId);
    for (ChromeDriver browser : List.of(alice, bob)) until(browser, "the editor ready", d -> d.findElement(By.id("editor")).isEnabled());

    bob.executeScript("window.heldOpen = client.open; client.open = () => {}; client.ws.close();");
    until(bob, "the socket down", d -> "disconnected".equals(d.findElement(By.id("status")).getAttribute("data-state")));
    bob.findElement(By.id("editor")).sendKeys("bob offline");
    alice.findElement(By.id("editor")).sendKeys("alice online ");
    until(alice, "alice's text saved", d -> "synced".equals(d.findElement(By.id("sync-state")).getAttribute("data-state")));
    assertThat(bob.findElement(By.id("sync-state")).getAttribute("data-state")).as("bob's edit waits").isEqualTo("pending");
    bob.executeScript("client.open = window.heldOpen; client.open(null, null);");

    int expectedLength = "bob offline".length() + "alice online ".length();
    String text = until(bob, "both on the same text", d -> {
      String mine = d.findElement(By.id("editor")).getDomProperty("value");
      boolean bothSynced = Stream.of(d, alice).allMatch(x -> "synced".equals(x.findElement(By.id("sync-state")).getAttribute("data-state")));
      return bothSynced && mine.length() == expectedLength && mine.equals(alice.findElement(By.id("editor")).getDomProperty("value")) ? mine : null;
    });
    assertThat(text).contains("bob offline").contains("alice online ");
    try (WsClient ws = TestNodes.connect(port, a)) {
      assertThat(ws.ok("{\"type\":\"doc.get\",\"documentId\":\"" + documentId + "\"}", WAIT).get("text").asText()).isEqualTo(text);
    }
  }

  private static boolean isSubsequence(String needle, String hay) {
    int i = 0;
    for (int j = 0; j < hay.length() && i < needle.length(); j++) if (hay.charAt(j) == needle.charAt(i)) i++;
    return i == needle.length();
  }

  @Test
  void oneBidsAndTheOtherSeesTheNewHighestBid() throws IOException {
    String seller = TestNodes.uniqueUser("ui-alice");
    String bidder = TestNodes.uniqueUser("ui-bob");
    open(alice, "auction.html", seller, "");
    type(alice, "item", "Vintage lamp");
    type(alice, "start-price", "10.00");
    click(alice, "create-auction");
    String auctionId = until(alice, "the new auction", d -> text(d, "#auction-id").startsWith("auc-") ? text(d, "#auction-id") : null);
    assertThat(text(alice, "#leader")).isEqualTo("nobody yet");

    open(bob, "auction.html", bidder, "auction=" + auctionId);
    until(bob, "the auction at bob's", d -> text(d, "#title").equals("Vintage lamp") && text(d, "#auction-status").equals("open"));
    type(bob, "bid-amount", "25.00");
    click(bob, "bid");
    until(bob, "bob leading", d -> text(d, "#standing").contains("you lead"));

    // proxy bidding: bob's maximum is 25.00, the price only what it takes to lead
    until(alice, "bob's bid at alice's", d -> text(d, "#leader").equals(bidder) && text(d, "#price").equals("10.00") && text(d, "#bid-count").equals("1"));
    until(alice, "the next minimum", d -> text(d, "#min-bid").equals("11.00"));

    // a too-low bid is refused with the amount that would do
    type(bob, "bid-amount", "5");
    click(bob, "bid");
    until(bob, "the refusal", d -> text(d, "#last-error").contains("bid_too_low"));
    screenshot(alice, "auction");
  }

  @Test
  void aSaleOpensAndTheOtherBuysAndPays() throws IOException {
    String ops = TestNodes.uniqueUser("ui-alice");
    String buyer = TestNodes.uniqueUser("ui-bob");
    String sku = "ui-sku-" + Long.toString(System.nanoTime(), 36);
    open(alice, "sale.html", ops, "");
    type(alice, "new-sku", sku);
    type(alice, "units", "5");
    click(alice, "open-sale");
    until(alice, "the sale's stock", d -> text(d, "#stock-remaining").equals("5"));

    open(bob, "sale.html", buyer, "sku=" + sku);
    until(bob, "the sale at bob's", d -> text(d, "#stock-units").equals("5"));
    click(bob, "join");
    until(bob, "bob in the waiting room", d -> !text(d, "#queue-state").equals("not joined"));
    click(bob, "buy");
    until(bob, "bob's hold", d -> text(d, "#hold-status").equals("held"));
    click(bob, "confirm");
    until(bob, "bob paid", d -> text(d, "#hold-status").equals("confirmed"));

    until(alice, "the sale shows one sold", d -> text(d, "#stock-sold").equals("1") && text(d, "#stock-remaining").equals("4"));
    screenshot(bob, "sale");
  }

  @Test
  void theMarketPageShowsAnotherClientsOrderAndTradesWithIt() throws IOException {
    String trader = TestNodes.uniqueUser("ui-alice");
    open(alice, "market.html", trader, "symbol=" + SYMBOL);
    until(alice, "the book's snapshot", d -> !text(d, "#book-seq").equals("—"));

    try (WsClient other = TestNodes.connect(port, TestNodes.uniqueUser("ui-carol"))) {
      JsonNode placed = other.ok("{\"type\":\"market.place\",\"symbol\":\"" + SYMBOL + "\",\"clientOrderId\":\"c-1\",\"side\":\"buy\",\"price\":100,\"quantity\":5}", WAIT);
      assertThat(placed.get("status").asText()).isEqualTo("open");
      until(alice, "carol's bid in the book", d -> present(d, "#bids tr[data-price='100']") && text(d, "#bids tr[data-price='100'] .qty").equals("5"));

      // alice sells into it from the page: a trade, a smaller bid, her order filled
      new org.openqa.selenium.support.ui.Select(alice.findElement(By.id("side"))).selectByVisibleText("sell");
      type(alice, "price", "100");
      type(alice, "quantity", "2");
      click(alice, "place");
      until(alice, "the trade", d -> present(d, "#trades tr[data-price='100']") && text(d, "#trades tr[data-price='100'] .qty").equals("2"));
      until(alice, "the bid reduced", d -> text(d, "#bids tr[data-price='100'] .qty").equals("3"));
      until(alice, "alice's order filled", d -> present(d, "#my-orders tr[data-status='filled']"));
      until(alice, "the ticker", d -> text(d, "#last").equals("100"));
      JsonNode book = other.ok("{\"type\":\"market.book\",\"symbol\":\"" + SYMBOL + "\"}", WAIT);
      assertThat(book.get("bids").get(0).get(1).asLong()).as("the server's book agrees").isEqualTo(3);
    }
    screenshot(alice, "market");
  }

  /**
   * The driver map shows a driver a test client places and moves, and a dispatcher's geofence around her
   * path: the fence drawn on the canvas, and her entering it reported live from fence:<id>.
   */
  @Test
  void theDriverMapShowsADriverATestClientPlacesAndTheFenceSheEnters() throws IOException {
    // a place no other test uses: the geo index is shared by every test of the JVM
    double lat = 64.1466 + new Random().nextDouble() * 0.01;
    double lng = -21.9426;
    String driver = TestNodes.uniqueUser("ui-dana");
    // the fence: about 110 m by 290 m around where she moves to (lat + 0.003), her first fix 55 m south of it
    String fence = "ui-fence-" + Long.toString(System.nanoTime(), 36);
    String dispatcher = TestNodes.devToken(port, TestNodes.uniqueUser("ui-dispatch"), "dispatcher");
    String polygon = String.format(Locale.ROOT, "[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]",
        lat + 0.0025, lng - 0.003, lat + 0.0025, lng + 0.003, lat + 0.0035, lng + 0.003, lat + 0.0035, lng - 0.003);
    HttpResponse<String> defined = fenceRequest("PUT", "/api/geofences/" + fence, dispatcher, "{\"name\":\"Harbour\",\"polygon\":" + polygon + "}");
    assertThat(defined.statusCode()).as(defined.body()).isEqualTo(200);

    open(alice, "drivers.html", TestNodes.uniqueUser("ui-rita"), String.format(Locale.ROOT, "lat=%.5f&lng=%.5f&radius=1000", lat, lng));
    until(alice, "the region watched", d -> text(d, "#watch-state").startsWith("watching"));
    until(alice, "the fence listed and followed", d -> present(d, "#fences tr[data-fence='" + fence + "'][data-subscribed='true']"));
    until(alice, "the fence drawn", d -> List.of(String.valueOf(d.findElement(By.id("map")).getAttribute("data-fences")).split(",")).contains(fence));
    assertThat(fencePixel(alice, lat + 0.003, lng - 0.002)).as("the canvas inside the fence, west of dana's path").isTrue();

    try (WsClient dana = TestNodes.connect(port, driver, "driver")) {
      dana.ok("{\"type\":\"driver.online\"}", WAIT);
      long at = System.currentTimeMillis();
      dana.ok(String.format(Locale.ROOT, "{\"type\":\"driver.fix\",\"lat\":%.6f,\"lng\":%.6f,\"heading\":90,\"speed\":5,\"at\":%d}", lat + 0.002, lng, at), WAIT);
      until(alice, "dana on the map", d -> present(d, "#drivers tr[data-driver='" + driver + "']")
          && List.of(d.findElement(By.id("map")).getAttribute("data-drawn").split(",")).contains(driver));
      // what is drawn is where she is: the canvas is not blank at her projected position
      assertThat(driverPixel(alice)).as("the canvas at dana's position").isTrue();
      assertThat(attribute(alice, "#fences tr[data-fence='" + fence + "']", "data-inside")).as("south of the fence").isEmpty();

      // she moves; the map follows
      double movedLat = Double.parseDouble(String.format(Locale.ROOT, "%.6f", lat + 0.003)); // as sent
      dana.ok(String.format(Locale.ROOT, "{\"type\":\"driver.fix\",\"lat\":%.6f,\"lng\":%.6f,\"heading\":0,\"speed\":5,\"at\":%d}", movedLat, lng, at + 5_000), WAIT);
      until(alice, "dana moved", d -> Math.abs(Double.parseDouble(d.findElement(By.cssSelector("#drivers tr[data-driver='" + driver + "']")).getAttribute("data-lat")) - movedLat) < 1e-9);

      // that move took her into the fence: reported live, and she is listed inside
      until(alice, "dana entering the fence", d -> present(d, "#fence-events li[data-fence='" + fence + "'][data-event='fence_entered'][data-driver='" + driver + "']"));
      until(alice, "dana inside the fence", d -> driver.equals(d.findElement(By.cssSelector("#fences tr[data-fence='" + fence + "']")).getAttribute("data-inside")));
      assertThat(present(alice, "#fence-events li[data-fence='" + fence + "'][data-event='fence_exited']")).as("no exit yet").isFalse();

      click(alice, "nearby");
      until(alice, "dana among the nearest", d -> present(d, "#nearest tr[data-driver='" + driver + "']"));
      screenshot(alice, "drivers");
    } finally {
      // fences are shared by every test of the JVM (and bounded in number)
      assertThat(fenceRequest("DELETE", "/api/geofences/" + fence, dispatcher, null).statusCode()).isEqualTo(200);
    }
  }

  private HttpResponse<String> fenceRequest(String method, String path, String token, String body) {
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).timeout(WAIT);
    b = body == null
        ? b.method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
        : b.method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Whether the map's canvas at (lat, lng) is painted in the fences' orange (not blank, not a grey ring). */
  private static boolean fencePixel(ChromeDriver browser, double lat, double lng) {
    Object painted = browser.executeScript(
        "const [x, y] = project({ lat: arguments[0], lng: arguments[1] });"
            + "const px = document.getElementById('map').getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data;"
            + "return px[3] > 0 && px[0] > px[2] + 80;",
        lat, lng);
    return Boolean.TRUE.equals(painted);
  }

  /** Whether the map's canvas is painted in the colour of a driver dot where the first drawn driver is. */
  @SuppressWarnings("unchecked")
  private static boolean driverPixel(ChromeDriver browser) {
    Object painted = browser.executeScript(
        "const [id] = document.getElementById('map').dataset.drawn.split(',');"
            + "const d = drivers.get(id); const [x, y] = project(d);"
            + "const px = document.getElementById('map').getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data;"
            + "return px[3] > 200 && !(px[0] > 230 && px[1] > 230 && px[2] > 230);");
    return Boolean.TRUE.equals(painted);
  }

  // ---- the metrics dashboard --------------------------------------------------------------------

  /**
   * The dashboard charts a query's points as the node pushes them on metrics:<query>: samples written over
   * HTTP after the page subscribed show up as new points, one per closed 10 s window, with no reload and
   * no polling (the page's count of live events moves with them).
   */
  @Test
  void theMetricsDashboardChartsPointsArrivingLive() throws IOException {
    String user = TestNodes.uniqueUser("ui-mona"); // the tenant is the token's user: a fresh one has no series
    String token = TestNodes.devToken(port, user);
    String query = "max(ui_room_temperature{room=\"lab\"})";
    open(alice, "metrics.html", user, "step=10s&query=" + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8));
    until(alice, "the query live", d -> "live".equals(d.findElement(By.id("chart-state")).getAttribute("data-state")));
    assertThat(chart(alice, "data-points")).as("no history in a new tenant").isEqualTo("0");

    // one sample in the current window and one in the next: each window's point comes when it closes
    long now = System.currentTimeMillis();
    writeMetrics(token, "ui_room_temperature{room=\"lab\"} 21.5 " + now + "\nui_room_temperature{room=\"lab\"} 42.25 " + (now + 10_000) + "\n");
    until(alice, "the first point", d -> "1".equals(chart(d, "data-points")) && "21.5".equals(chart(d, "data-last-value")));
    until(alice, "the second point", d -> "2".equals(chart(d, "data-points")) && "42.25".equals(chart(d, "data-last-value")));
    assertThat(Integer.parseInt(chart(alice, "data-received"))).as("points pushed over the socket").isGreaterThanOrEqualTo(2);
    assertThat(Long.parseLong(chart(alice, "data-last-t")) - (now + 10_000)).as("the second point is the window of the second sample").isBetween(-10_000L, 0L);
    assertThat(attribute(alice, "#series tr", "data-last-value")).isEqualTo("42.25");
    screenshot(alice, "metrics");

    // a query that does not parse: the node's code is shown, and the chart is not live
    type(alice, "query", "max(ui_room_temperature{room=");
    click(alice, "show");
    until(alice, "the refusal", d -> text(d, "#last-error").contains("invalid_query")
        && "error".equals(d.findElement(By.id("chart-state")).getAttribute("data-state")));
    assertThat(chart(alice, "data-points")).isEqualTo("0");
  }

  private static String chart(WebDriver browser, String attribute) {
    return browser.findElement(By.id("chart")).getAttribute(attribute);
  }

  private void writeMetrics(String token, String prometheusText) {
    java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/metrics/write"))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "text/plain; version=0.0.4")
        .timeout(WAIT)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(prometheusText))
        .build();
    try {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(JSON.readTree(r.body()).get("accepted").asInt()).isEqualTo(2);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  // ---- the operator view -----------------------------------------------------------------------

  /**
   * The operator page follows /sse/ops without a reload: the node is a member Up, the connections it
   * shows rise with sockets this test opens and fall when they close, and the frame rates it shows rise
   * while those sockets send and settle when they stop.
   */
  @Test
  void theOperatorPageShowsTheNodeUpWithLiveConnectionsAndFrameRates() throws Exception {
    alice.get("http://127.0.0.1:" + port + "/web/ops.html");
    until(alice, "the ops stream connected", d -> "connected".equals(d.findElement(By.id("status")).getAttribute("data-state")));
    String self = JSON.readTree(TestNodes.get(port, "/api/ops/cluster").body()).get("self").asText();
    String row = "#members tr[data-address='" + self + "']";
    until(alice, "this node a member Up, reporting", d -> present(d, row + "[data-status='Up'][data-self='true'][data-reporting='true']")
        && text(d, row + " .member-status").equals("Up"));
    until(alice, "the shards table", d -> present(d, "#shards tr[data-type]"));

    int before = (int) number(alice, row, "data-connections");
    int renderedBefore = Integer.parseInt(attribute(alice, "#updated", "data-updates"));
    List<WsClient> extra = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) extra.add(TestNodes.connect(port, TestNodes.uniqueUser("ui-ops")));
      until(alice, "three more connections", d -> number(d, row, "data-connections") >= before + 3);
      until(alice, "the count shown in its cell", d -> text(d, row + " .connections").equals(d.findElement(By.cssSelector(row)).getAttribute("data-connections")));

      // each poll of the wait sends a burst of pings: well above the idle rate (a page's ping per 10 s)
      until(alice, "the frame rates up", d -> {
        for (WsClient c : extra) for (int i = 0; i < 20; i++) c.send("{\"type\":\"ping\"}");
        return number(d, row, "data-frames-in") >= 30 && number(d, row, "data-frames-out") >= 30;
      });
      screenshot(alice, "ops");
    } finally {
      for (WsClient c : extra) c.close();
    }
    until(alice, "the connections closed", d -> number(d, row, "data-connections") <= before);
    until(alice, "the frame rates back down", d -> number(d, row, "data-frames-in") < 10);
    assertThat(Integer.parseInt(attribute(alice, "#updated", "data-updates")))
        .as("views rendered from the stream, without a reload").isGreaterThan(renderedBefore + 2);
  }

  private static double number(WebDriver browser, String css, String attribute) {
    String v = attribute(browser, css, attribute);
    return v == null ? Double.NaN : Double.parseDouble(v);
  }

  /** An attribute of the element at {@code css}, read again if a re-render replaced the element meanwhile. */
  private static String attribute(WebDriver browser, String css, String attribute) {
    for (int attempt = 1; ; attempt++) {
      try {
        return browser.findElement(By.cssSelector(css)).getAttribute(attribute);
      } catch (StaleElementReferenceException e) {
        if (attempt == 5) throw e;
      }
    }
  }

  // ---- the page's OT against the server's -------------------------------------------------------

  /**
   * The browser's ot.js must transform, compose and move positions exactly as the server's TextOperation,
   * or two editors converge on a text the server does not hold. Random operations on random texts, run
   * through both.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theBrowsersOperationalTransformAgreesWithTheServers() throws Exception {
    open(alice, "document.html", TestNodes.uniqueUser("ui-alice"), "");
    Random random = new Random(23);
    List<Map<String, Object>> cases = new ArrayList<>();
    List<TextOperation[]> ops = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String text = randomText(random, random.nextInt(12));
      TextOperation committed = randomOp(random, text);
      TextOperation incoming = randomOp(random, text);
      TextOperation next = randomOp(random, committed.apply(text));
      int index = random.nextInt(text.length() + 1);
      ops.add(new TextOperation[] {committed, incoming, next});
      cases.add(Map.of("text", text, "a", committed.toWire(), "b", incoming.toWire(), "c", next.toWire(), "index", index));
    }
    String results = (String) alice.executeScript(
        "return JSON.stringify(JSON.parse(arguments[0]).map((k) => {"
            + "const a = TextOperation.fromWire(k.a), b = TextOperation.fromWire(k.b), c = TextOperation.fromWire(k.c);"
            + "const [ap, bp] = TextOperation.transform(a, b);"
            + "return { ap: ap.toWire(), bp: bp.toWire(), ac: a.compose(c).toWire(), idx: a.transformIndex(k.index, false), own: a.transformIndex(k.index, true),"
            + " diff: TextOperation.diff(k.text, a.apply(k.text)).apply(k.text) };"
            + "}));",
        JSON.writeValueAsString(cases));
    JsonNode out = JSON.readTree(results);
    for (int i = 0; i < cases.size(); i++) {
      TextOperation a = ops.get(i)[0], b = ops.get(i)[1], c = ops.get(i)[2];
      String text = (String) cases.get(i).get("text");
      int index = (Integer) cases.get(i).get("index");
      TextOperation.Transformed t = TextOperation.transform(a, b);
      JsonNode r = out.get(i);
      String what = "case " + i + ": " + cases.get(i);
      assertThat(r.get("ap").toString()).as(what).isEqualTo(JSON.writeValueAsString(t.committedPrime().toWire()));
      assertThat(r.get("bp").toString()).as(what).isEqualTo(JSON.writeValueAsString(t.incomingPrime().toWire()));
      assertThat(r.get("ac").toString()).as(what).isEqualTo(JSON.writeValueAsString(a.compose(c).toWire()));
      assertThat(r.get("idx").asInt()).as(what).isEqualTo(a.transformIndex(index, false));
      assertThat(r.get("own").asInt()).as(what).isEqualTo(a.transformIndex(index, true));
      assertThat(r.get("diff").asText()).as(what).isEqualTo(a.apply(text));
    }
  }

  private static String randomText(Random random, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) s.append((char) ('a' + random.nextInt(4)));
    return s.toString();
  }

  private static TextOperation randomOp(Random random, String text) {
    TextOperation op = TextOperation.empty();
    int pos = 0;
    while (pos < text.length()) {
      int n = 1 + random.nextInt(Math.min(3, text.length() - pos));
      switch (random.nextInt(3)) {
        case 0 -> op = op.retain(n);
        case 1 -> op = op.delete(n);
        default -> {
          op = op.insert(randomText(random, 1 + random.nextInt(3)).toUpperCase(Locale.ROOT));
          continue;
        }
      }
      pos += n;
    }
    if (random.nextBoolean()) op = op.insert("Z");
    return op;
  }
}
