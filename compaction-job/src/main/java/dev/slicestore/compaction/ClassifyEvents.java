package dev.slicestore.compaction;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.time.Slicing;
import dev.slicestore.spark.EventPipeline;
import dev.slicestore.spark.RowValidator;
import dev.slicestore.spark.SparkTypes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Executor-side, row-level classification of the rows of {@link EventPipeline#parseAndTransform}
 * for one compaction run: each row becomes exactly one output row whose {@code status} says what it
 * is, so the driver counts every outcome exactly (no accumulators in a transformation):
 *
 * <ul>
 *   <li>{@value #BEYOND_END}: its offset is at or past the planned end of its partition (Spark's
 *       {@code AvailableNow} read may go further than the plan); ignored, not counted as read;
 *   <li>a reject-reason code ({@code filtered}, {@code malformed_json}, ...) from {@link
 *       RowValidator};
 *   <li>{@value #OUTSIDE_RANGE}: accepted, but its event time is outside {@code [from, to)};
 *   <li>{@value #IN_RANGE}: accepted and in the range, with every column filled.
 * </ul>
 *
 * <p>No time-dependent check (too late, too far in the future) is applied: compaction deletes every
 * per-event field inside the offset ranges it covers, so it must aggregate every event
 * online-ingest may have written there, whatever the clock said then.
 *
 * <p>Serializable (carries configuration and column indices resolved on the driver); Spark runs one
 * call per task.
 */
final class ClassifyEvents implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  static final String STATUS = "__ssc_status";
  static final String IN_RANGE = "in_range";
  static final String OUTSIDE_RANGE = "outside_range";
  static final String BEYOND_END = "beyond_end";

  // internal names ("__ssc_" prefix) cannot collide with the feature set's columns that follow them
  static final String ENTITY_KEY = "__ssc_entity_key";
  static final String EVENT_TIME_MS = "__ssc_event_time_ms";
  static final String SLICE_INDEX = "__ssc_slice_index";
  static final String TOPIC = "__ssc_topic";
  static final String TOPIC_INDEX = "__ssc_topic_index";
  static final String PARTITION = "__ssc_partition";
  static final String OFFSET = "__ssc_offset";

  /**
   * Number of leading metadata columns of {@link #outputSchema}; the feature set's columns follow.
   */
  static final int METADATA_COLUMNS = 8;

  private final RowValidator validator;
  private final List<String> topics;
  private final Map<Long, PartitionRange> ranges;
  private final int[] columnIdx;
  private final long fromMillis;
  private final long toMillis;
  private final long sliceMillis;

  /**
   * @param fs the feature set
   * @param schema the schema of {@link EventPipeline#parseAndTransform}'s rows
   * @param ranges the planned offset ranges
   * @param fromMillis start of the slice range (inclusive)
   * @param toMillis end of the slice range (exclusive)
   */
  ClassifyEvents(
      FeatureSet fs,
      StructType schema,
      List<PartitionRange> ranges,
      long fromMillis,
      long toMillis) {
    this.validator = new RowValidator(fs, schema);
    this.topics = List.copyOf(fs.topics());
    this.ranges = new HashMap<>();
    for (PartitionRange r : ranges) {
      this.ranges.put(key(r.topicIndex(), r.partition()), r);
    }
    List<String> names = new ArrayList<>(fs.columns().keySet());
    this.columnIdx = new int[names.size()];
    for (int i = 0; i < names.size(); i++) {
      columnIdx[i] = schema.fieldIndex(names.get(i));
    }
    this.fromMillis = fromMillis;
    this.toMillis = toMillis;
    this.sliceMillis = fs.sliceMillis();
  }

  static long key(int topicIndex, int partition) {
    return ((long) topicIndex << 32) | (partition & 0xFFFF_FFFFL);
  }

  /**
   * @return status, entity key, event time (ms), slice index, Kafka coordinates, then the feature
   *     set's columns
   */
  static StructType outputSchema(FeatureSet fs) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField(STATUS, DataTypes.StringType, false));
    f.add(DataTypes.createStructField(ENTITY_KEY, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(EVENT_TIME_MS, DataTypes.LongType, true));
    f.add(DataTypes.createStructField(SLICE_INDEX, DataTypes.LongType, true));
    f.add(DataTypes.createStructField(TOPIC, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(TOPIC_INDEX, DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(PARTITION, DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(OFFSET, DataTypes.LongType, true));
    SparkTypes.addColumns(f, fs.columns());
    return DataTypes.createStructType(f);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    RowValidator.Result result = new RowValidator.Result();
    Slicing slicing = new Slicing(sliceMillis);
    int width = METADATA_COLUMNS + columnIdx.length;
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return input.hasNext();
      }

      @Override
      public Row next() {
        Row row = input.next();
        Object[] out = new Object[width];
        int topicIndex = validator.topicIndex(row);
        int partition = validator.partition(row);
        long offset = validator.offset(row);
        out[4] = topics.get(topicIndex);
        out[5] = topicIndex;
        out[6] = partition;
        out[7] = offset;
        PartitionRange range = ranges.get(key(topicIndex, partition));
        if (range == null || !range.contains(offset)) {
          out[0] = BEYOND_END;
          return RowFactory.create(out);
        }
        RowValidator.Result r = validator.validate(row, result);
        if (!r.accepted()) {
          out[0] = r.reason.code();
          return RowFactory.create(out);
        }
        long time = r.eventTimeMillis;
        out[0] = time >= fromMillis && time < toMillis ? IN_RANGE : OUTSIDE_RANGE;
        out[1] = r.entityKey;
        out[2] = time;
        out[3] = slicing.sliceIndex(time);
        for (int i = 0; i < columnIdx.length; i++) {
          out[METADATA_COLUMNS + i] = row.get(columnIdx[i]);
        }
        return RowFactory.create(out);
      }
    };
  }
}
