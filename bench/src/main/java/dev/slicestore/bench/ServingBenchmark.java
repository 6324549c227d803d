package dev.slicestore.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.WindowEvaluator;
import dev.slicestore.serving.FeatureServer;
import dev.slicestore.serving.SliceReader;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;

/**
 * Serving latency: a gRPC load generator ({@link LoadGenerator}, HdrHistogram, coordinated-omission
 * aware) against the real {@link FeatureServer} on Netty over loopback, serving the retail online
 * store ({@link RetailStore}): every feature of the retail feature set (5 aggregations × 4 windows)
 * for 1, 10 and 100 entities per request, at fixed rates (100/s, 1,000/s and 5,000/s by default)
 * and at the maximum a closed loop sustains, before and after compaction. Entities are drawn with a
 * fixed seed from those with data. Next to it the floor from the same client JVM: a bare Redis
 * {@code PING}, one {@code HGETALL} of a slice hash, the pipelined {@code HGETALL} of every slice
 * of the longest window (the read before the slice index), and serving's read of one entity: its
 * slice index ({@code ZRANGEBYSCORE}), then the pipelined {@code HGETALL} of the slices listed;
 * each paced at 1,000/s.
 *
 * <p>The server runs as {@code slicestore serve} in its own JVM ({@link ServerProcess}; options
 * {@code serving.server-jvm-opts}, default {@value #DEFAULT_SERVER_JVM_OPTIONS}), or with {@code
 * serving.server=in-process} in the benchmark's JVM, whose heap also holds the in-process Kafka
 * broker and Spark. Server, load generator and Redis share the machine's cores.
 */
public final class ServingBenchmark implements Benchmark {
  private static final int[] BATCHES = {1, 10, 100};

  /**
   * The serving JVM's options unless {@code serving.server-jvm-opts} says otherwise: a small heap,
   * ZGC's sub-millisecond pauses.
   */
  static final String DEFAULT_SERVER_JVM_OPTIONS = "-Xmx1g -XX:+UseZGC";

  @Override
  public String name() {
    return "serving";
  }

  @Override
  public String description() {
    return "GetFeatures latency at fixed rates (1/10/100 entities, before/after compaction) and the bare Redis floor";
  }

  @Override
  public Report run(BenchContext ctx) throws Exception {
    BenchContext.Options o = ctx.options();
    RetailStore retail = ctx.retail();
    FeatureSet fs = retail.featureSet();
    ServingLoad servingLoad = ServingLoad.of(o);
    double seconds = servingLoad.seconds();
    List<Double> rates = servingLoad.rates();
    int concurrency = servingLoad.concurrency();
    double sloMillis = Double.parseDouble(o.overrides().getOrDefault("serving.slo-p99-ms", "10"));
    Report report = new Report(name(), "Serving latency (gRPC GetFeatures) and the Redis floor");
    Benchmark.header(
        report,
        ctx,
        String.format(
            "the UCI Online Retail CSV replayed with rebased times (%,d rows sent, %,d events"
                + " in Redis for %,d customers); every feature of `retail` (%d features: %d aggregations × windows %s); requests draw"
                + " customers with data uniformly (seed 42); %.0f s per point after a warm-up",
            retail.replay().rowsSent(),
            retail.applied(),
            retail.entities().size(),
            fs.features().size(),
            fs.aggregations().size(),
            "1h/1d/7d/30d",
            seconds));

    UnifiedJedis redis = ctx.redis();
    // the server in its own JVM by default: its GC pauses are then its own, not those of this JVM's
    // Kafka broker and Spark
    boolean ownJvm = !o.overrides().getOrDefault("serving.server", "process").equals("in-process");
    String jvmOptions =
        o.overrides().getOrDefault("serving.server-jvm-opts", DEFAULT_SERVER_JVM_OPTIONS);
    FeatureServer inProcess = null;
    ServerProcess process = null;
    int port;
    if (ownJvm) {
      process =
          ServerProcess.start(
              ctx.redisServer().host() + ":" + ctx.redisServer().port(),
              o.repoRoot().resolve("conf/feature-sets"),
              jvmOptions,
              o.stateDir().resolve("serving"),
              java.time.Duration.ofSeconds(60));
      port = process.port();
      ctx.say(
          "slicestore serve in its own JVM (pid %d, %s, log %s)",
          process.pid(), jvmOptions, o.stateDir().resolve("serving/serve.log"));
    } else {
      inProcess =
          new FeatureServer(
                  Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()),
                  Map.of(fs.name(), fs),
                  redis,
                  List.of(),
                  Clock.systemUTC())
              .start();
      port = inProcess.port();
    }
    report.paragraph(
        ownJvm
            ? "- Server: the real `slicestore serve` (gRPC on Netty over loopback) in its own JVM (`"
                + jvmOptions
                + "`;"
                + " `serving.server-jvm-opts`), serving `conf/feature-sets`; the load generator is an open loop at a fixed rate"
                + " (latency from each request's *intended* start: no coordinated omission) or a closed loop with "
                + concurrency
                + " requests in flight (\"max\"), in the benchmark's JVM"
            : "- Server: the real `FeatureServer` on Netty over loopback, in the benchmark's JVM (`serving.server=in-process`)");
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    List<LoadPoint> points = new ArrayList<>();
    Map<String, LoadGenerator.Result> floor = new LinkedHashMap<>();
    try {
      FeatureServiceGrpc.FeatureServiceFutureStub stub = FeatureServiceGrpc.newFutureStub(channel);
      ctx.log().println("== serving: warm-up");
      LoadGenerator.fixedRate(
          requests(stub, fs, retail.entities(), 1), 1000, Math.min(5, seconds * 2), 10_000);
      for (String phase : List.of("before compaction", "after compaction")) {
        if (phase.startsWith("after")) {
          retail.compact();
        }
        for (int batch : BATCHES) {
          IntFunction<CompletableFuture<?>> send = requests(stub, fs, retail.entities(), batch);
          for (double rate : rates) {
            points.add(
                measure(
                    ctx,
                    phase,
                    batch,
                    String.format("%,.0f/s", rate),
                    () -> LoadGenerator.fixedRate(send, rate, seconds, 2_000)));
          }
          LoadPoint closed =
              measure(
                  ctx,
                  phase,
                  batch,
                  "max (closed loop, " + concurrency + " in flight)",
                  () -> LoadGenerator.closedLoop(send, concurrency, seconds));
          points.add(closed);
          points.add(
              maxSustainable(
                  ctx,
                  phase,
                  batch,
                  send,
                  closed.achieved(),
                  seconds,
                  sloMillis * Math.max(1, batch / 10.0)));
        }
      }
      floor = floor(ctx, redis, fs, retail.entities(), seconds);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      if (inProcess != null) {
        inProcess.stop();
      }
      if (process != null) {
        process.close();
      }
    }

    List<List<String>> rows = new ArrayList<>();
    for (LoadPoint p : points) {
      boolean none = p.achieved() == 0; // nothing completed in time: there are no latencies to show
      rows.add(
          List.of(
              p.group(),
              String.valueOf(p.entities()),
              p.load(),
              String.format("%,.0f", p.achieved()) + (p.behind() ? " (not sustained)" : ""),
              none ? "–" : ms(p.p50()),
              none ? "–" : ms(p.p99()),
              none ? "–" : ms(p.p999()),
              none ? "–" : ms(p.max()),
              String.valueOf(p.failed())));
    }
    report.heading("GetFeatures, every retail feature, over gRPC on loopback");
    report.table(
        List.of(
            "phase",
            ">entities/request",
            "offered load",
            ">achieved requests/s",
            ">p50 ms",
            ">p99 ms",
            ">p99.9 ms",
            ">max ms",
            ">failed"),
        rows);
    report.paragraph(
        "Latency is measured from each request's *intended* start (open loop at a fixed rate), so queueing"
            + " behind a stall counts (no coordinated omission). The closed-loop rows measure throughput; their latencies are service"
            + " times at that load. \"not sustained\": the generator fell more than 100 ms behind schedule. \"max sustainable\": the"
            + " highest open-loop rate that kept its schedule with no failed request and p99 within the bound (`serving.slo-p99-ms`,"
            + " default 10 ms, per 10 entities for larger batches: 100 ms for 100 entities),"
            + " searched from half the closed-loop throughput in ×1.5 steps, then by geometric bisection; its row shows that run.");
    List<List<String>> floorRows = new ArrayList<>();
    for (Map.Entry<String, LoadGenerator.Result> e : floor.entrySet()) {
      LoadGenerator.Result r = e.getValue();
      floorRows.add(
          List.of(
              e.getKey(),
              ms(r.millis(50)),
              ms(r.millis(99)),
              ms(r.millis(99.9)),
              ms(r.latencyMicros().getMaxValue() / 1000.0)));
    }
    report.heading(
        "The floor: bare Redis round trips from the same client (Jedis, 1,000/s, one thread)");
    report.table(List.of("operation", ">p50 ms", ">p99 ms", ">p99.9 ms", ">max ms"), floorRows);

    for (String phase : List.of("before compaction", "after compaction")) {
      LoadPoint target =
          points.stream()
              .filter(
                  p -> p.group().equals(phase) && p.entities() == 1 && p.load().equals("1,000/s"))
              .findFirst()
              .orElse(null);
      if (target != null) {
        report.paragraph(
            String.format(
                "Target: p99 ≤ 2 ms for one entity and all retail features at 1,000 requests/s."
                    + " Measured %s: p99 %.2f ms%s — %s.",
                phase,
                target.p99(),
                target.behind() ? " (the rate was not sustained: queueing)" : "",
                target.p99() <= 2 && !target.behind()
                    ? "met"
                    : String.format(
                        "missed by %.2f ms (%.1f×)", target.p99() - 2, target.p99() / 2)));
      }
    }

    for (String phase : List.of("before compaction", "after compaction")) {
      Map<String, List<Double>> series = new LinkedHashMap<>();
      for (LoadPoint p : points) {
        if (p.group().equals(phase)
            && !p.behind()) { // an overloaded point would flatten every other bar
          series.put(
              p.entities()
                  + " entit"
                  + (p.entities() == 1 ? "y" : "ies")
                  + " @ "
                  + p.load().replace(" (closed loop, " + concurrency + " in flight)", ""),
              List.of(p.p50(), p.p99(), p.p999()));
        }
      }
      for (Map.Entry<String, LoadGenerator.Result> e : floor.entrySet()) {
        series.put(
            "Redis " + e.getKey(),
            List.of(e.getValue().millis(50), e.getValue().millis(99), e.getValue().millis(99.9)));
      }
      Path png =
          Charts.percentiles(
              o.outDir().resolve("serving-latency-" + phase.split(" ")[0] + ".png"),
              "GetFeatures latency, retail, " + phase + " (sustained loads; log scale)",
              "latency (ms)",
              List.of("p50", "p99", "p99.9"),
              series);
      report.chart(png, "serving latency " + phase);
    }
    return report;
  }

  private interface Measurement {
    LoadGenerator.Result run() throws Exception;
  }

  private static LoadPoint measure(
      BenchContext ctx, String phase, int batch, String load, Measurement m) throws Exception {
    List<LoadGenerator.Result> results = new ArrayList<>();
    for (int r = 0; r < ctx.options().runs(); r++) {
      results.add(m.run());
    }
    LoadPoint p = LoadPoint.median(phase, batch, load, results);
    ctx.say("%s", p.describe());
    return p;
  }

  /**
   * The highest open-loop rate that keeps its schedule with no failure and p99 ≤ {@code sloMillis}
   * ({@link LoadGenerator#maxSustainableRate}), starting from half the closed-loop throughput; one
   * search (not repeated per run: each search is already several runs).
   */
  private static LoadPoint maxSustainable(
      BenchContext ctx,
      String phase,
      int batch,
      IntFunction<CompletableFuture<?>> send,
      double closedLoopRate,
      double seconds,
      double sloMillis)
      throws Exception {
    boolean smoke = ctx.options().smoke();
    LoadGenerator.Search search =
        LoadGenerator.maxSustainableRate(
            send,
            Math.max(1, closedLoopRate / 2),
            seconds,
            sloMillis,
            smoke ? 3 : 8,
            smoke ? 1 : 3);
    for (String step : search.steps()) {
      ctx.say("%s, %d entities, max sustainable search: %s", phase, batch, step);
    }
    String load =
        String.format(
            "max sustainable, p99 ≤ %s ms: %s",
            ms(sloMillis),
            search.rate() == 0 ? "none found" : String.format("%,.0f/s", search.rate()));
    LoadGenerator.Result r = search.atRate();
    if (r == null) {
      return new LoadPoint(phase, batch, load, 0, 0, 0, 0, 0, 0, true);
    }
    return LoadPoint.median(phase, batch, load, List.of(r));
  }

  /**
   * @return request number i → a GetFeatures call for {@code batch} seeded-random entities
   */
  static IntFunction<CompletableFuture<?>> requests(
      FeatureServiceGrpc.FeatureServiceFutureStub stub,
      FeatureSet fs,
      List<String> entities,
      int batch) {
    Random rnd = new Random(42);
    List<GetFeaturesRequest> pool = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      GetFeaturesRequest.Builder b = GetFeaturesRequest.newBuilder().setFeatureSet(fs.name());
      for (int e = 0; e < batch; e++) {
        b.addEntityKeys(entities.get(rnd.nextInt(entities.size())));
      }
      pool.add(b.build());
    }
    return i -> getFeaturesAsync(stub, pool.get(i & 1023));
  }

  /**
   * @return the {@code GetFeatures} call with a deadline of 10 s, completed by gRPC's thread
   */
  static CompletableFuture<GetFeaturesResponse> getFeaturesAsync(
      FeatureServiceGrpc.FeatureServiceFutureStub stub, GetFeaturesRequest request) {
    CompletableFuture<GetFeaturesResponse> f = new CompletableFuture<>();
    ListenableFuture<GetFeaturesResponse> call =
        stub.withDeadlineAfter(10, TimeUnit.SECONDS).getFeatures(request);
    Futures.addCallback(
        call,
        new FutureCallback<>() {
          @Override
          public void onSuccess(GetFeaturesResponse result) {
            f.complete(result);
          }

          @Override
          public void onFailure(Throwable t) {
            f.completeExceptionally(t);
          }
        },
        MoreExecutors.directExecutor());
    return f;
  }

  /** Bare Redis round trips from this JVM, paced at 1,000/s in one thread. */
  static Map<String, LoadGenerator.Result> floor(
      BenchContext ctx, UnifiedJedis redis, FeatureSet fs, List<String> entities, double seconds)
      throws Exception {
    OnlineLayout layout = new OnlineLayout(fs);
    String someHash = BenchContext.keys(redis, layout.keyPrefix() + "*").get(0);
    WindowEvaluator evaluator = new WindowEvaluator(fs, fs.features());
    List<byte[]> slices = evaluator.sliceKeys(entities.get(0), System.currentTimeMillis());
    Map<String, LoadGenerator.Result> out = new LinkedHashMap<>();
    List<LoadGenerator.Result> ping = new ArrayList<>();
    List<LoadGenerator.Result> hgetall = new ArrayList<>();
    List<LoadGenerator.Result> pipeline = new ArrayList<>();
    List<LoadGenerator.Result> indexed = new ArrayList<>();
    long newest = evaluator.newestSliceIndex(System.currentTimeMillis());
    long oldest = newest - evaluator.sliceCount() + 1;
    SliceReader reader = new SliceReader(redis);
    for (int r = 0; r < ctx.options().runs(); r++) {
      ping.add(
          LoadGenerator.fixedRate(
              i -> CompletableFuture.completedFuture(redis.ping()), 1000, seconds, 1));
      hgetall.add(
          LoadGenerator.fixedRate(
              i -> CompletableFuture.completedFuture(redis.hgetAll(someHash)), 1000, seconds, 1));
      pipeline.add(
          LoadGenerator.fixedRate(
              i -> {
                try (AbstractPipeline p = redis.pipelined()) {
                  for (byte[] key : slices) {
                    p.hgetAll(key);
                  }
                  p.sync();
                }
                return CompletableFuture.completedFuture(null);
              },
              1000,
              seconds,
              1));
      indexed.add(
          LoadGenerator.fixedRate(
              i ->
                  CompletableFuture.completedFuture(
                      reader.read(
                          layout, Set.of(entities.get(i % entities.size())), oldest, newest)),
              1000,
              seconds,
              1));
    }
    out.put("PING", medianRun(ping));
    out.put("HGETALL of one slice hash", medianRun(hgetall));
    out.put(
        "pipelined HGETALL × " + slices.size() + " (every slice of the longest window)",
        medianRun(pipeline));
    out.put("slice index + HGETALL of listed slices (serving's read)", medianRun(indexed));
    for (Map.Entry<String, LoadGenerator.Result> e : out.entrySet()) {
      ctx.say(
          "floor %s: p50 %.3f ms, p99 %.3f ms",
          e.getKey(), e.getValue().millis(50), e.getValue().millis(99));
    }
    return out;
  }

  /**
   * @return the run whose p99 is the median p99
   */
  private static LoadGenerator.Result medianRun(List<LoadGenerator.Result> runs) {
    List<LoadGenerator.Result> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(r -> r.millis(99)));
    return sorted.get(sorted.size() / 2);
  }

  private static String ms(double v) {
    return v < 10 ? String.format("%.2f", v) : String.format("%,.0f", v);
  }
}
