package dev.slicestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.compaction.CompactionResult;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.event.RejectReason;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.ingest.OnlineIngestJob;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.quickstart.replay.EventReplay;
import dev.slicestore.quickstart.replay.ReplayResult;
import dev.slicestore.serving.InProcessFeatureServer;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.FeatureStatus;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.Value;
import dev.slicestore.testkit.ChildJvm;
import dev.slicestore.testkit.TestSpark;
import dev.slicestore.testkit.TestStack;
import dev.slicestore.training.TrainingSetResult;
import dev.slicestore.training.TrainingSets;
import dev.slicestore.training.UncoveredPolicy;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.spark.sql.Dataset;
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
 * The whole UCI Online Retail data set (541,909 lines) replayed with rebased times through a real
 * Kafka broker, online-ingest on real Spark and a real redis-server, read back over gRPC and
 * compared, feature by feature, with {@link RetailOracle} at the {@code t} the server reported.
 *
 * <ol>
 *   <li>online-ingest runs in a separate JVM, is killed with SIGKILL mid-replay and restarted from
 *       its checkpoint: served values equal the oracle (nothing lost, nothing counted twice);
 *   <li>the whole topic is ingested again with a fresh checkpoint: served values still equal the
 *       oracle, and the counters account for every record (filtered, dead-lettered by reason).
 * </ol>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetailEndToEndTest {
  private static final Path DATA =
      Path.of(
          System.getProperty("slicestore.sharedData", "../../shared/data"), "online-retail.csv.gz");

  @TempDir static Path dir;
  TestStack stack;
  FeatureSet fs;
  RetailOracle oracle;
  ReplayResult replay;
  InProcessFeatureServer server;
  ManagedChannel channel;
  UnifiedJedis redis;
  long seed = Long.getLong("slicestore.seed", System.nanoTime());

  @BeforeAll
  void setUp() throws Exception {
    assertThat(DATA).as("the retail data set at %s (../shared/data)", DATA).exists();
    System.out.println(
        "RetailEndToEndTest seed = " + seed + " (rerun with -Dslicestore.seed=" + seed + ")");
    stack = new TestStack(dir);
    fs = FeatureSetFixtures.shipped("retail");
    stack.kafka.createTopic(fs.topics().get(0), 2);
    stack.kafka.createTopic(fs.deadLetterTopic(), 1);
    redis = RedisClients.create(stack.config);
    server =
        InProcessFeatureServer.direct(
            Map.of(fs.name(), fs), redis, stack.config.redisNodes(), Clock.systemUTC());
    channel = server.channel();
  }

  @AfterAll
  void tearDown() throws Exception {
    Resources.closeInOrder(server, redis, stack);
  }

  @Test
  @Order(1)
  void ingestKilledMidReplayAndRestartedFromCheckpointMatchesOracle() throws Exception {
    Path checkpoint = dir.resolve("checkpoint-a");
    List<String> args =
        List.of(
            "--feature-set",
            FeatureSetFixtures.shippedFile("retail").toString(),
            "--bootstrap-servers",
            stack.kafka.bootstrapServers(),
            "--redis",
            stack.config.redisNodes().get(0),
            "--checkpoint",
            checkpoint.toString(),
            "--master",
            "local[2]");
    Process first = ChildJvm.start(OnlineIngestJob.class, args, dir.resolve("ingest-1.log"));
    // start replaying once the query runs, so that the kill lands while events still arrive
    long started = System.currentTimeMillis();
    while (!Files.exists(checkpoint.resolve("metadata"))
        && first.isAlive()
        && System.currentTimeMillis() - started < 120_000) {
      Thread.sleep(100);
    }
    assertThat(checkpoint.resolve("metadata"))
        .as("ingest query started (log: %s)", dir.resolve("ingest-1.log"))
        .exists();
    // A broker quota slows the replay to about the job's pace: the replay is time-ordered, so the
    // events recent enough to be written to Redis come last, and the kill must land among them.
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers()))) {
      admin
          .alterClientQuotas(
              List.of(
                  new ClientQuotaAlteration(
                      new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "retail-replay")),
                      List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 2_000_000.0)))))
          .all()
          .get();
    }
    CompletableFuture<ReplayResult> replaying =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return EventReplay.builder()
                    .input(DATA)
                    .topic(fs.topics().get(0))
                    .producerProperty("client.id", "retail-replay")
                    .producerProperty("compression.type", "none")
                    .bootstrapServers(stack.kafka.bootstrapServers())
                    .rebaseTime(true)
                    .showProgress(false)
                    .build()
                    .run();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    // kill the job while it writes recent events. In real-time mode (the default) the whole run is
    // one long, uncommitted batch (checkpoint interval 5 min), so a kill always lands inside it.
    long deadline = System.currentTimeMillis() + 240_000;
    while (redis.dbSize() < 100 && System.currentTimeMillis() < deadline && first.isAlive()) {
      Thread.sleep(10);
    }
    assertThat(newestBatch(checkpoint.resolve("commits")))
        .as("no batch committed yet: the kill loses a whole open batch")
        .isEqualTo(-1);
    assertThat(first.isAlive())
        .as("first ingest JVM is running (log: %s)", dir.resolve("ingest-1.log"))
        .isTrue();
    assertThat(replaying).as("the replay is still running when the job is killed").isNotDone();
    long keysAtKill = redis.dbSize();
    first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    System.out.println(
        "killed online-ingest (real-time mode) with SIGKILL while the replay was still running ("
            + keysAtKill
            + " Redis keys at the time)");
    assertThat(keysAtKill).as("some recent events were written before the kill").isPositive();
    replay = replaying.get(10, TimeUnit.MINUTES);
    System.out.println(
        "replayed " + replay.rowsSent() + " rows, shift " + replay.shiftMillis() + " ms");
    oracle = RetailOracle.load(DATA, replay.shiftMillis());
    assertThat(replay.rowsSent()).isEqualTo(oracle.rows).isEqualTo(541_909);

    // restart from the checkpoint, in real-time mode again, and wait until it has caught up
    Process second = ChildJvm.start(OnlineIngestJob.class, args, dir.resolve("ingest-2.log"));
    try {
      long expectedAtLeast = oracle.events.size() - oracle.countTooLate(System.currentTimeMillis());
      long waitUntil = System.currentTimeMillis() + 300_000;
      long fields = -1;
      long stableSince = System.currentTimeMillis();
      while (System.currentTimeMillis() < waitUntil && second.isAlive()) {
        long now = totalFields();
        if (now != fields) {
          fields = now;
          stableSince = System.currentTimeMillis();
        } else if (fields >= expectedAtLeast && System.currentTimeMillis() - stableSince > 3_000) {
          break;
        }
        Thread.sleep(250);
      }
      assertThat(second.isAlive())
          .as("restarted ingest is running (log: %s)", dir.resolve("ingest-2.log"))
          .isTrue();
      assertThat(fields)
          .as("events in Redis after the restart")
          .isGreaterThanOrEqualTo(expectedAtLeast);
      assertServedEqualsOracle(
          "after a SIGKILL mid-replay and a restart from the checkpoint (real-time mode)");
    } finally {
      second.destroy();
      second.waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(2)
  void fullReplayWithFreshCheckpointCountsNothingTwice() throws Exception {
    assertThat(oracle).as("previous step ran").isNotNull();
    long fieldsBefore = totalFields();
    SparkSession spark = TestSpark.session();
    long nowLo = System.currentTimeMillis();
    RunningIngest ingest = Ingests.startMicroBatch(spark, stack, fs, dir.resolve("checkpoint-b"));
    try {
      ingest.processAllAvailable();
      assertThat(ingest.query().isActive()).isTrue();
    } finally {
      ingest.stop();
    }
    long nowHi = System.currentTimeMillis();
    Map<String, Long> m = ingest.metrics().snapshot();
    System.out.println("fresh-checkpoint ingest counters: " + ingest.metrics().describe());
    assertThat(m.get("read")).as("every record read").isEqualTo(oracle.rows);
    assertThat(m.get(RejectReason.FILTERED.code()))
        .as("rows without a customer, rejected by the filter")
        .isEqualTo(oracle.noCustomer);
    assertThat(m.get(RejectReason.WRONG_TYPE.code())).isEqualTo(oracle.wrongType);
    assertThat(m.get(RejectReason.BAD_EVENT_TIME.code())).isEqualTo(oracle.badTime);
    assertThat(m.get(RejectReason.MALFORMED_JSON.code())).isZero();
    assertThat(m.get(RejectReason.TOO_FAR_IN_FUTURE.code())).isZero();
    long lateLo = oracle.countTooLate(nowLo);
    long lateHi = oracle.countTooLate(nowHi);
    assertThat(m.get(RejectReason.TOO_LATE.code()))
        .as("too late between %s and %s", lateLo, lateHi)
        .isBetween(lateLo, lateHi);
    assertThat(m.get("applied") + m.get(RejectReason.TOO_LATE.code()))
        .as("accepted + too late = events with a customer")
        .isEqualTo(oracle.events.size());
    long fieldsAfter = totalFields();
    System.out.println(
        "Redis fields (row pre-aggregates): "
            + fieldsBefore
            + " before the second full ingest, "
            + fieldsAfter
            + " after");
    assertThat(fieldsAfter).as("a replay rewrites the same fields").isEqualTo(fieldsBefore);
    reportRedisMemory(fieldsAfter);
    assertServedEqualsOracle("after a second full ingest with a fresh checkpoint");
  }

  private static long newestBatch(Path dir) throws java.io.IOException {
    if (!Files.isDirectory(dir)) {
      return -1;
    }
    try (var files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d+"))
          .mapToLong(Long::parseLong)
          .max()
          .orElse(-1);
    }
  }

  /**
   * One served feature vector: the customer, the {@code t} the server reported, and feature name →
   * value.
   */
  record Served(String customer, long t, Map<String, Object> values) {}

  /** What serving returned before compaction, at several moments (filled by step 3). */
  final List<Served> served = new ArrayList<>();

  /** End of the range step 4 compacted (the current slice's end then), epoch ms. */
  long compactedTo;

  /**
   * Queries serving before compaction for 275 customers at five moments of the last two hours: now
   * (the real clock), the current slice's start (exactly a slice boundary), the latest event time
   * (that event is excluded), a moment inside the previous slice and the start of the slice before
   * it; past moments through servers on fixed clocks. Windows evaluated there reach no slice whose
   * events online-ingest rejected as too late (events are too late only for windows of the past:
   * {@code sliceEnd + 30d + 1h <= now}), so serving saw every event training will read.
   */
  @Test
  @Order(3)
  void servingIsRecordedAtSeveralMomentsBeforeCompaction() throws Exception {
    assertThat(oracle).as("previous steps ran").isNotNull();
    long now = System.currentTimeMillis();
    long slice = fs.sliceMillis();
    long currentStart = Math.floorDiv(now, slice) * slice;
    long latestEvent =
        oracle.events.stream()
            .mapToLong(RetailOracle.Event::timeMillis)
            .filter(x -> x < now)
            .max()
            .orElseThrow();
    List<Long> moments =
        new ArrayList<>(
            List.of(
                currentStart,
                Math.max(latestEvent, currentStart - slice),
                currentStart - slice + 17 * 60_000 + 3_500,
                currentStart - 2 * slice));
    List<String> customers = new ArrayList<>(oracle.activeCustomers(now));
    customers.sort(null);
    java.util.Collections.shuffle(customers, new Random(seed));
    customers = new ArrayList<>(customers.subList(0, Math.min(250, customers.size())));
    List<String> quiet = new ArrayList<>(oracle.byCustomer.keySet());
    quiet.removeAll(oracle.activeCustomers(now));
    quiet.sort(null);
    customers.addAll(quiet.subList(0, Math.min(20, quiet.size())));
    customers.addAll(List.of("no-such-customer-1", "no-such-customer-2", "12346.5"));
    assertThat(customers.size()).isGreaterThanOrEqualTo(200);
    record(FeatureServiceGrpc.newBlockingStub(channel), customers); // the real clock
    for (long m : moments) {
      try (InProcessFeatureServer pinned =
          InProcessFeatureServer.direct(
              Map.of(fs.name(), fs),
              redis,
              stack.config.redisNodes(),
              Clock.fixed(java.time.Instant.ofEpochMilli(m), java.time.ZoneOffset.UTC))) {
        record(FeatureServiceGrpc.newBlockingStub(pinned.channel()), customers);
      }
    }
    long nonEmpty =
        served.stream().filter(x -> !Long.valueOf(0).equals(x.values().get("lines_30d"))).count();
    System.out.println(
        "serving recorded before compaction: "
            + served.size()
            + " (customer, t) rows at "
            + served.stream().map(Served::t).distinct().count()
            + " moments, "
            + nonEmpty
            + " with purchases in the last 30 days");
    assertThat(nonEmpty).isGreaterThan(200);
  }

  private void record(FeatureServiceGrpc.FeatureServiceBlockingStub stub, List<String> customers) {
    for (int from = 0; from < customers.size(); from += 100) {
      List<String> batch = customers.subList(from, Math.min(customers.size(), from + 100));
      GetFeaturesResponse resp =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .getFeatures(
                  GetFeaturesRequest.newBuilder()
                      .setFeatureSet(fs.name())
                      .addAllEntityKeys(batch)
                      .build());
      for (EntityFeatures ef : resp.getEntitiesList()) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < resp.getFeatureNamesCount(); i++) {
          assertThat(ef.getStatuses(i)).isNotEqualTo(FeatureStatus.ERROR);
          values.put(resp.getFeatureNames(i), ServedValues.fromProto(ef.getValues(i)));
        }
        served.add(new Served(ef.getEntityKey(), resp.getEvaluationTimeMillis(), values));
      }
    }
  }

  /**
   * Compacts the whole replay, from 31 days before its first event (so that every window of every
   * moment from a day before the data on lies in the offline store) through the current slice. The
   * compaction clock runs two hours ahead, as if the job ran after the current slice closed and its
   * lateness passed.
   */
  @Test
  @Order(4)
  void compactingTheRetailReplayKeepsServedFeaturesAndFreesRedis() throws Exception {
    assertThat(oracle).as("previous steps ran").isNotNull();
    long before = redisBytes();
    long slice = fs.sliceMillis();
    long now = System.currentTimeMillis();
    long to = (Math.floorDiv(now, slice) + 1) * slice;
    compactedTo = to;
    long first =
        oracle.events.stream().mapToLong(RetailOracle.Event::timeMillis).min().orElseThrow();
    long from = Math.floorDiv(first, slice) * slice - fs.longestWindowMillis() - RetailOracle.DAY;
    long started = System.nanoTime();
    CompactionResult result =
        Compaction.run(
            TestSpark.session(),
            stack.config,
            fs,
            from,
            to,
            CompactionOptions.defaults()
                .withClock(Clock.offset(Clock.systemUTC(), java.time.Duration.ofHours(2))));
    System.out.printf(
        "compaction of the whole retail replay (%s .. %s) in %.1f s: %s%n",
        java.time.Instant.ofEpochMilli(from),
        java.time.Instant.ofEpochMilli(to),
        (System.nanoTime() - started) / 1e9,
        result.describe());
    long after = redisBytes();
    System.out.printf(
        "Redis memory of the retail slice hashes and indices: %,d bytes before compaction, %,d after (%.0f%% less)%n",
        before, after, 100.0 * (before - after) / before);
    assertThat(after).as("Redis memory after compaction").isLessThan(before);
    long compacted = 0;
    for (String key :
        redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).keyPrefix() + "*")) {
      if (redis.hexists(key, "c")) {
        compacted++;
      }
    }
    assertThat(compacted).as("slice hashes with a compacted entry").isPositive();
    assertSliceIndexComplete("after compaction");
    assertServedEqualsOracle("after compacting the whole replay");
  }

  /**
   * The training–serving consistency the project exists for: a training set whose spine is every
   * (customer, t) serving answered before compaction equals, row by row and feature by feature,
   * what serving returned.
   */
  @Test
  @Order(5)
  void trainingSetEqualsWhatServingReturned() {
    assertThat(served).as("step 3 ran").isNotEmpty();
    SparkSession spark = TestSpark.session();
    Path spinePath = dir.resolve("served-spine");
    Spines.writeLabelled(
        spark,
        spinePath,
        List.of(),
        served.stream().map(s -> new Object[] {s.customer(), s.t()}).toList());
    Path output = dir.resolve("served-training-set");
    TrainingSetResult r =
        TrainingSets.build(
            spark,
            stack.config,
            Spines.request("slicestore", fs, spinePath, output, UncoveredPolicy.FAIL));
    System.out.println(r.describe());
    assertThat(r.writtenRows()).isEqualTo(served.size());
    assertThat(r.errorRows()).isZero();
    List<Row> out = spark.read().parquet(output.toString()).collectAsList();
    assertThat(out).hasSize(served.size());
    for (Row row : out) {
      Served s = served.get((int) row.getLong(row.fieldIndex("label")));
      assertThat(row.getString(row.fieldIndex("CustomerID"))).isEqualTo(s.customer());
      assertThat(((java.sql.Timestamp) row.get(row.fieldIndex("ts"))).getTime()).isEqualTo(s.t());
      Map<String, Object> training = new HashMap<>();
      for (String f : s.values().keySet()) {
        training.put(f, row.get(row.fieldIndex(f)));
      }
      assertThat(training)
          .as("training set row for customer '%s' at t=%d", s.customer(), s.t())
          .isEqualTo(s.values());
    }
    System.out.println(
        "training-serving consistency: "
            + out.size()
            + " rows x "
            + fs.features().size()
            + " features of the training set equal what serving returned");
  }

  /**
   * A spine of 100,000 (customer, t) rows over the whole replay: the output has every row with its
   * label, and a seeded sample of 2,000 rows equals the naive oracle over the raw CSV. The run time
   * is printed (a measurement for docs/testing.md, not an assertion).
   */
  @Test
  @Order(6)
  void aHundredThousandRowSpineOverTheWholeReplayMatchesTheOracle() {
    assertThat(compactedTo).as("step 4 ran").isPositive();
    SparkSession spark = TestSpark.session();
    Random r = new Random(seed);
    List<String> customers = new ArrayList<>(oracle.byCustomer.keySet());
    customers.sort(null);
    long first =
        oracle.events.stream().mapToLong(RetailOracle.Event::timeMillis).min().orElseThrow();
    long now = System.currentTimeMillis();
    long slice = fs.sliceMillis();
    List<Object[]> spine = new ArrayList<>(100_000);
    for (int i = 0; i < 100_000; i++) {
      RetailOracle.Event e = oracle.events.get(r.nextInt(oracle.events.size()));
      String customer = e.customer();
      long t;
      switch (r.nextInt(10)) {
        case 0 -> t = e.timeMillis(); // exactly at an event: excluded
        case 1 -> t = e.timeMillis() + 1;
        case 2 ->
            t =
                (Math.floorDiv(e.timeMillis(), slice) + 1 + r.nextInt(24 * 40))
                    * slice; // on a slice boundary
        case 3 -> {
          customer =
              r.nextInt(5) == 0
                  ? "no-such-" + r.nextInt(100)
                  : customers.get(r.nextInt(customers.size()));
          t =
              first
                  - 10 * slice
                  + (long)
                      (r.nextDouble() * (now - first)); // anyone, any time, even before the data
        }
        default -> t = e.timeMillis() + (long) (r.nextDouble() * 40 * RetailOracle.DAY);
      }
      spine.add(new Object[] {customer, Math.min(t, Math.min(now, compactedTo - 1)), (long) i});
    }
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("CustomerID", org.apache.spark.sql.types.DataTypes.StringType)
            .add("ts", org.apache.spark.sql.types.DataTypes.TimestampType)
            .add("label", org.apache.spark.sql.types.DataTypes.LongType);
    List<Row> rows = new ArrayList<>(spine.size());
    for (Object[] s : spine) {
      rows.add(
          org.apache.spark.sql.RowFactory.create(s[0], new java.sql.Timestamp((Long) s[1]), s[2]));
    }
    Path spinePath = dir.resolve("spine-100k");
    spark.createDataFrame(rows, schema).repartition(4).write().parquet(spinePath.toString());
    Path output = dir.resolve("training-set-100k");
    long started = System.nanoTime();
    TrainingSetResult result =
        TrainingSets.build(
            spark,
            stack.config,
            Spines.request("slicestore", fs, spinePath, output, UncoveredPolicy.FAIL));
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.println(result.describe());
    System.out.printf(
        "training set of %,d spine rows x %d features over the whole retail replay: %.1f s (%,.0f rows/s) on"
            + " Spark local[2]%n",
        spine.size(), fs.features().size(), seconds, spine.size() / seconds);
    assertThat(result.writtenRows()).isEqualTo(spine.size());
    Dataset<Row> out = spark.read().parquet(output.toString());
    assertThat(out.count()).as("output rows = spine rows").isEqualTo(spine.size());
    assertThat(out.select("label").distinct().count())
        .as("every spine row once")
        .isEqualTo(spine.size());
    java.util.Set<Long> sample = new java.util.HashSet<>();
    while (sample.size() < 2_000) {
      sample.add((long) r.nextInt(spine.size()));
    }
    List<Row> sampled =
        out.where(org.apache.spark.sql.functions.col("label").isin(sample.toArray()))
            .collectAsList();
    assertThat(sampled).hasSize(sample.size());
    int nonEmpty = 0;
    for (Row row : sampled) {
      Object[] s = spine.get((int) row.getLong(row.fieldIndex("label")));
      Map<String, Object> expected = oracle.features((String) s[0], (Long) s[1]);
      Map<String, Object> actual = new HashMap<>();
      for (String f : expected.keySet()) {
        actual.put(f, row.get(row.fieldIndex(f)));
      }
      assertThat(actual).as("customer %s at %d (seed %d)", s[0], s[1], seed).isEqualTo(expected);
      if (!Long.valueOf(0).equals(expected.get("lines_30d"))) {
        nonEmpty++;
      }
    }
    System.out.println(
        "100k spine: a sample of "
            + sampled.size()
            + " rows ("
            + nonEmpty
            + " with purchases in the 30 days"
            + " before t) equals the naive oracle on all "
            + fs.features().size()
            + " features");
  }

  private long redisBytes() {
    long bytes = 0;
    for (String key :
        redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).keyPrefix() + "*")) {
      Long usage = redis.memoryUsage(key);
      bytes += usage == null ? 0 : usage;
    }
    for (String key :
        redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).indexKeyPrefix() + "*")) {
      Long usage = redis.memoryUsage(key);
      bytes += usage == null ? 0 : usage;
    }
    return bytes;
  }

  /**
   * The slice index invariant (core's {@code SliceIndex}): every slice hash is listed in its
   * entity's index, and the index expires no earlier than the hash.
   */
  private void assertSliceIndexComplete(String when) {
    dev.slicestore.core.online.OnlineLayout layout =
        new dev.slicestore.core.online.OnlineLayout(fs);
    int checked = 0;
    for (String key : redis.keys(layout.keyPrefix() + "*")) {
      String entity = key.substring(key.indexOf('{') + 1, key.lastIndexOf('}'));
      long slice = Long.parseLong(key.substring(key.lastIndexOf(':') + 1));
      byte[] index = layout.indexKey(entity);
      assertThat(redis.zscore(index, dev.slicestore.core.online.OnlineLayout.indexMember(slice)))
          .as(when + ": slice index of " + entity + " lists slice " + slice)
          .isEqualTo((double) slice);
      assertThat(redis.pexpireTime(index))
          .as(when + ": the index of " + entity + " expires no earlier than " + key)
          .isGreaterThanOrEqualTo(redis.pexpireTime(key));
      checked++;
    }
    assertThat(checked).isPositive();
    System.out.printf(
        "%s: all %,d slice hashes are listed in their entities' slice indices%n", when, checked);
  }

  /** Prints Redis memory per event: MEMORY USAGE summed over every slice hash (a measurement). */
  private void reportRedisMemory(long fields) {
    assertSliceIndexComplete("after ingest");
    long bytes = redisBytes();
    long keys =
        redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).keyPrefix() + "*").size();
    assertThat(keys).isPositive();
    System.out.printf(
        "Redis memory of the retail slice hashes and indices: %,d bytes for %,d events in %,d (customer, hour) hashes:"
            + " %.1f bytes per event, %.1f events and %.0f bytes per hash%n",
        bytes,
        fields,
        keys,
        (double) bytes / fields,
        (double) fields / keys,
        (double) bytes / keys);
  }

  private long totalFields() {
    long n = 0;
    for (String key :
        redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).keyPrefix() + "*")) {
      n += redis.hlen(key);
    }
    return n;
  }

  private void assertServedEqualsOracle(String when) {
    FeatureServiceGrpc.FeatureServiceBlockingStub stub =
        FeatureServiceGrpc.newBlockingStub(channel);
    long probeT = System.currentTimeMillis();
    List<String> active = oracle.activeCustomers(probeT);
    List<String> quiet = new ArrayList<>(oracle.byCustomer.keySet());
    quiet.removeAll(active);
    quiet.sort(null);
    java.util.Collections.shuffle(quiet, new Random(seed));
    List<String> entities = new ArrayList<>(active);
    entities.addAll(quiet.subList(0, Math.min(50, quiet.size())));
    entities.add("no-such-customer");
    assertThat(active.size()).as("customers with events in the last 30 days").isGreaterThan(500);
    int compared = 0;
    int nonEmpty1h = 0;
    for (int from = 0; from < entities.size(); from += 100) {
      List<String> batch = entities.subList(from, Math.min(entities.size(), from + 100));
      GetFeaturesResponse resp =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .getFeatures(
                  GetFeaturesRequest.newBuilder()
                      .setFeatureSet(fs.name())
                      .addAllEntityKeys(batch)
                      .build());
      long t = resp.getEvaluationTimeMillis();
      assertThat(resp.getEntitiesCount()).isEqualTo(batch.size());
      for (EntityFeatures ef : resp.getEntitiesList()) {
        Map<String, Object> expected = oracle.features(ef.getEntityKey(), t);
        Map<String, Object> served = new HashMap<>();
        for (int i = 0; i < resp.getFeatureNamesCount(); i++) {
          Value v = ef.getValues(i);
          served.put(resp.getFeatureNames(i), ServedValues.fromProto(v));
          String f = resp.getFeatureNames(i);
          boolean empty =
              ((Long) expected.get("lines_" + f.substring(f.lastIndexOf('_') + 1))) == 0L;
          assertThat(ef.getStatuses(i))
              .as("%s status of %s for %s", when, f, ef.getEntityKey())
              .isEqualTo(empty ? FeatureStatus.EMPTY : FeatureStatus.PRESENT);
        }
        assertThat(served)
            .as("%s: features of customer %s at t=%s", when, ef.getEntityKey(), t)
            .isEqualTo(expected);
        if ((Long) expected.get("lines_1h") > 0) {
          nonEmpty1h++;
        }
        compared++;
      }
    }
    System.out.println(
        when
            + ": "
            + compared
            + " customers ("
            + active.size()
            + " active in the last 30 days, "
            + nonEmpty1h
            + " with events in the current hour) equal the oracle on all "
            + fs.features().size()
            + " features");
  }
}
