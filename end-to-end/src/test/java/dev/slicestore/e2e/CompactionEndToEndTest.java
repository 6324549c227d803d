package dev.slicestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.compaction.CompactionResult;
import dev.slicestore.compaction.PartitionRange;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.CompactedEntry;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.core.time.Durations;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.serving.InProcessFeatureServer;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.testkit.TestSpark;
import dev.slicestore.testkit.TestStack;
import io.grpc.ManagedChannel;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.spark.sql.Row;
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
 * Compaction against real components: generated card transactions (seeded) through a real Kafka
 * broker and online-ingest into a real redis-server, then the compaction job on real Spark into a
 * real Iceberg Hadoop catalog. Every check compares with a naive oracle over the raw events sent:
 *
 * <ol>
 *   <li>served features are unchanged by compaction, Redis memory drops, the Iceberg slices table
 *       reproduces every (entity, slice) aggregate and the events table every accepted event;
 *   <li>compacting the same range again changes no Redis byte and no Iceberg row count;
 *   <li>late events for compacted slices are served at once, events produced while compaction and
 *       online-ingest both run are neither lost nor counted twice, a second compaction includes the
 *       late events, and a replay of the whole topic from a fresh ingest checkpoint counts nothing
 *       twice.
 * </ol>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CompactionEndToEndTest {
  private static final long MINUTE = 60_000;
  private static final int CARDS = 40;
  private static final String TOPIC = "card-tx";
  private static final String CATALOG = "compaction_e2e";

  /** One accepted event as sent, with its Kafka coordinates. */
  record Event(String card, long timeMillis, double amount, int partition, long offset) {}

  @TempDir static Path dir;
  TestStack stack;
  FeatureSet fs;
  OnlineLayout layout;
  UnifiedJedis redis;
  InProcessFeatureServer server;
  ManagedChannel channel;
  KafkaProducer<byte[], byte[]> producer;
  SparkSession spark;
  CompactionOptions options;
  final long seed = Long.getLong("slicestore.seed", System.nanoTime());
  final Random rnd = new Random(seed);

  /** Every accepted event sent, in send order. */
  final List<Event> events = java.util.Collections.synchronizedList(new ArrayList<>());

  long badRecords;
  long fromMillis;
  long toMillis;
  CompactionResult first;

  @BeforeAll
  void setUp() throws Exception {
    System.out.println(
        "CompactionEndToEndTest seed = " + seed + " (rerun with -Dslicestore.seed=" + seed + ")");
    stack = new TestStack(dir);
    fs = FeatureSetFixtures.resource("cardtx");
    layout = new OnlineLayout(fs);
    stack.kafka.createTopic(TOPIC, 2);
    stack.kafka.createTopic(fs.deadLetterTopic(), 1);
    redis = RedisClients.create(stack.config);
    server =
        InProcessFeatureServer.direct(
            Map.of(fs.name(), fs), redis, stack.config.redisNodes(), Clock.systemUTC());
    channel = server.channel();
    Properties p = KafkaEvents.producerConfig(stack.kafka.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    producer = new KafkaProducer<>(p);
    spark = TestSpark.session();
    options = CompactionOptions.defaults().withCatalog(CATALOG);
  }

  @AfterAll
  void tearDown() throws Exception {
    Resources.closeInOrder(producer, server, redis, stack);
  }

  /**
   * Sends {@code n} events with times drawn in {@code [lo, hi)}; returns them once acknowledged.
   */
  private List<Event> send(int n, long lo, long hi) throws Exception {
    List<Object[]> pending = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String card = "card-" + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * CARDS);
      long time = lo + (long) (rnd.nextDouble() * (hi - lo));
      double amount =
          Math.round(rnd.nextDouble() * 50_000) / 100.0 - (rnd.nextInt(20) == 0 ? 300 : 0);
      Future<RecordMetadata> f =
          producer.send(KafkaEvents.cardPayment(TOPIC, card, amount, time, "m" + rnd.nextInt(9)));
      pending.add(new Object[] {card, time, amount, f});
    }
    producer.flush();
    List<Event> sent = new ArrayList<>(n);
    for (Object[] o : pending) {
      @SuppressWarnings("unchecked")
      RecordMetadata md = ((Future<RecordMetadata>) o[3]).get();
      sent.add(new Event((String) o[0], (Long) o[1], (Double) o[2], md.partition(), md.offset()));
    }
    events.addAll(sent);
    return sent;
  }

  private void sendBad(String value) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                TOPIC,
                "card-1".getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)))
        .get();
    badRecords++;
  }

  private RunningIngest startIngest(String checkpoint) throws Exception {
    return Ingests.startMicroBatch(spark, stack, fs, dir.resolve(checkpoint));
  }

  @Test
  @Order(1)
  void compactionKeepsServedFeaturesFreesRedisMemoryAndFillsIceberg() throws Exception {
    long now = System.currentTimeMillis();
    send(20_000, now - 50 * MINUTE, now);
    sendBad("{\"card\": \"card-1\", \"amount\": 3.5, ");
    sendBad("{\"amount\": 3.5, \"ts\": \"" + Instant.ofEpochMilli(now - 5 * MINUTE) + "\"}");
    sendBad(
        "{\"card\": \"card-1\", \"amount\": \"12.5\", \"ts\": \""
            + Instant.ofEpochMilli(now - 5 * MINUTE)
            + "\"}");
    RunningIngest ingest = startIngest("checkpoint-a");
    try {
      ingest.processAllAvailable();
    } finally {
      ingest.stop();
    }
    assertServedEqualsOracle("after online-ingest, before compaction");

    // the newest closed range: to + allowed lateness (1m) <= now
    fromMillis = Math.floorDiv(now - 45 * MINUTE, MINUTE) * MINUTE;
    toMillis = Math.floorDiv(System.currentTimeMillis() - MINUTE, MINUTE) * MINUTE;
    long[] memBefore = redisMemory();
    first = Compaction.run(spark, stack.config, fs, fromMillis, toMillis, options);
    long[] memAfter = redisMemory();
    System.out.println(first.describe());
    System.out.printf(
        "Redis memory of feature set %s: %,d bytes in %,d hashes (%,d fields) before compaction, %,d bytes"
            + " (%,d fields) after: %,d bytes freed (%.0f%%); compaction read %,d records at %,.0f records/s%n",
        fs.name(),
        memBefore[0],
        memBefore[1],
        memBefore[2],
        memAfter[0],
        memAfter[2],
        memBefore[0] - memAfter[0],
        100.0 * (memBefore[0] - memAfter[0]) / memBefore[0],
        first.recordsRead(),
        first.recordsPerSecond());
    System.out.printf(
        "  compacted entries: %,d of %.1f bytes on average; hashes in the hashtable encoding (a value over Redis's"
            + " hash-max-listpack-value, 64 bytes by default): %,d before, %,d after%n",
        memAfter[4], (double) memAfter[5] / memAfter[4], memBefore[3], memAfter[3]);

    List<Event> inRange = eventsInRange(null);
    assertThat(first.recordsRead())
        .as("every record of the topic read")
        .isEqualTo(events.size() + badRecords);
    assertThat(first.acceptedInRange()).isEqualTo(inRange.size());
    assertThat(first.acceptedOutsideRange()).isEqualTo(events.size() - inRange.size());
    assertThat(first.rejectedTotal()).isEqualTo(badRecords);
    assertThat(first.rejected())
        .containsOnlyKeys("malformed_json", "missing_entity_key", "wrong_type");
    Map<String, Map<Long, List<Event>>> bySlice = bySlice(inRange);
    long expectedSlices = bySlice.values().stream().mapToLong(Map::size).sum();
    assertThat(first.slices()).isEqualTo(expectedSlices);
    assertThat(first.entities()).isEqualTo(bySlice.size());
    assertThat(first.redisHashesWritten())
        .as("no slice of the last hour has expired")
        .isEqualTo(expectedSlices);
    assertThat(first.redisFieldsDeleted())
        .as("every event field of the range")
        .isEqualTo(inRange.size());
    assertThat(first.redisBytesFreed()).isPositive();
    assertThat(memAfter[0]).as("Redis memory of the feature set drops").isLessThan(memBefore[0]);
    assertThat(memAfter[2]).isEqualTo(memBefore[2] - inRange.size() + expectedSlices);

    // each compacted hash holds only its compacted entry, which covers exactly what was read
    bySlice.forEach(
        (card, slices) ->
            slices.forEach(
                (slice, evs) -> {
                  Map<byte[], byte[]> hash = redis.hgetAll(layout.sliceKey(card, slice));
                  assertThat(hash).as("hash of %s slice %s", card, slice).hasSize(1);
                  CompactedEntry c =
                      CompactedEntry.decode(hash.values().iterator().next(), fs, slice * MINUTE);
                  assertThat(c.eventCount()).isEqualTo(evs.size());
                  assertThat(c.maxEventTimeMillis())
                      .isEqualTo(evs.stream().mapToLong(Event::timeMillis).max().orElseThrow());
                  for (Event e : evs) {
                    PartitionRange r = first.ranges().get(e.partition());
                    assertThat(c.covers(0, e.partition(), e.offset())).isTrue();
                    assertThat(c.coveredRanges())
                        .anySatisfy(
                            cr ->
                                assertThat(
                                        cr.firstOffset() == r.startOffset()
                                            && cr.endOffset() == r.endOffset()
                                            && cr.partition() == r.partition())
                                    .isTrue());
                  }
                }));
    assertServedEqualsOracle("after compaction");
    assertIcebergEqualsOracle(first, null);
  }

  @Test
  @Order(2)
  void compactingTheSameRangeAgainChangesNothing() {
    assertThat(first).as("previous step ran").isNotNull();
    Map<String, Map<String, String>> before = redisContents();
    long[] rows = icebergRowCounts();
    CompactionResult again = Compaction.run(spark, stack.config, fs, fromMillis, toMillis, options);
    System.out.println("second run over the same range: " + again.describe());
    assertThat(redisContents()).as("every slice hash, byte for byte").isEqualTo(before);
    assertThat(icebergRowCounts()).as("Iceberg rows of events and slices").isEqualTo(rows);
    assertThat(again.redisFieldsDeleted()).isZero();
    assertThat(again.redisHashesWritten()).isEqualTo(first.redisHashesWritten());
    assertThat(again.eventsSnapshotId())
        .as("a new commit, same rows")
        .isNotEqualTo(first.eventsSnapshotId());
    assertServedEqualsOracle("after compacting the same range twice");
  }

  @Test
  @Order(3)
  void lateAndConcurrentEventsAreServedThenCompactedAndAReplayCountsNothingTwice()
      throws Exception {
    assertThat(first).as("previous step ran").isNotNull();
    RunningIngest ingest = startIngest("checkpoint-a");
    List<Event> late;
    CompactionResult third;
    try {
      // late events for slices that are already compacted, and current ones
      late = send(1_000, fromMillis, toMillis);
      send(200, System.currentTimeMillis() - MINUTE, System.currentTimeMillis());
      ingest.processAllAvailable();
      assertServedEqualsOracle(
          "late events for compacted slices, merged above the covered offsets");
      long extraFields =
          late.stream()
              .filter(
                  e ->
                      redis.hexists(
                          layout.sliceKey(e.card(), Math.floorDiv(e.timeMillis(), MINUTE)),
                          layout.eventField(0, e.partition(), e.offset())))
              .count();
      assertThat(extraFields)
          .as("late events stay as event fields next to the compacted entry")
          .isEqualTo(late.size());

      // compaction again while online-ingest runs and events keep arriving
      AtomicBoolean producing = new AtomicBoolean(true);
      CompletableFuture<Integer> background =
          CompletableFuture.supplyAsync(
              () -> {
                int n = 0;
                try {
                  while (producing.get()) {
                    send(50, fromMillis, System.currentTimeMillis());
                    n += 50;
                    Thread.sleep(100);
                  }
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
                return n;
              });
      try {
        third = Compaction.run(spark, stack.config, fs, fromMillis, toMillis, options);
      } finally {
        producing.set(false);
      }
      int concurrent = background.get(60, TimeUnit.SECONDS);
      ingest.processAllAvailable();
      System.out.println(
          "compaction while online-ingest ran and "
              + concurrent
              + " events arrived: "
              + third.describe());
      assertThat(concurrent).isPositive();
      assertServedEqualsOracle(
          "after a compaction that ran concurrently with online-ingest and new events");
    } finally {
      ingest.stop();
    }
    // the late events are now inside the compacted entries
    for (Event e : late) {
      byte[] key = layout.sliceKey(e.card(), Math.floorDiv(e.timeMillis(), MINUTE));
      assertThat(redis.hexists(key, layout.eventField(0, e.partition(), e.offset())))
          .as("late event %s was compacted", e)
          .isFalse();
    }
    Map<String, Map<Long, List<Event>>> covered = bySlice(eventsInRange(third));
    covered.forEach(
        (card, slices) ->
            slices.forEach(
                (slice, evs) -> {
                  byte[] c =
                      redis.hget(layout.sliceKey(card, slice), OnlineLayout.compactedField());
                  assertThat(CompactedEntry.decode(c, fs, slice * MINUTE).eventCount())
                      .as("compacted count of %s slice %s", card, slice)
                      .isEqualTo(evs.size());
                }));
    assertIcebergEqualsOracle(third, third);

    // the whole topic again from a fresh checkpoint: every field inside a covered range is
    // rewritten, never counted twice
    RunningIngest replay = startIngest("checkpoint-replay");
    try {
      replay.processAllAvailable();
      System.out.println(
          "replay from a fresh checkpoint after compaction: " + replay.metrics().describe());
    } finally {
      replay.stop();
    }
    assertServedEqualsOracle("after replaying the whole topic from a fresh checkpoint");
  }

  /**
   * @return accepted events with event time in the range (and, if {@code run} is given, offsets it
   *     covered)
   */
  private List<Event> eventsInRange(CompactionResult run) {
    List<Event> out = new ArrayList<>();
    synchronized (events) {
      for (Event e : events) {
        if (e.timeMillis() >= fromMillis
            && e.timeMillis() < toMillis
            && (run == null || run.ranges().get(e.partition()).contains(e.offset()))) {
          out.add(e);
        }
      }
    }
    return out;
  }

  private static Map<String, Map<Long, List<Event>>> bySlice(List<Event> evs) {
    Map<String, Map<Long, List<Event>>> out = new TreeMap<>();
    for (Event e : evs) {
      out.computeIfAbsent(e.card(), k -> new TreeMap<>())
          .computeIfAbsent(Math.floorDiv(e.timeMillis(), MINUTE), k -> new ArrayList<>())
          .add(e);
    }
    return out;
  }

  /**
   * @return {MEMORY USAGE summed over the feature set's hashes, hashes, fields, hashes in the
   *     hashtable encoding (not listpack), compacted entries, their bytes}
   */
  private long[] redisMemory() {
    long bytes = 0;
    long fields = 0;
    long hashtables = 0;
    long entries = 0;
    long entryBytes = 0;
    var keys = redis.keys(layout.keyPrefix() + "*");
    for (String key : keys) {
      Long usage = redis.memoryUsage(key);
      bytes += usage == null ? 0 : usage;
      fields += redis.hlen(key);
      hashtables += "hashtable".equals(redis.objectEncoding(key)) ? 1 : 0;
      long c = redis.hstrlen(key, OnlineLayout.COMPACTED_FIELD);
      entries += c > 0 ? 1 : 0;
      entryBytes += c;
    }
    return new long[] {bytes, keys.size(), fields, hashtables, entries, entryBytes};
  }

  private Map<String, Map<String, String>> redisContents() {
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (String key : redis.keys(layout.keyPrefix() + "*")) {
      Map<String, String> fields = new TreeMap<>();
      redis
          .hgetAll(key.getBytes(StandardCharsets.UTF_8))
          .forEach(
              (f, v) ->
                  fields.put(new String(f, StandardCharsets.UTF_8), HexFormat.of().formatHex(v)));
      fields.put("(expiry)", Long.toString(redis.pexpireTime(key)));
      out.put(key, fields);
    }
    for (String key : redis.keys(layout.indexKeyPrefix() + "*")) { // the slice indices too
      Map<String, String> members = new TreeMap<>();
      for (String m : redis.zrange(key, 0, -1)) {
        members.put(m, String.valueOf(redis.zscore(key, m)));
      }
      members.put("(expiry)", Long.toString(redis.pexpireTime(key)));
      out.put(key, members);
    }
    return out;
  }

  private long[] icebergRowCounts() {
    return new long[] {
      spark.sql("SELECT count(*) FROM " + CATALOG + ".slicestore.cardtx_events").first().getLong(0),
      spark.sql("SELECT count(*) FROM " + CATALOG + ".slicestore.cardtx_slices").first().getLong(0)
    };
  }

  /**
   * The slices table, read back with Spark SQL, equals the oracle per (entity, slice), and the
   * events table holds one row per accepted event of the range (restricted to what {@code run}
   * covered).
   */
  private void assertIcebergEqualsOracle(CompactionResult result, CompactionResult run) {
    List<Event> inRange = eventsInRange(run);
    Map<String, Map<Long, List<Event>>> expected = bySlice(inRange);
    Map<String, Object[]> oracle = new TreeMap<>();
    expected.forEach(
        (card, slices) ->
            slices.forEach(
                (slice, evs) -> {
                  BigDecimal sum = BigDecimal.ZERO;
                  double min = Double.POSITIVE_INFINITY;
                  double max = Double.NEGATIVE_INFINITY;
                  for (Event e : evs) {
                    sum = sum.add(new BigDecimal(e.amount()));
                    min = Math.min(min, e.amount());
                    max = Math.max(max, e.amount());
                  }
                  oracle.put(
                      card + "/" + slice,
                      new Object[] {
                        (long) evs.size(),
                        sum.doubleValue(),
                        min,
                        max,
                        sum.doubleValue() / evs.size(),
                        Instant.ofEpochMilli(slice * MINUTE),
                        Instant.ofEpochMilli((slice + 1) * MINUTE)
                      });
                }));
    Map<String, Object[]> actual = new TreeMap<>();
    for (Row r :
        spark
            .sql(
                "SELECT entity_key, slice_index, tx, amount_sum, amount_min, amount_max, amount_mean, slice_start,"
                    + " slice_end, event_count FROM "
                    + CATALOG
                    + ".slicestore.cardtx_slices")
            .collectAsList()) {
      assertThat(r.getLong(9)).isEqualTo(r.getLong(2));
      actual.put(
          r.getString(0) + "/" + r.getLong(1),
          new Object[] {
            r.getLong(2),
            r.getDouble(3),
            r.getDouble(4),
            r.getDouble(5),
            r.getDouble(6),
            r.getTimestamp(7).toInstant(),
            r.getTimestamp(8).toInstant()
          });
    }
    assertThat(actual.keySet())
        .as("(entity, slice) rows of the slices table")
        .isEqualTo(oracle.keySet());
    oracle.forEach(
        (k, v) -> assertThat(actual.get(k)).as("slices table row %s", k).containsExactly(v));
    long rows =
        spark
            .sql("SELECT count(*) FROM " + CATALOG + ".slicestore.cardtx_events")
            .first()
            .getLong(0);
    assertThat(rows)
        .as("events table rows")
        .isEqualTo(inRange.size())
        .isEqualTo(result.acceptedInRange());
    Row check =
        spark
            .sql(
                "SELECT count(DISTINCT partition, offset), min(event_time), max(event_time), sum(cents) FROM "
                    + CATALOG
                    + ".slicestore.cardtx_events")
            .first();
    assertThat(check.getLong(0)).as("one row per event").isEqualTo(inRange.size());
    assertThat(check.getTimestamp(1).toInstant())
        .isAfterOrEqualTo(Instant.ofEpochMilli(fromMillis));
    assertThat(check.getTimestamp(2).toInstant()).isBefore(Instant.ofEpochMilli(toMillis));
    assertThat(check.getLong(3))
        .as("the transform column")
        .isEqualTo(inRange.stream().mapToLong(e -> Math.round(e.amount() * 100)).sum());
    System.out.println(
        "Iceberg slices table equals the oracle on all "
            + oracle.size()
            + " (entity, slice) rows; events table: "
            + rows
            + " rows");
  }

  private void assertServedEqualsOracle(String when) {
    List<String> cards = new ArrayList<>();
    for (int i = 0; i < CARDS; i++) {
      cards.add("card-" + i);
    }
    GetFeaturesResponse resp =
        FeatureServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getFeatures(
                GetFeaturesRequest.newBuilder()
                    .setFeatureSet(fs.name())
                    .addAllEntityKeys(cards)
                    .build());
    long t = resp.getEvaluationTimeMillis();
    List<Event> snapshot;
    synchronized (events) {
      snapshot = new ArrayList<>(events);
    }
    int nonEmpty = 0;
    for (EntityFeatures ef : resp.getEntitiesList()) {
      // the features are counts, sums, means, minima and maxima: longs, doubles or null
      Map<String, Object> served = ServedValues.byFeature(resp, ef);
      Map<String, Object> expected = oracle(snapshot, ef.getEntityKey(), t);
      assertThat(served)
          .as("%s: features of %s at t=%s", when, ef.getEntityKey(), t)
          .isEqualTo(expected);
      if ((Long) expected.get("tx_1h") > 0) {
        nonEmpty++;
      }
    }
    assertThat(nonEmpty).isGreaterThan(CARDS / 2);
    System.out.println(
        when
            + ": "
            + CARDS
            + " cards x "
            + resp.getFeatureNamesCount()
            + " features equal the oracle at t="
            + t);
  }

  /**
   * Naive oracle: every accepted event of the card in the window ({@link WindowOracle}), aggregated
   * naively.
   */
  private static Map<String, Object> oracle(List<Event> all, String card, long t) {
    Map<String, Object> out = new HashMap<>();
    List<Event> ofCard = all.stream().filter(e -> e.card().equals(card)).toList();
    for (String window : List.of("1m", "10m", "1h")) {
      long w = Durations.parseMillis(window);
      List<Object> amounts =
          new ArrayList<>(
              WindowOracle.select(ofCard, Event::timeMillis, t, w, MINUTE).stream()
                  .map(e -> (Object) e.amount())
                  .toList());
      out.put("tx_" + window, NaiveAggregator.result("count", null, amounts));
      for (String function : List.of("sum", "min", "max", "mean")) {
        out.put(
            "amount_" + function + "_" + window,
            NaiveAggregator.result(function, ValueType.DOUBLE, amounts));
      }
    }
    return out;
  }
}
