package dev.slicestore.spark;

import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.time.CoveredIntervals;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The offline store's layout, in one place: the names, schemas, columns, partitioning and
 * properties of a feature set's two Iceberg tables, and the coverage every compaction commit
 * records (docs/design.md, "Offline store (Iceberg layout)"). Compaction writes this layout;
 * training reads it.
 *
 * <h2>Tables</h2>
 *
 * <ul>
 *   <li>{@code <catalog>.<namespace>.<feature set>_events}: one row per accepted event, {@link
 *       #EVENT_COLUMNS} ({@code entity_key string, event_time timestamp, slice_start timestamp,
 *       slice_index bigint, topic string, partition int, offset bigint}) followed by every payload
 *       and transform column of the feature set with its declared type;
 *   <li>{@code <catalog>.<namespace>.<feature set>_slices}: one row per (entity key, slice): {@link
 *       #SLICE_COLUMNS} ({@code entity_key, slice_index, slice_start, slice_end, event_count,
 *       min_event_time, max_event_time}: the slice's earliest and latest event times, from which
 *       session windows find gaps), then per aggregation its typed result ({@code <aggregation>},
 *       typed by {@link SparkTypes#resultSparkType}; null if a long sum overflows) and the exact
 *       bytes of its core accumulator ({@code <aggregation>_acc binary}, {@code
 *       AggregateFunction.encode}: what training merges), and {@link #COVERED_OFFSETS} {@code
 *       array<struct<topic, partition, first_offset, end_offset>>}.
 * </ul>
 *
 * Both tables are partitioned by {@code identity(slice_start)} ({@link #PARTITION_COLUMN}) and
 * carry the table properties {@link #PROP_FEATURE_SET}, {@link #PROP_FEATURE_SET_VERSION} and
 * {@link #PROP_TABLE}.
 *
 * <h2>Coverage</h2>
 *
 * Every commit of compaction records, in the snapshot-summary property {@link #SNAPSHOT_COVERAGE},
 * the slice ranges the table covers after the commit ({@link CoveredIntervals} text form, epoch
 * ms); {@link #coverage} reads them back.
 *
 * <p>Stateless and thread-safe.
 */
public final class OfflineLayout {
  /** The default Spark catalog of the offline store. */
  public static final String DEFAULT_CATALOG = "slicestore";

  /** The default Iceberg namespace of a feature set's tables. */
  public static final String DEFAULT_NAMESPACE = "slicestore";

  /** Entity key as text (both tables). */
  public static final String ENTITY_KEY = "entity_key";

  /** Event time, timestamp (events table). */
  public static final String EVENT_TIME = "event_time";

  /** Start of the slice, timestamp (both tables): the partition column. */
  public static final String SLICE_START = "slice_start";

  /** End of the slice (exclusive), timestamp (slices table). */
  public static final String SLICE_END = "slice_end";

  /** The slice index {@code floorDiv(event time ms, slice ms)}, bigint (both tables). */
  public static final String SLICE_INDEX = "slice_index";

  /** Kafka topic of the event (events table). */
  public static final String TOPIC = "topic";

  /** Kafka partition of the event, int (events table). */
  public static final String PARTITION = "partition";

  /** Kafka offset of the event, bigint (events table). */
  public static final String OFFSET = "offset";

  /** Number of events of the slice, bigint (slices table). */
  public static final String EVENT_COUNT = "event_count";

  /**
   * Earliest event time of the slice, timestamp (slices table). {@code IcebergTables.ensureTables}
   * of compaction adds it by Iceberg schema evolution to a table that lacks it; rows written before
   * stay null there until their range is compacted again, and training treats a null as unknown
   * ({@link dev.slicestore.core.time.Sessions}).
   */
  public static final String MIN_EVENT_TIME = "min_event_time";

  /** Latest event time of the slice, timestamp (slices table). */
  public static final String MAX_EVENT_TIME = "max_event_time";

  /** Suffix of an aggregation's accumulator column: {@code <aggregation>_acc}, binary. */
  public static final String ACC_SUFFIX = "_acc";

  /**
   * Per (topic, partition) the offset range {@code [first_offset, end_offset)} compaction read
   * (slices table).
   */
  public static final String COVERED_OFFSETS = "covered_offsets";

  /** Struct of one element of {@value #COVERED_OFFSETS}. */
  public static final StructType COVERED_RANGE_TYPE =
      DataTypes.createStructType(
          List.of(
              DataTypes.createStructField("topic", DataTypes.StringType, true),
              DataTypes.createStructField("partition", DataTypes.IntegerType, true),
              DataTypes.createStructField("first_offset", DataTypes.LongType, true),
              DataTypes.createStructField("end_offset", DataTypes.LongType, true)));

  /** The events table's own leading columns, in order. */
  public static final List<String> EVENT_COLUMNS =
      List.of(ENTITY_KEY, EVENT_TIME, SLICE_START, SLICE_INDEX, TOPIC, PARTITION, OFFSET);

  /** The slices table's own leading columns, in order (aggregations and covered_offsets follow). */
  public static final List<String> SLICE_COLUMNS =
      List.of(
          ENTITY_KEY,
          SLICE_INDEX,
          SLICE_START,
          SLICE_END,
          EVENT_COUNT,
          MIN_EVENT_TIME,
          MAX_EVENT_TIME);

  /** The partition column of both tables ({@code identity} transform). */
  public static final String PARTITION_COLUMN = SLICE_START;

  /** The write order of the events table. */
  public static final List<String> EVENTS_SORT_ORDER = List.of(SLICE_START, ENTITY_KEY, EVENT_TIME);

  /** The write order of the slices table. */
  public static final List<String> SLICES_SORT_ORDER = List.of(SLICE_START, ENTITY_KEY);

  /**
   * Snapshot-summary property of every compaction commit: the slice ranges the table covers after
   * the commit ({@link CoveredIntervals} text form, epoch ms), i.e. the union of the commit's range
   * and the coverage recorded by the snapshot it replaced.
   */
  public static final String SNAPSHOT_COVERAGE = "slicestore.covered-ranges";

  /** Table property recording the feature set's name. */
  public static final String PROP_FEATURE_SET = "slicestore.feature-set";

  /** Table property recording the feature set's version the table was created for. */
  public static final String PROP_FEATURE_SET_VERSION = "slicestore.feature-set-version";

  /** Table property recording which of the two tables this is: {@code events} or {@code slices}. */
  public static final String PROP_TABLE = "slicestore.table";

  private OfflineLayout() {}

  /**
   * @return {@code <catalog>.<namespace>.<feature set name>_events}
   */
  public static String eventsTable(String catalog, String namespace, FeatureSet fs) {
    return catalog + "." + namespace + "." + fs.name() + "_events";
  }

  /**
   * @return {@code <catalog>.<namespace>.<feature set name>_slices}
   */
  public static String slicesTable(String catalog, String namespace, FeatureSet fs) {
    return catalog + "." + namespace + "." + fs.name() + "_slices";
  }

  /**
   * @param aggregation the aggregation's name
   * @return the name of its accumulator column in the slices table, {@code <aggregation>_acc}
   */
  public static String accumulatorColumn(String aggregation) {
    return aggregation + ACC_SUFFIX;
  }

  /**
   * @return the events table's schema for {@code fs} (all columns nullable)
   * @throws IllegalArgumentException if a column of the feature set has the name of a table column
   */
  public static StructType eventsSchema(FeatureSet fs) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField(ENTITY_KEY, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(EVENT_TIME, DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField(SLICE_START, DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField(SLICE_INDEX, DataTypes.LongType, true));
    f.add(DataTypes.createStructField(TOPIC, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(PARTITION, DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(OFFSET, DataTypes.LongType, true));
    SparkTypes.addColumns(f, fs.columns());
    checkUnique(f, "events", fs, "payload or transform column");
    return DataTypes.createStructType(f);
  }

  /**
   * @return the slices table's schema for {@code fs} (all columns nullable)
   * @throws IllegalArgumentException if an aggregation's columns have the name of another column
   */
  public static StructType slicesSchema(FeatureSet fs) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField(ENTITY_KEY, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(SLICE_INDEX, DataTypes.LongType, true));
    f.add(DataTypes.createStructField(SLICE_START, DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField(SLICE_END, DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField(EVENT_COUNT, DataTypes.LongType, true));
    f.add(DataTypes.createStructField(MIN_EVENT_TIME, DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField(MAX_EVENT_TIME, DataTypes.TimestampType, true));
    for (Aggregation a : fs.aggregations()) {
      f.add(DataTypes.createStructField(a.name(), SparkTypes.resultSparkType(a.function()), true));
      f.add(DataTypes.createStructField(accumulatorColumn(a.name()), DataTypes.BinaryType, true));
    }
    f.add(
        DataTypes.createStructField(
            COVERED_OFFSETS, DataTypes.createArrayType(COVERED_RANGE_TYPE, true), true));
    checkUnique(f, "slices", fs, "aggregation");
    return DataTypes.createStructType(f);
  }

  /**
   * Checks that the feature set's column names fit the table layouts: no payload or transform
   * column and no aggregation may take the name of a table's own column (case-insensitively, as
   * Spark and Iceberg resolve names).
   *
   * @throws IllegalArgumentException naming the colliding column
   */
  public static void checkColumnNames(FeatureSet fs) {
    eventsSchema(fs);
    slicesSchema(fs);
  }

  private static void checkUnique(
      List<StructField> fields, String table, FeatureSet fs, String what) {
    Set<String> seen = new LinkedHashSet<>();
    List<String> names = new ArrayList<>();
    fields.forEach(f -> names.add(f.name()));
    for (String name : names) {
      if (!seen.add(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "Cannot write the "
                + table
                + " table of feature set "
                + fs.name()
                + ": the "
                + what
                + " '"
                + name
                + "' has the same name as another column of that table ("
                + String.join(", ", names)
                + "); rename it in "
                + (fs.sourceFile() == null ? "the feature set" : fs.sourceFile()));
      }
    }
  }

  /**
   * The slice ranges a table covers as of a snapshot: the union of the {@link #SNAPSHOT_COVERAGE}
   * recorded by the snapshot and by its ancestors still in the table's metadata (each records the
   * union up to its own commit; reading the ancestors too keeps a range whose commit raced with
   * another's).
   *
   * @param table the table
   * @param snapshot the snapshot, or null for an empty table
   * @return the covered ranges (empty when no commit of compaction is in the history)
   * @throws IllegalArgumentException if a recorded coverage is malformed
   */
  public static CoveredIntervals coverage(Table table, Snapshot snapshot) {
    CoveredIntervals out = CoveredIntervals.empty();
    for (Snapshot s = snapshot;
        s != null;
        s = s.parentId() == null ? null : table.snapshot(s.parentId())) {
      String recorded = s.summary() == null ? null : s.summary().get(SNAPSHOT_COVERAGE);
      out = out.union(CoveredIntervals.parse(recorded));
    }
    return out;
  }
}
