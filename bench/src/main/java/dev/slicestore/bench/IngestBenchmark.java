package dev.slicestore.bench;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.ingest.OnlineIngest;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.quickstart.replay.ReplayResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * Ingest throughput and write amplification, slicestore against Spark's own sliding windows, with
 * 1, 2, 4 and 8 windows, on the same Kafka topics in the same run:
 *
 * <ul>
 *   <li><b>slicestore</b>: online-ingest (micro-batch, fresh checkpoint, same {@code
 *       maxOffsetsPerTrigger}) until it has caught up; records read per second of wall-clock time
 *       (query start included); Redis commands per event applied ({@code INFO commandstats} after
 *       {@code CONFIG RESETSTAT}), bytes sent to Redis per event ({@code total_net_input_bytes})
 *       and Redis memory per event ({@code MEMORY USAGE});
 *   <li><b>Spark</b>: {@link SparkSlidingWindows}, one query per window length, run one after the
 *       other; records read per second of their summed time, state rows written per event ({@code
 *       numRowsUpdated}), state bytes on disk per event.
 * </ul>
 *
 * Data: the retail topic of {@link RetailStore} (the UCI CSV, rebased) and {@code ingest.generated}
 * generated retail-like events (seed 42; 10 million in full mode). The feature sets are {@code
 * retail.conf} with the first k of the windows 1h, 1d, 7d, 30d, 3h, 12h, 3d, 14d and an allowed
 * lateness of 400 days, so that slicestore writes every customer event of the year, as Spark
 * aggregates every one (with the default 1 h lateness, online-ingest would drop the events older
 * than 30 days as too late and do less work than Spark).
 */
public final class IngestBenchmark implements Benchmark {
  /** Window lengths in the order they are added: k windows are the first k. */
  static final List<String> WINDOW_LADDER =
      List.of("1h", "1d", "7d", "30d", "3h", "12h", "3d", "14d");

  /** The target: slicestore at least this many times Spark's events/s with 4 windows. */
  static final double TARGET_RATIO_AT_4 = 10;

  /**
   * {@code calls=N} in an {@code INFO commandstats} line (not {@code rejected_calls} / {@code
   * failed_calls}).
   */
  private static final java.util.regex.Pattern CALLS =
      java.util.regex.Pattern.compile("[:,]calls=(\\d+)");

  @Override
  public String name() {
    return "ingest";
  }

  @Override
  public String description() {
    return "events/s Kafka → Redis with 1/2/4/8 windows, against Spark's sliding-window aggregation (state store)";
  }

  /** One slicestore run. */
  record Ours(
      long read,
      long applied,
      double seconds,
      long commands,
      long hsets,
      long netInputBytes,
      long memoryBytes) {
    double eventsPerSecond() {
      return read / seconds;
    }
  }

  /** One Spark run of k queries. */
  record Theirs(List<SparkSlidingWindows.QueryRun> queries) {
    double seconds() {
      return queries.stream().mapToDouble(SparkSlidingWindows.QueryRun::seconds).sum();
    }

    /** records per second: each query reads every record; a timed-out query counts what it read */
    double eventsPerSecond() {
      double perQuery =
          queries.stream().mapToDouble(q -> q.seconds() / Math.max(1, q.inputRows())).sum();
      return 1 / perQuery;
    }

    /**
     * state rows written per event for the whole feature set: Σ over queries of each query's rows /
     * its records read
     */
    double stateRowsPerEvent() {
      return queries.stream()
          .mapToDouble(q -> q.stateRowsUpdated() / (double) Math.max(1, q.inputRows()))
          .sum();
    }

    /**
     * state bytes on disk per event for the whole feature set, summed over queries as {@link
     * #stateRowsPerEvent}
     */
    double stateDiskBytesPerEvent() {
      return queries.stream()
          .mapToDouble(q -> q.stateDiskBytes() / (double) Math.max(1, q.inputRows()))
          .sum();
    }

    boolean timedOut() {
      return queries.stream().anyMatch(SparkSlidingWindows.QueryRun::timedOut);
    }
  }

  /** One (data set, k) comparison, all runs. */
  record Row(String data, int windows, List<Ours> ours, List<Theirs> theirs) {}

  @Override
  public Report run(BenchContext ctx) throws Exception {
    BenchContext.Options o = ctx.options();
    List<Integer> ks = new ArrayList<>();
    for (String k :
        o.overrides().getOrDefault("ingest.windows", o.smoke() ? "1,2" : "1,2,4,8").split(",")) {
      ks.add(Integer.parseInt(k.trim()));
    }
    int runs = (int) o.size("ingest.runs", o.runs(), o.runs());
    long generated = o.size("ingest.generated", 10_000_000, 2_000);
    double sparkTimeout = o.size("ingest.spark-timeout-s", 900, 120);
    long maxOffsets = o.size("ingest.max-offsets-per-trigger", 200_000, 200_000);
    List<String> datasets =
        List.of(o.overrides().getOrDefault("ingest.datasets", "retail,generated").split(","));
    String baseConf =
        Files.readString(
            o.repoRoot().resolve("conf/feature-sets/retail.conf"), StandardCharsets.UTF_8);

    Map<String, String> topics = new LinkedHashMap<>();
    Map<String, Long> records = new LinkedHashMap<>();
    if (datasets.contains("retail")) {
      RetailStore retail = ctx.retail();
      topics.put("retail", retail.featureSet().topics().get(0));
      records.put("retail", retail.replay().rowsSent());
    }
    if (generated > 0 && datasets.contains("generated")) {
      String topic = "bench-generated";
      ReplayResult r = ctx.replay(ctx.generatedEvents(generated), topic);
      topics.put("generated", topic);
      records.put("generated", r.rowsSent());
    }
    ctx.kafka().createTopic("bench-ingest-dlq", 2);

    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, String> data : topics.entrySet()) {
      for (int k : ks) {
        FeatureSet fs = featureSet(baseConf, data.getValue(), k);
        List<Ours> ours = new ArrayList<>();
        List<Theirs> theirs = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
          ours.add(runOurs(ctx, fs, maxOffsets));
          Ours last = ours.get(ours.size() - 1);
          ctx.say(
              "slicestore, %s, %d windows, run %d: %,d records in %.1f s = %,.0f events/s; %.2f Redis commands/event applied",
              data.getKey(),
              k,
              run + 1,
              last.read(),
              last.seconds(),
              last.eventsPerSecond(),
              last.commands() / (double) Math.max(1, last.applied()));
          List<SparkSlidingWindows.QueryRun> queries = new ArrayList<>();
          for (int w = 0; w < k; w++) {
            long windowMillis = windowMillis(WINDOW_LADDER.get(w));
            // a new directory per query: a stopped query's state maintenance may still be writing
            // into its own
            Path cp =
                ctx.freshDir(
                    "checkpoints/spark-sliding/"
                        + data.getKey()
                        + "-"
                        + k
                        + "w-run"
                        + run
                        + "-"
                        + WINDOW_LADDER.get(w));
            SparkSlidingWindows.QueryRun q =
                SparkSlidingWindows.run(
                    ctx.spark(),
                    ctx.kafka().bootstrapServers(),
                    data.getValue(),
                    fs,
                    windowMillis,
                    maxOffsets,
                    cp,
                    sparkTimeout);
            ctx.say(
                "Spark sliding window %s, %s: %,d records in %.1f s (%,.0f events/s), %,d state rows written%s",
                WINDOW_LADDER.get(w),
                data.getKey(),
                q.inputRows(),
                q.seconds(),
                q.inputRows() / q.seconds(),
                q.stateRowsUpdated(),
                q.timedOut() ? " (TIMED OUT)" : "");
            queries.add(q);
          }
          theirs.add(new Theirs(queries));
        }
        rows.add(new Row(data.getKey(), k, ours, theirs));
      }
    }
    return report(ctx, rows, records, generated, sparkTimeout, maxOffsets, runs);
  }

  /**
   * @return the length of a ladder window such as {@code 3h} or {@code 7d}, ms
   */
  static long windowMillis(String w) {
    long n = Long.parseLong(w.substring(0, w.length() - 1));
    return switch (w.charAt(w.length() - 1)) {
      case 'h' -> n * 3_600_000L;
      case 'd' -> n * 86_400_000L;
      default ->
          throw new IllegalArgumentException("Invalid window " + w + " (must end in h or d)");
    };
  }

  private static FeatureSet featureSet(String baseConf, String topic, int k) {
    String windows = String.join(", ", WINDOW_LADDER.subList(0, k));
    String conf =
        baseConf
            + "\n# bench overrides\nname = ingest_"
            + k
            + "w\nwindows = ["
            + windows
            + "]\nallowed-lateness = 400d\n"
            + "source.topics = [\""
            + topic
            + "\"]\nsource.dead-letter-topic = \"bench-ingest-dlq\"\n";
    return FeatureSetLoader.parse(
        conf, "retail.conf (bench: " + k + " windows, topic " + topic + ")");
  }

  private static Ours runOurs(BenchContext ctx, FeatureSet fs, long maxOffsets) throws Exception {
    UnifiedJedis redis = ctx.redis();
    String prefix = new OnlineLayout(fs).keyPrefix() + "*";
    BenchContext.deleteKeys(redis, prefix);
    BenchContext.deleteKeys(redis, new OnlineLayout(fs).indexKeyPrefix() + "*");
    AppConfig app = ctx.app().with("slicestore.ingest.max-offsets-per-trigger", maxOffsets);
    Path checkpoint = ctx.freshDir("checkpoints/ingest-bench");
    redis.executeCommand(new CommandArguments(Protocol.Command.CONFIG).add("RESETSTAT"));
    long netBefore = infoLong(redis.info("stats"), "total_net_input_bytes");
    long start = System.nanoTime();
    RunningIngest ingest =
        OnlineIngest.start(ctx.spark(), app, fs, checkpoint.toAbsolutePath().toString());
    try {
      ingest.processAllAvailable();
    } finally {
      ingest.stop();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String stats = redis.info("commandstats");
    long netAfter = infoLong(redis.info("stats"), "total_net_input_bytes");
    long commands = 0;
    long hsets = 0;
    for (String line : stats.split("\r?\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String name = line.substring("cmdstat_".length(), line.indexOf(':'));
      java.util.regex.Matcher m = CALLS.matcher(line);
      long calls = m.find() ? Long.parseLong(m.group(1)) : 0;
      if (name.equals("config") || name.equals("info")) {
        continue; // the benchmark's own
      }
      commands += calls;
      if (name.equals("hset")) {
        hsets = calls;
      }
    }
    RetailStore.Memory mem = RetailStore.memory(redis, fs);
    long memory = mem.bytes() + mem.indexBytes();
    BenchContext.deleteKeys(redis, prefix);
    BenchContext.deleteKeys(redis, new OnlineLayout(fs).indexKeyPrefix() + "*");
    return new Ours(
        ingest.metrics().read(),
        ingest.metrics().applied(),
        seconds,
        commands,
        hsets,
        netAfter - netBefore,
        memory);
  }

  private static long infoLong(String info, String key) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.substring(key.length() + 1).trim());
      }
    }
    return 0;
  }

  private Report report(
      BenchContext ctx,
      List<Row> rows,
      Map<String, Long> records,
      long generated,
      double sparkTimeout,
      long maxOffsets,
      int runs)
      throws Exception {
    BenchContext.Options o = ctx.options();
    Report report =
        new Report(
            name(),
            "Ingest throughput and write amplification: slicestore vs Spark sliding windows");
    Benchmark.header(
        report,
        ctx,
        String.format(
            "%s%s; feature set"
                + " `retail.conf` (count, sum, mean, max, min of `amount` per customer) with the first k of the windows %s, slice and slide"
                + " 1 h, allowed lateness 400 d (every customer event of the year is written); maxOffsetsPerTrigger %,d for both; Spark"
                + " local[2], 2 shuffle partitions, HDFS-backed state store, each Spark query limited to %.0f s",
            records.containsKey("retail")
                ? String.format(
                    "the UCI Online Retail CSV replayed with rebased times (%,d records)",
                    records.get("retail"))
                : "",
            records.containsKey("generated")
                ? String.format(
                    "%s%,d generated retail-like events (seed 42, 2,000 customers, 35 days)",
                    records.containsKey("retail") ? " and " : "", records.get("generated"))
                : "",
            String.join(", ", WINDOW_LADDER),
            maxOffsets,
            sparkTimeout),
        runs);
    List<List<String>> table = new ArrayList<>();
    Map<String, List<Double>> throughput = new LinkedHashMap<>();
    Map<String, List<Double>> amplification = new LinkedHashMap<>();
    List<Double> xs = new ArrayList<>();
    for (Row r : rows) {
      double ours = Stats.median(r.ours(), Ours::eventsPerSecond);
      double theirs = Stats.median(r.theirs(), Theirs::eventsPerSecond);
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < r.ours().size(); i++) {
        ratios.add(r.ours().get(i).eventsPerSecond() / r.theirs().get(i).eventsPerSecond());
      }
      double ratio = Stats.median(ratios, x -> x);
      double cmdPerEvent =
          Stats.median(r.ours(), x -> x.commands() / (double) Math.max(1, x.applied()));
      double hsetPerEvent =
          Stats.median(r.ours(), x -> x.hsets() / (double) Math.max(1, x.applied()));
      double netPerEvent =
          Stats.median(r.ours(), x -> x.netInputBytes() / (double) Math.max(1, x.applied()));
      double memPerEvent =
          Stats.median(r.ours(), x -> x.memoryBytes() / (double) Math.max(1, x.applied()));
      double stateRowsPerEvent = Stats.median(r.theirs(), Theirs::stateRowsPerEvent);
      double stateBytesPerEvent = Stats.median(r.theirs(), Theirs::stateDiskBytesPerEvent);
      boolean timedOut = r.theirs().stream().anyMatch(Theirs::timedOut);
      table.add(
          List.of(
              r.data(),
              String.valueOf(r.windows()),
              String.format("%,.0f", ours)
                  + (runs > 1
                      ? " (" + Stats.range(r.ours(), Ours::eventsPerSecond, "%,.0f") + ")"
                      : ""),
              String.format("%,.0f", theirs) + (timedOut ? " (partial: timed out)" : ""),
              String.format("%.1f×", ratio),
              String.format("%.2f (%.2f HSET)", cmdPerEvent, hsetPerEvent),
              String.format("%.0f", netPerEvent),
              String.format("%.0f", memPerEvent),
              String.format("%.1f", stateRowsPerEvent),
              String.format("%,.0f", stateBytesPerEvent)));
      throughput.computeIfAbsent("slicestore, " + r.data(), x -> new ArrayList<>()).add(ours);
      throughput
          .computeIfAbsent("Spark sliding windows, " + r.data(), x -> new ArrayList<>())
          .add(theirs);
      amplification
          .computeIfAbsent("slicestore Redis commands/event, " + r.data(), x -> new ArrayList<>())
          .add(cmdPerEvent);
      amplification
          .computeIfAbsent("Spark state rows written/event, " + r.data(), x -> new ArrayList<>())
          .add(stateRowsPerEvent);
      if (!xs.contains((double) r.windows())) {
        xs.add((double) r.windows());
      }
    }
    report.table(
        List.of(
            "data",
            ">windows",
            ">slicestore events/s",
            ">Spark events/s",
            ">ratio",
            ">Redis commands/event",
            ">bytes to Redis/event",
            ">Redis memory bytes/event",
            ">Spark state rows written/event",
            ">Spark state bytes on disk/event"),
        table);
    report.paragraph(
        "events/s: Kafka records read per second of wall-clock time, query start included, for the whole feature set"
            + " (Spark: the k queries' times added, each reading every record). The ratio is the median of per-run ratios. Redis"
            + " commands per event applied, from `INFO commandstats`: one HSET per event, plus, once per slice hash and task, the"
            + " PEXPIREAT of its expiry and the four commands of the entity's slice index (ZADD, PEXPIREAT NX and GT, ZREMRANGEBYSCORE);"
            + " bytes to Redis: `total_net_input_bytes`; Redis memory: `MEMORY USAGE` of the slice hashes and slice indices afterwards."
            + " Spark: state rows"
            + " written per event = Σ over the k queries of (Σ `numRowsUpdated` of the state operator over the query's progresses / its"
            + " records read); bytes on disk likewise from each checkpoint's state directory. Spark aggregates each micro-batch before"
            + " it writes the state store, so rows written per event fall as batches grow. \"partial: timed out\": a query reached its"
            + " time limit; its rate is what it read until then.");
    Row four = rows.stream().filter(r -> r.windows() == 4).findFirst().orElse(null);
    if (four != null) {
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < four.ours().size(); i++) {
        ratios.add(four.ours().get(i).eventsPerSecond() / four.theirs().get(i).eventsPerSecond());
      }
      double ratio = Stats.median(ratios, x -> x);
      report.paragraph(
          String.format(
              "Target: at least %.0f× Spark's sliding windows with 4 windows (%s data). Measured: %.1f× — %s.",
              TARGET_RATIO_AT_4,
              four.data(),
              ratio,
              ratio >= TARGET_RATIO_AT_4
                  ? "met"
                  : String.format("missed (%.1f× short)", TARGET_RATIO_AT_4 / ratio)));
    }
    if (!xs.isEmpty() && xs.size() == throughput.values().iterator().next().size()) {
      Path png =
          Charts.lines(
              o.outDir().resolve("ingest-throughput.png"),
              "Ingest throughput vs number of windows (log scale)",
              "windows",
              "events/s",
              xs,
              throughput,
              true);
      report.chart(png, "ingest throughput");
      Path amp =
          Charts.lines(
              o.outDir().resolve("ingest-write-amplification.png"),
              "Writes per event vs number of windows (log scale)",
              "windows",
              "writes per event",
              xs,
              amplification,
              true);
      report.chart(amp, "write amplification");
    }
    return report;
  }
}
