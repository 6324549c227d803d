package dev.slicestore.compaction;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.time.Durations;
import dev.slicestore.core.time.Instants;
import dev.slicestore.spark.JobOptions;
import dev.slicestore.spark.OfflineLayout;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The compaction application: {@code spark-submit --class dev.slicestore.compaction.CompactionJob
 * slicestore-compaction-job-*-spark.jar --feature-set retail --from 2025-01-01T00:00:00Z --to
 * 2025-01-01T01:00:00Z}. Also {@code bin/slicestore compact}, on local Spark when no master is set.
 * See {@link Compaction} for what a run does.
 *
 * <p>Exit codes: 0 after a run, 1 if it failed, 2 for invalid arguments or configuration (bad or
 * unaligned times, a range not closed yet, an unknown feature set), 3 if compaction was refused
 * because it could replace good state with a partial aggregate (Kafka retention deleted part of the
 * range). Messages say what is wrong.
 */
@Command(
    name = "compact",
    mixinStandardHelpOptions = true,
    description =
        "Compact a closed slice range: Kafka -> one compacted entry per slice hash in Redis + Iceberg tables.")
public final class CompactionJob implements Callable<Integer> {

  @Mixin JobOptions job = new JobOptions();

  @Option(
      names = "--from",
      required = true,
      description =
          "Start of the slice range (inclusive): ISO-8601 instant (2025-01-01T00:00:00Z) or epoch milliseconds.")
  String from;

  @Option(
      names = "--to",
      required = true,
      description = "End of the slice range (exclusive): ISO-8601 instant or epoch milliseconds.")
  String to;

  @Option(
      names = "--max-clock-skew",
      defaultValue = "1h",
      description =
          "How far before --from a record's Kafka timestamp may be while its event time is in the range (default: ${DEFAULT-VALUE}).")
  String maxClockSkew;

  @Option(
      names = "--namespace",
      defaultValue = OfflineLayout.DEFAULT_NAMESPACE,
      description = "Iceberg namespace of the feature set's tables (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--catalog",
      defaultValue = OfflineLayout.DEFAULT_CATALOG,
      description =
          "Spark catalog of the offline store; a local Iceberg Hadoop catalog under <state-dir>/warehouse unless"
              + " spark.sql.catalog.<name> is set (default: ${DEFAULT-VALUE}).")
  String catalog;

  /** Entry point for spark-submit and the launcher. */
  public static void main(String[] args) {
    int code = new CommandLine(new CompactionJob()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Runs the command: validates the arguments before starting Spark, then compacts.
   *
   * @return the exit code: 0 done, 1 failed, 2 invalid arguments or configuration, 3 refused
   */
  @Override
  public Integer call() {
    AppConfig app;
    FeatureSet fs;
    long fromMillis;
    long toMillis;
    CompactionOptions options;
    try {
      app = job.appConfig();
      fs = job.featureSet(app);
      fromMillis = Instants.parseMillis(from);
      toMillis = Instants.parseMillis(to);
      options =
          CompactionOptions.defaults()
              .withMaxClockSkewMillis(Durations.parseMillis(maxClockSkew))
              .withNamespace(namespace)
              .withCatalog(catalog);
      Compaction.validateRange(fs, fromMillis, toMillis, options.clock().millis());
      OfflineLayout.checkColumnNames(fs);
    } catch (ConfigProblemException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    return job.runSpark(
        "slicestore compaction " + fs.name(),
        CompactionRefusedException.class,
        spark -> Compaction.run(spark, app, fs, fromMillis, toMillis, options).describe());
  }
}
