package dev.slicestore.e2e;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.training.TrainingSetRequest;
import dev.slicestore.training.UncoveredPolicy;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The spines the end-to-end tests write, and the training-set requests they build over them. */
final class Spines {

  private Spines() {}

  /**
   * A request for every feature of {@code fs} at the rows of the spine at {@code spine}, whose time
   * column is {@code ts} and entity column the feature set's key, written to {@code output} (a new
   * one), the offline tables read from namespace {@code slicestore} of {@code catalog}; the formats
   * of both are inferred from the paths (a directory: Parquet).
   */
  static TrainingSetRequest request(
      String catalog, FeatureSet fs, Path spine, Path output, UncoveredPolicy onUncovered) {
    return new TrainingSetRequest(
        List.of(fs),
        List.of(),
        spine.toString(),
        null,
        null,
        "ts",
        null,
        output.toString(),
        null,
        false,
        onUncovered,
        catalog,
        "slicestore",
        null);
  }

  /**
   * Writes a Parquet spine of the retail feature sets: per row {@code CustomerID}, {@code ts} (a
   * timestamp), the extra string columns, and {@code label}, the row's index in {@code rows}.
   *
   * @param rows per row the customer, the time (epoch ms, a {@code Long}), then one value per extra
   *     column
   */
  static void writeLabelled(
      SparkSession spark, Path path, List<String> extraColumns, List<Object[]> rows) {
    StructType schema =
        new StructType().add("CustomerID", DataTypes.StringType).add("ts", DataTypes.TimestampType);
    for (String c : extraColumns) {
      schema = schema.add(c, DataTypes.StringType);
    }
    schema = schema.add("label", DataTypes.LongType);
    List<Row> spine = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      Object[] r = rows.get(i);
      Object[] values = new Object[r.length + 1];
      values[0] = r[0];
      values[1] = new Timestamp((Long) r[1]);
      System.arraycopy(r, 2, values, 2, r.length - 2);
      values[r.length] = (long) i;
      spine.add(RowFactory.create(values));
    }
    spark.createDataFrame(spine, schema).write().parquet(path.toString());
  }
}
