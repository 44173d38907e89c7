package io.pulse.bench;

import io.pulse.actors.market.Order;
import io.pulse.actors.market.OrderBook;
import io.pulse.actors.market.OrderBook.CancelResult;
import io.pulse.actors.market.OrderBook.MatchResult;
import io.pulse.actors.market.OrderBook.PriceLevel;
import io.pulse.actors.market.OrderBook.ReplaceResult;
import io.pulse.actors.market.Side;
import io.pulse.actors.market.TimeInForce;
import io.pulse.actors.market.Trade;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Operations per second of one {@link OrderBook} on one thread: a realistic mix, and what each kind of operation
 * costs on its own.
 *
 * <p>Every workload is a script generated up front against a shadow book, so the generator knows which orders rest
 * and where the touch is; each iteration replays the same script on a fresh copy of the same starting book. The book
 * is deterministic, so the replay does exactly what the generator saw, and the timed loop is nothing but book calls
 * (checked at the end of each iteration). Allocation of the incoming {@link Order} records is not timed; everything
 * the book allocates is.
 *
 * <ul>
 *   <li><b>mix</b>: 60% limit orders that rest near the touch, 25% cancels of random resting orders, 10% crossing
 *       orders (half marketable limits a few ticks through the touch, half market orders), 5% replaces (half a cut at
 *       the same price, which keeps priority; half a new price). Crossing orders are sized so the book stays near
 *       {@code bench.orders} resting orders.
 *   <li><b>add (resting)</b>, <b>cancel</b>: batches of 1,000 non-crossing adds, then 1,000 cancels of random resting
 *       orders, timed by batch, so the book swings between {@code bench.orders} and 1,000 more.
 *   <li><b>crossing</b>: batches of 250 crossing orders, timed, each followed by an untimed refill back to size.
 * </ul>
 *
 * <p>Each line also says how many collections fell inside its timed windows. With none there, the book's cost under
 * G1 still includes its write barrier: a new resting order is young and the book it is linked into is old. How that
 * cost splits between adds and cancels moves with G1's card refinement (the node's {@code jvm.options} defers it:
 * pass them in {@code MAVEN_OPTS} to measure that way); the mix moves much less.
 *
 * <pre>
 *   mvn -B -ntp -q -pl benchmarks -am -DskipTests install
 *   mvn -B -ntp -q -pl benchmarks exec:java -Dexec.mainClass=io.pulse.bench.OrderBookBenchmark
 *       [-Dbench.orders=5000 -Dbench.ops=1000000 -Dbench.warmup=5 -Dbench.iterations=10 -Dbench.seed=42
 *        -Dbench.scripts=mix,add-cancel,crossing]
 * </pre>
 */
public final class OrderBookBenchmark {
  private static final long START_PRICE = 100_000;
  private static final int USERS = 200;
  private static final int BATCH = 1_000;
  private static final int CROSS_BATCH = 250;

  private static volatile long sink;

  public static void main(String[] args) {
    int orders = Integer.getInteger("bench.orders", 5_000);
    int ops = Integer.getInteger("bench.ops", 1_000_000);
    int warmup = Integer.getInteger("bench.warmup", 5);
    int iterations = Integer.getInteger("bench.iterations", 10);
    long seed = Long.getLong("bench.seed", 42);

    Generator gen = new Generator(seed, orders);
    gen.prefill();
    OrderBook start = gen.book.copy();
    Script mix = gen.fork().mix(ops);
    Script addCancel = gen.fork().addThenCancel(ops / 5 / BATCH);
    Script crossing = gen.fork().crossing(ops / 10 / CROSS_BATCH);

    var rt = ManagementFactory.getRuntimeMXBean();
    System.out.printf(
        "OrderBook benchmark: %s %s, %d cpus, heap max %d MB, GC %s, JVM options %s%n",
        rt.getVmName(), System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList(),
        rt.getInputArguments().stream().filter(a -> a.startsWith("-X")).toList());
    System.out.printf(
        "starting book: %,d resting orders on %d bid + %d ask levels, spread %d ticks; %d users; seed %d%n",
        start.size(), start.levels(Side.BUY), start.levels(Side.SELL),
        start.bestAsk().orElseThrow().price() - start.bestBid().orElseThrow().price(), USERS, seed);
    System.out.println("mix script: " + mix.describe());
    System.out.println("add/cancel script: " + addCancel.describe());
    System.out.println("crossing script (the adds are the untimed refills): " + crossing.describe());
    System.out.printf("%d warm-up and %d measured iterations of each script, one thread%n%n", warmup, iterations);

    List<String> chosen = List.of(System.getProperty("bench.scripts", "mix,add-cancel,crossing").split(","));
    List<Script> scripts = new ArrayList<>();
    if (chosen.contains("mix")) scripts.add(mix);
    if (chosen.contains("add-cancel")) scripts.add(addCancel);
    if (chosen.contains("crossing")) scripts.add(crossing);

    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    for (int i = -warmup; i < iterations; i++) {
      boolean measured = i >= 0;
      for (Script script : scripts) {
        Map<String, Sample> r = script.run(start);
        if (measured) r.forEach((bucket, sample) -> samples.computeIfAbsent(bucket, b -> new ArrayList<>()).add(sample));
      }
    }

    System.out.printf("%-16s %12s %12s %12s %8s   %s%n", "ops/s", "median", "min", "max", "ns/op", "per iteration: timed ms, young GCs in it (ms)");
    samples.forEach((bucket, list) -> {
      double[] sorted = list.stream().mapToDouble(Sample::opsPerSecond).sorted().toArray();
      double median = sorted.length % 2 == 1
          ? sorted[sorted.length / 2]
          : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      double millis = list.stream().mapToLong(Sample::millis).average().orElse(0);
      double gcs = list.stream().mapToLong(Sample::collections).average().orElse(0);
      double gcMillis = list.stream().mapToLong(Sample::collectionMillis).average().orElse(0);
      System.out.printf("%-16s %,12.0f %,12.0f %,12.0f %8.0f   %.0f ms, %.1f GCs (%.1f ms)%n",
          bucket, median, sorted[0], sorted[sorted.length - 1], 1e9 / median, millis, gcs, gcMillis);
    });
    System.out.println("(checksum " + sink + ")");
  }

  // ------------------------------------------------------------------------------------------------------- scripts

  private static final byte ADD = 0;
  private static final byte CANCEL = 1;
  private static final byte REPLACE = 2;

  /**
   * Operations in arrays, cut into segments; a segment with a bucket is timed into it, one without is setup. Also
   * what the generator's book looked like at the end, to check each replay against.
   */
  private static final class Script {
    final String name;
    byte[] kind = new byte[1024];
    Order[] order = new Order[1024];
    String[] id = new String[1024];
    String[] user = new String[1024];
    long[] price = new long[1024];
    long[] quantity = new long[1024];
    long[] seq = new long[1024];
    int size;
    final List<String> segmentBucket = new ArrayList<>();
    final List<int[]> segmentRange = new ArrayList<>();
    int segmentStart;
    final Map<String, Integer> counts = new LinkedHashMap<>();
    long trades;
    long selfTrades;
    int endSize;
    int endLevels;
    long endTradeId;

    Script(String name) {
      this.name = name;
    }

    int slot() {
      if (size == kind.length) {
        int n = size * 2;
        kind = Arrays.copyOf(kind, n);
        order = Arrays.copyOf(order, n);
        id = Arrays.copyOf(id, n);
        user = Arrays.copyOf(user, n);
        price = Arrays.copyOf(price, n);
        quantity = Arrays.copyOf(quantity, n);
        seq = Arrays.copyOf(seq, n);
      }
      return size++;
    }

    void count(String what) {
      counts.merge(what, 1, Integer::sum);
    }

    /** Closes the operations since the last segment into one, timed into {@code bucket} unless it is null. */
    void segment(String bucket) {
      if (size == segmentStart) return;
      segmentBucket.add(bucket);
      segmentRange.add(new int[] {segmentStart, size});
      segmentStart = size;
    }

    String describe() {
      return "%,d operations %s, %,d trades, %,d self-trade cancels; at the end %,d resting on %d levels"
          .formatted(size, counts, trades, selfTrades, endSize, endLevels);
    }

    /** Replays the script on a copy of {@code start}; answers ops/s and the collections inside, per bucket. */
    Map<String, Sample> run(OrderBook start) {
      OrderBook book = start.copy();
      System.gc();
      Map<String, long[]> acc = new LinkedHashMap<>(); // bucket -> {nanos, ops, collections, collection ms}
      long check = 0;
      for (int s = 0; s < segmentRange.size(); s++) {
        int from = segmentRange.get(s)[0];
        int to = segmentRange.get(s)[1];
        String bucket = segmentBucket.get(s);
        long gcCount = bucket == null ? 0 : gcCount();
        long gcMillis = bucket == null ? 0 : gcMillis();
        long t0 = System.nanoTime();
        for (int i = from; i < to; i++) {
          switch (kind[i]) {
            case ADD -> check += book.add(order[i]).levelChanges().size();
            case CANCEL -> check += book.cancel(id[i], user[i]).levelChanges().size();
            default -> check += book.replace(id[i], user[i], price[i], quantity[i], seq[i]).match().levelChanges().size();
          }
        }
        long nanos = System.nanoTime() - t0;
        if (bucket != null) {
          long[] a = acc.computeIfAbsent(bucket, b -> new long[4]);
          a[0] += nanos;
          a[1] += to - from;
          a[2] += gcCount() - gcCount;
          a[3] += gcMillis() - gcMillis;
        }
      }
      if (book.size() != endSize || book.nextTradeId() != endTradeId) {
        throw new IllegalStateException(name + ": the replay diverged from the generated script");
      }
      sink += check;
      Map<String, Sample> out = new LinkedHashMap<>();
      acc.forEach((bucket, a) -> out.put(bucket, new Sample(a[1] * 1e9 / a[0], a[2], a[3], a[0] / 1_000_000)));
      return out;
    }
  }

  /** One bucket of one iteration: its rate, and the collections that ran inside its timed windows. */
  private record Sample(double opsPerSecond, long collections, long collectionMillis, long millis) {}

  private static long gcCount() {
    long n = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) n += gc.getCollectionCount();
    return n;
  }

  private static long gcMillis() {
    long n = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) n += gc.getCollectionTime();
    return n;
  }

  // ----------------------------------------------------------------------------------------------------- generator

  /** Writes scripts by running them on its own book, tracking which orders rest. */
  private static final class Generator {
    final Random random;
    final int target;
    final OrderBook book;
    final List<String> live;
    final Map<String, Integer> livePos;
    final String[] users = new String[USERS];
    long nextId;
    long seq;
    Script script;

    Generator(long seed, int target) {
      this(new Random(seed), target, new OrderBook(target * 2), new ArrayList<>(), new HashMap<>(), 0, 0);
    }

    private Generator(
        Random random, int target, OrderBook book, List<String> live, Map<String, Integer> livePos, long nextId, long seq) {
      this.random = random;
      this.target = target;
      this.book = book;
      this.live = live;
      this.livePos = livePos;
      this.nextId = nextId;
      this.seq = seq;
      for (int u = 0; u < USERS; u++) users[u] = ("u" + u).intern();
    }

    /** The same state, its own book and random stream: each script starts where the prefill left off. */
    Generator fork() {
      return new Generator(
          new Random(random.nextLong()), target, book.copy(), new ArrayList<>(live), new HashMap<>(livePos), nextId, seq);
    }

    void prefill() {
      script = new Script("prefill");
      while (book.size() < target) passive();
    }

    Script mix(int ops) {
      script = new Script("mix");
      for (int i = 0; i < ops; i++) {
        int dice = random.nextInt(100);
        if (dice < 60 || live.isEmpty()) passive();
        else if (dice < 85) cancel();
        else if (dice < 95) crossing();
        else replace();
      }
      script.segment("mix");
      return finish();
    }

    Script addThenCancel(int cycles) {
      script = new Script("add/cancel");
      for (int c = 0; c < cycles; c++) {
        for (int i = 0; i < BATCH; i++) passive();
        script.segment("add (resting)");
        for (int i = 0; i < BATCH; i++) cancel();
        script.segment("cancel");
      }
      return finish();
    }

    Script crossing(int cycles) {
      script = new Script("crossing");
      for (int c = 0; c < cycles; c++) {
        for (int i = 0; i < CROSS_BATCH; i++) crossing();
        script.segment("crossing");
        while (book.size() < target) passive();
        script.segment(null);
      }
      return finish();
    }

    private Script finish() {
      script.endSize = book.size();
      script.endLevels = book.levels(Side.BUY) + book.levels(Side.SELL);
      script.endTradeId = book.nextTradeId();
      return script;
    }

    String user() {
      return users[random.nextInt(USERS)];
    }

    long lots() {
      return 1 + random.nextInt(20);
    }

    /** Ticks away from the touch: mostly within a few, a thin tail a few dozen out. */
    int distance() {
      return (int) Math.abs(random.nextGaussian() * 8);
    }

    /** A limit order that rests: at or behind the best price of its side, never through the other. */
    void passive() {
      Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
      long p = passivePrice(side, distance());
      add(Order.limit(id(), user(), null, side, p, lots(), TimeInForce.GTC, ++seq), "add");
    }

    long passivePrice(Side side, int distance) {
      Optional<PriceLevel> bid = book.bestBid();
      Optional<PriceLevel> ask = book.bestAsk();
      if (side == Side.BUY) {
        long top = ask.map(a -> a.price() - 1).orElse(bid.map(PriceLevel::price).orElse(START_PRICE - 1));
        return Math.max(1, top - distance);
      }
      long top = bid.map(b -> b.price() + 1).orElse(ask.map(PriceLevel::price).orElse(START_PRICE + 1));
      return top + distance;
    }

    /**
     * Takes liquidity: about 3.5 resting orders' worth, so 10% of the mix offsets what adds minus cancels leave; more
     * or less when the book has drifted from its target size.
     */
    void crossing() {
      Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
      Optional<PriceLevel> touch = side == Side.BUY ? book.bestAsk() : book.bestBid();
      if (touch.isEmpty()) {
        passive();
        return;
      }
      double orders = Math.max(0.5, Math.min(30, 3.5 + (book.size() - target) / 50.0));
      long qty = Math.max(1, Math.round(orders * 10.5 * (0.5 + random.nextDouble())));
      if (random.nextBoolean()) {
        add(Order.market(id(), user(), null, side, qty, ++seq), "market");
      } else {
        long through = random.nextInt(4);
        long p = side == Side.BUY ? touch.get().price() + through : Math.max(1, touch.get().price() - through);
        add(Order.limit(id(), user(), null, side, p, qty, TimeInForce.GTC, ++seq), "marketable limit");
      }
    }

    void cancel() {
      String id = live.get(random.nextInt(live.size()));
      Order o = book.order(id).orElseThrow();
      int i = script.slot();
      script.kind[i] = CANCEL;
      script.id[i] = id;
      script.user[i] = o.userId();
      script.count("cancel");
      CancelResult r = book.cancel(id, o.userId());
      if (r.refusal().isPresent()) throw new IllegalStateException(r.refusal().get().toString());
      forget(id);
    }

    void replace() {
      String id = live.get(random.nextInt(live.size()));
      Order o = book.order(id).orElseThrow();
      long p;
      long q;
      if (random.nextBoolean() && o.remaining() > 1) {
        p = o.price();
        q = 1 + random.nextInt((int) Math.min(o.remaining() - 1, Integer.MAX_VALUE));
        script.count("replace (cut)");
      } else {
        p = passivePrice(o.side(), distance());
        q = lots();
        script.count("replace (move)");
      }
      int i = script.slot();
      script.kind[i] = REPLACE;
      script.id[i] = id;
      script.user[i] = o.userId();
      script.price[i] = p;
      script.quantity[i] = q;
      script.seq[i] = ++seq;
      ReplaceResult r = book.replace(id, o.userId(), p, q, script.seq[i]);
      if (r.match().rested() == null) forget(id);
      account(r.match());
    }

    void add(Order order, String what) {
      int i = script.slot();
      script.kind[i] = ADD;
      script.order[i] = order;
      script.count(what);
      MatchResult r = book.add(order);
      if (r.rested() != null) remember(order.orderId());
      account(r);
    }

    private void account(MatchResult r) {
      script.trades += r.trades().size();
      script.selfTrades += r.selfTradeCancelled().size();
      for (Order o : r.selfTradeCancelled()) forget(o.orderId());
      for (Trade t : r.trades()) {
        String maker = t.makerOrderId();
        if (livePos.containsKey(maker) && book.order(maker).isEmpty()) forget(maker);
      }
    }

    private String id() {
      return "o" + nextId++;
    }

    private void remember(String id) {
      livePos.put(id, live.size());
      live.add(id);
    }

    private void forget(String id) {
      Integer pos = livePos.remove(id);
      if (pos == null) return;
      String last = live.remove(live.size() - 1);
      if (pos < live.size()) {
        live.set(pos, last);
        livePos.put(last, pos);
      }
    }
  }
}
