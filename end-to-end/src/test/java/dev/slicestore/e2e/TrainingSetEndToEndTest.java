package dev.slicestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.serving.InProcessFeatureServer;
import dev.slicestore.testkit.TestSpark;
import dev.slicestore.testkit.TestStack;
import dev.slicestore.training.TrainingSetRefusedException;
import dev.slicestore.training.TrainingSetRequest;
import dev.slicestore.training.TrainingSetResult;
import dev.slicestore.training.TrainingSets;
import dev.slicestore.training.UncoveredPolicy;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time training sets against a naive oracle over the raw events, on generated card
 * transactions (seeded) sent to a real Kafka broker, compacted by the real compaction job into a
 * real Iceberg catalog, read back by the training job on real Spark. Two feature sets over the same
 * topic (1-minute and 5-minute slices) are computed in one call. The spine holds the hard cases:
 * times exactly on slice boundaries, exactly at event times (those events are excluded), one
 * millisecond later, before any data, duplicate rows, entities without events, rows without entity
 * or time, and rows beyond what the offline store covers (refused, flagged or dropped). Session
 * features ({@code visit_*_session}: gaps of 1 to 3 minutes, events of sparse cards often further
 * apart) are checked against a naive session oracle, and, at times serving can answer from the
 * compacted entries compaction wrote to Redis, the in-process gRPC server (clock set to each spine
 * time) returns exactly the training set's values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainingSetEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MINUTE = 60_000;
  private static final String TOPIC = "card-tx-training";
  private static final String CATALOG = "training_e2e";

  record Event(String card, long time, double amount, String merchant) {}

  @TempDir static Path dir;
  TestStack stack;
  FeatureSet fsA;
  FeatureSet fsB;
  SparkSession spark;
  final long seed = Long.getLong("slicestore.seed", System.nanoTime());
  final Random rnd = new Random(seed);
  final List<Event> events = new ArrayList<>();
  long from;
  long to;

  /** Spine rows: row id, card (may be null), time (may be null). */
  final List<Object[]> spine = new ArrayList<>();

  long uncoveredRows;

  @BeforeAll
  void setUp() throws Exception {
    System.out.println(
        "TrainingSetEndToEndTest seed = " + seed + " (rerun with -Dslicestore.seed=" + seed + ")");
    stack = new TestStack(dir);
    fsA = FeatureSetFixtures.resource("cardtx-training");
    fsB = FeatureSetFixtures.resource("cardtx_b");
    stack.kafka.createTopic(TOPIC, 2);
    spark = TestSpark.session();
    spark.conf().set("spark.sql.session.timeZone", "UTC");
    long now = System.currentTimeMillis();
    sendEvents(now - 100 * MINUTE, now - 3 * MINUTE, 6_000);
    from = Math.floorDiv(now - 180 * MINUTE, 5 * MINUTE) * 5 * MINUTE;
    to = Math.floorDiv(now - 2 * MINUTE, 5 * MINUTE) * 5 * MINUTE;
    CompactionOptions options = CompactionOptions.defaults().withCatalog(CATALOG);
    System.out.println(Compaction.run(spark, stack.config, fsA, from, to, options).describe());
    System.out.println(Compaction.run(spark, stack.config, fsB, from, to, options).describe());
    buildSpine();
  }

  @AfterAll
  void tearDown() {
    if (stack != null) {
      stack.close();
    }
  }

  private void sendEvents(long lo, long hi, int n) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(KafkaEvents.producerConfig(stack.kafka.bootstrapServers()))) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // skewed: card-0 has about a third of the events
        String card =
            rnd.nextInt(3) == 0
                ? "card-0"
                : "card-" + (1 + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * 30));
        long time = lo + (long) (rnd.nextDouble() * (hi - lo));
        if (rnd.nextInt(8) == 0) {
          time = Math.floorDiv(time, MINUTE) * MINUTE; // exactly on a slice boundary
        } else if (rnd.nextInt(8) == 0 && !events.isEmpty()) {
          time = events.get(rnd.nextInt(events.size())).time(); // same time as another event
        }
        double amount = (rnd.nextInt(100_000) - (rnd.nextInt(20) == 0 ? 30_000 : 0)) / 100.0;
        String merchant = "m" + rnd.nextInt(50);
        events.add(new Event(card, time, amount, merchant));
        acks.add(producer.send(KafkaEvents.cardPayment(TOPIC, card, amount, time, merchant)));
      }
      for (Future<RecordMetadata> f : acks) {
        f.get();
      }
    }
  }

  private void buildSpine() {
    long firstCovered =
        from + 59 * MINUTE; // the 1h window of cardtx needs its 59 previous 1-minute slices
    long id = 0;
    for (int i = 0; i < 2_500; i++) {
      String card =
          rnd.nextInt(15) == 0
              ? "card-unknown-" + rnd.nextInt(3)
              : rnd.nextInt(3) == 0 ? "card-0" : "card-" + rnd.nextInt(31);
      long t = firstCovered + (long) (rnd.nextDouble() * (to - firstCovered));
      switch (rnd.nextInt(8)) {
        case 0 -> t = Math.floorDiv(t, MINUTE) * MINUTE; // on a 1m boundary
        case 1 -> t = Math.floorDiv(t, 5 * MINUTE) * 5 * MINUTE; // on a 5m boundary
        case 2 -> {
          Event e = events.get(rnd.nextInt(events.size())); // exactly at an event: excluded
          card = e.card();
          t = e.time();
        }
        case 3 -> {
          Event e = events.get(rnd.nextInt(events.size())); // just after an event: included
          card = e.card();
          t = e.time() + 1;
        }
        default -> {}
      }
      if (t < firstCovered || t >= to) {
        t = firstCovered;
      }
      spine.add(new Object[] {id++, card, t});
      if (rnd.nextInt(20) == 0) {
        spine.add(new Object[] {id++, card, t}); // duplicate row
      }
    }
    // before any data (events start 100 minutes ago; coverage from 180 minutes ago)
    for (int i = 0; i < 20; i++) {
      spine.add(new Object[] {id++, "card-0", firstCovered + rnd.nextInt((int) (10 * MINUTE))});
    }
    // uncovered: later than the last compacted slice, windows reaching before the first, no entity
    // or time
    spine.add(new Object[] {id++, "card-0", to});
    spine.add(new Object[] {id++, "card-1", to + 3 * MINUTE});
    spine.add(new Object[] {id++, "card-0", firstCovered - 1});
    spine.add(new Object[] {id++, null, firstCovered + MINUTE});
    spine.add(new Object[] {id++, "card-2", null});
    uncoveredRows = 5;
  }

  private boolean covered(Object[] row) {
    return row[1] != null
        && row[2] != null
        && (Long) row[2] >= from + 59 * MINUTE
        && (Long) row[2] < to;
  }

  private Path writeSpineParquet(String name) {
    StructType schema =
        new StructType()
            .add("card", DataTypes.StringType)
            .add("ts", DataTypes.TimestampType)
            .add("row", DataTypes.LongType)
            .add("note", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (Object[] r : spine) {
      rows.add(
          RowFactory.create(
              r[1], r[2] == null ? null : new Timestamp((Long) r[2]), r[0], "n" + r[0]));
    }
    Path out = dir.resolve(name);
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(out.toString());
    return out;
  }

  private TrainingSetRequest request(
      String spinePath,
      String spineFormat,
      String output,
      String outputFormat,
      UncoveredPolicy policy,
      List<String> features,
      Long bucket) {
    return new TrainingSetRequest(
        List.of(fsA, fsB),
        features,
        spinePath,
        spineFormat,
        null,
        "ts",
        null,
        output,
        outputFormat,
        false,
        policy,
        CATALOG,
        "slicestore",
        bucket);
  }

  /** Column name → expected value of one spine row, by the window rule over the raw events. */
  private Map<String, Object> oracle(String card, long t, List<String> columns) {
    return oracle(card, t, columns, List.of(fsA, fsB));
  }

  private Map<String, Object> oracle(
      String card, long t, List<String> columns, List<FeatureSet> featureSets) {
    Map<String, Object> out = new HashMap<>();
    for (FeatureSet fs : featureSets) {
      for (Feature f : fs.features()) {
        String column =
            columns.contains(fs.name() + "_" + f.name()) ? fs.name() + "_" + f.name() : f.name();
        if (!columns.contains(column)) {
          continue;
        }
        long s = fs.sliceMillis();
        long n = f.windowMillis() / s;
        Aggregation agg = fs.aggregations().get(f.aggregationIndex());
        List<Event> in = new ArrayList<>();
        if (f.isSession()) {
          in = sessionOracle(card, t, s, f.sessionGapMillis(), f.windowMillis());
        } else {
          for (Event e : events) {
            if (e.card().equals(card) && WindowOracle.inWindow(e.time(), t, n * s, s)) {
              in.add(e);
            }
          }
        }
        out.put(column, naive(agg, in));
      }
    }
    return out;
  }

  /**
   * Naive session rule: the card's events before t in the max-length lookback (window rule),
   * sorted; none if t - last >= gap; else the suffix after the last gap of at least {@code gap}.
   */
  private List<Event> sessionOracle(String card, long t, long s, long gap, long maxLength) {
    List<Event> in = new ArrayList<>();
    for (Event e : events) {
      if (e.card().equals(card) && WindowOracle.inWindow(e.time(), t, maxLength, s)) {
        in.add(e);
      }
    }
    in.sort(java.util.Comparator.comparingLong(Event::time));
    if (in.isEmpty() || t - in.get(in.size() - 1).time() >= gap) {
      return List.of();
    }
    int start = in.size() - 1;
    while (start > 0 && in.get(start).time() - in.get(start - 1).time() < gap) {
      start--;
    }
    return new ArrayList<>(in.subList(start, in.size()));
  }

  private static Object naive(Aggregation agg, List<Event> in) {
    String input = agg.inputColumn();
    switch (agg.function().name()) {
      case "count":
        return (long) in.size();
      case "sum":
        if ("cents".equals(input)) {
          return in.stream().mapToLong(e -> Math.round(e.amount() * 100)).sum();
        }
        return in.stream()
            .map(e -> new BigDecimal(e.amount()))
            .reduce(BigDecimal.ZERO, BigDecimal::add)
            .doubleValue();
      case "mean":
        return in.isEmpty()
            ? null
            : in.stream()
                    .map(e -> new BigDecimal(e.amount()))
                    .reduce(BigDecimal.ZERO, BigDecimal::add)
                    .doubleValue()
                / in.size();
      case "min":
        return in.stream().map(Event::amount).min(Double::compare).orElse(null);
      case "max":
        if ("merchant".equals(input)) {
          return in.stream().map(Event::merchant).max(String::compareTo).orElse(null);
        }
        return in.stream().map(Event::amount).max(Double::compare).orElse(null);
      default:
        throw new IllegalArgumentException(agg.function().name());
    }
  }

  /** Compares every output row with the oracle; returns the number of rows compared. */
  private int assertEqualsOracle(Dataset<Row> out, List<String> featureColumns, String ctx) {
    Map<Long, Object[]> byId = new HashMap<>();
    spine.forEach(r -> byId.put((Long) r[0], r));
    int compared = 0;
    int nonEmpty = 0;
    for (Row row : out.collectAsList()) {
      long id = row.getLong(row.fieldIndex("row"));
      Object[] s = byId.get(id);
      assertThat(row.getString(row.fieldIndex("note"))).isEqualTo("n" + id);
      Map<String, Object> actual = new HashMap<>();
      for (String c : featureColumns) {
        actual.put(c, row.get(row.fieldIndex(c)));
      }
      if (!covered(s)) {
        assertThat(actual.values())
            .as("%s: uncovered row %d has no values", ctx, id)
            .containsOnlyNulls();
        continue;
      }
      Map<String, Object> expected = oracle((String) s[1], (Long) s[2], featureColumns);
      assertThat(actual)
          .as(
              "%s: row %d card %s at %s (seed %d)",
              ctx, id, s[1], Instant.ofEpochMilli((Long) s[2]), seed)
          .isEqualTo(expected);
      if (!Long.valueOf(0).equals(expected.get("tx_1m")) && expected.get("tx_1m") != null) {
        nonEmpty++;
      }
      compared++;
    }
    System.out.println(
        ctx
            + ": "
            + compared
            + " covered rows equal the oracle ("
            + nonEmpty
            + " with events in the current minute)");
    return compared;
  }

  @Test
  @Order(1)
  void uncoveredRowsRefuseTheRunByDefault() {
    Path spinePath = writeSpineParquet("spine-refused");
    Path output = dir.resolve("refused");
    assertThatThrownBy(
            () ->
                TrainingSets.build(
                    spark,
                    stack.config,
                    request(
                        spinePath.toString(),
                        null,
                        output.toString(),
                        null,
                        UncoveredPolicy.FAIL,
                        null,
                        null)))
        .isInstanceOf(TrainingSetRefusedException.class)
        .hasMessageContaining(
            uncoveredRows + " of " + spine.size() + " spine rows cannot be answered")
        .hasMessageContaining(Instant.ofEpochMilli(to + 3 * MINUTE).toString())
        .hasMessageContaining("--on-uncovered");
    assertThat(output).doesNotExist();
  }

  @Test
  @Order(2)
  void everyCoveredRowEqualsTheOracleAndUncoveredRowsAreFlagged() throws Exception {
    Path spinePath = writeSpineParquet("spine-flag");
    Path output = dir.resolve("flagged");
    TrainingSetResult r =
        TrainingSets.build(
            spark,
            stack.config,
            request(
                spinePath.toString(),
                null,
                output.toString(),
                null,
                UncoveredPolicy.FLAG,
                null,
                null));
    System.out.println(r.describe());
    assertThat(r.spineRows()).isEqualTo(spine.size());
    assertThat(r.writtenRows()).isEqualTo(spine.size());
    assertThat(r.uncoveredRows()).isEqualTo(uncoveredRows);
    assertThat(r.errorRows()).isZero();
    // amount_sum_1h is in both feature sets: both columns are prefixed
    assertThat(r.features())
        .contains("cardtx_amount_sum_1h", "cardtx_b_amount_sum_1h", "tx_10m", "merchant_max_5m")
        .doesNotContain("amount_sum_1h")
        .hasSize(fsA.features().size() + fsB.features().size());
    Dataset<Row> out = spark.read().parquet(output.toString());
    assertThat(out.count()).isEqualTo(spine.size());
    assertThat(out.schema().apply("tx_1h").dataType()).isEqualTo(DataTypes.LongType);
    assertThat(out.schema().apply("cents_sum_10m").dataType()).isEqualTo(DataTypes.LongType);
    assertThat(out.schema().apply("amount_mean_1h").dataType()).isEqualTo(DataTypes.DoubleType);
    assertThat(out.schema().apply("merchant_max_1h").dataType()).isEqualTo(DataTypes.StringType);
    for (Row row : out.collectAsList()) {
      Object[] s =
          spine.stream()
              .filter(x -> x[0].equals(row.getLong(row.fieldIndex("row"))))
              .findFirst()
              .orElseThrow();
      assertThat(row.getBoolean(row.fieldIndex(TrainingSets.COVERED_COLUMN)))
          .as("row %s", s[0])
          .isEqualTo(covered(s));
    }
    int compared = assertEqualsOracle(out, r.features(), "flag policy");
    assertThat(compared).isEqualTo(spine.size() - uncoveredRows);
    JsonNode meta = JSON.readTree(Files.readString(output.resolve(TrainingSets.METADATA_FILE)));
    assertThat(meta.path("rows").path("uncovered").asLong()).isEqualTo(uncoveredRows);
    assertThat(meta.path("feature_sets")).hasSize(2);
    assertThat(meta.path("snapshots").size()).isEqualTo(4);
    long slicesSnapshot = meta.path("feature_sets").get(0).path("slices_snapshot_id").asLong();
    assertThat(slicesSnapshot).isEqualTo(r.snapshots().get(CATALOG + ".slicestore.cardtx_slices"));
  }

  @Test
  @Order(3)
  void csvSpineSmallTimeBucketsAndAFeatureSubsetIntoIceberg() {
    // a CSV spine (every column text, times as ISO-8601) with uncovered rows dropped
    List<String> lines = new ArrayList<>(List.of("card,ts,row,note"));
    for (Object[] r : spine) {
      lines.add(
          (r[1] == null ? "" : r[1])
              + ","
              + (r[2] == null ? "" : Instant.ofEpochMilli((Long) r[2]).toString())
              + ","
              + r[0]
              + ",n"
              + r[0]);
    }
    Path csv = dir.resolve("spine.csv");
    try {
      Files.write(csv, lines);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> features =
        List.of(
            "tx_10m",
            "cardtx.amount_sum_1h",
            "cardtx_b.amount_sum_1h",
            "merchant_max_1h",
            "amount_min_1h");
    // 3-minute buckets: each 1h-window slice reaches about 20 buckets, each entity is spread over
    // ~30 units of work
    TrainingSetResult r =
        TrainingSets.build(
            spark,
            stack.config,
            request(
                csv.toString(),
                null,
                "training.cardtx_subset",
                "iceberg",
                UncoveredPolicy.DROP,
                features,
                3 * MINUTE));
    System.out.println(r.describe());
    assertThat(r.writtenRows()).isEqualTo(spine.size() - uncoveredRows);
    assertThat(r.features())
        .as("in the order asked for")
        .containsExactly(
            "tx_10m",
            "cardtx_amount_sum_1h",
            "cardtx_b_amount_sum_1h",
            "merchant_max_1h",
            "amount_min_1h");
    Dataset<Row> out =
        spark
            .table(CATALOG + ".training.cardtx_subset")
            .withColumn("row", org.apache.spark.sql.functions.col("row").cast(DataTypes.LongType));
    assertThat(out.count()).isEqualTo(spine.size() - uncoveredRows);
    assertThat(assertEqualsOracle(out, r.features(), "CSV spine, 3-minute buckets, Iceberg output"))
        .isEqualTo(spine.size() - uncoveredRows);
    String props =
        spark
            .sql("SHOW TBLPROPERTIES " + CATALOG + ".training.cardtx_subset")
            .collectAsList()
            .toString();
    assertThat(props)
        .contains("slicestore.source." + CATALOG + ".slicestore.cardtx_events.snapshot-id");
  }

  @Test
  @Order(5)
  void requestContextComesFromTheSpineColumnNamedByTheContextKey() {
    FeatureSet fsC = FeatureSetFixtures.resource("cardtx_seen");
    System.out.println(
        Compaction.run(
                spark,
                stack.config,
                fsC,
                from,
                to,
                CompactionOptions.defaults().withCatalog(CATALOG))
            .describe());
    // the covered spine rows, each asking about a merchant: seen ones, never-seen ones (m50..m59),
    // nulls
    StructType schema =
        new StructType()
            .add("card", DataTypes.StringType)
            .add("ts", DataTypes.TimestampType)
            .add("row", DataTypes.LongType)
            .add("merchant", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    Map<Long, String> asked = new HashMap<>();
    for (Object[] r : spine) {
      if (covered(r)) {
        String merchant = rnd.nextInt(12) == 0 ? null : "m" + rnd.nextInt(60);
        asked.put((Long) r[0], merchant);
        rows.add(RowFactory.create(r[1], new Timestamp((Long) r[2]), r[0], merchant));
      }
    }
    Path spinePath = dir.resolve("spine-context");
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(spinePath.toString());
    Path output = dir.resolve("context");
    TrainingSetResult r =
        TrainingSets.build(
            spark,
            stack.config,
            Spines.request(CATALOG, fsC, spinePath, output, UncoveredPolicy.FAIL));
    System.out.println(r.describe());
    assertThat(r.errorRows()).isZero();
    Dataset<Row> out = spark.read().parquet(output.toString());
    assertThat(out.schema().apply("merchant_seen_1h").dataType()).isEqualTo(DataTypes.BooleanType);
    int trues = 0;
    int falses = 0;
    for (Row row : out.collectAsList()) {
      long id = row.getLong(row.fieldIndex("row"));
      String card = row.getString(row.fieldIndex("card"));
      long t = ((Timestamp) row.get(row.fieldIndex("ts"))).getTime();
      String merchant = asked.get(id);
      for (String feature : List.of("merchant_seen_10m", "merchant_seen_1h")) {
        long n = fsC.feature(feature).windowMillis() / MINUTE;
        List<Event> window =
            events.stream()
                .filter(
                    e ->
                        e.card().equals(card)
                            && WindowOracle.inWindow(e.time(), t, n * MINUTE, MINUTE))
                .toList();
        Object expected =
            window.isEmpty() || merchant == null
                ? null
                : window.stream().anyMatch(e -> e.merchant().equals(merchant));
        Object actual = row.get(row.fieldIndex(feature));
        assertThat(actual)
            .as(
                "%s of row %d: card %s asked %s at %s (seed %d)",
                feature, id, card, merchant, Instant.ofEpochMilli(t), seed)
            .isEqualTo(expected);
        if (Boolean.TRUE.equals(actual)) {
          trues++;
        } else if (Boolean.FALSE.equals(actual)) {
          falses++;
        }
      }
    }
    System.out.println(
        "request context: "
            + rows.size()
            + " rows equal the oracle ("
            + trues
            + " true, "
            + falses
            + " false)");
    assertThat(trues).isPositive();
    assertThat(falses).isPositive();

    // a spine without the column, and snapshot mode, are refused naming the feature and the key
    Path noColumn = writeSpineParquet("spine-without-merchant");
    assertThatThrownBy(
            () ->
                TrainingSets.build(
                    spark,
                    stack.config,
                    Spines.request(
                        CATALOG, fsC, noColumn, dir.resolve("never"), UncoveredPolicy.DROP)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "Feature cardtx_seen.merchant_seen_10m answers with request context 'merchant'")
        .hasMessageContaining("No spine column 'merchant' (columns: card, ts, row, note)");
    assertThatThrownBy(
            () ->
                TrainingSets.build(
                    spark,
                    stack.config,
                    new TrainingSetRequest(
                        List.of(fsC),
                        List.of(),
                        null,
                        null,
                        null,
                        null,
                        to - MINUTE,
                        dir.resolve("never2").toString(),
                        null,
                        false,
                        UncoveredPolicy.FAIL,
                        CATALOG,
                        "slicestore",
                        null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("which a snapshot has no column for");
  }

  @Test
  @Order(4)
  void snapshotModeGivesEveryEntityWithDataAsOfOneTime() {
    long t = to - 7 * MINUTE + 1234;
    TrainingSetRequest req =
        new TrainingSetRequest(
            List.of(fsA),
            List.of(),
            null,
            null,
            null,
            null,
            t,
            dir.resolve("snapshot").toString(),
            null,
            false,
            UncoveredPolicy.FAIL,
            CATALOG,
            "slicestore",
            null);
    TrainingSetResult r = TrainingSets.build(spark, stack.config, req);
    System.out.println(r.describe());
    Dataset<Row> out = spark.read().parquet(dir.resolve("snapshot").toString());
    List<String> expectedCards =
        events.stream()
            .filter(e -> WindowOracle.inWindow(e.time(), t, 60 * MINUTE, MINUTE))
            .map(Event::card)
            .distinct()
            .sorted()
            .toList();
    List<Row> rows = out.collectAsList();
    assertThat(rows.stream().map(x -> x.getString(x.fieldIndex("card"))).sorted().toList())
        .isEqualTo(expectedCards);
    for (Row row : rows) {
      assertThat(((Timestamp) row.get(row.fieldIndex("timestamp"))).getTime()).isEqualTo(t);
      Map<String, Object> actual = new HashMap<>();
      for (String c : r.features()) {
        actual.put(c, row.get(row.fieldIndex(c)));
      }
      assertThat(actual)
          .as("snapshot of %s", row.getString(0))
          .isEqualTo(oracle(row.getString(0), t, r.features(), List.of(fsA)));
    }
    System.out.println("snapshot mode: " + rows.size() + " cards equal the oracle");
  }

  /** A clock the test sets to each spine time before asking the server. */
  static final class SettableClock extends Clock {
    volatile long millis;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  /**
   * Whether serving can answer at t from what compaction left in Redis (compacted entries only, no
   * online-ingest here): the current slice's compacted entry must hold no event at or after t.
   */
  private boolean servable(String card, long t) {
    long slice = Math.floorDiv(t, MINUTE);
    return t >= from + 59 * MINUTE
        && t < to
        && events.stream()
            .noneMatch(
                e ->
                    e.card().equals(card)
                        && Math.floorDiv(e.time(), MINUTE) == slice
                        && e.time() >= t);
  }

  @Test
  @Order(5)
  void servedSessionAndWindowFeaturesEqualTheTrainingSetAndTheOracle() throws Exception {
    // spine: times serving can answer, around session boundaries: just after a card's last event of
    // a
    // slice, exactly one gap after an event, one ms before that, slice ends, random times
    List<Object[]> rows = new ArrayList<>();
    long[] gaps = {MINUTE, 2 * MINUTE, 3 * MINUTE};
    int tries = 0;
    while (rows.size() < 400 && tries++ < 100_000) {
      Event e = events.get(rnd.nextInt(events.size()));
      long g = gaps[rnd.nextInt(gaps.length)];
      long t =
          switch (rnd.nextInt(6)) {
            case 0 -> e.time() + 1;
            case 1 -> e.time() + g;
            case 2 -> e.time() + g - 1;
            case 3 -> Math.floorDiv(e.time(), MINUTE) * MINUTE + MINUTE - 1;
            case 4 ->
                Math.floorDiv(e.time(), MINUTE) * MINUTE + MINUTE + rnd.nextInt((int) (4 * MINUTE));
            default -> from + 59 * MINUTE + (long) (rnd.nextDouble() * (to - from - 59 * MINUTE));
          };
      String card = rnd.nextInt(10) == 0 ? "card-" + rnd.nextInt(31) : e.card();
      if (servable(card, t)) {
        rows.add(new Object[] {(long) rows.size(), card, t});
      }
    }
    StructType schema =
        new StructType()
            .add("card", DataTypes.StringType)
            .add("ts", DataTypes.TimestampType)
            .add("row", DataTypes.LongType);
    List<Row> spineRows = new ArrayList<>();
    for (Object[] r : rows) {
      spineRows.add(RowFactory.create(r[1], new Timestamp((Long) r[2]), r[0]));
    }
    Path spinePath = dir.resolve("spine-served");
    spark.createDataFrame(spineRows, schema).coalesce(1).write().parquet(spinePath.toString());
    Path output = dir.resolve("served");
    TrainingSetResult r =
        TrainingSets.build(
            spark,
            stack.config,
            Spines.request(CATALOG, fsA, spinePath, output, UncoveredPolicy.FAIL));
    assertThat(r.errorRows()).isZero();
    assertThat(r.features())
        .contains("visit_spend_session", "visit_tx_session", "visit_max_session", "visit_tx_10m");
    Map<Long, Row> trained = new HashMap<>();
    for (Row row : spark.read().parquet(output.toString()).collectAsList()) {
      trained.put(row.getLong(row.fieldIndex("row")), row);
    }
    assertThat(trained).hasSize(rows.size());

    SettableClock clock = new SettableClock();
    try (redis.clients.jedis.UnifiedJedis redis =
        dev.slicestore.core.online.RedisClients.create(stack.config)) {
      try (InProcessFeatureServer server =
          InProcessFeatureServer.direct(
              Map.of(fsA.name(), fsA), redis, stack.config.redisNodes(), clock)) {
        var stub = dev.slicestore.serving.v1.FeatureServiceGrpc.newBlockingStub(server.channel());
        int sessionsPresent = 0;
        int sessionsEnded = 0;
        for (Object[] s : rows) {
          long t = (Long) s[2];
          clock.millis = t;
          var resp =
              stub.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                  .getFeatures(
                      dev.slicestore.serving.v1.GetFeaturesRequest.newBuilder()
                          .setFeatureSet(fsA.name())
                          .addEntityKeys((String) s[1])
                          .build());
          assertThat(resp.getEvaluationTimeMillis()).isEqualTo(t);
          var ef = resp.getEntities(0);
          assertThat(ef.getError()).as("row %s", s[0]).isEmpty();
          Map<String, Object> served = new HashMap<>();
          Map<String, Object> training = new HashMap<>();
          Row row = trained.get((Long) s[0]);
          for (int i = 0; i < resp.getFeatureNamesCount(); i++) {
            var v = ef.getValues(i);
            String feature = resp.getFeatureNames(i);
            served.put(
                feature,
                switch (v.getKindCase()) {
                  case INT64_VALUE -> v.getInt64Value();
                  case DOUBLE_VALUE -> v.getDoubleValue();
                  default -> null;
                });
            training.put(feature, row.get(row.fieldIndex(feature)));
          }
          String ctx = "card " + s[1] + " at " + Instant.ofEpochMilli(t) + " (seed " + seed + ")";
          assertThat(training).as("training = serving, %s", ctx).isEqualTo(served);
          assertThat(served)
              .as("serving = oracle, %s", ctx)
              .isEqualTo(oracle((String) s[1], t, r.features(), List.of(fsA)));
          if (!Long.valueOf(0).equals(served.get("visit_tx_session"))) {
            sessionsPresent++;
          } else if (!Long.valueOf(0).equals(served.get("visit_tx_10m"))) {
            sessionsEnded++;
          }
        }
        System.out.println(
            "served = training = oracle for "
                + rows.size()
                + " rows x "
                + r.features().size()
                + " features ("
                + sessionsPresent
                + " in a session, "
                + sessionsEnded
                + " with the session ended but events in the last 10m)");
        assertThat(sessionsPresent).isGreaterThan(rows.size() / 3);
        assertThat(sessionsEnded).isGreaterThan(5);
      }
    }
  }
}
