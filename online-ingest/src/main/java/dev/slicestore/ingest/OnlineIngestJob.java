package dev.slicestore.ingest;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The online-ingest application: {@code spark-submit --class dev.slicestore.ingest.OnlineIngestJob
 * slicestore-online-ingest-*-spark.jar --feature-set conf/feature-sets/retail.conf}. Also what
 * {@code bin/slicestore ingest} runs, on local Spark, when no master is set.
 *
 * <p>Exit codes: 0 after a clean stop, 1 if the query failed, 2 for invalid arguments or
 * configuration (the message names the file, the path and the problem).
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Run online-ingest: Kafka events -> row pre-aggregates in Redis slice hashes (continuous).")
public final class OnlineIngestJob implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineIngestJob.class);

  @Option(names = "--config", description = "Deployment configuration (HOCON). Default: conf/application.conf if present.")
  Path config;

  @Option(names = "--feature-set", required = true,
      description = "Feature-set file, or the name of one in the feature-sets directory.")
  String featureSet;

  @Option(names = "--checkpoint", description = "Checkpoint directory. Default: <state-dir>/checkpoints/online-ingest/<name>-v<version>.")
  String checkpoint;

  @Option(names = "--trigger", description = "micro-batch or real-time (overrides slicestore.ingest.trigger).")
  String trigger;

  @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (overrides the configuration).")
  String bootstrapServers;

  @Option(names = "--redis", split = ",", description = "Redis host:port node(s) (overrides the configuration).")
  List<String> redisNodes;

  @Option(names = "--master", description = "Spark master when spark-submit did not set one. Default: local[*].")
  String master = "local[*]";

  @Option(names = "--max-offsets-per-trigger",
      description = "Micro-batch: at most this many Kafka records per batch (overrides slicestore.ingest.max-offsets-per-trigger).")
  Long maxOffsetsPerTrigger;

  @Option(names = "--stop-when-idle",
      description = "Process every event available now, then stop (runs the micro-batch trigger; for scripts and catch-up).")
  boolean stopWhenIdle;

  /** Entry point for spark-submit and the launcher. */
  public static void main(String[] args) {
    int code = new CommandLine(new OnlineIngestJob()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Resolves {@code --config} and the overrides into an {@link AppConfig}.
   *
   * @throws ConfigProblemException if the configuration is invalid
   */
  static AppConfig resolveConfig(Path config, String bootstrapServers, List<String> redisNodes, String trigger) {
    AppConfig app = AppConfig.resolve(config, bootstrapServers, redisNodes);
    return trigger == null ? app : app.with("slicestore.ingest.trigger", trigger);
  }

  /**
   * Loads a feature set given as a file path or as a name in the configured directory.
   *
   * @throws ConfigProblemException if it is missing or invalid
   */
  public static FeatureSet resolveFeatureSet(AppConfig app, String fileOrName) {
    Path p = Path.of(fileOrName);
    if (Files.isRegularFile(p)) {
      return FeatureSetLoader.load(p);
    }
    Path inDir = Path.of(app.featureSetsDir(), fileOrName + ".conf");
    if (Files.isRegularFile(inDir)) {
      return FeatureSetLoader.load(inDir);
    }
    throw new ConfigProblemException(List.of(fileOrName + ": no such feature-set file, and no " + inDir));
  }

  @Override
  public Integer call() throws Exception {
    AppConfig app;
    FeatureSet fs;
    try {
      app = resolveConfig(config, bootstrapServers, redisNodes, trigger);
      if (stopWhenIdle && app.ingestTrigger() != AppConfig.IngestTrigger.MICRO_BATCH) {
        LOG.info("--stop-when-idle: using the micro-batch trigger (real-time mode has no end of available data)");
        app = app.with("slicestore.ingest.trigger", "micro-batch");
      }
      if (maxOffsetsPerTrigger != null) {
        app = app.with("slicestore.ingest.max-offsets-per-trigger", maxOffsetsPerTrigger);
      }
      fs = resolveFeatureSet(app, featureSet);
    } catch (ConfigProblemException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    String dir = checkpoint != null ? checkpoint
        : Path.of(app.stateDir(), "checkpoints", "online-ingest", fs.name() + "-v" + fs.version()).toAbsolutePath().toString();
    SparkConf conf = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder().appName("slicestore online-ingest " + fs.name());
    if (!conf.contains("spark.master")) {
      builder.master(master).config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2");
    }
    SparkSession spark = builder.getOrCreate();
    RunningIngest ingest;
    try {
      ingest = OnlineIngest.start(spark, app, fs, dir);
    } catch (ConfigProblemException e) {
      System.err.println("error: " + e.getMessage());
      spark.stop();
      return 2;
    }
    try {
      if (stopWhenIdle) {
        ingest.processAllAvailable();
        LOG.info("Caught up with Kafka; stopping. Totals: {}", ingest.metrics().describe());
        ingest.stop();
      } else {
        ingest.query().awaitTermination();
      }
      return 0;
    } catch (Exception e) {
      LOG.error("online-ingest failed: {}", e.getMessage(), e);
      return 1;
    } finally {
      spark.stop();
    }
  }
}
