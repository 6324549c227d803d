package dev.slicestore.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one place slicestore builds Spark sessions: for a job (spark-submit's settings when it set a
 * master, else local Spark) and for local runs (the quickstart, benchmarks, tests). Local sessions
 * run without the web UI and with as many shuffle partitions as the work needs on one machine.
 *
 * <p>Spark keeps one active session per JVM: {@code getOrCreate} returns the existing one (with the
 * settings it was created with) when a session is already running. Thread-safe as Spark's builder
 * is.
 */
public final class SparkSessions {
  /** The master a job uses when it is run without spark-submit and without {@code --master}. */
  public static final String DEFAULT_LOCAL_MASTER = "local[*]";

  /** Shuffle partitions of a job run on local Spark (instead of Spark's default 200). */
  public static final int LOCAL_JOB_SHUFFLE_PARTITIONS = 2;

  private SparkSessions() {}

  /**
   * A builder for a local session: {@code master}, no web UI, {@code shufflePartitions} shuffle
   * partitions. Callers add their own settings and call {@code getOrCreate()}.
   *
   * @param appName the application name Spark shows
   * @param master a local master, e.g. {@code local[2]}
   * @param shufflePartitions {@code spark.sql.shuffle.partitions} ({@code >= 1})
   * @return the builder
   * @throws IllegalArgumentException if {@code shufflePartitions < 1}
   */
  public static SparkSession.Builder localBuilder(
      String appName, String master, int shufflePartitions) {
    if (shufflePartitions < 1) {
      throw new IllegalArgumentException(
          "Invalid shuffle partitions: " + shufflePartitions + " (must be >= 1)");
    }
    return SparkSession.builder()
        .master(master)
        .appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", Integer.toString(shufflePartitions));
  }

  /**
   * A local session on {@code local[threads]} with {@code threads} shuffle partitions and no UI.
   *
   * @param appName the application name Spark shows
   * @param threads worker threads and shuffle partitions ({@code >= 1})
   * @return the session (the existing one if a session is already active in this JVM)
   */
  public static SparkSession local(String appName, int threads) {
    return localBuilder(appName, "local[" + threads + "]", threads).getOrCreate();
  }

  /**
   * A job's session: spark-submit's settings when it set a master ({@code spark.master} in the
   * JVM's Spark configuration), else local Spark on {@code localMaster} with {@value
   * #LOCAL_JOB_SHUFFLE_PARTITIONS} shuffle partitions and no UI.
   *
   * @param appName the application name Spark shows
   * @param localMaster the master for runs without spark-submit, e.g. {@value
   *     #DEFAULT_LOCAL_MASTER}
   * @return the session
   */
  public static SparkSession forJob(String appName, String localMaster) {
    if (new SparkConf().contains("spark.master")) {
      return SparkSession.builder().appName(appName).getOrCreate();
    }
    return localBuilder(appName, localMaster, LOCAL_JOB_SHUFFLE_PARTITIONS).getOrCreate();
  }
}
