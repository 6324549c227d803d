package dev.slicestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionJob;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.compaction.CompactionRefusedException;
import dev.slicestore.compaction.CompactionResult;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.quickstart.SlicestoreCli;
import dev.slicestore.testkit.ChildJvm;
import dev.slicestore.testkit.TestSpark;
import dev.slicestore.testkit.TestStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import redis.clients.jedis.UnifiedJedis;

/**
 * Which ranges compaction accepts, against real Kafka, Redis, Spark and Iceberg: unaligned,
 * inverted and still-open ranges are refused with messages that say why (through the API and
 * through {@code bin/slicestore compact}); a range that Kafka retention has partly deleted is
 * refused and nothing is written; a backfill of slices whose Redis hashes have already expired
 * writes the Iceberg tables only, through the spark-submit main class in a separate JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompactionRangeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MINUTE = 60_000;
  private static final String CATALOG = "compaction_range";
  private static final String CONF =
      """
      name = %s
      version = 1
      source {
        topics = [%s]
        dead-letter-topic = %s-dlq
        schema { user = string, points = long, at = string }
      }
      entity-key = user
      event-time { column = at, format = iso-8601 }
      slice = 1m
      windows = [1m, 10m]
      allowed-lateness = 1m
      expiry-grace = 1m
      aggregations = [
        { name = n, function = count }
        { name = points_sum, function = sum, input = points }
        { name = points_max, function = max, input = points }
      ]
      """;

  @TempDir static Path dir;
  TestStack stack;
  UnifiedJedis redis;
  KafkaProducer<byte[], byte[]> producer;
  SparkSession spark;
  CompactionOptions options;
  final long seed = Long.getLong("slicestore.seed", System.nanoTime());
  final Random rnd = new Random(seed);

  @BeforeAll
  void setUp() throws Exception {
    System.out.println(
        "CompactionRangeTest seed = " + seed + " (rerun with -Dslicestore.seed=" + seed + ")");
    stack = new TestStack(dir);
    redis = RedisClients.create(stack.config);
    producer = new KafkaProducer<>(KafkaEvents.producerConfig(stack.kafka.bootstrapServers()));
    spark = TestSpark.session();
    options = CompactionOptions.defaults().withCatalog(CATALOG);
  }

  @AfterAll
  void tearDown() throws Exception {
    Resources.closeInOrder(producer, redis, stack);
  }

  private FeatureSet featureSet(String name) throws Exception {
    Path file = dir.resolve(name + ".conf");
    Files.writeString(file, CONF.formatted(name, name, name));
    stack.kafka.createTopic(name, 2);
    return FeatureSetLoader.load(file);
  }

  /**
   * Sends {@code n} events with times in {@code [lo, hi)}, alternating between the two partitions,
   * each with its event time as Kafka timestamp.
   *
   * @return per event {time, points, user number}
   */
  private List<long[]> send(String topic, int n, long lo, long hi) throws Exception {
    List<long[]> sent = new ArrayList<>();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long time = lo + (long) (rnd.nextDouble() * (hi - lo));
      long points = rnd.nextInt(1000) - 100;
      int u = rnd.nextInt(7);
      String user = "u" + u;
      byte[] v =
          JSON.writeValueAsBytes(
              Map.of("user", user, "points", points, "at", Instant.ofEpochMilli(time).toString()));
      acks.add(
          producer.send(
              new ProducerRecord<>(topic, i % 2, time, user.getBytes(StandardCharsets.UTF_8), v)));
      sent.add(new long[] {time, points, u});
    }
    producer.flush();
    for (Future<RecordMetadata> ack : acks) {
      ack.get(30, TimeUnit.SECONDS); // a send that failed fails the test here, not later
    }
    return sent;
  }

  /**
   * Deletes the records of {@code partition} of {@code topic} before {@code offset}, as retention
   * would. A broker refuses an offset above the partition's high watermark, which can trail the
   * acknowledged end offset for a moment after a produce; the delete is tried again for up to 30 s.
   */
  private void deleteRecordsBefore(String topic, int partition, long offset) throws Exception {
    TopicPartition tp = new TopicPartition(topic, partition);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers()))) {
      while (true) {
        try {
          admin
              .deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(offset)))
              .all()
              .get(30, TimeUnit.SECONDS);
          return;
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof OffsetOutOfRangeException)
              || System.nanoTime() > deadline) {
            throw e;
          }
          System.out.println(
              "deleting " + tp + " before offset " + offset + " refused for now, trying again");
          Thread.sleep(200);
        }
      }
    }
  }

  @Test
  void unalignedInvertedAndOpenRangesAreRefusedWithMessages() throws Exception {
    FeatureSet fs = featureSet("refusals");
    long now = System.currentTimeMillis();
    long aligned = Math.floorDiv(now - 30 * MINUTE, MINUTE) * MINUTE;
    assertThatThrownBy(
            () ->
                Compaction.run(
                    spark, stack.config, fs, aligned + 1_000, aligned + 10 * MINUTE, options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not aligned to the 1m slices of feature set refusals")
        .hasMessageContaining(Instant.ofEpochMilli(aligned).toString())
        .hasMessageContaining(Instant.ofEpochMilli(aligned + MINUTE).toString());
    assertThatThrownBy(
            () -> Compaction.run(spark, stack.config, fs, aligned + 10 * MINUTE, aligned, options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from must be before to");
    long currentSliceEnd = (Math.floorDiv(now, MINUTE) + 1) * MINUTE;
    assertThatThrownBy(
            () -> Compaction.run(spark, stack.config, fs, aligned, currentSliceEnd, options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slices not closed yet")
        .hasMessageContaining(Instant.ofEpochMilli(currentSliceEnd + MINUTE).toString());

    // the same through bin/slicestore compact: exit code 2 and the message, before any Spark work
    String[] unaligned =
        cli(
            fs,
            Instant.ofEpochMilli(aligned + 1_000).toString(),
            Long.toString(aligned + 10 * MINUTE));
    assertThat(unaligned[0]).isEqualTo("2");
    assertThat(unaligned[1]).contains("error: Invalid range bound").contains("not aligned");
    String[] open =
        cli(fs, Long.toString(aligned), Instant.ofEpochMilli(currentSliceEnd).toString());
    assertThat(open[0]).isEqualTo("2");
    assertThat(open[1]).contains("slices not closed yet");
    String[] garbage = cli(fs, "yesterday", Long.toString(aligned));
    assertThat(garbage[0]).isEqualTo("2");
    assertThat(garbage[1]).contains("Invalid time 'yesterday'");
    System.out.println(
        "refusal messages: "
            + unaligned[1].trim()
            + " | "
            + open[1].trim()
            + " | "
            + garbage[1].trim());
    assertThat(redis.keys(new OnlineLayout(fs).keyPrefix() + "*")).isEmpty();
  }

  /**
   * Runs {@code slicestore compact} in this JVM (it returns before starting Spark); @return {exit
   * code, stderr}
   */
  private String[] cli(FeatureSet fs, String from, String to) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    int code;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code =
          new CommandLine(new SlicestoreCli())
              .execute(
                  "compact",
                  "--feature-set",
                  fs.sourceFile(),
                  "--from",
                  from,
                  "--to",
                  to,
                  "--bootstrap-servers",
                  stack.kafka.bootstrapServers(),
                  "--redis",
                  stack.config.redisNodes().get(0));
    } finally {
      System.setErr(old);
    }
    return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void rangePartlyDeletedByKafkaRetentionIsRefusedAndNothingIsWritten() throws Exception {
    FeatureSet fs = featureSet("retained");
    long now = System.currentTimeMillis();
    long from = Math.floorDiv(now - 40 * MINUTE, MINUTE) * MINUTE;
    long to = Math.floorDiv(now - 5 * MINUTE, MINUTE) * MINUTE;
    send(fs.topics().get(0), 400, from, to);
    deleteRecordsBefore(fs.topics().get(0), 1, 50);
    assertThatThrownBy(() -> Compaction.run(spark, stack.config, fs, from, to, options))
        .satisfies(e -> System.out.println("refused: " + e.getMessage()))
        .isInstanceOf(CompactionRefusedException.class)
        .hasMessageContaining("retained partition 1")
        .hasMessageContaining("retention has deleted records")
        .hasMessageContaining("offset 50");
    assertThat(redis.keys(new OnlineLayout(fs).keyPrefix() + "*"))
        .as("nothing written to Redis")
        .isEmpty();
    long rows =
        spark
            .sql("SELECT count(*) FROM " + CATALOG + ".slicestore.retained_slices")
            .first()
            .getLong(0);
    assertThat(rows).as("nothing written to Iceberg").isZero();
    // a range whose records are all still there (they were sent with their event times as
    // timestamps) is accepted
    long laterFrom = Math.floorDiv(now - 4 * MINUTE, MINUTE) * MINUTE;
    send(fs.topics().get(0), 50, laterFrom, laterFrom + 2 * MINUTE);
    CompactionResult ok =
        Compaction.run(
            spark,
            stack.config,
            fs,
            laterFrom,
            laterFrom + 2 * MINUTE,
            options.withMaxClockSkewMillis(0));
    assertThat(ok.acceptedInRange()).isEqualTo(50);
    System.out.println(
        "refused as expected, then compacted a range still in Kafka: " + ok.describe());
  }

  @Test
  void aRerunAfterRetentionDeletedCompactedRecordsIsRefused() throws Exception {
    FeatureSet fs = featureSet("truncated");
    long now = System.currentTimeMillis();
    long from = Math.floorDiv(now - 20 * MINUTE, MINUTE) * MINUTE;
    long to = from + 10 * MINUTE;
    send(fs.topics().get(0), 40, from, to);
    CompactionResult first = Compaction.run(spark, stack.config, fs, from, to, options);
    assertThat(first.acceptedInRange()).isEqualTo(40);
    // a record with an old timestamp after them, then retention removes the 20 compacted records
    // before it in partition 0:
    // the earliest record left is older than from - skew, so only the offline store can tell that
    // events are gone
    producer
        .send(
            new ProducerRecord<>(
                fs.topics().get(0),
                0,
                from - 3 * 60 * MINUTE,
                "u0".getBytes(StandardCharsets.UTF_8),
                JSON.writeValueAsBytes(
                    Map.of(
                        "user",
                        "u0",
                        "points",
                        1,
                        "at",
                        Instant.ofEpochMilli(from - 3 * 60 * MINUTE).toString()))))
        .get();
    deleteRecordsBefore(fs.topics().get(0), 0, 20);
    assertThatThrownBy(() -> Compaction.run(spark, stack.config, fs, from, to, options))
        .satisfies(e -> System.out.println("refused: " + e.getMessage()))
        .isInstanceOf(CompactionRefusedException.class)
        .hasMessageContaining(
            "holds 20 events of the range from truncated partition 0 at offsets up to 19 that this run would not read")
        .hasMessageContaining(
            "Kafka retention has deleted them since (the earliest offset left is 20)");
    assertThat(
            spark
                .sql("SELECT count(*) FROM " + CATALOG + ".slicestore.truncated_events")
                .first()
                .getLong(0))
        .as("the offline store keeps them")
        .isEqualTo(40);
  }

  @Test
  void aRerunThatWouldLoseEventsOfACompactedSliceIsRefused() throws Exception {
    FeatureSet fs = featureSet("skewed");
    long now = System.currentTimeMillis();
    long from = Math.floorDiv(now - 6 * MINUTE, MINUTE) * MINUTE;
    long to = from + 3 * MINUTE;
    // in partition 0: ten events of u1 whose Kafka timestamps lie 30 minutes before their event
    // times, then two on time
    for (int i = 0; i < 12; i++) {
      long time = from + i * 1000;
      producer.send(
          new ProducerRecord<>(
              fs.topics().get(0),
              0,
              i < 10 ? time - 30 * MINUTE : time,
              "u1".getBytes(StandardCharsets.UTF_8),
              JSON.writeValueAsBytes(
                  Map.of("user", "u1", "points", 1, "at", Instant.ofEpochMilli(time).toString()))));
    }
    producer.flush();
    send(fs.topics().get(0), 20, from, to);
    CompactionResult wide = Compaction.run(spark, stack.config, fs, from, to, options);
    assertThat(wide.acceptedInRange())
        .as("a 1h clock skew reaches the early timestamps")
        .isEqualTo(32);
    // a 0 s skew starts reading after the early records: the offline store still has them, so the
    // run is refused
    CompactionOptions noSkew = options.withMaxClockSkewMillis(0);
    assertThatThrownBy(() -> Compaction.run(spark, stack.config, fs, from, to, noSkew))
        .satisfies(e -> System.out.println("refused: " + e.getMessage()))
        .isInstanceOf(CompactionRefusedException.class)
        .hasMessageContaining(
            "holds 10 events of the range from skewed partition 0 at offsets up to 9 that this run would not read")
        .hasMessageContaining("use the max clock skew of the earlier run");
    // with the offline store elsewhere, Redis itself refuses to shrink u1's first slice (12 events
    // -> 2)
    assertThatThrownBy(
            () ->
                Compaction.run(
                    spark, stack.config, fs, from, to, noSkew.withNamespace("elsewhere")))
        .satisfies(e -> System.out.println("refused: " + e.getMessage()))
        .isInstanceOf(CompactionRefusedException.class)
        .hasMessageContaining(
            "of feature set skewed: replacing their compacted entries in Redis would lose events")
        .hasMessageContaining("entity u1 slice " + from / MINUTE)
        .hasMessageContaining("Redis holds a compacted entry of ");
    long rows =
        spark
            .sql("SELECT count(*) FROM " + CATALOG + ".slicestore.skewed_events")
            .first()
            .getLong(0);
    assertThat(rows).as("the refused runs replaced no Iceberg rows").isEqualTo(32);
    CompactionResult again = Compaction.run(spark, stack.config, fs, from, to, options);
    assertThat(again.acceptedInRange()).as("the original skew still works").isEqualTo(32);
  }

  @Test
  void backfillOfExpiredSlicesWritesIcebergOnlyThroughTheSparkSubmitMain() throws Exception {
    FeatureSet fs = featureSet("backfill");
    long now = System.currentTimeMillis();
    long from = Math.floorDiv(now - 180 * MINUTE, MINUTE) * MINUTE;
    long to =
        from
            + 20 * MINUTE; // hashes expire at slice end + 10m window + 1m lateness + 1m grace: long
    // gone
    List<long[]> sent = send(fs.topics().get(0), 300, from, to);
    Path conf = dir.resolve("backfill-application.conf");
    Files.writeString(conf, "slicestore.state-dir = \"" + dir.resolve("state-backfill") + "\"\n");
    Path log = dir.resolve("compact-backfill.log");
    Process p =
        ChildJvm.start(
            CompactionJob.class,
            List.of(
                "--config",
                conf.toString(),
                "--feature-set",
                fs.sourceFile(),
                "--from",
                Instant.ofEpochMilli(from).toString(),
                "--to",
                Long.toString(to),
                "--catalog",
                "backfill_cat",
                "--namespace",
                "history",
                "--bootstrap-servers",
                stack.kafka.bootstrapServers(),
                "--redis",
                stack.config.redisNodes().get(0),
                "--master",
                "local[2]"),
            log);
    assertThat(p.waitFor(180, TimeUnit.SECONDS))
        .as("compaction JVM finished (log: %s)", log)
        .isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as("exit code; log:%n%s", out).isZero();
    assertThat(out)
        .contains("300 accepted in the range")
        .contains("0 slice hashes written")
        .contains("skipped (expired: backfill)");
    assertThat(redis.keys(new OnlineLayout(fs).keyPrefix() + "*"))
        .as("backfill writes nothing to Redis")
        .isEmpty();

    // read the child's Iceberg tables back through a catalog of this JVM on the same warehouse
    spark.conf().set("spark.sql.catalog.backfill_read", "org.apache.iceberg.spark.SparkCatalog");
    spark.conf().set("spark.sql.catalog.backfill_read.type", "hadoop");
    spark
        .conf()
        .set(
            "spark.sql.catalog.backfill_read.warehouse",
            dir.resolve("state-backfill/warehouse").toString());
    spark.conf().set("spark.sql.catalog.backfill_read.cache-enabled", "false");
    Row slices =
        spark
            .sql(
                "SELECT sum(event_count), sum(points_sum), max(points_max), count(*) FROM backfill_read.history.backfill_slices")
            .first();
    long events =
        spark.sql("SELECT count(*) FROM backfill_read.history.backfill_events").first().getLong(0);
    assertThat(slices.getLong(0)).isEqualTo(300);
    assertThat(slices.getLong(1)).isEqualTo(sent.stream().mapToLong(e -> e[1]).sum());
    assertThat(slices.getLong(2)).isEqualTo(sent.stream().mapToLong(e -> e[1]).max().orElseThrow());
    assertThat(slices.getLong(3))
        .as("(user, slice) rows")
        .isEqualTo(sent.stream().map(e -> e[2] + "/" + e[0] / MINUTE).distinct().count());
    assertThat(events).isEqualTo(300);
    System.out.println(
        "backfill through the spark-submit main: 300 events, "
            + slices.getLong(3)
            + " slices in Iceberg, none in Redis;"
            + " sum of points "
            + new BigDecimal(slices.getLong(1)));
  }
}
