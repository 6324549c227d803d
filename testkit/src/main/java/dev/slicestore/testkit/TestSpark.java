package dev.slicestore.testkit;

import dev.slicestore.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;

/**
 * The local Spark session of tests: {@code local[2]} (the machine's two cores), two shuffle
 * partitions, no web UI, from the one session factory ({@link SparkSessions}). Spark keeps one
 * session per JVM, so every test of a JVM shares it.
 */
public final class TestSpark {
  /** Worker threads and shuffle partitions of the test session. */
  public static final int THREADS = 2;

  private TestSpark() {}

  /**
   * @return the session (created on first use)
   */
  public static SparkSession session() {
    return SparkSessions.local("slicestore-test", THREADS);
  }
}
