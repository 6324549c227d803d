package dev.slicestore.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.WindowEvaluator;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.serving.SliceReader;
import dev.slicestore.spark.EventPipeline;
import dev.slicestore.testkit.TestSpark;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import redis.clients.jedis.UnifiedJedis;

/**
 * Seeded card payments of the shipped {@code cards} feature set for online-ingest's tests: the
 * Kafka rows (good payments in the last 50 minutes, then any extra records), the same rows after
 * the shared event pipeline, written through {@link SliceWriter}, read back as serving reads them,
 * and the naive oracle of the features over the payments.
 */
final class CardPayments {
  static final DateTimeFormatter TX_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  static final int CARDS = 20;

  /** A generated payment: what the oracle sees. */
  record Payment(String card, long timeMillis, double amount) {}

  final FeatureSet fs = FeatureSetFixtures.shipped("cards");
  final long now = System.currentTimeMillis();
  final List<Payment> payments = new ArrayList<>();
  final List<Row> kafka = new ArrayList<>();
  private List<Row> rows;
  private StructType schema;

  /**
   * @param random the test's seeded generator
   * @param events how many good payments
   */
  CardPayments(Random random, int events) {
    // whole seconds: the feature set's time format has no fraction
    long base = (now - 50 * 60_000L) / 1000 * 1000;
    for (int i = 0; i < events; i++) {
      Payment p =
          new Payment(
              String.format("card-%03d", random.nextInt(CARDS)),
              base + random.nextInt(49 * 60) * 1000L,
              Math.round(random.nextDouble() * 20_000) / 100.0);
      payments.add(p);
      add(
          "{\"tx_id\":\"tx-"
              + i
              + "\",\"card_id\":\""
              + p.card()
              + "\",\"merchant\":\"m-"
              + random.nextInt(50)
              + "\",\"mcc\":5411,\"amount\":"
              + p.amount()
              + ",\"country\":\"GB\",\"tx_time\":\""
              + TX_TIME.format(Instant.ofEpochMilli(p.timeMillis()))
              + "\"}");
    }
  }

  /** Adds a record with the next offset (partition = offset mod 2). */
  void add(String json) {
    long offset = kafka.size();
    kafka.add(
        RowFactory.create(
            null,
            json.getBytes(StandardCharsets.UTF_8),
            fs.topics().get(0),
            (int) (offset % 2),
            offset / 2,
            new Timestamp(System.currentTimeMillis())));
    rows = null;
  }

  /**
   * @return the Kafka rows through the shared event pipeline (on local Spark), computed once
   */
  List<Row> rows() {
    if (rows == null) {
      SparkSession spark = TestSpark.session();
      spark.conf().set("spark.sql.ansi.enabled", "false");
      StructType kafkaSchema =
          new StructType()
              .add("key", DataTypes.BinaryType)
              .add("value", DataTypes.BinaryType)
              .add("topic", DataTypes.StringType)
              .add("partition", DataTypes.IntegerType)
              .add("offset", DataTypes.LongType)
              .add("timestamp", DataTypes.TimestampType);
      Dataset<Row> events =
          EventPipeline.parseAndTransform(spark, spark.createDataFrame(kafka, kafkaSchema), fs);
      schema = events.schema();
      rows = events.collectAsList();
    }
    return rows;
  }

  /**
   * @return new counters on the test's Spark context
   */
  IngestMetrics metrics(String name) {
    return new IngestMetrics(TestSpark.session().sparkContext(), name);
  }

  /**
   * Writes every row through a new micro-batch {@link SliceWriter}, as one task.
   *
   * @throws RuntimeException what the writer throws (a refused Redis write)
   */
  void write(AppConfig config, IngestMetrics metrics) {
    List<Row> all = rows();
    SliceWriter writer = new SliceWriter(config, fs, schema, metrics, false);
    writer.open(0, 0);
    Throwable error = null;
    try {
      all.forEach(writer::process);
    } catch (RuntimeException e) {
      error = e;
      throw e;
    } finally {
      writer.close(error);
    }
  }

  /**
   * @return the features compared with the oracle: counts, sums and maxima of the windows
   */
  List<Feature> checked() {
    return fs.features().stream()
        .filter(
            f ->
                !f.isSession()
                    && List.of("tx", "amount_sum", "amount_max")
                        .contains(fs.aggregations().get(f.aggregationIndex()).name()))
        .toList();
  }

  /**
   * @return feature values read back from Redis at {@code t}, by card (present ones) and feature
   */
  Map<String, Map<String, Object>> served(UnifiedJedis redis, long t) {
    WindowEvaluator evaluator = new WindowEvaluator(fs, checked());
    long newest = evaluator.newestSliceIndex(t);
    Map<String, Map<String, Object>> out = new TreeMap<>();
    List<String> cards = new ArrayList<>();
    for (int c = 0; c < CARDS; c++) {
      cards.add(String.format("card-%03d", c));
    }
    Map<String, SliceReader.EntitySlices> read =
        new SliceReader(redis)
            .read(
                new OnlineLayout(fs),
                new LinkedHashSet<>(cards),
                newest - evaluator.sliceCount() + 1,
                newest);
    for (Map.Entry<String, SliceReader.EntitySlices> e : read.entrySet()) {
      assertThat(e.getValue().error()).isNull();
      if (e.getValue().hashesNewestFirst().isEmpty()) {
        continue;
      }
      FeatureVector v = evaluator.evaluate(t, e.getValue().hashesNewestFirst());
      Map<String, Object> values = new TreeMap<>();
      for (int i = 0; i < evaluator.features().size(); i++) {
        values.put(evaluator.features().get(i).name(), v.values()[i]);
      }
      out.put(e.getKey(), values);
    }
    return out;
  }

  /**
   * @return the naive oracle of {@link #checked()} for one card at {@code t}
   */
  Map<String, Object> oracle(String card, long t) {
    Map<String, Object> out = new TreeMap<>();
    for (Feature f : checked()) {
      List<Payment> in =
          WindowOracle.select(
              payments.stream().filter(p -> p.card().equals(card)).toList(),
              Payment::timeMillis,
              t,
              f.windowMillis(),
              fs.sliceMillis());
      String function = fs.aggregations().get(f.aggregationIndex()).function().name();
      List<Object> amounts = new ArrayList<>(in.stream().map(p -> (Object) p.amount()).toList());
      out.put(
          f.name(),
          function.equals("count")
              ? NaiveAggregator.result("count", null, amounts)
              : NaiveAggregator.result(function, ValueType.DOUBLE, amounts));
    }
    return out;
  }

  /**
   * Asserts that every card's features read back at {@link #now} equal the oracle.
   *
   * @param why the assertion's description (the seed)
   */
  void assertServedEqualsOracle(UnifiedJedis redis, String why) {
    Map<String, Map<String, Object>> served = served(redis, now);
    assertThat(served.keySet()).as("cards with payments, %s", why).hasSize(CARDS);
    for (String card : served.keySet()) {
      assertThat(served.get(card)).as("%s, %s", card, why).isEqualTo(oracle(card, now));
    }
  }
}
