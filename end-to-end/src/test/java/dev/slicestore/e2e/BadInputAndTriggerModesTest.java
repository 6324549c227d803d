package dev.slicestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.event.RejectReason;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.core.time.Durations;
import dev.slicestore.ingest.OnlineIngest;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.serving.InProcessFeatureServer;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.testkit.TestSpark;
import dev.slicestore.testkit.TestStack;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * Generated card transactions (seeded) mixed with every kind of bad record, through a real Kafka
 * broker, online-ingest and redis-server: each bad record lands in the dead-letter topic with its
 * coordinates and reason, the good records' features equal a naive oracle, and the query keeps
 * running. Then the same topic through Spark's real-time mode trigger gives the same features.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputAndTriggerModesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MINUTE = 60_000;

  @TempDir static Path dir;
  TestStack stack;
  FeatureSet fs;
  UnifiedJedis redis;
  InProcessFeatureServer server;
  ManagedChannel channel;
  KafkaProducer<byte[], byte[]> producer;
  final long seed = Long.getLong("slicestore.seed", System.nanoTime());

  /** Good events: card, time, amount. */
  final List<Object[]> good = new ArrayList<>();

  /** Bad records: expected reason by (partition, offset). */
  final Map<String, RejectReason> bad = new HashMap<>();

  @BeforeAll
  void setUp() throws Exception {
    System.out.println(
        "BadInputAndTriggerModesTest seed = "
            + seed
            + " (rerun with -Dslicestore.seed="
            + seed
            + ")");
    stack = new TestStack(dir);
    fs = FeatureSetFixtures.resource("bad-input-cards");
    stack.kafka.createTopic("card-events", 2);
    stack.kafka.createTopic("card-events-dlq", 1);
    redis = RedisClients.create(stack.config);
    server =
        InProcessFeatureServer.direct(
            Map.of(fs.name(), fs), redis, stack.config.redisNodes(), Clock.systemUTC());
    channel = server.channel();
    producer = new KafkaProducer<>(KafkaEvents.producerConfig(stack.kafka.bootstrapServers()));
  }

  @AfterAll
  void tearDown() throws Exception {
    Resources.closeInOrder(producer, server, redis, stack);
  }

  private void sendGood(Random rnd, int n, long now) throws Exception {
    for (int i = 0; i < n; i++) {
      String card = "card-" + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * 25);
      long time = now - (long) (rnd.nextDouble() * 50 * MINUTE);
      double amount =
          Math.round(rnd.nextDouble() * 50_000) / 100.0 - (rnd.nextInt(20) == 0 ? 300 : 0);
      good.add(new Object[] {card, time, amount});
      producer.send(
          KafkaEvents.cardPayment("card-events", card, amount, time, "m" + rnd.nextInt(9)));
    }
    producer.flush();
  }

  private void sendBad(String value, RejectReason reason) throws Exception {
    sendBad(value.getBytes(StandardCharsets.UTF_8), reason);
  }

  private void sendBad(byte[] value, RejectReason reason) throws Exception {
    RecordMetadata md =
        producer
            .send(
                new ProducerRecord<>(
                    "card-events", "card-1".getBytes(StandardCharsets.UTF_8), value))
            .get();
    bad.put(md.partition() + ":" + md.offset(), reason);
  }

  @Test
  @Order(1)
  void badRecordsAreDeadLetteredAndGoodOnesServedExactly() throws Exception {
    Random rnd = new Random(seed);
    SparkSession spark = TestSpark.session();
    RunningIngest ingest = Ingests.startMicroBatch(spark, stack, fs, dir.resolve("checkpoint-mb"));
    try {
      long now = System.currentTimeMillis();
      sendGood(rnd, 1500, now);
      String ts = Instant.ofEpochMilli(now - 5 * MINUTE).toString();
      sendBad("{\"card\": \"card-1\", \"amount\": 3.5, ", RejectReason.MALFORMED_JSON);
      sendBad("[1, 2, 3]", RejectReason.MALFORMED_JSON);
      sendBad(new byte[] {(byte) 0xC3, (byte) 0x28, '{', '}'}, RejectReason.MALFORMED_JSON);
      sendBad("{\"amount\": 3.5, \"ts\": \"" + ts + "\"}", RejectReason.MISSING_ENTITY_KEY);
      sendBad(
          "{\"card\": \"\", \"amount\": 3.5, \"ts\": \"" + ts + "\"}",
          RejectReason.MISSING_ENTITY_KEY);
      sendBad(
          "{\"card\": \"card-1\", \"amount\": 3.5, \"ts\": \"yesterday\"}",
          RejectReason.BAD_EVENT_TIME);
      sendBad("{\"card\": \"card-1\", \"amount\": 3.5}", RejectReason.MISSING_EVENT_TIME);
      sendBad(
          "{\"card\": \"card-1\", \"amount\": \"12.5\", \"ts\": \"" + ts + "\"}",
          RejectReason.WRONG_TYPE);
      sendBad("{\"card\": 17, \"amount\": 1.0, \"ts\": \"" + ts + "\"}", RejectReason.WRONG_TYPE);
      sendBad(
          "{\"card\": \"card-1\", \"amount\": 3.5, \"ts\": \""
              + Instant.ofEpochMilli(now + 60 * MINUTE)
              + "\"}",
          RejectReason.TOO_FAR_IN_FUTURE);
      sendBad(
          "{\"card\": \"card-1\", \"amount\": 3.5, \"ts\": \""
              + Instant.ofEpochMilli(now - 180 * MINUTE)
              + "\"}",
          RejectReason.TOO_LATE);
      ingest.processAllAvailable();
      sendGood(rnd, 1500, System.currentTimeMillis());
      ingest.processAllAvailable();
      assertThat(ingest.query().isActive())
          .as("the query is still running after bad input")
          .isTrue();
      assertThat(ingest.query().exception().isEmpty()).isTrue();
      Map<String, Long> m = ingest.metrics().snapshot();
      System.out.println("micro-batch ingest counters: " + ingest.metrics().describe());
      assertThat(m.get("applied")).isEqualTo(good.size());
      for (RejectReason r : RejectReason.values()) {
        assertThat(m.get(r.code()))
            .as("count of %s", r)
            .isEqualTo(bad.values().stream().filter(r::equals).count());
      }
    } finally {
      ingest.stop();
    }

    Map<String, JsonNode> dlq = readDeadLetters();
    assertThat(dlq.keySet()).as("dead-lettered coordinates").isEqualTo(bad.keySet());
    bad.forEach(
        (coords, reason) -> {
          JsonNode d = dlq.get(coords);
          assertThat(d.get("reason").asText())
              .as("reason of %s: %s", coords, d)
              .isEqualTo(reason.code());
          assertThat(d.get("message").asText()).isNotBlank();
          assertThat(d.get("topic").asText()).isEqualTo("card-events");
          assertThat(d.get("feature_set").asText()).isEqualTo("cards");
        });
    System.out.println(
        "dead letters: "
            + dlq.values().stream()
                .map(d -> d.get("reason").asText() + ": " + d.get("message").asText())
                .toList());
    assertServedEqualsOracle("micro-batch");
  }

  @Test
  @Order(2)
  void realTimeModeServesTheSameFeatures() throws Exception {
    for (String key : redis.keys("ss:cards:*")) {
      redis.del(key);
    }
    AppConfig rt =
        stack
            .config
            .with("slicestore.ingest.trigger", "real-time")
            .with("slicestore.ingest.real-time-checkpoint-interval", "5s");
    SparkSession spark = TestSpark.session();
    RunningIngest ingest =
        OnlineIngest.start(spark, rt, fs, dir.resolve("checkpoint-rt").toString());
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      long fields = 0;
      while (System.currentTimeMillis() < deadline) {
        fields = 0;
        for (String key : redis.keys("ss:cards:*")) {
          fields += redis.hlen(key);
        }
        if (fields >= good.size()) {
          break;
        }
        Thread.sleep(200);
      }
      assertThat(fields).as("every good event written in real-time mode").isEqualTo(good.size());
      assertServedEqualsOracle("real-time mode");
      // freshness: one new event, visible through GetFeatures
      long before = servedCount("card-fresh");
      long sent = System.currentTimeMillis();
      good.add(new Object[] {"card-fresh", sent - 1, 1.0});
      producer
          .send(
              new ProducerRecord<>(
                  "card-events",
                  JSON.writeValueAsBytes(
                      Map.of(
                          "card",
                          "card-fresh",
                          "amount",
                          1.0,
                          "ts",
                          Instant.ofEpochMilli(sent - 1).toString()))))
          .get();
      while (servedCount("card-fresh") == before && System.currentTimeMillis() - sent < 30_000) {
        Thread.sleep(1);
      }
      System.out.println(
          "real-time mode: one event visible through GetFeatures "
              + (System.currentTimeMillis() - sent)
              + " ms after it was produced (single sample, not a benchmark)");
      assertThat(ingest.query().isActive()).isTrue();
    } finally {
      ingest.stop();
    }
  }

  private long servedCount(String card) {
    GetFeaturesResponse r =
        FeatureServiceGrpc.newBlockingStub(channel)
            .getFeatures(
                GetFeaturesRequest.newBuilder()
                    .setFeatureSet("cards")
                    .addEntityKeys(card)
                    .addFeatures("tx_1h")
                    .build());
    return r.getEntities(0).getValues(0).getInt64Value();
  }

  private Map<String, JsonNode> readDeadLetters() throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + seed);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    Map<String, JsonNode> out = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of("card-events-dlq"));
      long deadline = System.currentTimeMillis() + 20_000;
      while (out.size() < bad.size() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          JsonNode d = JSON.readTree(r.value());
          out.put(d.get("partition").asInt() + ":" + d.get("offset").asLong(), d);
        }
      }
    }
    return out;
  }

  private void assertServedEqualsOracle(String mode) {
    List<String> cards = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      cards.add("card-" + i);
    }
    GetFeaturesResponse resp =
        FeatureServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getFeatures(
                GetFeaturesRequest.newBuilder()
                    .setFeatureSet("cards")
                    .addAllEntityKeys(cards)
                    .build());
    long t = resp.getEvaluationTimeMillis();
    for (EntityFeatures ef : resp.getEntitiesList()) {
      // the features are counts, sums, means, minima and maxima: longs, doubles or null
      Map<String, Object> served = ServedValues.byFeature(resp, ef);
      assertThat(served)
          .as("%s: features of %s at t=%s", mode, ef.getEntityKey(), t)
          .isEqualTo(oracle(ef.getEntityKey(), t));
    }
  }

  /**
   * Naive oracle: every good event of the card in the window ({@link WindowOracle}), aggregated
   * naively.
   */
  private Map<String, Object> oracle(String card, long t) {
    Map<String, Object> out = new HashMap<>();
    List<Object[]> ofCard = good.stream().filter(e -> e[0].equals(card)).toList();
    for (String window : List.of("1m", "10m", "1h")) {
      long w = Durations.parseMillis(window);
      List<Object> amounts =
          new ArrayList<>(
              WindowOracle.select(ofCard, e -> (Long) e[1], t, w, MINUTE).stream()
                  .map(e -> e[2])
                  .toList());
      out.put("tx_" + window, NaiveAggregator.result("count", null, amounts));
      for (String function : List.of("sum", "max", "mean")) {
        out.put(
            "amount_" + function + "_" + window,
            NaiveAggregator.result(function, ValueType.DOUBLE, amounts));
      }
    }
    return out;
  }
}
