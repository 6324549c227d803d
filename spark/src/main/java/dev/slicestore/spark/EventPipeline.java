package dev.slicestore.spark;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.TransformColumn;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The row-level part every path shares, so that online-ingest and compaction read events
 * identically: Kafka rows ({@code key, value, topic, partition, offset, timestamp}) → JSON parse
 * with the declared schema ({@link ParseEvents}) → transforms (cast to their declared types) → the
 * filter flag {@link EventColumns#KEEP}. Rows that fail to parse keep their coordinates and raw
 * value and carry a reject reason; nothing is dropped here. Pair it with {@link RowValidator}.
 *
 * <p>Driver-side plan construction; stateless.
 */
public final class EventPipeline {
  private EventPipeline() {}

  /**
   * @param spark the session (callers running transforms should set {@code spark.sql.ansi.enabled}
   *     to false, as online-ingest does, so a bad value yields null rather than a failed job)
   * @param kafkaRows rows with the Kafka source's columns key, value, topic, partition, offset,
   *     timestamp (streaming or batch)
   * @param featureSet the feature set
   * @return metadata columns ({@code __ss_*}, {@link EventColumns}), payload columns and transform
   *     outputs, and the boolean filter column
   * @throws ConfigProblemException if a transform or the filter is not valid Spark SQL for the
   *     schema, naming the file, the path and Spark's message
   */
  public static Dataset<Row> parseAndTransform(
      SparkSession spark, Dataset<Row> kafkaRows, FeatureSet featureSet) {
    Dataset<Row> parsed =
        kafkaRows
            .select("key", "value", "topic", "partition", "offset", "timestamp")
            .mapPartitions(
                new ParseEvents(featureSet), Encoders.row(ParseEvents.outputSchema(featureSet)));
    return applyTransforms(spark, parsed, featureSet);
  }

  /**
   * Applies the feature set's transform columns (cast to their declared types) and adds the boolean
   * filter column {@link EventColumns#KEEP} (null counts as false).
   */
  static Dataset<Row> applyTransforms(SparkSession spark, Dataset<Row> parsed, FeatureSet fs) {
    validateExpressions(spark, parsed.schema(), fs);
    Set<String> replaced = new HashSet<>();
    for (TransformColumn t : fs.transformColumns()) {
      replaced.add(t.name());
    }
    List<Column> cols = new ArrayList<>();
    for (String name : parsed.columns()) {
      if (!replaced.contains(name)) {
        cols.add(col("`" + name + "`"));
      }
    }
    for (TransformColumn t : fs.transformColumns()) {
      cols.add(
          expr("CAST((" + t.expression() + ") AS " + SparkTypes.sparkType(t.type()).sql() + ")")
              .as(t.name()));
    }
    Dataset<Row> transformed = parsed.select(cols.toArray(new Column[0]));
    Column keep = fs.filter() == null ? lit(true) : coalesce(expr(fs.filter()), lit(false));
    return transformed.withColumn(EventColumns.KEEP, keep);
  }

  private static void validateExpressions(SparkSession spark, StructType schema, FeatureSet fs) {
    List<String> problems = new ArrayList<>();
    Dataset<Row> empty = spark.createDataFrame(List.of(), schema);
    for (int i = 0; i < fs.transformColumns().size(); i++) {
      TransformColumn t = fs.transformColumns().get(i);
      try {
        empty.selectExpr(t.expression()).schema();
      } catch (Exception e) {
        problems.add(
            fs.sourceFile()
                + ": transforms.columns["
                + i
                + "].expression: Invalid Spark SQL expression '"
                + t.expression()
                + "': "
                + firstLine(e.getMessage()));
      }
    }
    if (problems.isEmpty() && fs.filter() != null) {
      try {
        Set<String> replaced = new HashSet<>();
        fs.transformColumns().forEach(t -> replaced.add(t.name()));
        List<Column> cols = new ArrayList<>();
        for (String name : schema.fieldNames()) {
          if (!replaced.contains(name)) {
            cols.add(col("`" + name + "`"));
          }
        }
        for (TransformColumn t : fs.transformColumns()) {
          cols.add(expr(t.expression()).as(t.name()));
        }
        Dataset<Row> after = empty.select(cols.toArray(new Column[0]));
        after.where(expr(fs.filter())).schema();
        if (!after
            .select(expr(fs.filter()))
            .schema()
            .fields()[0]
            .dataType()
            .sameType(DataTypes.BooleanType)) {
          problems.add(
              fs.sourceFile()
                  + ": transforms.filter: must be a boolean expression: '"
                  + fs.filter()
                  + "'");
        }
      } catch (Exception e) {
        problems.add(
            fs.sourceFile()
                + ": transforms.filter: Invalid Spark SQL expression '"
                + fs.filter()
                + "': "
                + firstLine(e.getMessage()));
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigProblemException(problems);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
