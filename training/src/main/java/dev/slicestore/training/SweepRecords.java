package dev.slicestore.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.slicestore.core.config.InputColumn;
import dev.slicestore.spark.OfflineLayout;
import dev.slicestore.spark.SparkTypes;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sweep of one feature set of a training set (see {@link TrainingSets}, "How the work is
 * spread"): spine rows, slice rows and event rows become <em>sweep records</em> of one named schema
 * ({@link Field}), keyed by (entity, time bucket), shuffled by that key, sorted by time and kind
 * within it, and swept by {@link PointInTimeSweep}.
 *
 * <p>Driver-side plan construction; stateless.
 */
final class SweepRecords {
  private static final Logger LOG = LoggerFactory.getLogger(SweepRecords.class);

  /** Kind of a record holding a closed slice's accumulators (at the slice's end time). */
  static final int KIND_SLICE = 0;

  /** Kind of a record holding a spine row (at its time). */
  static final int KIND_SPINE = 1;

  /** Kind of a record holding an event of a current slice (at its event time). */
  static final int KIND_EVENT = 2;

  /**
   * The columns of a sweep record, in schema order ({@link #position()} is the column's index).
   * Each record fills the fields of its kind; the others are null.
   */
  enum Field {
    /** Entity key as text (every kind). */
    ENTITY("entity", DataTypes.StringType, true),
    /** Time bucket: {@code floorDiv(time µs, bucket µs)} (every kind). */
    BUCKET("bucket", DataTypes.LongType, false),
    /** Time, epoch µs: a slice's end, a spine row's time, an event's time (every kind). */
    TIME_US("time_us", DataTypes.LongType, false),
    /** {@link #KIND_SLICE}, {@link #KIND_SPINE} or {@link #KIND_EVENT}. */
    KIND("kind", DataTypes.IntegerType, false),
    /** The spine row's id (spine rows). */
    ROW_ID("row_id", DataTypes.LongType, true),
    /** The slice index (slices). */
    SLICE_INDEX("slice_index", DataTypes.LongType, true),
    /** Accumulator bytes, one per needed aggregation (slices). */
    ACCUMULATORS("accumulators", DataTypes.createArrayType(DataTypes.BinaryType, true), true),
    /** Kafka topic (events). */
    TOPIC("topic", DataTypes.StringType, true),
    /** Kafka partition (events). */
    PARTITION("partition", DataTypes.IntegerType, true),
    /** Kafka offset (events). */
    OFFSET("offset", DataTypes.LongType, true),
    /**
     * The event's input column values, one struct field per input slot (events; type per feature
     * set).
     */
    INPUTS("inputs", null, true),
    /** Request-context values as text, one per context key (spine rows). */
    CONTEXT("context", DataTypes.createArrayType(DataTypes.StringType, true), true),
    /** The slice's earliest event time, epoch ms; null when unknown (slices). */
    MIN_EVENT_TIME_MS("min_event_time_ms", DataTypes.LongType, true),
    /** The slice's latest event time, epoch ms (slices). */
    MAX_EVENT_TIME_MS("max_event_time_ms", DataTypes.LongType, true);

    final String column;
    private final DataType type;
    private final boolean nullable;

    Field(String column, DataType type, boolean nullable) {
      this.column = column;
      this.type = type;
      this.nullable = nullable;
    }

    /**
     * @return the index of this column in a sweep record
     */
    int position() {
      return ordinal();
    }
  }

  private SweepRecords() {}

  /**
   * @return the sweep-record schema of a feature set: {@link Field}s in order, {@link Field#INPUTS}
   *     a struct of one field {@code i<slot>} per input column (a single null string field when the
   *     feature set has none: Spark needs a non-empty struct)
   */
  static StructType schema(FeatureSelection s) {
    List<StructField> fields = new ArrayList<>();
    for (Field f : Field.values()) {
      fields.add(
          DataTypes.createStructField(
              f.column, f == Field.INPUTS ? inputsType(s) : f.type, f.nullable));
    }
    return DataTypes.createStructType(fields);
  }

  private static StructType inputsType(FeatureSelection s) {
    List<StructField> inputs = new ArrayList<>();
    List<InputColumn> columns = s.fs().inputColumns();
    for (int i = 0; i < columns.size(); i++) {
      inputs.add(
          DataTypes.createStructField("i" + i, SparkTypes.sparkType(columns.get(i).type()), true));
    }
    if (inputs.isEmpty()) {
      inputs.add(DataTypes.createStructField("none", DataTypes.StringType, true));
    }
    return DataTypes.createStructType(inputs);
  }

  /**
   * @return {@code source} as sweep records: the given fields, typed nulls for the others
   */
  private static Dataset<Row> records(
      Dataset<Row> source, StructType schema, Map<Field, Column> given) {
    List<Column> columns = new ArrayList<>();
    for (Field f : Field.values()) {
      Column c = given.get(f);
      columns.add((c != null ? c : lit(null).cast(schema.apply(f.column).dataType())).as(f.column));
    }
    return source.select(columns.toArray(Column[]::new));
  }

  /**
   * The features of one feature set for the covered spine rows.
   *
   * @param spine covered, normalized spine rows ({@link Spines#ENTITY}, {@link Spines#TIME_US},
   *     {@link TrainingSets#ROW_ID} and the spine's columns)
   * @param minTimeUs the earliest spine time, epoch µs
   * @param maxTimeUs the latest spine time, epoch µs
   * @param timeBucketMillis the time bucket, ms, or null for the longest window
   * @param errors counts rows whose values could not be computed
   * @return {@link TrainingSets#ROW_ID} and one column per feature, typed as serving types them
   */
  static Dataset<Row> sweep(
      SparkSession spark,
      FeatureSelection s,
      Dataset<Row> spine,
      long minTimeUs,
      long maxTimeUs,
      Long timeBucketMillis,
      LongAccumulator errors) {
    int[] needed = s.plan().neededAggregations();
    long sliceMs = s.fs().sliceMillis();
    int n = s.longestWindowSlices();
    long bucketMs = timeBucketMillis != null ? timeBucketMillis : n * sliceMs;
    bucketMs =
        Math.max(
            sliceMs,
            (bucketMs + sliceMs - 1) / sliceMs * sliceMs); // whole slices: a slice is in one bucket
    long bucketUs = Math.multiplyExact(bucketMs, 1000L);
    long sliceUs = Math.multiplyExact(sliceMs, 1000L);
    long minCurrent = Math.floorDiv(minTimeUs, sliceUs);
    long maxCurrent = Math.floorDiv(maxTimeUs, sliceUs);
    StructType schema = schema(s);

    Dataset<Row> records = spineRecords(s, spine, schema, bucketUs);
    if (n > 1) {
      records =
          records.unionByName(
              sliceRecords(spark, s, schema, needed, n, sliceUs, bucketUs, minCurrent, maxCurrent));
    }
    records = records.unionByName(eventRecords(spark, s, schema, bucketUs, minCurrent, maxCurrent));

    int partitions = Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions"));
    List<StructField> outFields = new ArrayList<>();
    outFields.add(DataTypes.createStructField(TrainingSets.ROW_ID, DataTypes.LongType, false));
    for (int i = 0; i < s.features().size(); i++) {
      outFields.add(
          DataTypes.createStructField(
              s.columns().get(i), SparkTypes.resultSparkType(s.features().get(i).result()), true));
    }
    LOG.info(
        "Feature set {}: sweeping slices {}..{} by (entity, {} ms time bucket) in {} partitions",
        s.fs().name(),
        minCurrent - n + 1,
        maxCurrent,
        bucketMs,
        partitions);
    Column entity = col(Field.ENTITY.column);
    Column bucket = col(Field.BUCKET.column);
    return records
        .repartition(partitions, entity, bucket)
        .sortWithinPartitions(entity, bucket, col(Field.TIME_US.column), col(Field.KIND.column))
        .mapPartitions(
            new PointInTimeSweep(s.fs(), s.features(), errors),
            Encoders.row(DataTypes.createStructType(outFields)));
  }

  /** Spine rows, at their times; with their request-context values as text (bloom_contains). */
  private static Dataset<Row> spineRecords(
      FeatureSelection s, Dataset<Row> spine, StructType schema, long bucketUs) {
    List<Column> contextColumns = new ArrayList<>();
    for (String key : s.plan().requestContextKeys().keySet()) {
      String column = Spines.contextColumn(spine, key);
      contextColumns.add(col("`" + column.replace("`", "``") + "`").cast(DataTypes.StringType));
    }
    Map<Field, Column> f = new EnumMap<>(Field.class);
    f.put(Field.ENTITY, col(Spines.ENTITY));
    f.put(Field.BUCKET, expr(floorDiv(Spines.TIME_US, bucketUs)));
    f.put(Field.TIME_US, col(Spines.TIME_US));
    f.put(Field.KIND, lit(KIND_SPINE));
    f.put(Field.ROW_ID, col(TrainingSets.ROW_ID));
    if (!contextColumns.isEmpty()) {
      f.put(
          Field.CONTEXT,
          org.apache.spark.sql.functions.array(contextColumns.toArray(Column[]::new)));
    }
    return records(spine, schema, f);
  }

  /**
   * Closed slices whose end some spine row's window reaches, at their end times: a slice is used
   * during {@code [slice end, slice end + (n - 1) slices)}, so it goes to every bucket that span
   * touches (at most two when the bucket is at least the longest window).
   */
  private static Dataset<Row> sliceRecords(
      SparkSession spark,
      FeatureSelection s,
      StructType schema,
      int[] needed,
      int n,
      long sliceUs,
      long bucketUs,
      long minCurrent,
      long maxCurrent) {
    long sliceMs = s.fs().sliceMillis();
    List<Column> accs = new ArrayList<>();
    for (int a : needed) {
      accs.add(
          col("`" + OfflineLayout.accumulatorColumn(s.fs().aggregations().get(a).name()) + "`"));
    }
    String sliceEndUs = "((" + OfflineLayout.SLICE_INDEX + " + 1) * " + sliceUs + "L)";
    String lastUseUs =
        "(" + sliceEndUs + " + " + Math.multiplyExact((long) (n - 1), sliceUs) + "L - 1)";
    Dataset<Row> slices =
        Spines.readAt(spark, s.slicesTable(), s.slicesSnapshot())
            .where(col(OfflineLayout.SLICE_INDEX).between(minCurrent - n + 1, maxCurrent - 1))
            .where(
                col(OfflineLayout.SLICE_START)
                    .between(
                        lit(new Timestamp((minCurrent - n + 1) * sliceMs)),
                        lit(new Timestamp(maxCurrent * sliceMs))));
    Map<Field, Column> f = new EnumMap<>(Field.class);
    f.put(Field.ENTITY, col(OfflineLayout.ENTITY_KEY));
    f.put(
        Field.BUCKET,
        expr(
            "explode(sequence("
                + floorDiv(sliceEndUs, bucketUs)
                + ", "
                + floorDiv(lastUseUs, bucketUs)
                + "))"));
    f.put(Field.TIME_US, expr(sliceEndUs));
    f.put(Field.KIND, lit(KIND_SLICE));
    f.put(Field.SLICE_INDEX, col(OfflineLayout.SLICE_INDEX));
    f.put(Field.ACCUMULATORS, org.apache.spark.sql.functions.array(accs.toArray(Column[]::new)));
    f.put(Field.MIN_EVENT_TIME_MS, expr("unix_millis(" + OfflineLayout.MIN_EVENT_TIME + ")"));
    f.put(Field.MAX_EVENT_TIME_MS, expr("unix_millis(" + OfflineLayout.MAX_EVENT_TIME + ")"));
    return records(slices, schema, f);
  }

  /** Events of the spine rows' current slices, at their event times, with their input values. */
  private static Dataset<Row> eventRecords(
      SparkSession spark,
      FeatureSelection s,
      StructType schema,
      long bucketUs,
      long minCurrent,
      long maxCurrent) {
    long sliceMs = s.fs().sliceMillis();
    List<Column> inputs = new ArrayList<>();
    List<InputColumn> inputColumns = s.fs().inputColumns();
    for (int i = 0; i < inputColumns.size(); i++) {
      inputs.add(
          col("`" + inputColumns.get(i).name() + "`")
              .cast(SparkTypes.sparkType(inputColumns.get(i).type()))
              .as("i" + i));
    }
    if (inputs.isEmpty()) {
      inputs.add(lit(null).cast(DataTypes.StringType).as("none"));
    }
    String eventTimeUs = "unix_micros(" + OfflineLayout.EVENT_TIME + ")";
    Dataset<Row> events =
        Spines.readAt(spark, s.eventsTable(), s.eventsSnapshot())
            .where(col(OfflineLayout.SLICE_INDEX).between(minCurrent, maxCurrent))
            .where(
                col(OfflineLayout.SLICE_START)
                    .between(
                        lit(new Timestamp(minCurrent * sliceMs)),
                        lit(new Timestamp(maxCurrent * sliceMs))));
    Map<Field, Column> f = new EnumMap<>(Field.class);
    f.put(Field.ENTITY, col(OfflineLayout.ENTITY_KEY));
    f.put(Field.BUCKET, expr(floorDiv(eventTimeUs, bucketUs)));
    f.put(Field.TIME_US, expr(eventTimeUs));
    f.put(Field.KIND, lit(KIND_EVENT));
    f.put(Field.TOPIC, col(OfflineLayout.TOPIC));
    f.put(Field.PARTITION, col(OfflineLayout.PARTITION));
    f.put(Field.OFFSET, col(OfflineLayout.OFFSET));
    f.put(Field.INPUTS, org.apache.spark.sql.functions.struct(inputs.toArray(Column[]::new)));
    return records(events, schema, f);
  }

  /**
   * @return SQL for {@code floorDiv(expr, divisor)} on longs
   */
  static String floorDiv(String expression, long divisor) {
    return "(("
        + expression
        + " - pmod("
        + expression
        + ", "
        + divisor
        + "L)) div "
        + divisor
        + "L)";
  }
}
