package dev.slicestore.compaction;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.spark.JobOptions;
import dev.slicestore.spark.OfflineLayout;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
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
 * because it could replace good state with a partial aggregate (Kafka retention deleted part of
 * the range). Messages say what is wrong.
 */
@Command(name = "compact", mixinStandardHelpOptions = true,
    description = "Compact a closed slice range: Kafka -> one compacted entry per slice hash in Redis + Iceberg tables.")
public final class CompactionJob implements Callable<Integer> {

  @Mixin
  JobOptions job = new JobOptions();

  @Option(names = "--from", required = true,
      description = "Start of the slice range (inclusive): ISO-8601 instant (2025-01-01T00:00:00Z) or epoch milliseconds.")
  String from;

  @Option(names = "--to", required = true,
      description = "End of the slice range (exclusive): ISO-8601 instant or epoch milliseconds.")
  String to;

  @Option(names = "--max-clock-skew", defaultValue = "1h",
      description = "How far before --from a record's Kafka timestamp may be while its event time is in the range (default: ${DEFAULT-VALUE}).")
  String maxClockSkew;

  @Option(names = "--namespace", defaultValue = OfflineLayout.DEFAULT_NAMESPACE,
      description = "Iceberg namespace of the feature set's tables (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--catalog", defaultValue = OfflineLayout.DEFAULT_CATALOG,
      description = "Spark catalog of the offline store; a local Iceberg Hadoop catalog under <state-dir>/warehouse unless"
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
   * Parses a range bound.
   *
   * @param text an ISO-8601 instant ({@code 2025-01-01T00:00:00Z}), an ISO-8601 date-time with an
   *     offset ({@code 2025-01-01T01:00:00+01:00}, as Airflow renders its data intervals), or epoch
   *     milliseconds
   * @return epoch milliseconds
   * @throws IllegalArgumentException if it is none of these
   */
  public static long parseTime(String text) {
    String s = text.trim();
    if (s.matches("-?\\d+")) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Invalid time '" + text + "': epoch milliseconds out of range");
      }
    }
    try {
      return Instant.parse(s).toEpochMilli();
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(s).toInstant().toEpochMilli();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("Invalid time '" + text
            + "': use an ISO-8601 instant such as 2025-01-01T00:00:00Z (or with an offset, +01:00) or epoch milliseconds");
      }
    }
  }

  /**
   * Parses a duration such as {@code 1h}, {@code 90m}, {@code 30 s} (HOCON) or {@code PT1H} (ISO-8601).
   *
   * @return milliseconds
   * @throws IllegalArgumentException if it is not a non-negative duration
   */
  public static long parseDurationMillis(String text) {
    long millis;
    try {
      millis = Duration.parse(text.trim()).toMillis();
    } catch (DateTimeParseException e) {
      try {
        millis = ConfigFactory.parseMap(java.util.Map.of("d", text.trim())).getDuration("d").toMillis();
      } catch (ConfigException e2) {
        throw new IllegalArgumentException("Invalid duration '" + text + "': use e.g. 1h, 30m, 90s or PT1H");
      }
    }
    if (millis < 0) {
      throw new IllegalArgumentException("Invalid duration '" + text + "': must not be negative");
    }
    return millis;
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
      fromMillis = parseTime(from);
      toMillis = parseTime(to);
      options = CompactionOptions.defaults().withMaxClockSkewMillis(parseDurationMillis(maxClockSkew))
          .withNamespace(namespace).withCatalog(catalog);
      Compaction.validateRange(fs, fromMillis, toMillis, options.clock().millis());
      OfflineLayout.checkColumnNames(fs);
    } catch (ConfigProblemException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    return job.runSpark("slicestore compaction " + fs.name(), CompactionRefusedException.class,
        spark -> Compaction.run(spark, app, fs, fromMillis, toMillis, options).describe());
  }
}
