package dev.slicestore.ingest;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.spark.JobOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryException;
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
 * <p>A query that fails (a Redis write refused or failing past its retries, Kafka unreachable...)
 * never commits the offsets of the batch it failed in. Running continuously, it is restarted from
 * its checkpoint with doubling backoff, up to {@code slicestore.ingest.max-restarts} times in a
 * row, each restart logged with its cause; with {@code --stop-when-idle} it is not restarted.
 *
 * <p>Exit codes: 0 after a clean stop, 1 if the query failed (and, running continuously, kept
 * failing past its restarts), 2 for invalid arguments or configuration (the message names the file,
 * the path and the problem).
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
    try {
      return stopWhenIdle ? catchUp(spark, app, fs, dir) : runContinuously(spark, app, fs, dir);
    } catch (ConfigProblemException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    } finally {
      spark.stop();
    }
  }

  /**
   * Processes what Kafka holds now, then stops: 0, or 1 if the query failed (nothing restarts it).
   */
  private static int catchUp(SparkSession spark, AppConfig app, FeatureSet fs, String dir)
      throws TimeoutException {
    RunningIngest ingest = OnlineIngest.start(spark, app, fs, dir);
    try {
      ingest.processAllAvailable();
      LOG.info("Caught up with Kafka; stopping. Totals: {}", ingest.metrics().describe());
      return 0;
    } catch (StreamingQueryException e) {
      LOG.error(
          "online-ingest failed, its last batch's offsets were not committed (a new run reads them"
              + " again): {}",
          rootMessage(e),
          e);
      System.err.println("error: online-ingest failed: " + rootMessage(e));
      return 1;
    } finally {
      ingest.stop();
    }
  }

  /**
   * Runs the query until it is stopped; a query that fails is restarted from its checkpoint, up to
   * {@code slicestore.ingest.max-restarts} times in a row with doubling backoff (the count starts
   * again once a query has run for {@code restart-reset-after}).
   *
   * @return 0 after a clean stop, 1 when the query failed once more than restarts allow
   */
  private static int runContinuously(SparkSession spark, AppConfig app, FeatureSet fs, String dir)
      throws TimeoutException, InterruptedException {
    int restarts = 0;
    long backoff = app.ingestRestartBackoffMillis();
    while (true) {
      RunningIngest ingest = OnlineIngest.start(spark, app, fs, dir);
      long started = System.currentTimeMillis();
      try {
        ingest.query().awaitTermination();
        return 0;
      } catch (StreamingQueryException e) {
        if (System.currentTimeMillis() - started >= app.ingestRestartResetAfterMillis()) {
          restarts = 0;
          backoff = app.ingestRestartBackoffMillis();
        }
        if (restarts >= app.ingestMaxRestarts()) {
          LOG.error(
              "online-ingest failed{}; giving up (slicestore.ingest.max-restarts = {}): {}",
              restarts == 0 ? "" : " again after " + restarts + " restarts in a row",
              app.ingestMaxRestarts(),
              rootMessage(e),
              e);
          System.err.println("error: online-ingest failed: " + rootMessage(e));
          return 1;
        }
        restarts++;
        LOG.error(
            "online-ingest failed, its last batch's offsets were not committed: {}. Restarting from"
                + " checkpoint {} in {} ms (restart {} of at most {} in a row)",
            rootMessage(e),
            dir,
            backoff,
            restarts,
            app.ingestMaxRestarts());
      } finally {
        ingest.stop();
      }
      Thread.sleep(backoff);
      backoff = Math.min(app.ingestMaxRestartBackoffMillis(), backoff * 2);
    }
  }

  /**
   * @return the message of the innermost cause that has one: what went wrong, in the writer's words
   */
  static String rootMessage(Throwable e) {
    String message = e.getMessage();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RedisBatch.RedisWriteException) {
        return t.getMessage();
      }
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message;
  }
}
