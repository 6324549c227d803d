package dev.slicestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.online.CompactedEntry;
import dev.slicestore.core.online.CoveredRange;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RowPreAggregate;
import dev.slicestore.core.time.Slicing;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureStatus;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.Value;
import dev.slicestore.testkit.RedisFixture;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Every feature served equals a naive oracle computed here from the raw event list with the window
 * rule (docs/design.md, "Window rule"), at the {@code t} the server reported: events exactly at
 * {@code t} (excluded), at slice starts, an entity without data, and a compacted slice with
 * replayed, bogus and late event fields around its covered range.
 */
class FeatureServiceOracleTest {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureServiceOracleTest.class);
  private static final long HOUR = 3_600_000L;
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final List<String> ENTITIES = List.of("alice", "bob", "carol", "dave", "nobody");
  private static final String[] COUNTRIES = {"DE", "FR", "GB", "NL", "ES", "Ünïcödé"};

  private static RedisFixture redisServer;
  private static UnifiedJedis redis;

  /** One raw event, as the oracle sees it. */
  record Event(
      String entity,
      long timeMillis,
      int partition,
      long offset,
      Double amount,
      Long quantity,
      String country) {}

  private final FeatureSet fs = TestFeatureSets.shop();
  private final OnlineLayout layout = new OnlineLayout(fs);
  private final Slicing slicing = fs.slicing();
  private final Map<String, List<Event>> oracleEvents = new LinkedHashMap<>();
  private final long[] nextOffset = {1000, 1000, 1000};
  private long seed;
  private Random rnd;

  @BeforeAll
  static void startRedis() throws Exception {
    redisServer = RedisFixture.start();
    redis = redisServer.client(5000);
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
    redisServer.close();
  }

  @BeforeEach
  void resetSeed() {
    redis.flushAll();
    seed = Long.getLong("slicestore.test.seed", 20240601L);
    LOG.info("FeatureServiceOracleTest seed {} (rerun with -Dslicestore.test.seed={})", seed, seed);
    rnd = new Random(seed);
    ENTITIES.forEach(e -> oracleEvents.put(e, new ArrayList<>()));
  }

  @Test
  void everyFeatureEqualsTheNaiveOracleAtTheReportedTime() throws Exception {
    long t0 = Instant.parse("2024-06-01T12:00:00Z").toEpochMilli() + rnd.nextInt((int) HOUR);
    long cur = slicing.sliceIndex(t0);
    long curStart = slicing.sliceStartMillis(cur);
    long eventAtT = curStart + 1 + rnd.nextInt((int) HOUR - 2);
    List<Long> evaluationTimes =
        List.of(t0, curStart, curStart + 1, eventAtT, slicing.sliceEndMillis(cur) - 1);

    // random events from before the longest window to after the current slice
    for (String entity : List.of("alice", "bob", "carol", "dave")) {
      int n = 30 + rnd.nextInt(50);
      for (int i = 0; i < n; i++) {
        long time = slicing.sliceStartMillis(cur - 25) + (long) (rnd.nextDouble() * 27 * HOUR);
        write(randomEvent(entity, time));
      }
    }
    // boundaries: slice starts around each window's oldest slice, the last ms of a slice, events at
    // and just before each t
    for (long idx : new long[] {cur, cur - 1, cur - 2, cur - 3, cur - 23, cur - 24}) {
      write(randomEvent("alice", slicing.sliceStartMillis(idx)));
    }
    write(randomEvent("alice", slicing.sliceEndMillis(cur - 1) - 1));
    for (long t : new TreeSet<>(evaluationTimes)) {
      write(randomEvent("alice", t));
      write(randomEvent("bob", t));
      write(randomEvent("bob", t - 1));
    }
    writeCompactedSlice("carol", cur - 2);

    MutableClock clock = new MutableClock(0);
    try (InProcessFeatureServer server =
        new InProcessFeatureServer(
            TestFeatureSets.all(), redis, List.of(redisServer.node()), clock)) {
      for (long t : evaluationTimes) {
        clock.set(t);
        GetFeaturesResponse response =
            FeatureClient.fetch(
                server.channel(),
                GetFeaturesRequest.newBuilder()
                    .setFeatureSet("shop")
                    .addAllEntityKeys(ENTITIES)
                    .build(),
                DEADLINE);
        assertThat(response.getEvaluationTimeMillis()).as("reported t").isEqualTo(t);
        assertThat(response.getFeatureNamesList())
            .as("all features, in the feature set's order")
            .isEqualTo(fs.features().stream().map(Feature::name).toList());
        assertMatchesOracle(response);
      }
    }
  }

  @Test
  void aFeatureSubsetKeepsTheRequestedOrderAndEntityOrder() throws Exception {
    long t = Instant.parse("2024-06-01T12:34:56.789Z").toEpochMilli();
    long cur = slicing.sliceIndex(t);
    for (String entity : List.of("alice", "bob")) {
      for (int i = 0; i < 40; i++) {
        write(
            randomEvent(
                entity,
                slicing.sliceStartMillis(cur - 23) + (long) (rnd.nextDouble() * 25 * HOUR)));
      }
    }
    List<String> wanted = List.of("country_max_1d", "amount_sum_3h", "events_1h", "amount_mean_1d");
    try (InProcessFeatureServer server =
        new InProcessFeatureServer(
            TestFeatureSets.all(), redis, List.of(redisServer.node()), new MutableClock(t))) {
      GetFeaturesResponse subset =
          FeatureClient.fetch(
              server.channel(),
              GetFeaturesRequest.newBuilder()
                  .setFeatureSet("shop")
                  .addAllEntityKeys(List.of("bob", "alice", "bob"))
                  .addAllFeatures(wanted)
                  .build(),
              DEADLINE);
      assertThat(subset.getFeatureNamesList()).isEqualTo(wanted);
      assertThat(subset.getEntitiesList())
          .extracting(EntityFeatures::getEntityKey)
          .containsExactly("bob", "alice", "bob");
      assertThat(subset.getEntities(0))
          .as("a repeated entity gets the same answer")
          .isEqualTo(subset.getEntities(2));
      assertMatchesOracle(subset);
    }
  }

  @Test
  void corruptOrMistypedDataGivesErrorStatusesForThatEntityOnly() throws Exception {
    long t = Instant.parse("2024-06-01T12:30:00Z").toEpochMilli();
    long cur = slicing.sliceIndex(t);
    write(randomEvent("bob", t - 1000));
    redis.zadd(layout.indexKey("alice"), cur - 1, OnlineLayout.indexMember(cur - 1));
    redis.hset(layout.sliceKey("alice", cur - 1), layout.eventField(0, 0, 1), new byte[] {9, 9, 9});
    redis.zadd(layout.indexKey("dave"), cur, OnlineLayout.indexMember(cur));
    redis.set(layout.sliceKey("dave", cur), "not a hash".getBytes(StandardCharsets.UTF_8));
    redis.set(layout.indexKey("erin"), "not a sorted set".getBytes(StandardCharsets.UTF_8));
    redis.zadd(layout.indexKey("frank"), cur, "x7".getBytes(StandardCharsets.UTF_8));
    // harmless: an index entry whose hash is gone, and entries outside the window
    redis.zadd(layout.indexKey("bob"), cur - 2, OnlineLayout.indexMember(cur - 2));
    redis.zadd(layout.indexKey("bob"), cur - 100_000, OnlineLayout.indexMember(cur - 100_000));
    redis.zadd(layout.indexKey("bob"), cur + 1, OnlineLayout.indexMember(cur + 1));
    redis.hset(layout.sliceKey("bob", cur + 1), layout.eventField(0, 0, 1), new byte[] {9, 9, 9});
    try (InProcessFeatureServer server =
        new InProcessFeatureServer(
            TestFeatureSets.all(), redis, List.of(redisServer.node()), new MutableClock(t))) {
      GetFeaturesResponse r =
          FeatureClient.fetch(
              server.channel(),
              GetFeaturesRequest.newBuilder()
                  .setFeatureSet("shop")
                  .addAllEntityKeys(List.of("alice", "bob", "dave", "erin", "frank"))
                  .build(),
              DEADLINE);
      EntityFeatures alice = r.getEntities(0);
      assertThat(alice.getStatusesList()).containsOnly(FeatureStatus.ERROR);
      assertThat(alice.getValuesList()).containsOnly(Value.getDefaultInstance());
      assertThat(alice.getError()).contains("version 9 not recognized");
      assertThat(r.getEntities(1).getStatusesList()).doesNotContain(FeatureStatus.ERROR);
      assertThat(r.getEntities(1).getError()).isEmpty();
      assertThat(r.getEntities(2).getStatusesList()).containsOnly(FeatureStatus.ERROR);
      assertThat(r.getEntities(2).getError())
          .contains("WRONGTYPE")
          .contains("ss:shop:3:{dave}:" + cur);
      assertThat(r.getEntities(3).getStatusesList()).containsOnly(FeatureStatus.ERROR);
      assertThat(r.getEntities(3).getError()).contains("WRONGTYPE").contains("ssi:shop:3:{erin}");
      assertThat(r.getEntities(4).getStatusesList()).containsOnly(FeatureStatus.ERROR);
      assertThat(r.getEntities(4).getError())
          .contains("Corrupt slice index")
          .contains("'x7'")
          .contains("ssi:shop:3:{frank}");
    }
  }

  // ---- data -------------------------------------------------------------------------------

  private Event randomEvent(String entity, long time) {
    int partition = rnd.nextInt(3);
    Double amount = null;
    double kind = rnd.nextDouble();
    if (kind < 0.6) {
      amount = rnd.nextGaussian() * 100;
    } else if (kind < 0.75) {
      amount = rnd.nextDouble() * 1e12;
    } else if (kind < 0.9) {
      amount = -rnd.nextDouble() * 1e-3;
    }
    // quantities stay positive: a window whose long sum is exactly 0 would be EMPTY in core (see
    // report)
    Long quantity = rnd.nextDouble() < 0.05 ? null : 1L + rnd.nextInt(20);
    String country = rnd.nextDouble() < 0.1 ? null : COUNTRIES[rnd.nextInt(COUNTRIES.length)];
    return new Event(entity, time, partition, nextOffset[partition]++, amount, quantity, country);
  }

  /** Writes an event field through core's layout and records it for the oracle. */
  private void write(Event e) {
    writeField(e);
    oracleEvents.get(e.entity()).add(e);
  }

  private void writeField(Event e) {
    long index = slicing.sliceIndex(e.timeMillis());
    byte[] value =
        new RowPreAggregate(e.timeMillis(), inputs(e))
            .encode(fs.inputColumns(), slicing.sliceStartMillis(index), fs.sliceMillis());
    redis.zadd(layout.indexKey(e.entity()), index, OnlineLayout.indexMember(index));
    redis.hset(
        layout.sliceKey(e.entity(), index), layout.eventField(0, e.partition(), e.offset()), value);
  }

  private Object[] inputs(Event e) {
    List<InputColumn> columns = fs.inputColumns();
    Object[] inputs = new Object[columns.size()];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = input(e, columns.get(i).name());
    }
    return inputs;
  }

  private static Object input(Event e, String column) {
    return switch (column) {
      case "amount" -> e.amount();
      case "quantity" -> e.quantity();
      case "country" -> e.country();
      default -> throw new IllegalArgumentException(column);
    };
  }

  /**
   * A compacted slice: 10 events of partition 0, offsets [100, 110), only in the compacted entry;
   * replays of two of them and a bogus field inside the range (ignored), and fields below, above
   * and in another partition (merged).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void writeCompactedSlice(String entity, long index) {
    long start = slicing.sliceStartMillis(index);
    List<Event> compacted = new ArrayList<>();
    for (long offset = 100; offset < 110; offset++) {
      Event e = randomEvent(entity, start + rnd.nextInt((int) HOUR));
      compacted.add(
          new Event(entity, e.timeMillis(), 0, offset, e.amount(), e.quantity(), e.country()));
    }
    List<Object> accumulators = new ArrayList<>();
    for (Aggregation a : fs.aggregations()) {
      AggregateFunction f = a.function();
      Object acc = f.createAccumulator();
      for (Event e : compacted) {
        acc =
            f.add(
                acc,
                a.inputColumn() == null ? null : input(e, a.inputColumn()),
                new EventPosition(e.timeMillis(), 0, e.partition(), e.offset()));
      }
      accumulators.add(acc);
    }
    long maxTime = compacted.stream().mapToLong(Event::timeMillis).max().orElseThrow();
    CompactedEntry entry =
        new CompactedEntry(
            compacted.size(), maxTime, List.of(new CoveredRange(0, 0, 100, 110)), accumulators);
    redis.zadd(layout.indexKey(entity), index, OnlineLayout.indexMember(index));
    redis.hset(
        layout.sliceKey(entity, index), OnlineLayout.compactedField(), entry.encode(fs, start));
    oracleEvents.get(entity).addAll(compacted);

    writeField(compacted.get(2)); // replay after compaction: must not count twice
    writeField(compacted.get(7));
    writeField(
        new Event(entity, start + 5, 0, 104, 1e9, 1000L, "ZZZ")); // inside the range: ignored
    for (long[] po : new long[][] {{0, 99}, {0, 110}, {0, 111}, {1, 105}}) {
      Event e = randomEvent(entity, start + rnd.nextInt((int) HOUR));
      write(
          new Event(
              entity, e.timeMillis(), (int) po[0], po[1], e.amount(), e.quantity(), e.country()));
    }
  }

  // ---- the oracle ---------------------------------------------------------------------------

  private void assertMatchesOracle(GetFeaturesResponse response) {
    long t = response.getEvaluationTimeMillis();
    for (EntityFeatures ef : response.getEntitiesList()) {
      assertThat(ef.getEvaluationTimeMillis()).isEqualTo(t);
      assertThat(ef.getError()).as("error of %s", ef.getEntityKey()).isEmpty();
      assertThat(ef.getValuesCount()).isEqualTo(response.getFeatureNamesCount());
      assertThat(ef.getStatusesCount()).isEqualTo(response.getFeatureNamesCount());
      for (int i = 0; i < response.getFeatureNamesCount(); i++) {
        Feature f = fs.feature(response.getFeatureNames(i));
        Expected expected = oracle(oracleEvents.getOrDefault(ef.getEntityKey(), List.of()), f, t);
        assertThat(ef.getValues(i))
            .as("%s of %s at t=%d (seed %d)", f.name(), ef.getEntityKey(), t, seed)
            .isEqualTo(expected.value());
        assertThat(ef.getStatuses(i))
            .as("status of %s of %s at t=%d (seed %d)", f.name(), ef.getEntityKey(), t, seed)
            .isEqualTo(expected.status());
      }
    }
  }

  record Expected(Value value, FeatureStatus status) {}

  /**
   * docs/design.md, "Window rule": e counts iff floorDiv(e, s) > floorDiv(t, s) - W / s and e < t.
   */
  private Expected oracle(List<Event> all, Feature feature, long t) {
    long s = fs.sliceMillis();
    long w = feature.windowMillis() / s;
    List<Event> in =
        all.stream()
            .filter(
                e ->
                    e.timeMillis() < t
                        && Math.floorDiv(e.timeMillis(), s) > Math.floorDiv(t, s) - w)
            .toList();
    Aggregation a = fs.aggregations().get(feature.aggregationIndex());
    List<Object> inputs =
        a.inputColumn() == null
            ? null
            : in.stream().map(e -> input(e, a.inputColumn())).filter(v -> v != null).toList();
    switch (a.function().name()) {
      case "count":
        {
          long n = inputs == null ? in.size() : inputs.size();
          return new Expected(Value.newBuilder().setInt64Value(n).build(), status(n > 0));
        }
      case "sum":
        {
          if (a.inputType() == ValueType.LONG) {
            long sum = 0;
            for (Object v : inputs) {
              sum = Math.addExact(sum, (Long) v);
            }
            return new Expected(
                Value.newBuilder().setInt64Value(sum).build(), status(!inputs.isEmpty()));
          }
          return new Expected(
              Value.newBuilder().setDoubleValue(exactSum(inputs).doubleValue()).build(),
              status(!inputs.isEmpty()));
        }
      case "mean":
        {
          if (inputs.isEmpty()) {
            return new Expected(Value.getDefaultInstance(), FeatureStatus.EMPTY);
          }
          double mean = exactSum(inputs).doubleValue() / inputs.size();
          return new Expected(
              Value.newBuilder().setDoubleValue(mean).build(), FeatureStatus.PRESENT);
        }
      case "min":
      case "max":
        {
          if (inputs.isEmpty()) {
            return new Expected(Value.getDefaultInstance(), FeatureStatus.EMPTY);
          }
          Comparator<Object> order =
              a.inputType() == ValueType.DOUBLE
                  ? (x, y) -> Double.compare((Double) x, (Double) y)
                  : a.inputType() == ValueType.LONG
                      ? (x, y) -> Long.compare((Long) x, (Long) y)
                      : (x, y) -> ((String) x).compareTo((String) y);
          Object best =
              a.function().name().equals("max")
                  ? inputs.stream().max(order).orElseThrow()
                  : inputs.stream().min(order).orElseThrow();
          Value.Builder v = Value.newBuilder();
          switch (a.inputType()) {
            case DOUBLE -> v.setDoubleValue((Double) best);
            case LONG -> v.setInt64Value((Long) best);
            default -> v.setStringValue((String) best);
          }
          return new Expected(v.build(), FeatureStatus.PRESENT);
        }
      default:
        throw new IllegalStateException("no oracle for " + a.function().name());
    }
  }

  private static BigDecimal exactSum(List<Object> inputs) {
    BigDecimal sum = BigDecimal.ZERO;
    for (Object v : inputs) {
      sum = sum.add(new BigDecimal((Double) v));
    }
    return sum;
  }

  private static FeatureStatus status(boolean present) {
    return present ? FeatureStatus.PRESENT : FeatureStatus.EMPTY;
  }
}
