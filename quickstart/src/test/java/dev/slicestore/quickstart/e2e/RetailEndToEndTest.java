package dev.slicestore.quickstart.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.compaction.CompactionResult;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.event.RejectReason;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.ingest.OnlineIngest;
import dev.slicestore.ingest.OnlineIngestJob;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.quickstart.replay.EventReplay;
import dev.slicestore.quickstart.replay.ReplayResult;
import dev.slicestore.serving.FeatureServer;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.FeatureStatus;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.Value;
import io.grpc.ManagedChannel;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
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
  private static final Path DATA = Path.of(System.getProperty("slicestore.sharedData", "../../shared/data"), "online-retail.csv.gz");
  private static final Path REPO = Path.of(System.getProperty("slicestore.repoRoot", ".."));

  @TempDir static Path dir;
  TestStack stack;
  FeatureSet fs;
  RetailOracle oracle;
  ReplayResult replay;
  FeatureServer server;
  ManagedChannel channel;
  UnifiedJedis redis;
  long seed = Long.getLong("slicestore.seed", System.nanoTime());

  @BeforeAll
  void setUp() throws Exception {
    assertThat(DATA).as("the retail data set at %s (../shared/data)", DATA).exists();
    System.out.println("RetailEndToEndTest seed = " + seed + " (rerun with -Dslicestore.seed=" + seed + ")");
    stack = new TestStack(dir);
    fs = FeatureSetLoader.load(REPO.resolve("conf/feature-sets/retail.conf"));
    stack.kafka.createTopic(fs.topics().get(0), 2);
    stack.kafka.createTopic(fs.deadLetterTopic(), 1);
    redis = RedisClients.create(stack.config);
    String name = InProcessServerBuilder.generateName();
    server = new FeatureServer(InProcessServerBuilder.forName(name).directExecutor(), Map.of(fs.name(), fs), redis,
        stack.config.redisNodes(), Clock.systemUTC()).start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterAll
  void tearDown() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.stop();
    }
    if (redis != null) {
      redis.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void ingestKilledMidReplayAndRestartedFromCheckpointMatchesOracle() throws Exception {
    Path checkpoint = dir.resolve("checkpoint-a");
    List<String> args = List.of("--feature-set", REPO.resolve("conf/feature-sets/retail.conf").toString(),
        "--bootstrap-servers", stack.kafka.bootstrapServers(), "--redis", stack.config.redisNodes().get(0),
        "--checkpoint", checkpoint.toString(), "--master", "local[2]");
    Process first = ChildJvm.start(OnlineIngestJob.class, args, dir.resolve("ingest-1.log"));
    // start replaying once the query runs, so that the kill lands while events still arrive
    long started = System.currentTimeMillis();
    while (!Files.exists(checkpoint.resolve("metadata")) && first.isAlive() && System.currentTimeMillis() - started < 120_000) {
      Thread.sleep(100);
    }
    assertThat(checkpoint.resolve("metadata")).as("ingest query started (log: %s)", dir.resolve("ingest-1.log")).exists();
    // A broker quota slows the replay to about the job's pace: the replay is time-ordered, so the
    // events recent enough to be written to Redis come last, and the kill must land among them.
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers()))) {
      admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
          new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "retail-replay")),
          List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 2_000_000.0))))).all().get();
    }
    CompletableFuture<ReplayResult> replaying = CompletableFuture.supplyAsync(() -> {
      try {
        return EventReplay.builder().input(DATA).topic(fs.topics().get(0))
            .producerProperty("client.id", "retail-replay").producerProperty("compression.type", "none")
            .bootstrapServers(stack.kafka.bootstrapServers()).rebaseTime(true).showProgress(false).build().run();
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
    assertThat(newestBatch(checkpoint.resolve("commits"))).as("no batch committed yet: the kill loses a whole open batch").isEqualTo(-1);
    assertThat(first.isAlive()).as("first ingest JVM is running (log: %s)", dir.resolve("ingest-1.log")).isTrue();
    assertThat(replaying).as("the replay is still running when the job is killed").isNotDone();
    long keysAtKill = redis.dbSize();
    first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    System.out.println("killed online-ingest (real-time mode) with SIGKILL while the replay was still running ("
        + keysAtKill + " Redis keys at the time)");
    assertThat(keysAtKill).as("some recent events were written before the kill").isPositive();
    replay = replaying.get(10, TimeUnit.MINUTES);
    System.out.println("replayed " + replay.rowsSent() + " rows, shift " + replay.shiftMillis() + " ms");
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
      assertThat(second.isAlive()).as("restarted ingest is running (log: %s)", dir.resolve("ingest-2.log")).isTrue();
      assertThat(fields).as("events in Redis after the restart").isGreaterThanOrEqualTo(expectedAtLeast);
      assertServedEqualsOracle("after a SIGKILL mid-replay and a restart from the checkpoint (real-time mode)");
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
    SparkSession spark = TestStack.spark();
    long nowLo = System.currentTimeMillis();
    RunningIngest ingest = OnlineIngest.start(spark, stack.config.with("slicestore.ingest.trigger", "micro-batch"), fs,
        dir.resolve("checkpoint-b").toString());
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
    assertThat(m.get(RejectReason.FILTERED.code())).as("rows without a customer, rejected by the filter").isEqualTo(oracle.noCustomer);
    assertThat(m.get(RejectReason.WRONG_TYPE.code())).isEqualTo(oracle.wrongType);
    assertThat(m.get(RejectReason.BAD_EVENT_TIME.code())).isEqualTo(oracle.badTime);
    assertThat(m.get(RejectReason.MALFORMED_JSON.code())).isZero();
    assertThat(m.get(RejectReason.TOO_FAR_IN_FUTURE.code())).isZero();
    long lateLo = oracle.countTooLate(nowLo);
    long lateHi = oracle.countTooLate(nowHi);
    assertThat(m.get(RejectReason.TOO_LATE.code())).as("too late between %s and %s", lateLo, lateHi).isBetween(lateLo, lateHi);
    assertThat(m.get("applied") + m.get(RejectReason.TOO_LATE.code())).as("accepted + too late = events with a customer")
        .isEqualTo(oracle.events.size());
    long fieldsAfter = totalFields();
    System.out.println("Redis fields (row pre-aggregates): " + fieldsBefore + " before the second full ingest, " + fieldsAfter + " after");
    assertThat(fieldsAfter).as("a replay rewrites the same fields").isEqualTo(fieldsBefore);
    reportRedisMemory(fieldsAfter);
    assertServedEqualsOracle("after a second full ingest with a fresh checkpoint");
  }

  private static long newestBatch(Path dir) throws java.io.IOException {
    if (!Files.isDirectory(dir)) {
      return -1;
    }
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).mapToLong(Long::parseLong).max().orElse(-1);
    }
  }

  @Test
  @Order(3)
  void compactingTheRetailReplayKeepsServedFeaturesAndFreesRedis() throws Exception {
    assertThat(oracle).as("previous steps ran").isNotNull();
    long before = redisBytes();
    long slice = fs.sliceMillis();
    long to = Math.floorDiv(System.currentTimeMillis() - fs.allowedLatenessMillis(), slice) * slice;
    long from = to - fs.longestWindowMillis();
    CompactionResult result = Compaction.run(TestStack.spark(), stack.config, fs, from, to, CompactionOptions.defaults());
    System.out.println("compaction of the last 30 days of the retail replay: " + result.describe());
    long after = redisBytes();
    System.out.printf("Redis memory of the retail slice hashes: %,d bytes before compaction, %,d after (%.0f%% less)%n",
        before, after, 100.0 * (before - after) / before);
    assertThat(after).as("Redis memory after compaction").isLessThan(before);
    long compacted = 0;
    for (String key : redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).keyPrefix() + "*")) {
      if (redis.hexists(key, "c")) {
        compacted++;
      }
    }
    assertThat(compacted).as("slice hashes with a compacted entry").isPositive();
    assertServedEqualsOracle("after compacting the last 30 days of slices");
  }

  private long redisBytes() {
    long bytes = 0;
    for (String key : redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).keyPrefix() + "*")) {
      Long usage = redis.memoryUsage(key);
      bytes += usage == null ? 0 : usage;
    }
    return bytes;
  }

  /** Prints Redis memory per event: MEMORY USAGE summed over every slice hash (a measurement). */
  private void reportRedisMemory(long fields) {
    long bytes = redisBytes();
    long keys = redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).keyPrefix() + "*").size();
    assertThat(keys).isPositive();
    System.out.printf("Redis memory of the retail slice hashes: %,d bytes for %,d events in %,d (customer, hour) hashes:"
        + " %.1f bytes per event, %.1f events and %.0f bytes per hash%n", bytes, fields, keys, (double) bytes / fields,
        (double) fields / keys, (double) bytes / keys);
  }

  private long totalFields() {
    long n = 0;
    for (String key : redis.keys(new dev.slicestore.core.online.OnlineLayout(fs).keyPrefix() + "*")) {
      n += redis.hlen(key);
    }
    return n;
  }

  private void assertServedEqualsOracle(String when) {
    FeatureServiceGrpc.FeatureServiceBlockingStub stub = FeatureServiceGrpc.newBlockingStub(channel);
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
      GetFeaturesResponse resp = stub.withDeadlineAfter(30, TimeUnit.SECONDS).getFeatures(GetFeaturesRequest.newBuilder()
          .setFeatureSet(fs.name()).addAllEntityKeys(batch).build());
      long t = resp.getEvaluationTimeMillis();
      assertThat(resp.getEntitiesCount()).isEqualTo(batch.size());
      for (EntityFeatures ef : resp.getEntitiesList()) {
        Map<String, Object> expected = oracle.features(ef.getEntityKey(), t);
        Map<String, Object> served = new HashMap<>();
        for (int i = 0; i < resp.getFeatureNamesCount(); i++) {
          Value v = ef.getValues(i);
          served.put(resp.getFeatureNames(i), switch (v.getKindCase()) {
            case INT64_VALUE -> v.getInt64Value();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case KIND_NOT_SET -> null;
            default -> v.toString();
          });
          String f = resp.getFeatureNames(i);
          boolean empty = ((Long) expected.get("lines_" + f.substring(f.lastIndexOf('_') + 1))) == 0L;
          assertThat(ef.getStatuses(i)).as("%s status of %s for %s", when, f, ef.getEntityKey())
              .isEqualTo(empty ? FeatureStatus.EMPTY : FeatureStatus.PRESENT);
        }
        assertThat(served).as("%s: features of customer %s at t=%s", when, ef.getEntityKey(), t).isEqualTo(expected);
        if ((Long) expected.get("lines_1h") > 0) {
          nonEmpty1h++;
        }
        compared++;
      }
    }
    System.out.println(when + ": " + compared + " customers (" + active.size() + " active in the last 30 days, "
        + nonEmpty1h + " with events in the current hour) equal the oracle on all " + fs.features().size() + " features");
  }
}
