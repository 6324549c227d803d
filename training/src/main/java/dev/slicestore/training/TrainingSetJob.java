package dev.slicestore.training;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.time.Durations;
import dev.slicestore.core.time.Instants;
import dev.slicestore.spark.JobOptions;
import dev.slicestore.spark.OfflineLayout;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The training-set application: {@code spark-submit --class dev.slicestore.training.TrainingSetJob
 * slicestore-training-*-spark.jar --feature-set retail --spine spine.parquet --time-column ts
 * --output /data/training/retail}. Also {@code bin/slicestore training-set}, on local Spark when no
 * master is set. See {@link TrainingSets} for what a run computes.
 *
 * <p>The Spark session time zone is set to UTC: spine timestamps without a zone (strings, or
 * timestamps without time zone) are read as UTC.
 *
 * <p>Exit codes: 0 written, 1 failed (also for an existing output without {@code --overwrite}), 2
 * invalid arguments or configuration (unknown feature, missing spine column, missing offline
 * store), 3 refused because spine rows lie beyond the offline store ({@code --on-uncovered fail}).
 */
@Command(
    name = "training-set",
    mixinStandardHelpOptions = true,
    description =
        "Build a point-in-time training set from the Iceberg offline store: the spine's rows plus one column per"
            + " feature, computed as serving computes them at each row's time.")
public final class TrainingSetJob implements Callable<Integer> {

  @Mixin JobOptions job = new JobOptions();

  @Option(
      names = "--features",
      split = ",",
      description =
          "Features to compute (<feature> or <feature set>.<feature>). Default: every feature of every feature set.")
  List<String> features;

  @Option(
      names = "--spine",
      description =
          "The spine: a Parquet or CSV path, or an Iceberg table ([catalog.]namespace.table).")
  String spine;

  @Option(
      names = "--spine-format",
      description = "iceberg, parquet or csv. Default: inferred from --spine.")
  String spineFormat;

  @Option(
      names = "--entity-column",
      description = "The spine's entity-key column. Default: the feature set's entity key.")
  String entityColumn;

  @Option(
      names = "--time-column",
      description =
          "The spine's time column: timestamp, epoch ms or ISO-8601 text."
              + " Default: "
              + TrainingSetRequest.DEFAULT_TIME_COLUMN
              + ".")
  String timeColumn;

  @Option(
      names = "--snapshot-time",
      description =
          "Instead of a spine: every entity's features as of this time (ISO-8601 instant or epoch ms).")
  String snapshotTime;

  @Option(
      names = "--output",
      required = true,
      description = "Output: a Parquet directory or an Iceberg table.")
  String output;

  @Option(
      names = "--output-format",
      description = "parquet or iceberg. Default: parquet for a path, iceberg for a table name.")
  String outputFormat;

  @Option(names = "--overwrite", description = "Replace an existing output.")
  boolean overwrite;

  @Option(
      names = "--on-uncovered",
      defaultValue = "fail",
      description =
          "Spine rows beyond what the offline store covers: fail (refuse the run), drop (leave them out) or flag"
              + " (keep them with null features and "
              + TrainingSets.COVERED_COLUMN
              + " = false). Default: ${DEFAULT-VALUE}.")
  String onUncovered;

  @Option(
      names = "--namespace",
      defaultValue = OfflineLayout.DEFAULT_NAMESPACE,
      description = "Iceberg namespace of the feature sets' tables (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--catalog",
      defaultValue = OfflineLayout.DEFAULT_CATALOG,
      description =
          "Spark catalog of the offline store, as for compaction (default: ${DEFAULT-VALUE}).")
  String catalog;

  @Option(
      names = "--time-bucket",
      description =
          "Time span of one unit of work per entity (e.g. 7d). Default: the longest requested window.")
  String timeBucket;

  /** Entry point for spark-submit and the launcher. */
  public static void main(String[] args) {
    int code = new CommandLine(new TrainingSetJob()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Runs the command: validates the arguments before starting Spark, then builds the training set.
   *
   * @return the exit code: 0 written, 1 failed, 2 invalid arguments or configuration, 3 refused
   */
  @Override
  public Integer call() {
    AppConfig app;
    TrainingSetRequest request;
    try {
      app = job.appConfig();
      request =
          new TrainingSetRequest(
              job.featureSets(app),
              features,
              spine,
              spineFormat,
              entityColumn,
              timeColumn,
              snapshotTime == null ? null : Instants.parseMillis(snapshotTime),
              output,
              outputFormat,
              overwrite,
              UncoveredPolicy.parse(onUncovered),
              catalog,
              namespace,
              timeBucket == null ? null : Durations.parseMillis(timeBucket));
    } catch (ConfigProblemException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    return job.runSpark(
        "slicestore training set",
        TrainingSetRefusedException.class,
        spark -> {
          spark.conf().set("spark.sql.session.timeZone", "UTC");
          return TrainingSets.build(spark, app, request).describe();
        });
  }
}
