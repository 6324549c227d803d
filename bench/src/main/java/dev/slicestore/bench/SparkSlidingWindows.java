package dev.slicestore.bench;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_timestamp;
import static org.apache.spark.sql.functions.window;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.TransformColumn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The baseline: Spark Structured Streaming's own sliding-window aggregation computing the retail
 * features (count, sum, mean, max, min of {@code amount} per customer) for one window length
 * sliding by the slice size — {@code groupBy(window(ts, W, slide), entity)} with a watermark of the
 * feature set's allowed lateness, {@code update} output mode, the default (HDFS-backed) state
 * store, written to the {@code noop} sink. Spark accepts one {@code window()} per aggregation, so a
 * feature set with k windows is k queries; each reads the whole topic ({@code AvailableNow}, the
 * same {@code maxOffsetsPerTrigger} as online-ingest). The parse (from_json with the declared
 * schema), transforms and filter are the feature set's own.
 */
public final class SparkSlidingWindows {
  /**
   * What one query did.
   *
   * @param windowMillis the window length, ms
   * @param inputRows Kafka records read (sum of numInputRows)
   * @param seconds wall-clock time from start to termination (or timeout), s
   * @param stateRowsUpdated state rows written (sum of the state operator's numRowsUpdated)
   * @param stateRowsTotal state rows at the end
   * @param stateMemoryBytes the state store's memory at the end, bytes
   * @param stateDiskBytes bytes of the state directory in the checkpoint at the end (delta and
   *     snapshot files written)
   * @param timedOut whether the query was stopped at the time limit before reading everything
   */
  public record QueryRun(
      long windowMillis,
      long inputRows,
      double seconds,
      long stateRowsUpdated,
      long stateRowsTotal,
      long stateMemoryBytes,
      long stateDiskBytes,
      boolean timedOut) {}

  private SparkSlidingWindows() {}

  /**
   * Runs one sliding-window query to the end of the topic.
   *
   * @param spark the session (its {@code spark.sql.streaming.numRecentProgressUpdates} should be
   *     large)
   * @param bootstrap Kafka bootstrap servers
   * @param topic the topic to read from its start
   * @param fs the feature set (schema, transforms, filter, entity key, event time, slice, lateness)
   * @param windowMillis the window length
   * @param maxOffsetsPerTrigger records per micro-batch (0 = no limit)
   * @param checkpoint a fresh checkpoint directory
   * @param timeoutSeconds the most time the query may take; then it is stopped and what it did is
   *     reported
   */
  public static QueryRun run(
      SparkSession spark,
      String bootstrap,
      String topic,
      FeatureSet fs,
      long windowMillis,
      long maxOffsetsPerTrigger,
      Path checkpoint,
      double timeoutSeconds)
      throws Exception {
    var reader =
        spark
            .readStream()
            .format("kafka")
            .option("kafka.bootstrap.servers", bootstrap)
            .option("subscribe", topic)
            .option("startingOffsets", "earliest");
    if (maxOffsetsPerTrigger > 0) {
      reader = reader.option("maxOffsetsPerTrigger", maxOffsetsPerTrigger);
    }
    StructType schema = new StructType();
    for (Map.Entry<String, ValueType> e : fs.schema().entrySet()) {
      schema = schema.add(e.getKey(), sparkType(e.getValue()));
    }
    Dataset<Row> events =
        reader.load().select(from_json(col("value").cast("string"), schema).as("e")).select("e.*");
    for (TransformColumn t : fs.transformColumns()) {
      events = events.withColumn(t.name(), expr(t.expression()).cast(sparkType(t.type())));
    }
    if (fs.filter() != null) {
      events = events.filter(expr(fs.filter()));
    }
    Column ts =
        to_timestamp(
            col(fs.eventTime().column()), fs.eventTime().format()); // session time zone: UTC
    Dataset<Row> agg =
        events
            .withColumn("__ts", ts)
            .withWatermark("__ts", fs.allowedLatenessMillis() + " milliseconds")
            .groupBy(
                window(
                    col("__ts"),
                    windowMillis + " milliseconds",
                    fs.sliceMillis() + " milliseconds"),
                col(fs.entityKeyColumn()))
            .agg(
                count(lit(1)).as("lines"),
                sum("amount").as("amount_sum"),
                avg("amount").as("amount_mean"),
                max("amount").as("amount_max"),
                min("amount").as("amount_min"));
    long start = System.nanoTime();
    StreamingQuery q =
        agg.writeStream()
            .format("noop")
            .outputMode("update")
            .option("checkpointLocation", checkpoint.toAbsolutePath().toString())
            .trigger(Trigger.AvailableNow())
            .queryName("spark_sliding_" + windowMillis / 60_000 + "m_" + System.nanoTime())
            .start();
    boolean done = q.awaitTermination((long) (timeoutSeconds * 1000));
    if (!done) {
      q.stop();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (q.exception().isDefined()) {
      throw new IllegalStateException("Spark sliding-window query failed", q.exception().get());
    }
    long input = 0;
    long updated = 0;
    long total = 0;
    long memory = 0;
    List<StreamingQueryProgress> progress = new ArrayList<>(List.of(q.recentProgress()));
    for (StreamingQueryProgress p : progress) {
      input += p.numInputRows();
      for (StateOperatorProgress s : p.stateOperators()) {
        updated += s.numRowsUpdated();
      }
    }
    if (!progress.isEmpty() && progress.get(progress.size() - 1).stateOperators().length > 0) {
      StateOperatorProgress last = progress.get(progress.size() - 1).stateOperators()[0];
      total = last.numRowsTotal();
      memory = last.memoryUsedBytes();
    }
    return new QueryRun(
        windowMillis,
        input,
        seconds,
        updated,
        total,
        memory,
        BenchContext.directoryBytes(checkpoint.resolve("state")),
        !done);
  }

  private static org.apache.spark.sql.types.DataType sparkType(ValueType t) {
    return switch (t) {
      case LONG -> DataTypes.LongType;
      case DOUBLE -> DataTypes.DoubleType;
      case BOOLEAN -> DataTypes.BooleanType;
      default -> DataTypes.StringType;
    };
  }
}
