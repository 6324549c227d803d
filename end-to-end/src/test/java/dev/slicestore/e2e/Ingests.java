package dev.slicestore.e2e;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.ingest.OnlineIngest;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.testkit.TestStack;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.SparkSession;

/** The online ingest as the end-to-end tests run it. */
final class Ingests {

  private Ingests() {}

  /**
   * Starts the online ingest of {@code fs} against {@code stack} with micro-batch triggers,
   * checkpointing to {@code checkpoint}.
   *
   * @throws TimeoutException if the streaming query does not start
   */
  static RunningIngest startMicroBatch(
      SparkSession spark, TestStack stack, FeatureSet fs, Path checkpoint) throws TimeoutException {
    return OnlineIngest.start(
        spark,
        stack.config.with("slicestore.ingest.trigger", "micro-batch"),
        fs,
        checkpoint.toString());
  }
}
