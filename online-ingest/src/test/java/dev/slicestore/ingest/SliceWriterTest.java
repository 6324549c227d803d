package dev.slicestore.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.event.RejectReason;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.WindowEvaluator;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.serving.SliceReader;
import dev.slicestore.spark.EventPipeline;
import dev.slicestore.testkit.TestSpark;
import dev.slicestore.testkit.TestStack;
import dev.slicestore.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * online-ingest's sink on its own, against a real Kafka broker and a real redis-server: seeded card
 * payments of the shipped {@code cards} feature set (with malformed, filtered, too-late and future
 * records mixed in) go through the shared event pipeline and {@link SliceWriter} twice, the second
 * time as a replay of the same Kafka coordinates. The features read back from Redis equal a naive
 * computation over the generated events, the replay changes nothing, every bad record is counted
 * and dead-lettered with its reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SliceWriterTest {
  private static final DateTimeFormatter TX_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final int CARDS = 20;
  private static final int EVENTS = 2_000;

  @TempDir static Path dir;
  TestStack stack;
  FeatureSet fs;

  /** A generated payment: what the oracle sees. */
  record Payment(String card, long timeMillis, double amount) {}

  @BeforeAll
  void start() throws Exception {
    stack = new TestStack(dir);
    fs = FeatureSetFixtures.shipped("cards");
    stack.kafka.createTopic(fs.deadLetterTopic(), 1);
  }

  @AfterAll
  void stop() {
    ExecutorResources.closeAll();
    stack.close();
  }

  @Test
  void servedFeaturesEqualTheOracleAndAReplayChangesNothing() throws Exception {
    Random random = Seeds.random("SliceWriterTest");
    long now = System.currentTimeMillis();
    // whole seconds: the feature set's time format has no fraction
    long base = (now - 50 * 60_000L) / 1000 * 1000;
    List<Payment> payments = new ArrayList<>();
    List<Row> kafka = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      Payment p =
          new Payment(
              String.format("card-%03d", random.nextInt(CARDS)),
              base + random.nextInt(49 * 60) * 1000L,
              Math.round(random.nextDouble() * 20_000) / 100.0);
      payments.add(p);
      kafka.add(
          record(
              i,
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
                  + "\"}"));
    }
    String late = TX_TIME.format(Instant.ofEpochMilli(now - 3 * 86_400_000L));
    String future = TX_TIME.format(Instant.ofEpochMilli(now + 10 * 60_000L));
    kafka.add(record(EVENTS, "{not json"));
    kafka.add(record(EVENTS + 1, "{\"card_id\":null,\"amount\":1.0,\"tx_time\":\"" + late + "\"}"));
    kafka.add(
        record(
            EVENTS + 2, "{\"card_id\":\"card-000\",\"amount\":1.0,\"tx_time\":\"" + late + "\"}"));
    kafka.add(
        record(
            EVENTS + 3,
            "{\"card_id\":\"card-000\",\"amount\":1.0,\"tx_time\":\"" + future + "\"}"));

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
    List<Row> rows = events.collectAsList();

    IngestMetrics metrics = new IngestMetrics(spark.sparkContext(), "slice_writer_test");
    write(events.schema(), metrics, rows);
    Map<String, Map<String, Object>> first = served(now);
    write(events.schema(), metrics, rows); // a replay of the same records
    Map<String, Map<String, Object>> second = served(now);

    assertThat(second).as("a replay rewrites the same fields").isEqualTo(first);
    for (String card : first.keySet()) {
      assertThat(first.get(card))
          .as("%s, %s", card, Seeds.describe())
          .isEqualTo(oracle(payments, card, now));
    }
    assertThat(first).hasSize(CARDS);
    assertThat(metrics.read()).isEqualTo(2L * kafka.size());
    assertThat(metrics.applied()).isEqualTo(2L * EVENTS);
    assertThat(metrics.rejected(RejectReason.MALFORMED_JSON)).isEqualTo(2);
    assertThat(metrics.rejected(RejectReason.FILTERED)).isEqualTo(2);
    assertThat(metrics.rejected(RejectReason.TOO_LATE)).isEqualTo(2);
    assertThat(metrics.rejected(RejectReason.TOO_FAR_IN_FUTURE)).isEqualTo(2);
    List<String> reasons = new ArrayList<>();
    for (ConsumerRecord<String, String> r :
        TopicReader.readAll(stack.kafka.bootstrapServers(), fs.deadLetterTopic())) {
      reasons.add(r.value().replaceAll(".*\"reason\":\"([a-z_]+)\".*", "$1"));
    }
    assertThat(reasons)
        .as("dead letters, both runs")
        .containsExactlyInAnyOrder(
            "malformed_json",
            "too_late",
            "too_far_in_future",
            "malformed_json",
            "too_late",
            "too_far_in_future");
  }

  private Row record(long offset, String json) {
    return RowFactory.create(
        null,
        json.getBytes(StandardCharsets.UTF_8),
        fs.topics().get(0),
        (int) (offset % 2),
        offset / 2,
        new Timestamp(System.currentTimeMillis()));
  }

  private void write(StructType schema, IngestMetrics metrics, List<Row> rows) {
    SliceWriter writer = new SliceWriter(stack.config, fs, schema, metrics, false);
    writer.open(0, 0);
    rows.forEach(writer::process);
    writer.close(null);
  }

  private List<Feature> checked() {
    return fs.features().stream()
        .filter(
            f ->
                !f.isSession()
                    && List.of("tx", "amount_sum", "amount_max")
                        .contains(fs.aggregations().get(f.aggregationIndex()).name()))
        .toList();
  }

  /** Feature values read back from Redis at {@code t}, by card and feature. */
  private Map<String, Map<String, Object>> served(long t) {
    WindowEvaluator evaluator = new WindowEvaluator(fs, checked());
    long newest = evaluator.newestSliceIndex(t);
    Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
    try (UnifiedJedis redis = stack.redis.client(5_000)) {
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
        Map<String, Object> values = new java.util.TreeMap<>();
        for (int i = 0; i < evaluator.features().size(); i++) {
          values.put(evaluator.features().get(i).name(), v.values()[i]);
        }
        out.put(e.getKey(), values);
      }
    }
    return out;
  }

  private Map<String, Object> oracle(List<Payment> payments, String card, long t) {
    Map<String, Object> out = new java.util.TreeMap<>();
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
}
