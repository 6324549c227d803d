package dev.slicestore.ingest;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.spark.JobOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The online-ingest application: {@code spark-submit --class dev.slicestore.ingest.OnlineIngestJob
 * slicestore-online-ingest-*-spark.jar --feature-set conf/feature-sets/retail.conf}. Also what
 * {@code bin/slicestore ingest} runs, on local Spark, when no master is set.
 *
 * <p>Exit codes: 0 after a clean stop, 1 if the query failed, 2 for invalid arguments or
 * configuration (the message names the file, the path and the problem).
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Run online-ingest: Kafka events -> row pre-aggregates in Redis slice hashes (continuous).")
public final class OnlineIngestJob implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineIngestJob.class);

  @Mixin JobOptions job = new JobOptions();

  @Option(
      names = "--checkpoint",
      description =
          "Checkpoint directory. Default: <state-dir>/checkpoints/online-ingest/<name>-v<version>.")
  String checkpoint;

  @Option(
      names = "--trigger",
      description = "micro-batch or real-time (overrides slicestore.ingest.trigger).")
  String trigger;

  @Option(
      names = "--max-offsets-per-trigger",
      description =
          "Micro-batch: at most this many Kafka records per batch (overrides slicestore.ingest.max-offsets-per-trigger).")
  Long maxOffsetsPerTrigger;

  @Option(
      names = "--stop-when-idle",
      description =
          "Process every event available now, then stop (runs the micro-batch trigger; for scripts and catch-up).")
  boolean stopWhenIdle;

  /** Entry point for spark-submit and the launcher. */
  public static void main(String[] args) {
    int code = new CommandLine(new OnlineIngestJob()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    AppConfig app;
    FeatureSet fs;
    try {
      app = job.appConfig();
      if (trigger != null) {
        app = app.with("slicestore.ingest.trigger", trigger);
      }
      if (stopWhenIdle && app.ingestTrigger() != AppConfig.IngestTrigger.MICRO_BATCH) {
        LOG.info(
            "--stop-when-idle: using the micro-batch trigger (real-time mode has no end of available data)");
        app = app.with("slicestore.ingest.trigger", "micro-batch");
      }
      if (maxOffsetsPerTrigger != null) {
        app = app.with("slicestore.ingest.max-offsets-per-trigger", maxOffsetsPerTrigger);
      }
      fs = job.featureSet(app);
    } catch (ConfigProblemException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    String dir =
        checkpoint != null
            ? checkpoint
            : Path.of(
                    app.stateDir(), "checkpoints", "online-ingest", fs.name() + "-v" + fs.version())
                .toAbsolutePath()
                .toString();
    SparkSession spark = job.sparkSession("slicestore online-ingest " + fs.name());
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
