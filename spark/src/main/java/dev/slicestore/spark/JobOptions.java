package dev.slicestore.spark;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * The options every slicestore Spark job takes (a picocli mixin shared by online-ingest and
 * compaction): {@code --config}, {@code --feature-set}, the endpoint overrides {@code
 * --bootstrap-servers} and {@code --redis}, and {@code --master} for runs without spark-submit. Not
 * thread-safe (a picocli command object is used once).
 */
public final class JobOptions {
  @Option(
      names = "--config",
      description = "Deployment configuration (HOCON). Default: conf/application.conf if present.")
  Path config;

  @Option(
      names = "--feature-set",
      required = true,
      description =
          "Feature-set file, or the name of one in the feature-sets directory (repeatable where a job takes several).")
  List<String> featureSets;

  @Option(
      names = "--bootstrap-servers",
      description = "Kafka bootstrap servers (overrides the configuration).")
  String bootstrapServers;

  @Option(
      names = "--redis",
      split = ",",
      description = "Redis host:port node(s) (overrides the configuration).")
  List<String> redisNodes;

  @Option(
      names = "--master",
      description = "Spark master when spark-submit did not set one. Default: local[*].")
  String master = SparkSessions.DEFAULT_LOCAL_MASTER;

  /**
   * @return the deployment configuration with the endpoint overrides applied
   * @throws ConfigProblemException naming the file, the path and the problem
   */
  public AppConfig appConfig() {
    return AppConfig.resolve(config, bootstrapServers, redisNodes);
  }

  /**
   * @return the feature set named by {@code --feature-set}
   * @throws ConfigProblemException if it is missing or invalid, or if several were given
   */
  public FeatureSet featureSet(AppConfig app) {
    if (featureSets.size() != 1) {
      throw new ConfigProblemException(
          List.of("--feature-set: this job takes one feature set, not " + featureSets));
    }
    return resolveFeatureSet(app, featureSets.get(0));
  }

  /**
   * @return every feature set named by {@code --feature-set}, in order
   * @throws ConfigProblemException if one is missing or invalid
   */
  public List<FeatureSet> featureSets(AppConfig app) {
    List<FeatureSet> out = new java.util.ArrayList<>();
    for (String f : featureSets) {
      out.add(resolveFeatureSet(app, f));
    }
    return out;
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
    throw new ConfigProblemException(
        List.of(fileOrName + ": no such feature-set file, and no " + inDir));
  }

  /**
   * The job's Spark session: spark-submit's settings when it set a master, else local Spark on
   * {@code --master} with the UI off.
   *
   * @param appName the application name shown by Spark
   */
  public SparkSession sparkSession(String appName) {
    return SparkSessions.forJob(appName, master);
  }

  /**
   * Runs a batch Spark job body in {@link #sparkSession} and maps its outcome to the exit codes
   * every slicestore job uses: 0 done (the body's summary is printed), 3 refused ({@code refusal}),
   * 2 invalid arguments ({@link IllegalArgumentException}), 1 failed (any other exception, logged
   * with its stack trace). Messages go to standard error as {@code error: <message>}; the session
   * is stopped in every case.
   *
   * @param appName the Spark application name
   * @param refusal the job's "refused, nothing changed" exception type
   * @param body the job; returns the summary to print
   * @return the exit code
   */
  public int runSpark(
      String appName,
      Class<? extends RuntimeException> refusal,
      java.util.function.Function<SparkSession, String> body) {
    SparkSession spark = sparkSession(appName);
    try {
      System.out.println(body.apply(spark));
      return 0;
    } catch (RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      if (refusal.isInstance(e)) {
        return 3;
      }
      if (e instanceof IllegalArgumentException) {
        return 2;
      }
      org.slf4j.LoggerFactory.getLogger(JobOptions.class)
          .error("{} failed: {}", appName, e.getMessage(), e);
      return 1;
    } finally {
      spark.stop();
    }
  }
}
