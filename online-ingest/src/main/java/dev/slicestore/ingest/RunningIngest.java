package dev.slicestore.ingest;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;

/**
 * A started online-ingest query with its counters.
 *
 * @param query the Spark streaming query
 * @param metrics its counters (cumulative since it started in this driver)
 * @param listener the progress logger registered for it
 * @param spark the session it runs in
 * @param realTime true iff it runs Spark's real-time mode trigger
 */
public record RunningIngest(
    StreamingQuery query,
    IngestMetrics metrics,
    IngestProgressLogger listener,
    SparkSession spark,
    boolean realTime) {
  /**
   * Stops the query, unregisters its progress logger, and closes the Redis pools and dead-letter
   * producers this JVM opened for it (in local mode the driver is also the executor; executors in
   * other JVMs close theirs when they exit).
   *
   * @throws java.util.concurrent.TimeoutException if the query does not stop in time
   */
  public void stop() throws java.util.concurrent.TimeoutException {
    try {
      query.stop();
    } finally {
      spark.streams().removeListener(listener);
      ExecutorResources.closeAll();
    }
  }

  /**
   * Blocks until every record available in Kafka now has been processed.
   *
   * @throws StreamingQueryException if the query failed
   * @throws IllegalStateException in real-time mode, whose long-running batches have no such point
   *     (it would block forever)
   */
  public void processAllAvailable() throws StreamingQueryException {
    if (realTime) {
      throw new IllegalStateException(
          "Cannot wait for all available data in real-time mode: use the micro-batch trigger");
    }
    query.processAllAvailable();
  }
}
