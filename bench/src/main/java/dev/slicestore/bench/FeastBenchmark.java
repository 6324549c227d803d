package dev.slicestore.bench;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.serving.FeatureServer;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureInfo;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.FeatureSetInfo;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.ListFeatureSetsRequest;
import dev.slicestore.serving.v1.Value;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A peer's serving path: Feast (PyPI, {@code .venv-feast}, see {@link FeastPeer}) with its Redis
 * online store, serving the retail features <i>precomputed</i> — every feature of every retail
 * customer with data, as slicestore's {@code GetFeatures} served them at one evaluation time {@code
 * t}, written to a Parquet offline source and materialized into Redis — measured side by side with
 * slicestore's gRPC {@code GetFeatures} (which computes the windows at request time from the
 * slices) in the same run, with the same load generator ({@link LoadGenerator}), the same request
 * rates, batches (1, 10 and 100 entities), entity draws (seed 42) and seconds per point as {@link
 * ServingBenchmark}, and a closed loop for the maximum throughput.
 *
 * <p>slicestore's server runs in this JVM with a clock fixed at {@code t}, so both systems answer
 * the same values for the whole run; a request's cost hardly depends on {@code t} (each entity
 * reads its slice index and the non-empty slices of the longest window it lists). Before measuring,
 * the values Feast returns for a seeded sample of customers are compared with what slicestore
 * served; the benchmark fails if any differs.
 *
 * <p>Sizes: {@code serving.rates}, {@code serving.seconds}, {@code serving.concurrency} as the
 * serving benchmark; {@code feast.workers} (Feast feature server processes, default: the machine's
 * cores), {@code feast.check} (customers compared, default 200, smoke 50).
 */
public final class FeastBenchmark implements Benchmark {
  private static final int[] BATCHES = {1, 10, 100};
  private static final String SLICESTORE = "slicestore";
  private static final String FEAST = "Feast";

  @Override
  public String name() {
    return "feast";
  }

  @Override
  public String description() {
    return "Feast's feature server (Redis online store, precomputed values) next to slicestore's GetFeatures, same rates and batches";
  }

  @Override
  public Report run(BenchContext ctx) throws Exception {
    BenchContext.Options o = ctx.options();
    ServingLoad servingLoad = ServingLoad.of(o);
    double seconds = servingLoad.seconds();
    List<Double> rates = servingLoad.rates();
    int concurrency = servingLoad.concurrency();
    int workers = (int) o.size("feast.workers", ctx.machine().cores(), ctx.machine().cores());
    int checkSize = (int) o.size("feast.check", 200, 50);

    FeastPeer.requireInstalled(o.repoRoot()); // before minutes of retail ingest
    Path feastDir = ctx.freshDir("feast");
    RetailStore retail = ctx.retail();
    FeatureSet fs = retail.featureSet();
    List<String> entities = retail.entities();
    Instant t = Instant.ofEpochMilli(System.currentTimeMillis());

    FeatureServer server =
        new FeatureServer(
                Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()),
                Map.of(fs.name(), fs),
                ctx.redis(),
                List.of(),
                Clock.fixed(t, ZoneOffset.UTC))
            .start();
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .build();
    List<LoadPoint> points = new ArrayList<>();
    Report report =
        new Report(
            name(), "A peer's serving path: Feast with its Redis online store, next to slicestore");
    try (FeastPeer feast =
        new FeastPeer(
            o.repoRoot(),
            feastDir.resolve("repo"),
            fs.name(),
            featureNames(channel, fs),
            featureTypes(channel, fs))) {
      List<String> features = feast.features();
      String feastVersion = feast.version();

      // 1. What slicestore serves at t, for every customer with data: Feast's precomputed values.
      ctx.log()
          .println(
              "== feast: slicestore's values at t = "
                  + t
                  + " for "
                  + entities.size()
                  + " customers");
      long p0 = System.nanoTime();
      Map<String, List<Object>> served = servedValues(channel, fs, entities, features);
      double precomputeSeconds = (System.nanoTime() - p0) / 1e9;
      long nonEmpty =
          served.values().stream()
              .mapToLong(
                  v -> v.stream().filter(x -> x != null && !x.equals(0L) && !x.equals(0.0)).count())
              .sum();

      // 2. Feast: repository, apply, materialize, serve.
      ctx.log()
          .println(
              "== feast: Feast "
                  + feastVersion
                  + " repository in "
                  + feast.dir()
                  + ", apply, materialize");
      feast.writeRepository(served, t, ctx.redisServer().host(), ctx.redisServer().port());
      FeastPeer.Materialization m = feast.applyAndMaterialize(t);
      ctx.say(
          "feast apply %.1f s, feast materialize %.1f s: %,d rows, %,d Redis keys (database %d), %,d bytes",
          m.applySeconds(),
          m.materializeSeconds(),
          m.rows(),
          m.redisKeys(),
          FeastPeer.REDIS_DB,
          m.redisBytes());
      feast.serve(workers, Duration.ofMinutes(2));
      ctx.say(
          "feast serve on %s with %d worker process%s (log: %s)",
          feast.address(), workers, workers == 1 ? "" : "es", feast.dir().resolve("serve.log"));

      // 3. Correctness: Feast returns what slicestore served at t.
      List<String> sample = new ArrayList<>(entities);
      Collections.shuffle(sample, new Random(42));
      sample = sample.subList(0, Math.min(checkSize, sample.size()));
      long compared = compare(feast, served, sample, features);
      ctx.say(
          "correctness: %,d values of %,d customers equal in Feast and slicestore",
          compared, sample.size());

      // Response sizes of one request per batch size (the same entities for both).
      Map<Integer, int[]> responseBytes = new LinkedHashMap<>();
      FeatureServiceGrpc.FeatureServiceBlockingStub blocking =
          FeatureServiceGrpc.newBlockingStub(channel);
      for (int batch : BATCHES) {
        List<String> keys = draws(entities, batch).get(0);
        int proto =
            blocking
                .getFeatures(
                    GetFeaturesRequest.newBuilder()
                        .setFeatureSet(fs.name())
                        .addAllEntityKeys(keys)
                        .build())
                .getSerializedSize();
        responseBytes.put(batch, new int[] {proto, feast.responseBytes(keys)});
      }

      // 4. Latency, side by side: per batch and load, slicestore then Feast.
      FeatureServiceGrpc.FeatureServiceFutureStub stub = FeatureServiceGrpc.newFutureStub(channel);
      ctx.log().println("== feast: warm-up of both servers");
      double warmup = Math.min(5, seconds * 2);
      Map<String, IntFunction<CompletableFuture<?>>> probes = new LinkedHashMap<>();
      probes.put(SLICESTORE, slicestoreRequests(stub, fs, draws(entities, 1)));
      probes.put(FEAST, feast.requests(draws(entities, 1)));
      for (IntFunction<CompletableFuture<?>> probe : probes.values()) {
        LoadGenerator.fixedRate(probe, 500, warmup, 2_000);
      }
      Map<String, Double> longestDrain = new LinkedHashMap<>();
      for (int batch : BATCHES) {
        List<List<String>> draws = draws(entities, batch);
        Map<String, IntFunction<CompletableFuture<?>>> systems = new LinkedHashMap<>();
        systems.put(SLICESTORE, slicestoreRequests(stub, fs, draws));
        systems.put(FEAST, feast.requests(draws));
        for (double rate : rates) {
          for (Map.Entry<String, IntFunction<CompletableFuture<?>>> s : systems.entrySet()) {
            points.add(
                measure(
                    ctx,
                    s.getKey(),
                    batch,
                    String.format("%,.0f/s", rate),
                    () -> LoadGenerator.fixedRate(s.getValue(), rate, seconds, 2_000),
                    probes.get(s.getKey()),
                    longestDrain));
          }
        }
        for (Map.Entry<String, IntFunction<CompletableFuture<?>>> s : systems.entrySet()) {
          points.add(
              measure(
                  ctx,
                  s.getKey(),
                  batch,
                  "max (closed loop, " + concurrency + " in flight)",
                  () -> LoadGenerator.closedLoop(s.getValue(), concurrency, seconds),
                  probes.get(s.getKey()),
                  longestDrain));
        }
      }

      RetailStore.Memory slicestoreMemory = RetailStore.memory(ctx.redis(), fs);
      long workerTimeouts =
          Files.readAllLines(feast.dir().resolve("serve.log")).stream()
              .filter(l -> l.contains("WORKER TIMEOUT"))
              .count();
      report(
          ctx,
          report,
          retail,
          t,
          seconds,
          feastVersion,
          workers,
          m,
          precomputeSeconds,
          compared,
          sample.size(),
          nonEmpty,
          responseBytes,
          slicestoreMemory,
          points,
          concurrency,
          longestDrain,
          workerTimeouts);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.stop();
    }
    return report;
  }

  private static void report(
      BenchContext ctx,
      Report report,
      RetailStore retail,
      Instant t,
      double seconds,
      String feastVersion,
      int workers,
      FeastPeer.Materialization m,
      double precomputeSeconds,
      long compared,
      int sampled,
      long nonEmpty,
      Map<Integer, int[]> responseBytes,
      RetailStore.Memory slicestoreMemory,
      List<LoadPoint> points,
      int concurrency,
      Map<String, Double> longestDrain,
      long workerTimeouts)
      throws Exception {
    FeatureSet fs = retail.featureSet();
    Benchmark.header(
        report,
        ctx,
        String.format(
            "the retail online store of the serving benchmark (the UCI Online Retail CSV"
                + " replayed with rebased times, %,d events in Redis for %,d customers%s); every feature of `retail` (%d features), for every"
                + " customer with data, as slicestore served them at t = %s, precomputed into Feast; requests draw customers uniformly"
                + " (seed 42, the same draws for both systems); %s s per point after a warm-up",
            retail.applied(),
            retail.entities().size(),
            retail.after() != null ? ", compacted by the serving benchmark" : "",
            fs.features().size(),
            t,
            fmt(seconds)));
    report.paragraph(
        String.format(
            "- slicestore: the real `FeatureServer` (gRPC on Netty, loopback) in the benchmark's JVM, its clock"
                + " fixed at t; per entity it reads the slice index, then the non-empty slices it lists in the longest window ("
                + slices(fs)
                + "), and merges the windows per request\n"
                + "- Feast %s (PyPI, `.venv-feast`): its Python feature server (`feast serve`: gunicorn with %d uvicorn worker process%s,"
                + " `--no-access-log`, `--max-requests 0` so no worker restarts during a measurement), HTTP/1.1 + JSON on loopback, driven by"
                + " `java.net.http.HttpClient` from the same JVM; its Redis online store is database %d of the same `redis-server`"
                + " (slicestore's keys are in database 0); a non-200 answer or none within 10 s counts as failed",
            feastVersion,
            workers,
            workers == 1 ? "" : "es",
            FeastPeer.REDIS_DB));

    report.heading("Precompute, materialize, check");
    report.table(
        List.of("step", ">rows", ">seconds", ">rows/s", "detail"),
        List.of(
            List.of(
                "slicestore GetFeatures at t (batches of 100)",
                fmtInt(m.rows()),
                fmt(precomputeSeconds),
                fmtInt(m.rows() / precomputeSeconds),
                "the values to precompute"),
            List.of(
                "`feast apply`",
                "–",
                fmt(m.applySeconds()),
                "–",
                "registry file, Redis online store, Python start-up included"),
            List.of(
                "`feast materialize`",
                fmtInt(m.rows()),
                fmt(m.materializeSeconds()),
                fmtInt(m.rows() / m.materializeSeconds()),
                String.format(
                    "Parquet offline source (%,d bytes) → Redis: %,d hashes, %,d bytes (MEMORY USAGE), %.0f bytes per customer",
                    m.parquetBytes(),
                    m.redisKeys(),
                    m.redisBytes(),
                    (double) m.redisBytes() / Math.max(1, m.redisKeys())))));
    report.paragraph(
        String.format(
            "**Correctness**: for %,d customers drawn with seed 42, every one of the %,d values Feast returned"
                + " equals what slicestore served at t (longs equal, doubles bit for bit, nulls where both are null); %,d of all %,d"
                + " precomputed values are non-zero. The benchmark fails when any differs. For comparison, slicestore's slices of the same"
                + " customers take %,d bytes in %,d hashes and %,d slice indices (MEMORY USAGE): what it computes the windows from.",
            sampled,
            compared,
            nonEmpty,
            m.rows() * fs.features().size(),
            slicestoreMemory.bytes() + slicestoreMemory.indexBytes(),
            slicestoreMemory.hashes(),
            slicestoreMemory.indexKeys()));

    List<List<String>> rows = new ArrayList<>();
    Map<String, LoadPoint> bySystem = new LinkedHashMap<>();
    for (LoadPoint p : points) {
      bySystem.put(p.group() + "|" + p.entities() + "|" + p.load(), p);
    }
    for (LoadPoint s : points) {
      if (!s.group().equals(SLICESTORE)) {
        continue;
      }
      LoadPoint f = bySystem.get(FEAST + "|" + s.entities() + "|" + s.load());
      List<String> row = new ArrayList<>(List.of(String.valueOf(s.entities()), s.load()));
      row.addAll(cells(s));
      row.addAll(cells(f));
      row.add(ratio(f, s, LoadPoint::p50));
      row.add(ratio(f, s, LoadPoint::p99));
      rows.add(row);
    }
    report.heading("Latency side by side: every retail feature, per request");
    report.table(
        List.of(
            ">entities/request",
            "offered load",
            ">slicestore req/s",
            ">slicestore p50 ms",
            ">slicestore p99 ms",
            ">slicestore p99.9 ms",
            ">Feast req/s",
            ">Feast p50 ms",
            ">Feast p99 ms",
            ">Feast p99.9 ms",
            ">Feast ÷ slicestore p50",
            ">Feast ÷ slicestore p99"),
        rows);
    report.paragraph(
        "Latency is measured from each request's *intended* start (open loop at a fixed rate), so queueing behind a"
            + " stall counts (no coordinated omission). The closed-loop rows measure throughput; their latencies are service times at"
            + " that load. \"not sustained\": the generator fell more than 100 ms behind schedule; \"failed\": an error, a non-200"
            + " answer or no answer within 10 s. Ratios above 1: slicestore is faster; below 1: Feast is. After each point the"
            + " measured server drains what an overload left queued before the next point starts (probes of one entity until two in a"
            + " row answer within "
            + SETTLED_MILLIS
            + " ms; longest wait: "
            + drains(longestDrain)
            + "), so a backlog does not spill"
            + " into the next point or steal the other system's CPU."
            + (workerTimeouts > 0
                ? String.format(
                    " Feast's gunicorn killed and restarted an overloaded worker %d time%s (`WORKER TIMEOUT`,"
                        + " its default 30 s; `serve.log`).",
                    workerTimeouts, workerTimeouts == 1 ? "" : "s")
                : ""));
    StringBuilder sizes = new StringBuilder();
    for (Map.Entry<Integer, int[]> e : responseBytes.entrySet()) {
      sizes.append(
          String.format(
              "%s%d entit%s: %,d bytes of protobuf vs %,d of JSON",
              sizes.length() == 0 ? "" : "; ",
              e.getKey(),
              e.getKey() == 1 ? "y" : "ies",
              e.getValue()[0],
              e.getValue()[1]));
    }
    report.paragraph(
        "**What differs.** Feast reads *finished* values: one Redis hash per entity (`HMGET` of the feature view's"
            + " fields) holding the 20 values computed beforehand, here precomputed at one t — keeping them fresh would take a"
            + " recomputation and a materialization per change (or a stream job pushing them), which this benchmark does not"
            + " measure. slicestore computes the windows at request time: it reads the entity's slice index and the non-empty slices"
            + " of its longest window, and merges them, so its values are exact at the moment of the request with no job upstream. The transports differ too:"
            + " gRPC/protobuf over one HTTP/2 connection against HTTP/1.1 + JSON (one connection per request in flight) — answer sizes: "
            + sizes
            + ". Feast's server is Python (one GIL per worker process: "
            + workers
            + " here, one per core; `--set"
            + " feast.workers=N` to change it), slicestore's is one multi-threaded JVM; both share the machine's cores with the load"
            + " generator and Redis.");

    List<String> categories = new ArrayList<>();
    Map<String, List<Double>> series = new LinkedHashMap<>();
    for (String system : List.of(SLICESTORE, FEAST)) {
      series.put(system + " p50", new ArrayList<>());
      series.put(system + " p99", new ArrayList<>());
    }
    for (LoadPoint s : points) {
      if (!s.group().equals(SLICESTORE)) {
        continue;
      }
      categories.add(
          s.entities()
              + " × "
              + s.load().replace(" (closed loop, " + concurrency + " in flight)", ""));
      for (String system : List.of(SLICESTORE, FEAST)) {
        LoadPoint p = bySystem.get(system + "|" + s.entities() + "|" + s.load());
        boolean none = p == null || p.achieved() == 0;
        series.get(system + " p50").add(none ? Double.NaN : p.p50());
        series.get(system + " p99").add(none ? Double.NaN : p.p99());
      }
    }
    Path png =
        Charts.pairedCategoryLines(
            ctx.options().outDir().resolve("feast-latency.png"),
            "slicestore GetFeatures vs Feast get-online-features, every retail feature (log scale)",
            "entities per request × offered load (\"max\": closed loop, "
                + concurrency
                + " in flight)",
            "latency (ms)",
            categories,
            series);
    report.chart(png, "slicestore and Feast latency");
  }

  /**
   * @return e.g. "720 slices of 1h for 30d"
   */
  private static String slices(FeatureSet fs) {
    long longest = fs.features().stream().mapToLong(f -> f.windowMillis()).max().orElse(0);
    return String.format(
        "%,d slices of %s for %s",
        longest / fs.sliceMillis(), duration(fs.sliceMillis()), duration(longest));
  }

  private static String duration(long millis) {
    Duration d = Duration.ofMillis(millis);
    return d.toMillis() % 86_400_000L == 0
        ? d.toDays() + "d"
        : d.toMillis() % 3_600_000L == 0 ? d.toHours() + "h" : d.toMinutes() + "min";
  }

  private static List<String> cells(LoadPoint p) {
    if (p == null) {
      return List.of("–", "–", "–", "–");
    }
    boolean none = p.achieved() == 0;
    String notes =
        (p.behind() ? "not sustained" : "")
            + (p.failed() > 0
                ? (p.behind() ? ", " : "") + String.format("%,d failed", p.failed())
                : "");
    return List.of(
        String.format("%,.0f", p.achieved()) + (notes.isEmpty() ? "" : " (" + notes + ")"),
        none ? "–" : ms(p.p50()),
        none ? "–" : ms(p.p99()),
        none ? "–" : ms(p.p999()));
  }

  private static String ratio(
      LoadPoint feast, LoadPoint slicestore, java.util.function.ToDoubleFunction<LoadPoint> f) {
    if (feast == null
        || feast.achieved() == 0
        || slicestore.achieved() == 0
        || f.applyAsDouble(slicestore) <= 0) {
      return "–";
    }
    double r = f.applyAsDouble(feast) / f.applyAsDouble(slicestore);
    return r >= 10 ? String.format("%,.0f×", r) : String.format("%.2f×", r);
  }

  /**
   * The entities of each request, as {@link ServingBenchmark} draws them: 1,024 requests of {@code
   * batch} customers drawn uniformly with seed 42 (request {@code i} uses draw {@code i mod 1024}).
   *
   * @param entities the customers with data (not empty)
   * @param batch entities per request (&gt; 0)
   * @return 1,024 lists of {@code batch} entity keys
   */
  static List<List<String>> draws(List<String> entities, int batch) {
    Random rnd = new Random(42);
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      List<String> keys = new ArrayList<>(batch);
      for (int e = 0; e < batch; e++) {
        keys.add(entities.get(rnd.nextInt(entities.size())));
      }
      out.add(List.copyOf(keys));
    }
    return out;
  }

  /**
   * @return request number i → a GetFeatures call (every feature, 10 s deadline) for {@code
   *     draws.get(i mod size)}
   */
  private static IntFunction<CompletableFuture<?>> slicestoreRequests(
      FeatureServiceGrpc.FeatureServiceFutureStub stub, FeatureSet fs, List<List<String>> draws) {
    List<GetFeaturesRequest> pool = new ArrayList<>();
    for (List<String> d : draws) {
      pool.add(
          GetFeaturesRequest.newBuilder().setFeatureSet(fs.name()).addAllEntityKeys(d).build());
    }
    return i -> ServingBenchmark.getFeaturesAsync(stub, pool.get(Math.floorMod(i, pool.size())));
  }

  private static FeatureSetInfo info(ManagedChannel channel, FeatureSet fs) {
    return FeatureServiceGrpc.newBlockingStub(channel)
        .listFeatureSets(ListFeatureSetsRequest.getDefaultInstance())
        .getFeatureSetsList()
        .stream()
        .filter(i -> i.getName().equals(fs.name()))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("The server does not serve " + fs.name()));
  }

  private static List<String> featureNames(ManagedChannel channel, FeatureSet fs) {
    return info(channel, fs).getFeaturesList().stream().map(FeatureInfo::getName).toList();
  }

  private static Map<String, String> featureTypes(ManagedChannel channel, FeatureSet fs) {
    Map<String, String> types = new LinkedHashMap<>();
    for (FeatureInfo f : info(channel, fs).getFeaturesList()) {
      types.put(f.getName(), f.getValueType());
    }
    return types;
  }

  /**
   * @return per entity, its values in {@code features} order as slicestore serves them (Long,
   *     Double or null)
   */
  private static Map<String, List<Object>> servedValues(
      ManagedChannel channel, FeatureSet fs, List<String> entities, List<String> features) {
    FeatureServiceGrpc.FeatureServiceBlockingStub stub =
        FeatureServiceGrpc.newBlockingStub(channel);
    Map<String, List<Object>> out = new LinkedHashMap<>();
    for (int from = 0; from < entities.size(); from += 100) {
      GetFeaturesResponse r =
          stub.withDeadlineAfter(60, TimeUnit.SECONDS)
              .getFeatures(
                  GetFeaturesRequest.newBuilder()
                      .setFeatureSet(fs.name())
                      .addAllEntityKeys(
                          entities.subList(from, Math.min(from + 100, entities.size())))
                      .addAllFeatures(features)
                      .build());
      for (EntityFeatures e : r.getEntitiesList()) {
        if (!e.getError().isEmpty()) {
          throw new IllegalStateException(
              "slicestore could not evaluate " + e.getEntityKey() + ": " + e.getError());
        }
        List<Object> values = new ArrayList<>();
        for (Value v : e.getValuesList()) {
          values.add(
              switch (v.getKindCase()) {
                case INT64_VALUE -> v.getInt64Value();
                case DOUBLE_VALUE -> v.getDoubleValue();
                case KIND_NOT_SET -> null;
                default ->
                    throw new IllegalStateException(
                        "Unexpected value kind " + v.getKindCase() + " for " + e.getEntityKey());
              });
        }
        out.put(e.getEntityKey(), values);
      }
    }
    return out;
  }

  /**
   * Compares what Feast returns for {@code sample} with what slicestore served.
   *
   * @return the number of values compared
   * @throws IllegalStateException listing the first differences if any value differs
   */
  private static long compare(
      FeastPeer feast, Map<String, List<Object>> served, List<String> sample, List<String> features)
      throws Exception {
    long compared = 0;
    List<String> differences = new ArrayList<>();
    long differing = 0;
    for (int from = 0; from < sample.size(); from += 50) {
      List<String> keys = sample.subList(from, Math.min(from + 50, sample.size()));
      Map<String, List<Object>> got = feast.getOnlineFeatures(keys);
      for (String key : keys) {
        List<Object> want = served.get(key);
        List<Object> have = got.get(key);
        for (int i = 0; i < features.size(); i++) {
          compared++;
          if (!Objects.equals(want.get(i), have.get(i))) { // Double.equals: bit for bit
            differing++;
            if (differences.size() < 10) {
              differences.add(
                  String.format(
                      "customer %s, %s: slicestore %s, Feast %s",
                      key, features.get(i), want.get(i), have.get(i)));
            }
          }
        }
      }
    }
    if (differing > 0) {
      throw new IllegalStateException(
          differing
              + " of "
              + compared
              + " values differ between Feast and slicestore, e.g.\n  "
              + String.join("\n  ", differences));
    }
    return compared;
  }

  /** A probe answering within this many ms (twice in a row) means the server is idle again. */
  static final long SETTLED_MILLIS = 50;

  /** The longest wait for a server to drain, s. */
  static final long SETTLE_LIMIT_SECONDS = 120;

  /**
   * Waits until the server behind {@code probe} has drained what earlier load left queued: one
   * request at a time until two in a row complete within {@link #SETTLED_MILLIS}.
   *
   * @param probe sends one small request
   * @return seconds waited, or -1 if the server was still busy after {@link #SETTLE_LIMIT_SECONDS}
   */
  static double settle(IntFunction<CompletableFuture<?>> probe) throws InterruptedException {
    long start = System.nanoTime();
    int fast = 0;
    for (int i = 0; fast < 2; i++) {
      if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(SETTLE_LIMIT_SECONDS)) {
        return -1;
      }
      long t0 = System.nanoTime();
      boolean ok;
      try {
        probe.apply(i).get(30, TimeUnit.SECONDS);
        ok = true;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        ok = false;
      }
      fast =
          ok && System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(SETTLED_MILLIS)
              ? fast + 1
              : 0;
      if (fast == 0) {
        Thread.sleep(200);
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static String drains(Map<String, Double> longest) {
    List<String> parts = new ArrayList<>();
    longest.forEach(
        (system, s) ->
            parts.add(
                system
                    + " "
                    + (s.isInfinite()
                        ? "not drained within " + SETTLE_LIMIT_SECONDS + " s"
                        : String.format("%.1f s", s))));
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  private interface Measurement {
    LoadGenerator.Result run() throws Exception;
  }

  private static LoadPoint measure(
      BenchContext ctx,
      String system,
      int batch,
      String load,
      Measurement m,
      IntFunction<CompletableFuture<?>> probe,
      Map<String, Double> longestDrain)
      throws Exception {
    List<LoadGenerator.Result> results = new ArrayList<>();
    for (int r = 0; r < ctx.options().runs(); r++) {
      results.add(m.run());
      double drained = settle(probe);
      longestDrain.merge(system, drained < 0 ? Double.POSITIVE_INFINITY : drained, Math::max);
      if (drained < 0 || drained > 1) {
        ctx.say(
            "%s drained its backlog %s",
            system,
            drained < 0
                ? "NOT within " + SETTLE_LIMIT_SECONDS + " s"
                : String.format("in %.1f s", drained));
      }
    }
    LoadPoint p = LoadPoint.median(system, batch, load, results);
    ctx.say("%s", p.describe());
    return p;
  }

  private static String ms(double v) {
    return v < 10 ? String.format("%.2f", v) : String.format("%,.0f", v);
  }

  private static String fmt(double v) {
    return v < 10 ? String.format("%.2f", v) : String.format("%,.1f", v);
  }

  private static String fmtInt(double v) {
    return String.format("%,.0f", v);
  }
}
