package dev.slicestore.bench;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.localstack.LocalKafka;
import dev.slicestore.localstack.LocalRedis;
import dev.slicestore.quickstart.replay.EventGenerator;
import dev.slicestore.quickstart.replay.EventReplay;
import dev.slicestore.quickstart.replay.ReplayResult;
import dev.slicestore.spark.SparkSessions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * What the benchmarks of one {@code bench} invocation share: the options, the machine, one local
 * stack (in-process KRaft Kafka and a {@code redis-server} child, both on free ports chosen by the
 * OS, data under {@code <state-dir>/stack}), one local Spark session ({@code local[2]}), and the
 * retail online store ({@link RetailStore}), each started on first use and stopped by {@link
 * #close()}. Benchmarks use their own topics and Redis key prefixes so they do not disturb each
 * other. Not thread-safe: benchmarks run one after the other.
 */
public final class BenchContext implements AutoCloseable {
  /**
   * @param smoke small sizes and short runs (CI): checks that everything works, numbers mean little
   * @param runs repetitions of each measurement (medians are reported)
   * @param outDir where markdown and charts go
   * @param stateDir where the stack, checkpoints, the Iceberg warehouse and generated data go
   * @param repoRoot the repository root (for {@code conf/feature-sets/retail.conf})
   * @param retailCsv the UCI Online Retail CSV(.gz)
   * @param command the command line that started the run, for the reports
   * @param overrides per-benchmark sizes given on the command line ({@code --set name.key=value})
   */
  public record Options(
      boolean smoke,
      int runs,
      Path outDir,
      Path stateDir,
      Path repoRoot,
      Path retailCsv,
      String command,
      Map<String, String> overrides) {
    /**
     * @return the override {@code key} as a long, or {@code full}/{@code smoke} by mode
     */
    public long size(String key, long full, long smokeValue) {
      String v = overrides.get(key);
      return v != null ? Long.parseLong(v.replace("_", "")) : smoke ? smokeValue : full;
    }
  }

  private final Options options;
  private final Machine machine = Machine.detect();
  private final PrintStream log;
  private LocalKafka kafka;
  private LocalRedis redisServer;
  private UnifiedJedis redis;
  private SparkSession spark;
  private RetailStore retail;

  /**
   * @param options the run's options
   * @param log where progress goes (tables go there too)
   */
  public BenchContext(Options options, PrintStream log) {
    this.options = options;
    this.log = log;
  }

  /**
   * @return the options
   */
  public Options options() {
    return options;
  }

  /**
   * @return the machine, detected when this context was created
   */
  public Machine machine() {
    return machine;
  }

  /**
   * @return where progress lines go
   */
  public PrintStream log() {
    return log;
  }

  /** Prints a progress line. */
  public void say(String format, Object... args) {
    log.printf("   " + format + "%n", args);
    log.flush();
  }

  /**
   * @return the running local Kafka, started on first use
   */
  public synchronized LocalKafka kafka() throws IOException {
    if (kafka == null) {
      Path dir = options.stateDir().resolve("stack/kafka");
      deleteRecursively(dir);
      kafka = new LocalKafka(dir, 0, 0);
      kafka.start();
      say("local Kafka (KRaft, in-process) on %s", kafka.bootstrapServers());
    }
    return kafka;
  }

  /**
   * @return the running local redis-server, started on first use
   */
  public synchronized LocalRedis redisServer() throws IOException {
    if (redisServer == null) {
      Path dir = options.stateDir().resolve("stack/redis");
      Files.createDirectories(dir);
      LocalRedis.stopLeftOver(dir);
      redisServer = new LocalRedis(dir, 0);
      redisServer.start();
      say(
          "local redis-server on %s:%d (pid %d)",
          redisServer.host(), redisServer.port(), redisServer.pid());
    }
    return redisServer;
  }

  /**
   * @return the deployment configuration of the local stack (micro-batch trigger)
   */
  public AppConfig app() throws IOException {
    return AppConfig.load(null)
        .withEndpoints(
            kafka().bootstrapServers(), List.of(redisServer().host() + ":" + redisServer().port()))
        .with("slicestore.state-dir", options.stateDir().toAbsolutePath().toString())
        .with("slicestore.ingest.trigger", "micro-batch");
  }

  /**
   * @return a Redis client of the local stack, shared (thread-safe, pooled)
   */
  public synchronized UnifiedJedis redis() throws IOException {
    if (redis == null) {
      redis = RedisClients.create(app());
    }
    return redis;
  }

  /**
   * @return the local Spark session ({@code local[2]}, 2 shuffle partitions, no UI)
   */
  public synchronized SparkSession spark() {
    if (spark == null) {
      spark =
          SparkSessions.localBuilder("slicestore bench", "local[2]", 2)
              .config("spark.sql.session.timeZone", "UTC")
              // every progress of a long baseline query is summed (state rows written)
              .config("spark.sql.streaming.numRecentProgressUpdates", "100000")
              .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  /**
   * @return the retail online store, replayed and ingested on first use
   */
  public synchronized RetailStore retail() throws Exception {
    if (retail == null) {
      retail = RetailStore.create(this);
    }
    return retail;
  }

  /**
   * @return a gzipped CSV of {@code events} generated retail-like events (seed 42, the retail CSV's
   *     columns), under {@code <state dir>/data}, generated on first use and kept for later runs
   */
  public Path generatedEvents(long events) throws IOException {
    Path csv = options.stateDir().resolve("data/generated-" + events + "-seed42.csv.gz");
    if (!Files.exists(csv)) {
      Files.createDirectories(csv.getParent());
      say("generating %,d retail-like events (seed 42) into %s", events, csv);
      EventGenerator.builder().seed(42).events(events).build().writeCsv(csv);
    }
    return csv;
  }

  /**
   * Sends a retail-format CSV to {@code topic} with rebased times (the newest event now), logging
   * to the run's log.
   */
  public ReplayResult replay(Path csv, String topic) throws Exception {
    say("replaying %s into %s", csv.getFileName(), topic);
    return EventReplay.builder()
        .input(csv)
        .topic(topic)
        .bootstrapServers(kafka().bootstrapServers())
        .rebaseTime(true)
        .showProgress(false)
        .out(new java.io.PrintWriter(log, true))
        .build()
        .run();
  }

  /**
   * @return a fresh (emptied) directory under the state directory
   */
  public Path freshDir(String name) throws IOException {
    Path dir = options.stateDir().resolve(name);
    deleteRecursively(dir);
    Files.createDirectories(dir);
    return dir;
  }

  /**
   * @return the keys matching {@code pattern}, by SCAN
   */
  public static List<String> keys(UnifiedJedis redis, String pattern) {
    List<String> keys = new java.util.ArrayList<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> page = redis.scan(cursor, new ScanParams().match(pattern).count(1000));
      keys.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return keys;
  }

  /** Deletes every key matching {@code pattern}; @return how many */
  public static long deleteKeys(UnifiedJedis redis, String pattern) {
    long n = 0;
    for (String key : keys(redis, pattern)) {
      n += redis.unlink(key);
    }
    return n;
  }

  /** Deletes a file tree if it exists. */
  public static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  /**
   * @return the total size of the regular files under {@code dir}, bytes (0 if absent)
   */
  public static long directoryBytes(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (var walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** Stops Spark, the Redis client, redis-server and Kafka (whatever was started). */
  @Override
  public synchronized void close() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
    if (redis != null) {
      redis.close();
      redis = null;
    }
    if (redisServer != null) {
      redisServer.close();
      redisServer = null;
    }
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
  }
}
