package dev.slicestore.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.CompactedEntry;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.core.online.RowPreAggregate;
import dev.slicestore.core.online.WindowEvaluator;
import dev.slicestore.testkit.RedisFixture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import scala.Tuple2;

/**
 * The Redis half of compaction against a real redis-server: {@link AggregateSlices} builds the
 * compacted entries from events, {@link RedisSliceWriter} runs {@link CompactionScript}, and core's
 * read-merge rule ({@link WindowEvaluator}) must read exactly what it read from the per-event
 * fields before, with the events outside the covered ranges still merged on top.
 */
class RedisSliceWriterTest {
  private static final long MINUTE = 60_000;
  private static final String CONF =
      """
      name = %s
      version = 3
      source { topics = %s, dead-letter-topic = dlq, schema { card = string, amount = double, ts = string } }
      entity-key = card
      event-time { column = ts, format = iso-8601 }
      slice = 1m
      windows = [1m, 5m, 30m]
      allowed-lateness = 1m
      aggregations = [
        { name = tx, function = count }
        { name = amount_sum, function = sum, input = amount }
        { name = amount_min, function = min, input = amount }
        { name = amount_max, function = max, input = amount }
        { name = amount_mean, function = mean, input = amount }
      ]
      """;

  static RedisFixture server;
  static JedisPooled jedis;
  static AppConfig app;
  final long seed = Long.getLong("slicestore.seed", System.nanoTime());

  @BeforeAll
  static void startRedis() throws Exception {
    server = RedisFixture.start();
    jedis = new JedisPooled(new HostAndPort(server.host(), server.port()));
    app = AppConfig.load(null).withEndpoints("localhost:1", List.of(server.node()));
  }

  @AfterAll
  static void stopRedis() throws Exception {
    RedisClients.closeShared();
    jedis.close();
    server.close();
  }

  @BeforeEach
  void flush() {
    jedis.flushAll();
  }

  private static FeatureSet featureSet(String name, String topics) {
    return FeatureSetLoader.parse(CONF.formatted(name, topics), name + ".conf");
  }

  /** An in-range event row as {@link ClassifyEvents} emits it (columns: card, amount, ts). */
  private static Row event(
      FeatureSet fs, String card, long time, int topic, int partition, long offset, Double amount) {
    List<Object> values =
        new ArrayList<>(
            List.of(
                ClassifyEvents.IN_RANGE,
                card,
                time,
                Math.floorDiv(time, fs.sliceMillis()),
                fs.topics().get(topic),
                topic,
                partition,
                offset));
    for (String column : fs.columns().keySet()) { // the feature set's column order
      values.add(
          switch (column) {
            case "card" -> card;
            case "ts" -> java.time.Instant.ofEpochMilli(time).toString();
            default -> amount;
          });
    }
    return RowFactory.create(values.toArray());
  }

  private static List<Row> aggregate(FeatureSet fs, List<Row> events, List<PartitionRange> ranges) {
    Map<String, List<Row>> groups = new TreeMap<>();
    for (Row e : events) {
      groups
          .computeIfAbsent(e.getString(1) + "\u0000" + e.getLong(3), k -> new ArrayList<>())
          .add(e);
    }
    AggregateSlices agg = new AggregateSlices(fs, ClassifyEvents.outputSchema(fs), ranges);
    List<Row> out = new ArrayList<>();
    groups.forEach(
        (k, rows) ->
            out.add(
                agg.call(
                    new Tuple2<>(rows.get(0).getString(1), rows.get(0).getLong(3)),
                    rows.iterator())));
    return out;
  }

  private static RedisSliceWriter.Counters write(FeatureSet fs, List<Row> slices, long nowMillis) {
    RedisSliceWriter.Counters counters = new RedisSliceWriter.Counters();
    new RedisSliceWriter(app, fs, AggregateSlices.outputSchema(fs), nowMillis, 2, counters)
        .call(slices.iterator());
    return counters;
  }

  private static void hsetEvent(FeatureSet fs, Row e) {
    OnlineLayout layout = new OnlineLayout(fs);
    long time = e.getLong(2);
    long slice = e.getLong(3);
    Object amount = e.get(ClassifyEvents.METADATA_COLUMNS + columnIndex(fs, "amount"));
    byte[] value =
        new RowPreAggregate(time, new Object[] {amount})
            .encode(fs.inputColumns(), slice * fs.sliceMillis(), fs.sliceMillis());
    jedis.hset(
        layout.sliceKey(e.getString(1), slice),
        layout.eventField(e.getInt(5), e.getInt(6), e.getLong(7)),
        value);
  }

  private static int columnIndex(FeatureSet fs, String column) {
    return new ArrayList<>(fs.columns().keySet()).indexOf(column);
  }

  private static FeatureVector evaluate(FeatureSet fs, String card, long t) {
    WindowEvaluator ev = new WindowEvaluator(fs, fs.features());
    List<Map<byte[], byte[]>> hashes = new ArrayList<>();
    for (byte[] key : ev.sliceKeys(card, t)) {
      hashes.add(jedis.hgetAll(key));
    }
    return ev.evaluate(t, hashes);
  }

  private static Map<String, String> contents(byte[] key) {
    Map<String, String> out = new TreeMap<>();
    jedis
        .hgetAll(key)
        .forEach(
            (f, v) -> out.put(new String(f, StandardCharsets.UTF_8), HexFormat.of().formatHex(v)));
    return out;
  }

  @Test
  void compactedSlicesReadTheSameAndEventsOutsideTheCoveredRangesStay() {
    System.out.println(
        "RedisSliceWriterTest seed = " + seed + " (rerun with -Dslicestore.seed=" + seed + ")");
    Random rnd = new Random(seed);
    FeatureSet fs = featureSet("cards", "[tx]");
    long now = System.currentTimeMillis();
    long closedSlice = Math.floorDiv(now, MINUTE) - 2;
    List<PartitionRange> ranges =
        List.of(new PartitionRange("tx", 0, 0, 10, 60), new PartitionRange("tx", 0, 1, 5, 40));
    List<Row> covered = new ArrayList<>();
    List<Row> all = new ArrayList<>();
    long[] nextOffset = {0, 0};
    for (int i = 0; i < 300; i++) {
      String card = "c" + rnd.nextInt(4);
      long slice = closedSlice - rnd.nextInt(6);
      long time = slice * MINUTE + rnd.nextInt((int) MINUTE);
      int partition = rnd.nextInt(2);
      long offset = nextOffset[partition]++;
      Double amount = rnd.nextInt(10) == 0 ? null : Math.round(rnd.nextGaussian() * 10_000) / 100.0;
      Row e = event(fs, card, time, 0, partition, offset, amount);
      all.add(e);
      hsetEvent(fs, e);
      if (ranges.get(partition).contains(offset)) {
        covered.add(e);
      }
    }
    long t = now;
    Map<String, FeatureVector> before = new TreeMap<>();
    for (int c = 0; c < 4; c++) {
      before.put("c" + c, evaluate(fs, "c" + c, t));
    }
    List<Row> slices = aggregate(fs, covered, ranges);
    RedisSliceWriter.Counters counters = write(fs, slices, now);
    assertThat(counters.written.value()).isEqualTo(slices.size());
    assertThat(counters.fieldsDeleted.value())
        .as("every covered event field")
        .isEqualTo(covered.size());
    OnlineLayout layout = new OnlineLayout(fs);
    long memory = 0;
    for (Row s : slices) {
      memory += jedis.memoryUsage(layout.sliceKey(s.getString(0), s.getLong(1)));
    }
    assertThat(counters.bytesAfter.value())
        .as("MEMORY USAGE after, summed by the script")
        .isEqualTo(memory);
    assertThat(counters.bytesBefore.value()).isPositive();
    for (Row e : all) {
      boolean inside = ranges.get(e.getInt(6)).contains(e.getLong(7));
      assertThat(
              jedis.hexists(
                  layout.sliceKey(e.getString(1), e.getLong(3)),
                  layout.eventField(0, e.getInt(6), e.getLong(7))))
          .as("field of %s", e)
          .isEqualTo(!inside);
    }
    for (Row s : slices) {
      byte[] key = layout.sliceKey(s.getString(0), s.getLong(1));
      assertThat(jedis.pexpireTime(key)).isEqualTo(fs.sliceExpiryMillis(s.getLong(1)));
      byte[] index = layout.indexKey(s.getString(0));
      assertThat(jedis.zscore(index, OnlineLayout.indexMember(s.getLong(1))))
          .as("slice index of %s lists slice %d", s.getString(0), s.getLong(1))
          .isEqualTo((double) s.getLong(1));
      assertThat(jedis.pexpireTime(index))
          .as("the index expires no earlier than its slices")
          .isGreaterThanOrEqualTo(jedis.pexpireTime(key));
      CompactedEntry entry =
          CompactedEntry.decode(
              jedis.hget(key, OnlineLayout.compactedField()), fs, s.getLong(1) * MINUTE);
      assertThat(entry.eventCount()).isEqualTo(s.getLong(3));
    }
    for (int c = 0; c < 4; c++) {
      FeatureVector after = evaluate(fs, "c" + c, t);
      FeatureVector b = before.get("c" + c);
      assertThat(after.error()).isNull();
      assertThat(Arrays.asList(after.values()))
          .as("features of c%d at t", c)
          .isEqualTo(Arrays.asList(b.values()));
      assertThat(Arrays.asList(after.statuses())).isEqualTo(Arrays.asList(b.statuses()));
    }

    // the same slices again: nothing changes, nothing is deleted
    Map<String, Map<String, String>> snapshot = new TreeMap<>();
    for (Row s : slices) {
      snapshot.put(
          s.getString(0) + "/" + s.getLong(1),
          contents(layout.sliceKey(s.getString(0), s.getLong(1))));
    }
    RedisSliceWriter.Counters again = write(fs, slices, now);
    assertThat(again.fieldsDeleted.value()).isZero();
    assertThat(again.bytesBefore.value()).isEqualTo(again.bytesAfter.value());
    for (Row s : slices) {
      assertThat(contents(layout.sliceKey(s.getString(0), s.getLong(1))))
          .isEqualTo(snapshot.get(s.getString(0) + "/" + s.getLong(1)));
    }
  }

  @Test
  void multiTopicFieldsAreMatchedByTopicPartitionAndOffset() {
    FeatureSet fs = featureSet("multi", "[a, b]");
    long slice = Math.floorDiv(System.currentTimeMillis(), MINUTE) - 2;
    long time = slice * MINUTE + 7;
    List<PartitionRange> ranges = List.of(new PartitionRange("a", 0, 1, 5, 9));
    Row inA = event(fs, "k", time, 0, 1, 5, 1.0);
    Row inB = event(fs, "k", time, 1, 1, 5, 2.0);
    Row endA = event(fs, "k", time, 0, 1, 9, 4.0);
    for (Row e : List.of(inA, inB, endA)) {
      hsetEvent(fs, e);
    }
    byte[] key = new OnlineLayout(fs).sliceKey("k", slice);
    assertThat(contents(key)).containsOnlyKeys("0:1:5", "1:1:5", "0:1:9");
    write(fs, aggregate(fs, List.of(inA), ranges), System.currentTimeMillis());
    assertThat(contents(key))
        .as("only topic 0, partition 1, offsets [5, 9) are covered")
        .containsOnlyKeys("c", "1:1:5", "0:1:9");
    FeatureVector v = evaluate(fs, "k", System.currentTimeMillis());
    assertThat(v.values()[fs.features().indexOf(fs.feature("tx_30m"))]).isEqualTo(3L);
  }

  @Test
  void anEntryOfMoreEventsIsNeverReplacedByOneOfFewer() {
    FeatureSet fs = featureSet("shrink", "[tx]");
    long slice = Math.floorDiv(System.currentTimeMillis(), MINUTE) - 3;
    List<PartitionRange> wide = List.of(new PartitionRange("tx", 0, 0, 0, 10));
    List<Row> three =
        List.of(
            event(fs, "k", slice * MINUTE + 1, 0, 0, 1, 1.0),
            event(fs, "k", slice * MINUTE + 2, 0, 0, 2, 1.0),
            event(fs, "k", slice * MINUTE + 3, 0, 0, 3, 1.0));
    write(fs, aggregate(fs, three, wide), System.currentTimeMillis());
    byte[] key = new OnlineLayout(fs).sliceKey("k", slice);
    Map<String, String> before = contents(key);
    List<PartitionRange> narrow = List.of(new PartitionRange("tx", 0, 0, 2, 10));
    assertThatThrownBy(
            () -> write(fs, aggregate(fs, three.subList(1, 3), narrow), System.currentTimeMillis()))
        .isInstanceOf(CompactionRefusedException.class)
        .hasMessageContaining("Cannot compact 1 slice(s) of feature set shrink")
        .hasMessageContaining("entity k slice " + slice)
        .hasMessageContaining("Redis holds a compacted entry of 3 events, this run found only 2");
    assertThat(contents(key)).as("refused: nothing changed").isEqualTo(before);

    jedis.hset(key, OnlineLayout.compactedField(), new byte[] {9, 1, 0});
    assertThatThrownBy(() -> write(fs, aggregate(fs, three, wide), System.currentTimeMillis()))
        .isInstanceOf(CompactionRefusedException.class)
        .hasMessageContaining("unknown format");
  }

  @Test
  void theScriptIsSentAgainWhenRedisDoesNotHaveItAndExpiredSlicesAreSkipped() {
    FeatureSet fs = featureSet("noscript", "[tx]");
    long slice = Math.floorDiv(System.currentTimeMillis(), MINUTE) - 2;
    List<PartitionRange> ranges = List.of(new PartitionRange("tx", 0, 0, 0, 10));
    List<Row> slices =
        aggregate(
            fs,
            List.of(
                event(fs, "k", slice * MINUTE, 0, 0, 0, 5.0),
                event(fs, "j", slice * MINUTE, 0, 0, 1, 5.0)),
            ranges);
    jedis.scriptFlush();
    assertThat(
            jedis.scriptExists(new String(CompactionScript.SHA1, StandardCharsets.US_ASCII), "k"))
        .isFalse();
    RedisSliceWriter.Counters counters = write(fs, slices, System.currentTimeMillis());
    assertThat(counters.written.value()).isEqualTo(2);
    assertThat(
            jedis.scriptExists(new String(CompactionScript.SHA1, StandardCharsets.US_ASCII), "k"))
        .isTrue();

    jedis.flushAll();
    RedisSliceWriter.Counters expired = write(fs, slices, fs.sliceExpiryMillis(slice));
    assertThat(expired.written.value()).isZero();
    assertThat(expired.skippedExpired.value()).isEqualTo(2);
    assertThat(jedis.dbSize()).isZero();
  }
}
