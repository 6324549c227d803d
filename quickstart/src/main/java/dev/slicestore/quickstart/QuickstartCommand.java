package dev.slicestore.quickstart;

import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.compaction.CompactionResult;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.ingest.OnlineIngest;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.localstack.LocalKafka;
import dev.slicestore.localstack.LocalStack;
import dev.slicestore.localstack.StackInfo;
import dev.slicestore.localstack.StackPorts;
import dev.slicestore.quickstart.replay.EventGenerator;
import dev.slicestore.quickstart.replay.EventReplay;
import dev.slicestore.quickstart.replay.ReplayResult;
import dev.slicestore.serving.FeatureClient;
import dev.slicestore.serving.FeatureServer;
import dev.slicestore.serving.FeatureTable;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.spark.OfflineLayout;
import dev.slicestore.spark.SparkSessions;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * {@code quickstart}: the whole path in one go on the embedded local stack. Starts the stack if
 * needed, resets the feature set's topic, checkpoint and Redis keys (so a re-run starts clean),
 * replays events (a CSV such as the UCI Online Retail file, or generated ones) with rebased times,
 * runs online-ingest on local Spark until it has caught up, compacts the last day of closed slices
 * into Redis and Iceberg, then asks the gRPC FeatureService for the busiest customers and prints
 * their features.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description = "Run the local stack, replay events, ingest them and print served features.")
public final class QuickstartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description =
          "CSV(.gz) with the retail columns, e.g. ../shared/data/online-retail.csv.gz. Default: generated events.")
  Path input;

  @Option(
      names = "--events",
      description = "Generated events when no --input is given (default: ${DEFAULT-VALUE}).")
  long events = 200_000;

  @Option(names = "--seed", description = "Seed of the event generator (default: random, printed).")
  Long seed;

  @Option(names = "--feature-set", description = "Feature-set file (default: ${DEFAULT-VALUE}).")
  Path featureSetFile = Path.of("conf/feature-sets/retail.conf");

  @Option(
      names = "--state-dir",
      description = "Local stack state directory (default: $SLICESTORE_STATE_DIR or .state).")
  Path stateDir;

  @Option(
      names = "--top",
      description = "How many of the busiest customers to show (default: ${DEFAULT-VALUE}).")
  int top = 5;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path state = LocalStack.resolveStateDir(stateDir);
    FeatureSet fs = FeatureSetLoader.load(featureSetFile);
    out.println(
        "== 1/6 local stack (Kafka in-process KRaft, redis-server) under "
            + state.toAbsolutePath());
    out.flush();
    StackInfo stack = LocalStack.read(state);
    if (stack == null) {
      stack = LocalStack.up(state, StackPorts.DEFAULTS, LocalStack.DEFAULT_START_TIMEOUT, out);
    } else {
      out.println(
          "   already running: Kafka "
              + stack.bootstrapServers()
              + ", Redis "
              + stack.redisHost()
              + ":"
              + stack.redisPort());
    }
    Path conf = Path.of("conf/application.conf");
    AppConfig app =
        AppConfig.load(Files.isRegularFile(conf) ? conf : null)
            .withEndpoints(
                stack.bootstrapServers(), List.of(stack.redisHost() + ":" + stack.redisPort()))
            .with("slicestore.state-dir", state.toString())
            // a bulk catch-up: micro-batch has the higher throughput and a clear "caught up" point
            .with("slicestore.ingest.trigger", "micro-batch");

    out.println(
        "== 2/6 resetting feature set "
            + fs.name()
            + ": topics "
            + fs.topics()
            + " and "
            + fs.deadLetterTopic()
            + ", its Redis keys, its ingest checkpoint and its local Iceberg tables");
    out.flush();
    resetTopics(stack.bootstrapServers(), fs);
    try (UnifiedJedis redis = RedisClients.create(app)) {
      long deleted =
          deleteKeys(redis, new OnlineLayout(fs).keyPrefix() + "*")
              + deleteKeys(redis, new OnlineLayout(fs).indexKeyPrefix() + "*");
      out.println("   deleted " + deleted + " Redis keys");
    }
    Path checkpoint = state.resolve("checkpoints/quickstart/" + fs.name() + "-v" + fs.version());
    deleteRecursively(checkpoint);
    // the topic starts again at offset 0, so the local Iceberg tables (Hadoop catalog: one
    // directory per table) start again too; otherwise compaction rightly refuses to drop their rows
    for (String table : List.of(fs.name() + "_events", fs.name() + "_slices")) {
      deleteRecursively(
          state.resolve("warehouse").resolve(OfflineLayout.DEFAULT_NAMESPACE).resolve(table));
    }

    out.println("== 3/6 replaying events into " + fs.topics().get(0));
    out.flush();
    Path source = input;
    if (source == null) {
      long s = seed != null ? seed : System.nanoTime();
      source = state.resolve("generated-events.csv.gz");
      EventGenerator.Summary summary =
          EventGenerator.builder().seed(s).events(events).build().writeCsv(source);
      out.println(
          "   generated "
              + summary.rows()
              + " events ("
              + summary.rowsWithoutCustomer()
              + " without a customer) with seed "
              + s
              + " (rerun with --seed "
              + s
              + ") into "
              + source);
    }
    ReplayResult replay =
        EventReplay.builder()
            .input(source)
            .topic(fs.topics().get(0))
            .bootstrapServers(stack.bootstrapServers())
            .rebaseTime(true)
            .out(out)
            .build()
            .run();

    out.println(
        "== 4/6 online-ingest (Spark local mode, micro-batch) until it has caught up with Kafka");
    out.flush();
    SparkSession spark = SparkSessions.local("slicestore quickstart", 2);
    try {
      RunningIngest ingest =
          OnlineIngest.start(spark, app, fs, checkpoint.toAbsolutePath().toString());
      try {
        ingest.processAllAvailable();
      } finally {
        ingest.stop();
      }
      out.println("   " + ingest.metrics().describe());

      // the last day of closed slices: those that ended at least the allowed lateness ago
      long slice = fs.sliceMillis();
      long to =
          Math.floorDiv(System.currentTimeMillis() - fs.allowedLatenessMillis(), slice) * slice;
      long from = to - Math.max(slice, Math.floorDiv(Duration.ofDays(1).toMillis(), slice) * slice);
      out.println(
          "== 5/6 compaction of the closed slices ["
              + Instant.ofEpochMilli(from)
              + ", "
              + Instant.ofEpochMilli(to)
              + ") into one entry per slice in Redis, and into Iceberg tables under "
              + state.resolve("warehouse"));
      out.flush();
      CompactionResult compaction =
          Compaction.run(spark, app, fs, from, to, CompactionOptions.defaults());
      out.println("   " + compaction.describe());
    } finally {
      spark.stop();
    }

    out.println(
        "== 6/6 serving: GetFeatures for the " + top + " busiest customers of the last 30 days");
    out.flush();
    try (UnifiedJedis redis = RedisClients.create(app)) {
      List<String> busiest = busiestEntities(redis, fs, top);
      if (busiest.isEmpty()) {
        out.println(
            "   no entity has events in the online store (were all events too late or rejected?)");
        return 1;
      }
      String name = InProcessServerBuilder.generateName();
      FeatureServer server =
          new FeatureServer(
                  InProcessServerBuilder.forName(name),
                  Map.of(fs.name(), fs),
                  redis,
                  app.redisNodes(),
                  Clock.systemUTC())
              .start();
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      try {
        GetFeaturesResponse response =
            FeatureClient.fetch(
                channel,
                GetFeaturesRequest.newBuilder()
                    .setFeatureSet(fs.name())
                    .addAllEntityKeys(busiest)
                    .build(),
                Duration.ofSeconds(10));
        out.println(FeatureTable.render(fs.name(), response));
      } finally {
        channel.shutdownNow();
        server.stop();
      }
    }
    out.println("Replayed " + replay.rowsSent() + " events. The stack is still running: try");
    out.println("  bin/slicestore serve &        # gRPC on port " + app.servingPort());
    out.println("  bin/slicestore get --feature-set " + fs.name() + " --entity <customer id>");
    out.println("  bin/slicestore stack down");
    out.flush();
    return 0;
  }

  private static void resetTopics(String bootstrap, FeatureSet fs) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      List<String> topics = new ArrayList<>(fs.topics());
      topics.add(fs.deadLetterTopic());
      List<String> existing = new ArrayList<>(admin.listTopics().names().get());
      existing.retainAll(topics);
      if (!existing.isEmpty()) {
        admin.deleteTopics(existing).all().get();
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline
            && admin.listTopics().names().get().stream().anyMatch(existing::contains)) {
          Thread.sleep(200);
        }
      }
      for (String t : topics) {
        for (int attempt = 0; ; attempt++) {
          try {
            LocalKafka.createTopic(admin, t, 2, java.util.Optional.of((short) 1));
            break;
          } catch (Exception e) {
            if (attempt > 50) {
              throw e;
            }
            Thread.sleep(200); // topic deletion still in progress
          }
        }
      }
    }
  }

  private static long deleteKeys(UnifiedJedis redis, String pattern) {
    long deleted = 0;
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> page = redis.scan(cursor, new ScanParams().match(pattern).count(1000));
      for (String key : page.getResult()) {
        deleted += redis.del(key);
      }
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return deleted;
  }

  /** The entities with the most events in the online store (one HLEN per slice hash). */
  static List<String> busiestEntities(UnifiedJedis redis, FeatureSet fs, int n) {
    Map<String, Long> events = new HashMap<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> page =
          redis.scan(
              cursor, new ScanParams().match(new OnlineLayout(fs).keyPrefix() + "*").count(1000));
      for (String key : page.getResult()) {
        String entity = key.substring(key.indexOf('{') + 1, key.lastIndexOf('}'));
        events.merge(entity, redis.hlen(key), Long::sum);
      }
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return events.entrySet().stream()
        .sorted(
            Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()))
        .limit(n)
        .map(Map.Entry::getKey)
        .toList();
  }

  private static void deleteRecursively(Path p) throws java.io.IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
