package dev.slicestore.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.core.time.CoveredIntervals;
import dev.slicestore.spark.IcebergCatalog;
import dev.slicestore.spark.OfflineLayout;
import dev.slicestore.spark.SparkTypes;
import dev.slicestore.testkit.TestSpark;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training sets on their own, on real Iceberg tables: the offline store of the shipped {@code
 * cards} feature set is written here in the layout compaction writes ({@link OfflineLayout}: one
 * events row per payment, one slices row per (card, slice) with the accumulators of core's
 * functions), and a training set over a seeded spine (times on slice boundaries, exactly at
 * payments, 1 ms after them) equals a naive computation of every window over the payments. Rows the
 * offline store does not cover are refused, or flagged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainingSetsTest {
  private static final long MINUTE = 60_000;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;
  private static final String CATALOG = "training_test";
  private static final String NAMESPACE = "offline";
  private static final DateTimeFormatter TX_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  /**
   * Offline store coverage: one day before the first payment (the longest window) to the end of the
   * payments.
   */
  private static final long FROM = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli() - DAY;

  private static final long TO = FROM + DAY + 3 * HOUR;
  private static final List<String> FEATURES =
      List.of(
          "tx_1m",
          "tx_1h",
          "tx_1d",
          "amount_sum_1h",
          "amount_sum_1d",
          "amount_max_1h",
          "amount_max_1d");

  @TempDir static Path dir;
  SparkSession spark;
  AppConfig app;
  FeatureSet fs;
  final List<Payment> payments = new ArrayList<>();
  Random random;

  /** A generated payment: what the oracle sees. */
  record Payment(String card, long timeMillis, double amount, int partition, long offset) {}

  @BeforeAll
  void writeTheOfflineStore() throws Exception {
    random = Seeds.random("TrainingSetsTest");
    spark = TestSpark.session();
    spark.conf().set("spark.sql.session.timeZone", "UTC");
    app = AppConfig.load(null).with("slicestore.state-dir", dir.toString());
    fs = FeatureSetFixtures.shipped("cards");
    IcebergCatalog.configure(spark, app, CATALOG);
    long first = FROM + DAY;
    for (int i = 0; i < 1_500; i++) {
      // whole seconds (the feature set's time format), a few payments per card and minute
      payments.add(
          new Payment(
              "card-" + random.nextInt(12),
              first + random.nextInt(3 * 3600) * 1000L,
              Math.round(random.nextDouble() * 10_000) / 100.0,
              i % 2,
              i / 2));
    }
    spark.sql("CREATE NAMESPACE IF NOT EXISTS " + CATALOG + "." + NAMESPACE);
    write(
        OfflineLayout.eventsTable(CATALOG, NAMESPACE, fs),
        OfflineLayout.eventsSchema(fs),
        eventRows());
    write(
        OfflineLayout.slicesTable(CATALOG, NAMESPACE, fs),
        OfflineLayout.slicesSchema(fs),
        sliceRows());
  }

  private void write(String table, StructType schema, List<Row> rows) throws Exception {
    spark.sql(
        "CREATE TABLE "
            + IcebergCatalog.quote(table)
            + " ("
            + schema.toDDL()
            + ") USING iceberg PARTITIONED BY ("
            + OfflineLayout.PARTITION_COLUMN
            + ") TBLPROPERTIES ('"
            + OfflineLayout.PROP_FEATURE_SET_VERSION
            + "' = '"
            + fs.version()
            + "')");
    spark
        .createDataFrame(rows, schema)
        .writeTo(IcebergCatalog.quote(table))
        .option(
            "snapshot-property." + OfflineLayout.SNAPSHOT_COVERAGE,
            CoveredIntervals.of(FROM, TO).format())
        .append();
  }

  /** The payload and transform columns of a payment, by name. */
  private Map<String, Object> columns(Payment p) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("tx_id", "tx-" + p.partition() + "-" + p.offset());
    c.put("card_id", p.card());
    c.put("merchant", "merchant-" + (p.offset() % 7));
    c.put("mcc", 5411L);
    c.put("amount", p.amount());
    c.put("country", "GB");
    c.put("tx_time", TX_TIME.format(Instant.ofEpochMilli(p.timeMillis())));
    assertThat(c.keySet()).containsExactlyInAnyOrderElementsOf(fs.columns().keySet());
    return c;
  }

  private List<Row> eventRows() {
    List<Row> rows = new ArrayList<>();
    for (Payment p : payments) {
      long slice = fs.slicing().sliceIndex(p.timeMillis());
      List<Object> values =
          new ArrayList<>(
              List.of(
                  p.card(),
                  new Timestamp(p.timeMillis()),
                  new Timestamp(fs.slicing().sliceStartMillis(slice)),
                  slice,
                  fs.topics().get(0),
                  p.partition(),
                  p.offset()));
      Map<String, Object> c = columns(p);
      fs.columns().keySet().forEach(name -> values.add(c.get(name)));
      rows.add(RowFactory.create(values.toArray()));
    }
    return rows;
  }

  /**
   * One row per (card, slice): core's accumulators of its payments, as compaction aggregates them.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private List<Row> sliceRows() {
    Map<String, List<Payment>> bySlice = new TreeMap<>();
    for (Payment p : payments) {
      bySlice
          .computeIfAbsent(
              p.card() + "|" + fs.slicing().sliceIndex(p.timeMillis()), k -> new ArrayList<>())
          .add(p);
    }
    List<Row> rows = new ArrayList<>();
    for (List<Payment> group : bySlice.values()) {
      Payment any = group.get(0);
      long slice = fs.slicing().sliceIndex(any.timeMillis());
      long start = fs.slicing().sliceStartMillis(slice);
      List<Object> values =
          new ArrayList<>(
              List.of(
                  any.card(),
                  slice,
                  new Timestamp(start),
                  new Timestamp(start + fs.sliceMillis()),
                  (long) group.size(),
                  new Timestamp(group.stream().mapToLong(Payment::timeMillis).min().orElseThrow()),
                  new Timestamp(
                      group.stream().mapToLong(Payment::timeMillis).max().orElseThrow())));
      for (Aggregation a : fs.aggregations()) {
        AggregateFunction f = a.function();
        Object acc = f.createAccumulator();
        for (Payment p : group) {
          Map<String, Object> c = columns(p);
          Object[] inputs = fs.inputColumns().stream().map(in -> c.get(in.name())).toArray();
          acc =
              f.add(
                  acc,
                  a.input(inputs),
                  new EventPosition(p.timeMillis(), 0, p.partition(), p.offset()));
        }
        ByteWriter w = new ByteWriter(16);
        f.encode(acc, w);
        values.add(SparkTypes.resultSparkValue(f, f.getResult(acc)));
        values.add(w.toByteArray());
      }
      values.add(
          scala.jdk.javaapi.CollectionConverters.asScala(
                  List.of(
                      RowFactory.create(fs.topics().get(0), 0, 0L, Long.MAX_VALUE),
                      RowFactory.create(fs.topics().get(0), 1, 0L, Long.MAX_VALUE)))
              .toSeq());
      rows.add(RowFactory.create(values.toArray()));
    }
    return rows;
  }

  private TrainingSetRequest request(Path spine, String output, UncoveredPolicy policy) {
    return new TrainingSetRequest(
        List.of(fs),
        FEATURES,
        spine.toString(),
        "parquet",
        null,
        null,
        null,
        dir.resolve(output).toString(),
        "parquet",
        false,
        policy,
        CATALOG,
        NAMESPACE,
        null);
  }

  /** A Parquet spine of (card_id, timestamp in epoch ms). */
  private Path spine(String name, List<Object[]> rows) {
    StructType schema =
        new StructType().add("card_id", DataTypes.StringType).add("timestamp", DataTypes.LongType);
    Path path = dir.resolve(name);
    spark
        .createDataFrame(rows.stream().map(RowFactory::create).toList(), schema)
        .write()
        .parquet(path.toString());
    return path;
  }

  @Test
  void everyFeatureOfEveryRowEqualsTheNaiveWindows() {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Payment p = payments.get(random.nextInt(payments.size()));
      long t =
          switch (i % 4) {
            case 0 -> p.timeMillis(); // exactly at a payment: it is not counted
            case 1 -> p.timeMillis() + 1; // 1 ms after: it is
            case 2 ->
                (fs.slicing().sliceIndex(p.timeMillis()) + 1)
                    * fs.sliceMillis(); // a slice boundary
            default -> FROM + DAY + random.nextInt(3 * 3600) * 1000L;
          };
      rows.add(new Object[] {i % 10 == 0 ? "card-unknown" : p.card(), Math.min(t, TO - 1)});
    }
    TrainingSetResult result =
        TrainingSets.build(
            spark, app, request(spine("spine.parquet", rows), "out", UncoveredPolicy.FAIL));
    assertThat(result.writtenRows()).isEqualTo(rows.size());
    List<Row> out = spark.read().parquet(dir.resolve("out").toString()).collectAsList();
    assertThat(out).hasSize(rows.size());
    assertThat(out.stream().filter(r -> r.getLong(r.fieldIndex("tx_1h")) > 0).count())
        .as("rows with events in their hour")
        .isGreaterThan(rows.size() / 2);
    for (Row r : out) {
      String card = r.getString(r.fieldIndex("card_id"));
      long t = r.getLong(r.fieldIndex("timestamp"));
      for (String feature : FEATURES) {
        assertThat(r.get(r.fieldIndex(feature)))
            .as("%s of %s at %s, %s", feature, card, Instant.ofEpochMilli(t), Seeds.describe())
            .isEqualTo(oracle(fs.feature(feature), card, t));
      }
    }
  }

  @Test
  void rowsBeyondTheCoveredRangeAreRefusedOrFlagged() {
    List<Object[]> rows =
        List.<Object[]>of(
            new Object[] {"card-1", FROM + DAY + HOUR}, new Object[] {"card-1", TO + MINUTE});
    assertThatThrownBy(
            () ->
                TrainingSets.build(
                    spark,
                    app,
                    request(spine("late.parquet", rows), "refused", UncoveredPolicy.FAIL)))
        .isInstanceOf(TrainingSetRefusedException.class)
        .hasMessageContaining("1 of 2 spine rows cannot be answered by the offline store");
    TrainingSets.build(
        spark, app, request(dir.resolve("late.parquet"), "flagged", UncoveredPolicy.FLAG));
    List<Row> out =
        spark
            .read()
            .parquet(dir.resolve("flagged").toString())
            .orderBy("timestamp")
            .collectAsList();
    assertThat(out)
        .extracting(r -> r.getBoolean(r.fieldIndex(TrainingSets.COVERED_COLUMN)))
        .containsExactly(true, false);
    assertThat(out.get(1).isNullAt(out.get(1).fieldIndex("tx_1h")))
        .as("no value for an uncovered row")
        .isTrue();
  }

  private Object oracle(Feature feature, String card, long t) {
    List<Payment> in =
        WindowOracle.select(
            payments.stream().filter(p -> p.card().equals(card)).toList(),
            Payment::timeMillis,
            t,
            feature.windowMillis(),
            fs.sliceMillis());
    String function = fs.aggregations().get(feature.aggregationIndex()).function().name();
    List<Object> amounts = new ArrayList<>(in.stream().map(p -> (Object) p.amount()).toList());
    return function.equals("count")
        ? NaiveAggregator.result("count", null, amounts)
        : NaiveAggregator.result(function, ValueType.DOUBLE, amounts);
  }
}
