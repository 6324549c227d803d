package dev.slicestore.compaction;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.online.CompactedEntry;
import dev.slicestore.core.online.CoveredRange;
import dev.slicestore.core.time.Slicing;
import dev.slicestore.spark.OfflineLayout;
import dev.slicestore.spark.SparkTypes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.api.java.function.MapGroupsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Executor-side aggregation of one (entity key, slice index) group of in-range events into the
 * slice aggregate: every event is {@linkplain AggregateFunction#add added} with its {@link
 * EventPosition} to one accumulator per aggregation (the same functions as the online path; their
 * results do not depend on the order), giving the event count, the earliest and latest event times
 * (session windows find gaps from them), each accumulator's exact bytes and typed result, the
 * covered offsets, and the encoded {@link CompactedEntry} for Redis.
 *
 * <p>Covered ranges: for every partition in which the slice has at least one event, the run's whole
 * planned range {@code [start, end)} of that partition. A partition without events of this slice
 * holds no field of this hash inside the range, so it needs no entry (and costs no bytes).
 *
 * <p>Serializable (configuration only); Spark calls it from one thread per task.
 */
final class AggregateSlices implements MapGroupsFunction<Tuple2<String, Long>, Row, Row> {
  private static final long serialVersionUID = 1L;

  // the offline layout's names where a column goes to the slices table as it is; internal ones
  // ("__ssc_") otherwise
  static final String ENTITY_KEY = OfflineLayout.ENTITY_KEY;
  static final String SLICE_INDEX = OfflineLayout.SLICE_INDEX;
  static final String SLICE_START_MS = "__ssc_slice_start_ms";
  static final String EVENT_COUNT = OfflineLayout.EVENT_COUNT;
  static final String MIN_EVENT_TIME_MS = "__ssc_min_event_time_ms";
  static final String MAX_EVENT_TIME_MS = "__ssc_max_event_time_ms";
  static final String COVERED_OFFSETS = OfflineLayout.COVERED_OFFSETS;
  static final String COMPACTED_ENTRY = "__ssc_compacted_entry";

  private final FeatureSet fs;
  private final Map<Long, PartitionRange> ranges;
  private final int timeIdx;
  private final int topicIdx;
  private final int partitionIdx;
  private final int offsetIdx;
  private final int[] inputIdx;

  /**
   * @param fs the feature set
   * @param eventSchema the schema of the in-range events ({@link ClassifyEvents#outputSchema})
   * @param ranges the planned offset ranges
   */
  AggregateSlices(FeatureSet fs, StructType eventSchema, List<PartitionRange> ranges) {
    this.fs = fs;
    this.ranges = new HashMap<>();
    for (PartitionRange r : ranges) {
      this.ranges.put(ClassifyEvents.key(r.topicIndex(), r.partition()), r);
    }
    this.timeIdx = eventSchema.fieldIndex(ClassifyEvents.EVENT_TIME_MS);
    this.topicIdx = eventSchema.fieldIndex(ClassifyEvents.TOPIC_INDEX);
    this.partitionIdx = eventSchema.fieldIndex(ClassifyEvents.PARTITION);
    this.offsetIdx = eventSchema.fieldIndex(ClassifyEvents.OFFSET);
    List<InputColumn> inputs = fs.inputColumns();
    this.inputIdx = new int[inputs.size()];
    for (int i = 0; i < inputs.size(); i++) {
      inputIdx[i] = eventSchema.fieldIndex(inputs.get(i).name());
    }
  }

  /**
   * @return entity key, slice index, slice start (ms), event count, earliest and latest event time
   *     (ms), per aggregation its typed result and its accumulator bytes ({@code <name>_acc}), the
   *     covered offsets, and the encoded compacted entry
   */
  static StructType outputSchema(FeatureSet fs) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField(ENTITY_KEY, DataTypes.StringType, false));
    f.add(DataTypes.createStructField(SLICE_INDEX, DataTypes.LongType, false));
    f.add(DataTypes.createStructField(SLICE_START_MS, DataTypes.LongType, false));
    f.add(DataTypes.createStructField(EVENT_COUNT, DataTypes.LongType, false));
    f.add(DataTypes.createStructField(MIN_EVENT_TIME_MS, DataTypes.LongType, false));
    f.add(DataTypes.createStructField(MAX_EVENT_TIME_MS, DataTypes.LongType, false));
    for (Aggregation a : fs.aggregations()) {
      f.add(DataTypes.createStructField(a.name(), SparkTypes.resultSparkType(a.function()), true));
      f.add(
          DataTypes.createStructField(
              OfflineLayout.accumulatorColumn(a.name()), DataTypes.BinaryType, false));
    }
    f.add(
        DataTypes.createStructField(
            COVERED_OFFSETS,
            DataTypes.createArrayType(OfflineLayout.COVERED_RANGE_TYPE, false),
            false));
    f.add(DataTypes.createStructField(COMPACTED_ENTRY, DataTypes.BinaryType, false));
    return DataTypes.createStructType(f);
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Row call(Tuple2<String, Long> key, Iterator<Row> events) {
    List<Aggregation> aggs = fs.aggregations();
    AggregateFunction[] functions = new AggregateFunction[aggs.size()];
    Object[] accs = new Object[aggs.size()];
    for (int a = 0; a < aggs.size(); a++) {
      functions[a] = aggs.get(a).function();
      accs[a] = functions[a].createAccumulator();
    }
    long count = 0;
    long minTime = Long.MAX_VALUE;
    long maxTime = Long.MIN_VALUE;
    TreeSet<Long> partitions = new TreeSet<>();
    Object[] inputs = new Object[inputIdx.length];
    while (events.hasNext()) {
      Row e = events.next();
      long time = e.getLong(timeIdx);
      int topic = e.getInt(topicIdx);
      int partition = e.getInt(partitionIdx);
      long offset = e.getLong(offsetIdx);
      EventPosition position = new EventPosition(time, topic, partition, offset);
      for (int i = 0; i < inputIdx.length; i++) {
        inputs[i] = e.get(inputIdx[i]);
      }
      for (int a = 0; a < functions.length; a++) {
        accs[a] = functions[a].add(accs[a], aggs.get(a).input(inputs), position);
      }
      count++;
      minTime = Math.min(minTime, time);
      maxTime = Math.max(maxTime, time);
      partitions.add(ClassifyEvents.key(topic, partition));
    }
    long sliceIndex = key._2();
    Slicing slicing = fs.slicing();
    long sliceStart = slicing.sliceStartMillis(sliceIndex);
    List<CoveredRange> covered = new ArrayList<>(partitions.size());
    List<Row> coveredRows = new ArrayList<>(partitions.size());
    for (long k : partitions) {
      PartitionRange r = ranges.get(k);
      covered.add(new CoveredRange(r.topicIndex(), r.partition(), r.startOffset(), r.endOffset()));
      coveredRows.add(RowFactory.create(r.topic(), r.partition(), r.startOffset(), r.endOffset()));
    }
    byte[] entry =
        new CompactedEntry(count, minTime, maxTime, covered, Arrays.asList(accs))
            .encode(fs, sliceStart);
    Object[] out = new Object[6 + 2 * aggs.size() + 2];
    out[0] = key._1();
    out[1] = sliceIndex;
    out[2] = sliceStart;
    out[3] = count;
    out[4] = minTime;
    out[5] = maxTime;
    for (int a = 0; a < aggs.size(); a++) {
      Object result;
      try {
        result = SparkTypes.resultSparkValue(functions[a], functions[a].getResult(accs[a]));
      } catch (ArithmeticException overflow) {
        result =
            null; // e.g. a long sum beyond the long range: the exact accumulator bytes still hold
        // it
      }
      ByteWriter w = new ByteWriter(16);
      functions[a].encode(accs[a], w);
      out[6 + 2 * a] = result;
      out[7 + 2 * a] = w.toByteArray();
    }
    out[out.length - 2] =
        scala.jdk.javaapi.CollectionConverters.asScala(coveredRows)
            .toSeq(); // RowEncoder wants a Seq
    out[out.length - 1] = entry;
    return RowFactory.create(out);
  }
}
