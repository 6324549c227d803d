package dev.slicestore.bench;

import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.compaction.CompactionResult;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.spark.OfflineLayout;
import dev.slicestore.training.TrainingSetRequest;
import dev.slicestore.training.TrainingSetResult;
import dev.slicestore.training.TrainingSets;
import dev.slicestore.training.UncoveredPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Point-in-time training sets: {@link TrainingSets#build} (slices table + events table, Two-Stacks
 * sweep) against a naive Spark SQL range join computing the same features — the spine joined to the
 * events table on the entity and the event-time window of the longest window ({@code slice_index >
 * sliceIndex(t) - W/s AND event_time < t}), one conditional aggregate per (aggregation, window),
 * grouped per spine row. Both read the same Iceberg tables and write Parquet. Two data sets ({@code
 * training.data}, default both): {@code retail}, the tables the retail compaction wrote ({@link
 * RetailStore#compact()}; ~40 events per customer per 30 days), with a spine of {@code
 * training.rows} rows (1,000,000 in full mode); and {@code dense}, {@code training.dense-events}
 * generated events (1,000,000: ~400 per customer per 30 days) compacted into their own tables, with
 * a spine of {@code training.dense-rows} rows (200,000). Spine rows are seeded entities with data
 * and times uniform in the last day of the compacted range (so every row's 30-day window is
 * covered). Results are compared row by row: counts, minima and maxima exactly; sums and means
 * within 1e-9 relative (Spark's double sum depends on the order it adds in; slicestore's is exact
 * and correctly rounded).
 */
public final class TrainingBenchmark implements Benchmark {
  /** The target: training sets at least this many times faster than the naive range join. */
  static final double TARGET_RATIO = 5;

  @Override
  public String name() {
    return "training";
  }

  @Override
  public String description() {
    return "spine rows/s of TrainingSets.build against a naive Spark SQL range join (same features, equality checked)";
  }

  record Run(double oursSeconds, double naiveSeconds, long mismatches, long rows) {}

  /**
   * One data set to build training sets on.
   *
   * @param data its name in the table ({@code retail} or {@code dense})
   * @param fs the feature set whose Iceberg tables hold it
   * @param compaction the compaction that wrote them
   * @param entities the entities with events, for the spine
   * @param rows spine rows
   * @param eventsPerEntity30d events in the compacted range per entity, scaled to 30 days
   */
  record Case(
      String data,
      FeatureSet fs,
      CompactionResult compaction,
      List<String> entities,
      long rows,
      double eventsPerEntity30d) {}

  /** The measured runs of one case. */
  record Measured(Case c, List<Run> runs) {}

  @Override
  public Report run(BenchContext ctx) throws Exception {
    BenchContext.Options o = ctx.options();
    int runs = (int) o.size("training.runs", o.runs(), o.runs());
    List<String> datasets =
        List.of(o.overrides().getOrDefault("training.data", "retail,dense").split(","));
    List<Case> cases = new ArrayList<>();
    if (datasets.contains("retail")) {
      RetailStore retail = ctx.retail();
      CompactionResult c = retail.compact();
      cases.add(
          new Case(
              "retail",
              retail.featureSet(),
              c,
              retail.entities(),
              o.size("training.rows", 1_000_000, 2_000),
              perEntity30d(c, retail.entities().size())));
    }
    if (datasets.contains("dense")) {
      cases.add(dense(ctx));
    }
    SparkSession spark = ctx.spark();
    List<Measured> measured = new ArrayList<>();
    for (Case k : cases) {
      Path dir = ctx.freshDir("training/" + k.data());
      Path spine = dir.resolve("spine.parquet");
      long to = k.compaction().toMillis();
      long from = to - 24 * 3_600_000L;
      writeSpine(spark, k.entities(), k.rows(), from, to, spine);
      ctx.say(
          "%s spine: %,d rows in %s, times in the last day of the compacted range",
          k.data(), k.rows(), spine);
      List<Run> results = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        results.add(runOnce(ctx, k, spine, dir, r));
      }
      measured.add(new Measured(k, results));
    }

    Report report =
        new Report(name(), "Training sets: TrainingSets.build vs a naive Spark SQL range join");
    StringBuilder data = new StringBuilder();
    for (Case k : cases) {
      data.append(data.length() == 0 ? "" : "; ")
          .append(
              String.format(
                  "**%s**: the Iceberg tables written by the compaction of the"
                      + " last 31 days of %s (%,d events, %,d (entity, hour) slices, %,d entities, %.0f events per entity per 30 days) and a spine of"
                      + " %,d rows",
                  k.data(),
                  k.data().equals("retail")
                      ? "the retail replay"
                      : "generated retail-like events (seed 42)",
                  k.compaction().acceptedInRange(),
                  k.compaction().slices(),
                  k.entities().size(),
                  k.eventsPerEntity30d(),
                  k.rows()));
    }
    Benchmark.header(
        report,
        ctx,
        data
            + "; spine entities seeded among those with data, times uniform in the last day of the range"
            + String.format(
                "; all %d retail features; Spark local[2]; output Parquet for both",
                cases.get(0).fs().features().size()),
        runs);
    List<List<String>> rows = new ArrayList<>();
    List<String> verdicts = new ArrayList<>();
    for (Measured m : measured) {
      double ours = Stats.median(m.runs(), x -> x.rows() / x.oursSeconds());
      double naive = Stats.median(m.runs(), x -> x.rows() / x.naiveSeconds());
      double ratio = Stats.median(m.runs(), x -> x.naiveSeconds() / x.oursSeconds());
      long mismatches = m.runs().stream().mapToLong(Run::mismatches).max().orElse(0);
      rows.add(
          List.of(
              m.c().data(),
              String.format("%.0f", m.c().eventsPerEntity30d()),
              String.format("%,d", m.c().rows()),
              String.format("%,.0f (%.1f s)", ours, Stats.median(m.runs(), Run::oursSeconds)),
              String.format("%,.0f (%.1f s)", naive, Stats.median(m.runs(), Run::naiveSeconds)),
              String.format("%.2f×", ratio),
              String.format("%,d", mismatches)));
      verdicts.add(
          String.format(
              "%s: target ≥ %.0f× the naive range join with identical values. Measured: %.2f× — %s; %s.",
              m.c().data(),
              TARGET_RATIO,
              ratio,
              ratio >= TARGET_RATIO
                  ? "met"
                  : String.format("missed (%.1f× short)", TARGET_RATIO / ratio),
              mismatches == 0
                  ? "every row equal (sums and means within 1e-9 relative)"
                  : mismatches + " rows differ"));
    }
    report.table(
        List.of(
            "data",
            ">events per entity per 30 d",
            ">spine rows",
            ">TrainingSets.build rows/s",
            ">naive range join rows/s",
            ">ratio",
            ">rows that differ"),
        rows);
    verdicts.forEach(report::paragraph);
    report.paragraph(
        "rows/s: spine rows per second of wall-clock time, reading the tables and writing Parquet included. The naive"
            + " join's work grows with the events each spine row's window holds; the sweep's with the records it sorts (spine rows +"
            + " events + slices), which is why the ratio depends on the data's density.");
    return report;
  }

  private static double perEntity30d(CompactionResult c, int entities) {
    double days = (c.toMillis() - c.fromMillis()) / 86_400_000.0;
    return c.acceptedInRange() / (double) Math.max(1, entities) * 30 / days;
  }

  private static Run runOnce(BenchContext ctx, Case k, Path spine, Path dir, int r)
      throws Exception {
    SparkSession spark = ctx.spark();
    FeatureSet fs = k.fs();
    Path ours = dir.resolve("ours-" + r);
    long t0 = System.nanoTime();
    TrainingSetResult result =
        TrainingSets.build(
            spark,
            ctx.app(),
            new TrainingSetRequest(
                List.of(fs),
                List.of(),
                spine.toString(),
                "parquet",
                fs.entityKeyColumn(),
                "ts",
                null,
                ours.toString(),
                "parquet",
                true,
                UncoveredPolicy.FAIL,
                OfflineLayout.DEFAULT_CATALOG,
                OfflineLayout.DEFAULT_NAMESPACE,
                null));
    double oursSeconds = (System.nanoTime() - t0) / 1e9;
    Path naive = dir.resolve("naive-" + r);
    t0 = System.nanoTime();
    naive(spark, fs, spine).write().mode(SaveMode.Overwrite).parquet(naive.toString());
    double naiveSeconds = (System.nanoTime() - t0) / 1e9;
    long mismatches = mismatches(spark, fs, ours, naive);
    ctx.say(
        "%s run %d: TrainingSets.build %.1f s (%,d rows written), naive range join %.1f s, %,d rows differ",
        k.data(), r + 1, oursSeconds, result.writtenRows(), naiveSeconds, mismatches);
    return new Run(oursSeconds, naiveSeconds, mismatches, result.writtenRows());
  }

  /**
   * The dense case: {@code training.dense-events} generated retail-like events (seed 42, 2,000
   * customers over 35 days ending now: ~400 per customer per 30 days, ten times retail's) sent to a
   * new topic and compacted (last 31 days) into the Iceberg tables of feature set {@code
   * training_dense} (retail.conf renamed).
   */
  private static Case dense(BenchContext ctx) throws Exception {
    BenchContext.Options o = ctx.options();
    long events = o.size("training.dense-events", 1_000_000, 5_000);
    long rows = o.size("training.dense-rows", 200_000, 1_000);
    String topic = "bench-training-dense-" + System.currentTimeMillis();
    String baseConf =
        Files.readString(
            o.repoRoot().resolve("conf/feature-sets/retail.conf"), StandardCharsets.UTF_8);
    FeatureSet fs =
        FeatureSetLoader.parse(
            baseConf
                + "\n# bench overrides\nname = training_dense\nsource.topics = [\""
                + topic
                + "\"]\nsource.dead-letter-topic = \""
                + topic
                + "-dlq\"\n",
            "retail.conf (bench: training_dense, topic " + topic + ")");
    ctx.kafka().createTopic(fs.deadLetterTopic(), 2);
    ctx.replay(ctx.generatedEvents(events), topic);
    SparkSession spark = ctx.spark();
    for (String table : List.of("_events", "_slices")) {
      spark.sql(
          "DROP TABLE IF EXISTS "
              + OfflineLayout.DEFAULT_CATALOG
              + "."
              + OfflineLayout.DEFAULT_NAMESPACE
              + "."
              + fs.name()
              + table
              + " PURGE");
    }
    long slice = fs.sliceMillis();
    long to = Math.floorDiv(System.currentTimeMillis() - fs.allowedLatenessMillis(), slice) * slice;
    long from = to - Duration.ofDays(31).toMillis();
    ctx.log()
        .println(
            "== training (dense): compacting the closed slices of the last 31 days of " + topic);
    long t0 = System.nanoTime();
    CompactionResult c =
        Compaction.run(spark, ctx.app(), fs, from, to, CompactionOptions.defaults());
    ctx.say("dense compaction in %.1f s: %s", (System.nanoTime() - t0) / 1e9, c.describe());
    List<String> entities =
        spark
            .sql("SELECT DISTINCT entity_key FROM " + c.eventsTable() + " ORDER BY entity_key")
            .collectAsList()
            .stream()
            .map(r -> r.getString(0))
            .toList();
    return new Case("dense", fs, c, entities, rows, perEntity30d(c, entities.size()));
  }

  private static void writeSpine(
      SparkSession spark, List<String> entities, long rows, long from, long to, Path out) {
    Random rnd = new Random(42);
    StringBuilder array = new StringBuilder("array(");
    for (int i = 0; i < entities.size(); i++) {
      array.append(i == 0 ? "'" : ", '").append(entities.get(i).replace("'", "")).append("'");
    }
    array.append(")");
    long seed = rnd.nextLong();
    spark
        .range(rows)
        .selectExpr(
            "id",
            "element_at("
                + array
                + ", CAST(pmod(xxhash64(id, "
                + seed
                + "), "
                + entities.size()
                + ") AS INT) + 1) AS CustomerID",
            "timestamp_millis("
                + from
                + " + pmod(xxhash64(id, "
                + (seed + 1)
                + "), "
                + (to - from)
                + ")) AS ts")
        .repartition(2)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(out.toString());
  }

  /**
   * The naive point-in-time features: a range join of the spine to the events table, aggregated per
   * spine row.
   */
  static Dataset<Row> naive(SparkSession spark, FeatureSet fs, Path spine) {
    spark.read().parquet(spine.toString()).createOrReplaceTempView("bench_spine");
    String events =
        OfflineLayout.DEFAULT_CATALOG
            + "."
            + OfflineLayout.DEFAULT_NAMESPACE
            + "."
            + fs.name()
            + "_events";
    long s = fs.sliceMillis();
    long longest = fs.longestWindowMillis() / s;
    StringBuilder select =
        new StringBuilder("SELECT s.id, first(s.CustomerID) AS CustomerID, first(s.ts) AS ts");
    for (Feature f : fs.features()) {
      Aggregation a = fs.aggregations().get(f.aggregationIndex());
      String cond =
          "e.slice_index > floor(unix_millis(s.ts) / " + s + ") - " + (f.windowMillis() / s);
      String in = a.inputColumn() == null ? "1" : "e." + a.inputColumn();
      String expr =
          switch (a.function().name()) {
            case "count" -> "COUNT(CASE WHEN " + cond + " THEN " + in + " END)";
            case "sum" -> "COALESCE(SUM(CASE WHEN " + cond + " THEN " + in + " END), 0)";
            case "mean" -> "AVG(CASE WHEN " + cond + " THEN " + in + " END)";
            case "max" -> "MAX(CASE WHEN " + cond + " THEN " + in + " END)";
            case "min" -> "MIN(CASE WHEN " + cond + " THEN " + in + " END)";
            default ->
                throw new IllegalArgumentException(
                    "Cannot compute "
                        + a.function().name()
                        + " naively (count, sum, mean, max, min only)");
          };
      select.append(",\n  ").append(expr).append(" AS ").append(f.name());
    }
    select
        .append("\nFROM bench_spine s LEFT JOIN ")
        .append(events)
        .append(" e\n  ON e.entity_key = s.CustomerID AND e.event_time < s.ts")
        .append(" AND e.slice_index > floor(unix_millis(s.ts) / ")
        .append(s)
        .append(") - ")
        .append(longest)
        .append("\nGROUP BY s.id");
    return spark.sql(select.toString());
  }

  /**
   * @return rows whose features differ between the two outputs (joined on the spine's id)
   */
  static long mismatches(SparkSession spark, FeatureSet fs, Path ours, Path naive) {
    spark.read().parquet(ours.toString()).createOrReplaceTempView("bench_ours");
    spark.read().parquet(naive.toString()).createOrReplaceTempView("bench_naive");
    StringBuilder differs = new StringBuilder("o.id IS NULL OR n.id IS NULL");
    for (Feature f : fs.features()) {
      String fn = fs.aggregations().get(f.aggregationIndex()).function().name();
      String a = "o." + f.name();
      String b = "n." + f.name();
      if (fn.equals("sum") || fn.equals("mean")) {
        differs
            .append(" OR NOT (")
            .append(a)
            .append(" <=> ")
            .append(b)
            .append(" OR abs(")
            .append(a)
            .append(" - ")
            .append(b)
            .append(") <= 1e-9 * greatest(abs(")
            .append(a)
            .append("), abs(")
            .append(b)
            .append("), 1))");
      } else {
        differs.append(" OR NOT (").append(a).append(" <=> ").append(b).append(")");
      }
    }
    return spark
        .sql(
            "SELECT count(*) FROM bench_ours o FULL OUTER JOIN bench_naive n ON o.id = n.id WHERE "
                + differs)
        .first()
        .getLong(0);
  }
}
