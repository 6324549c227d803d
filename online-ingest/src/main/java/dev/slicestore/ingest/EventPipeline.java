package dev.slicestore.ingest;

import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.FeatureSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The row-level part every path shares, so that online-ingest and compaction read events
 * identically: Kafka rows ({@code key, value, topic, partition, offset, timestamp}) → JSON parse
 * with the declared schema → transforms (cast to their declared types) → the filter flag. Rows
 * that fail to parse keep their coordinates and raw value and carry a reject reason; nothing is
 * dropped here. Pair it with {@link RowValidator}.
 *
 * <p>Driver-side plan construction; stateless.
 */
public final class EventPipeline {
  private EventPipeline() {}

  /** @return the Spark SQL type of a slicestore value type (long, double, string, boolean) */
  public static DataType sparkType(ValueType type) {
    return switch (type) {
      case LONG -> DataTypes.LongType;
      case DOUBLE -> DataTypes.DoubleType;
      case STRING -> DataTypes.StringType;
      case BOOLEAN -> DataTypes.BooleanType;
    };
  }

  /**
   * The Spark SQL type of an aggregate function's results, as the offline store and training sets
   * type them (the same types serving answers with): every path that writes results to Spark
   * goes through this method and {@link #resultSparkValue}.
   *
   * @param function the aggregate function
   * @return the Spark SQL type of its non-null results
   */
  public static DataType resultSparkType(AggregateFunction<?> function) {
    return sparkType(function.resultType());
  }

  /**
   * Converts a result of {@link AggregateFunction#getResult} to the external Spark value of
   * {@link #resultSparkType} ({@code Long}, {@code Double}, {@code String}, {@code Boolean}).
   *
   * @param function the function that produced {@code result}
   * @param result the result, may be null
   * @return the value for a Spark {@code Row}, null iff {@code result} is null
   */
  public static Object resultSparkValue(AggregateFunction<?> function, Object result) {
    return result;
  }

  /**
   * @param spark the session (callers running transforms should set {@code spark.sql.ansi.enabled}
   *     to false, as online-ingest does, so a bad value yields null rather than a failed job)
   * @param kafkaRows rows with the Kafka source's columns key, value, topic, partition, offset,
   *     timestamp (streaming or batch)
   * @param featureSet the feature set
   * @return metadata columns ({@code __ss_*}), payload columns and transform outputs, and the
   *     boolean filter column
   * @throws ConfigProblemException if a transform or the filter is not valid Spark SQL for the
   *     schema
   */
  public static Dataset<Row> parseAndTransform(SparkSession spark, Dataset<Row> kafkaRows, FeatureSet featureSet) {
    Dataset<Row> parsed = kafkaRows.select("key", "value", "topic", "partition", "offset", "timestamp")
        .mapPartitions(new ParseEvents(featureSet), Encoders.row(ParseEvents.outputSchema(featureSet)));
    return OnlineIngest.applyTransforms(spark, parsed, featureSet);
  }
}
