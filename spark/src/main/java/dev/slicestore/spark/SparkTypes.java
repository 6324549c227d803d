package dev.slicestore.spark;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.ItemCount;
import dev.slicestore.core.aggregate.ResultType;
import dev.slicestore.core.aggregate.ValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * The mapping between slicestore's value and result types and Spark SQL's types, the same for every
 * Spark path (online-ingest's parsed columns, the offline store's tables, training sets), so that
 * what Spark stores is typed as serving answers.
 *
 * <p>Stateless and thread-safe.
 */
public final class SparkTypes {
  private SparkTypes() {}

  /**
   * @param type a slicestore value type
   * @return its Spark SQL type: bigint, double, string or boolean
   */
  public static DataType sparkType(ValueType type) {
    return switch (type) {
      case LONG -> DataTypes.LongType;
      case DOUBLE -> DataTypes.DoubleType;
      case STRING -> DataTypes.StringType;
      case BOOLEAN -> DataTypes.BooleanType;
    };
  }

  /**
   * Adds a nullable field of its {@link #sparkType} for each column, in the map's order: a feature
   * set's {@link dev.slicestore.core.config.FeatureSet#schema() payload} or {@link
   * dev.slicestore.core.config.FeatureSet#columns() columns} after a table's own fields.
   *
   * @param fields the fields so far, appended to
   * @param columns column name to value type
   */
  public static void addColumns(List<StructField> fields, Map<String, ValueType> columns) {
    columns.forEach(
        (name, type) -> fields.add(DataTypes.createStructField(name, sparkType(type), true)));
  }

  /**
   * The Spark SQL type of an aggregate function's results, as the offline store and training sets
   * type them (the same types serving answers with): every path that writes results to Spark goes
   * through this method and {@link #resultSparkValue}.
   *
   * <ul>
   *   <li>scalar: {@link #sparkType} of the value type;
   *   <li>list (top_k, first_k, approx_percentile, ...): {@code array<T>} without null elements, in
   *       the function's order;
   *   <li>item counts (most_frequent): {@code array<struct<item: T, count: bigint, error_bound:
   *       bigint>>}, most frequent first (an array, not a map, so the order is kept).
   * </ul>
   *
   * @param function the aggregate function
   * @return the Spark SQL type of its non-null results
   */
  public static DataType resultSparkType(AggregateFunction<?> function) {
    return resultSparkType(function.result());
  }

  /**
   * The Spark SQL type of values of a result type: as {@link #resultSparkType(AggregateFunction)}.
   * Training sets type feature columns by the feature's {@link
   * dev.slicestore.core.config.Feature#result()} (for {@code bloom_contains}: boolean, while its
   * slices-table column holds the function's context-free {@code long} result).
   *
   * @param result the shape and element type
   * @return the Spark SQL type of its non-null values
   */
  public static DataType resultSparkType(ResultType result) {
    DataType element = sparkType(result.element());
    return switch (result.kind()) {
      case SCALAR -> element;
      case LIST -> DataTypes.createArrayType(element, false);
      case ITEM_COUNTS ->
          DataTypes.createArrayType(
              DataTypes.createStructType(
                  new StructField[] {
                    DataTypes.createStructField("item", element, false),
                    DataTypes.createStructField("count", DataTypes.LongType, false),
                    DataTypes.createStructField("error_bound", DataTypes.LongType, false)
                  }),
              false);
    };
  }

  /**
   * Converts a result of {@link AggregateFunction#getResult} to the external Spark value of {@link
   * #resultSparkType}: {@code Long}, {@code Double}, {@code String}, {@code Boolean} for scalars; a
   * Scala {@code Seq} (what Spark's row encoder wants for arrays) of the elements, or of {@code
   * Row(item, count, error_bound)} for item counts, order kept.
   *
   * @param function the function that produced {@code result}
   * @param result the result, may be null
   * @return the value for a Spark {@code Row}, null iff {@code result} is null
   */
  public static Object resultSparkValue(AggregateFunction<?> function, Object result) {
    return resultSparkValue(function.result(), result);
  }

  /**
   * Converts a value of {@code type} to the external Spark value of {@link
   * #resultSparkType(ResultType)}, as {@link #resultSparkValue(AggregateFunction, Object)}.
   *
   * @param type the value's result type
   * @param result the value, may be null
   * @return the value for a Spark {@code Row}, null iff {@code result} is null
   */
  public static Object resultSparkValue(ResultType type, Object result) {
    if (result == null) {
      return null;
    }
    return switch (type.kind()) {
      case SCALAR -> result;
      case LIST -> scala.jdk.javaapi.CollectionConverters.asScala((List<?>) result).toSeq();
      case ITEM_COUNTS -> {
        List<Row> rows = new ArrayList<>();
        for (Object o : (List<?>) result) {
          ItemCount ic = (ItemCount) o;
          rows.add(RowFactory.create(ic.item(), ic.count(), ic.errorBound()));
        }
        yield scala.jdk.javaapi.CollectionConverters.asScala(rows).toSeq();
      }
    };
  }
}
