package dev.slicestore.compaction;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.timestamp_millis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.event.RejectReason;
import dev.slicestore.spark.EventPipeline;
import dev.slicestore.spark.OfflineLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The {@code foreachBatch} function of a compaction run, and the work of its one batch: parse,
 * validate and transform the Kafka records exactly as online-ingest does ({@link
 * EventPipeline#parseAndTransform}, {@link dev.slicestore.spark.RowValidator}), keep the accepted
 * events of the slice range, aggregate them per (entity, slice) with core's aggregate functions,
 * write the compacted entries to Redis, and replace the range in both Iceberg tables.
 *
 * <p>The whole range must arrive in one batch: a second batch fails the run. Before anything is
 * written, the batch's end offsets are read from the query's offset log and checked to reach the
 * planned end of every partition (records past the planned end are ignored), so every compacted
 * entry covers exactly what was read.
 *
 * <p>Driver-side (Spark runs {@code foreachBatch} on the driver); not thread-safe, one instance per
 * run.
 */
final class CompactionBatch implements VoidFunction2<Dataset<Row>, Long> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(CompactionBatch.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AppConfig app;
  private final FeatureSet fs;
  private final long fromMillis;
  private final long toMillis;
  private final List<PartitionRange> ranges;
  private final CompactionOptions options;
  private final long nowMillis;
  private final String checkpoint;
  private final String eventsTable;
  private final String slicesTable;
  private final long startedMillis;

  private transient int batches;
  private transient CompactionResult result;

  CompactionBatch(
      AppConfig app,
      FeatureSet fs,
      long fromMillis,
      long toMillis,
      List<PartitionRange> ranges,
      CompactionOptions options,
      long nowMillis,
      Path checkpoint,
      long startedMillis) {
    this.app = app;
    this.fs = fs;
    this.fromMillis = fromMillis;
    this.toMillis = toMillis;
    this.ranges = List.copyOf(ranges);
    this.options = options;
    this.nowMillis = nowMillis;
    this.checkpoint = checkpoint.toAbsolutePath().toString();
    this.eventsTable = OfflineLayout.eventsTable(options.catalog(), options.namespace(), fs);
    this.slicesTable = OfflineLayout.slicesTable(options.catalog(), options.namespace(), fs);
    this.startedMillis = startedMillis;
  }

  /**
   * @return the number of batches seen so far
   */
  int batches() {
    return batches;
  }

  /**
   * @return the run's result once its batch was processed, else null
   */
  CompactionResult result() {
    return result;
  }

  @Override
  public void call(Dataset<Row> kafkaRows, Long batchId) {
    batches++;
    if (batches > 1) {
      throw new IllegalStateException(
          "Cannot compact feature set "
              + fs.name()
              + ": a second micro-batch ("
              + batchId
              + ") arrived, but a compaction must read its whole range in one batch (is maxOffsetsPerTrigger set for this session?)");
    }
    verifyBatchEnd(batchId);
    process(kafkaRows);
  }

  /**
   * Checks, from the query's offset log, that this batch reads every planned partition up to at
   * least its planned end (Spark's {@code AvailableNow} end is the latest offset when the query
   * started, which is after planning, so it is never smaller unless something is wrong).
   *
   * @throws IllegalStateException if a partition's batch end is before its planned end, or the
   *     offset log cannot be read
   */
  private void verifyBatchEnd(long batchId) {
    Path log = Path.of(checkpoint, "offsets", Long.toString(batchId));
    List<String> lines;
    try {
      lines = Files.readAllLines(log);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot verify the offsets of compaction batch " + batchId + ": cannot read " + log, e);
    }
    JsonNode offsets = null;
    for (String line : lines) {
      if (!line.startsWith("{")) {
        continue;
      }
      try {
        JsonNode n = JSON.readTree(line);
        if (n.isObject() && n.has(ranges.isEmpty() ? fs.topics().get(0) : ranges.get(0).topic())) {
          offsets = n;
        }
      } catch (IOException e) {
        // not an offset line (metadata of another shape): skip
      }
    }
    if (offsets == null) {
      throw new IllegalStateException(
          "Cannot verify the offsets of compaction batch "
              + batchId
              + ": no Kafka offsets for "
              + fs.topics()
              + " in "
              + log);
    }
    for (PartitionRange r : ranges) {
      JsonNode end = offsets.path(r.topic()).path(Integer.toString(r.partition()));
      if (!end.canConvertToLong() || end.asLong() < r.endOffset()) {
        throw new IllegalStateException(
            "Cannot compact feature set "
                + fs.name()
                + ": the micro-batch reads "
                + r.topic()
                + " partition "
                + r.partition()
                + " only up to offset "
                + (end.isMissingNode() ? "(none)" : end.asText())
                + ", before the planned end "
                + r.endOffset());
      }
    }
  }

  /**
   * Processes the records of the range (also called with an empty dataset when the range holds no
   * offsets).
   */
  void process(Dataset<Row> kafkaRows) {
    SparkSession spark = kafkaRows.sparkSession();
    Dataset<Row> transformed = EventPipeline.parseAndTransform(spark, kafkaRows, fs);
    ClassifyEvents classify =
        new ClassifyEvents(fs, transformed.schema(), ranges, fromMillis, toMillis);
    Dataset<Row> classified =
        transformed
            .mapPartitions(classify, Encoders.row(ClassifyEvents.outputSchema(fs)))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> slices = null;
    try {
      Map<String, Long> byStatus = new LinkedHashMap<>();
      for (Row r : classified.groupBy(ClassifyEvents.STATUS).count().collectAsList()) {
        byStatus.put(r.getString(0), r.getLong(1));
      }
      long beyondEnd = byStatus.getOrDefault(ClassifyEvents.BEYOND_END, 0L);
      long inRange = byStatus.getOrDefault(ClassifyEvents.IN_RANGE, 0L);
      long outside = byStatus.getOrDefault(ClassifyEvents.OUTSIDE_RANGE, 0L);
      Map<String, Long> rejected = new LinkedHashMap<>();
      for (RejectReason reason : RejectReason.values()) {
        long n = byStatus.getOrDefault(reason.code(), 0L);
        if (n > 0) {
          rejected.put(reason.code(), n);
        }
      }
      long read = byStatus.values().stream().mapToLong(Long::longValue).sum() - beyondEnd;
      LOG.info(
          "Read {} Kafka records of the planned offsets ({} more past the planned end ignored): {} accepted events in the"
              + " range, {} accepted outside it, {} rejected{}",
          read,
          beyondEnd,
          inRange,
          outside,
          rejected.values().stream().mapToLong(Long::longValue).sum(),
          rejected.isEmpty() ? "" : " " + rejected);

      Dataset<Row> events =
          classified.where(col(ClassifyEvents.STATUS).equalTo(ClassifyEvents.IN_RANGE));
      slices =
          events
              .groupByKey(new SliceKey(), Encoders.tuple(Encoders.STRING(), Encoders.LONG()))
              .mapGroups(
                  new AggregateSlices(fs, events.schema(), ranges),
                  Encoders.row(AggregateSlices.outputSchema(fs)))
              .persist(StorageLevel.MEMORY_AND_DISK());
      long sliceCount = slices.count();
      long entities = slices.select(AggregateSlices.ENTITY_KEY).distinct().count();
      LOG.info(
          "Aggregated {} events into {} (entity, slice) aggregates of {} entities",
          inRange,
          sliceCount,
          entities);

      RedisSliceWriter.Counters counters =
          new RedisSliceWriter.Counters(spark.sparkContext(), "compaction_" + fs.name());
      long redisStarted = System.currentTimeMillis();
      slices.foreachPartition(
          new RedisSliceWriter(
              app, fs, slices.schema(), nowMillis, options.redisFlushSlices(), counters));
      LOG.info(
          "Redis: wrote {} compacted entries ({} slices skipped: their hashes have expired, Iceberg only), deleted {} event"
              + " fields, {} bytes freed ({} -> {} bytes in the hashes written) in {} ms",
          counters.written.value(),
          counters.skippedExpired.value(),
          counters.fieldsDeleted.value(),
          counters.bytesBefore.value() - counters.bytesAfter.value(),
          counters.bytesBefore.value(),
          counters.bytesAfter.value(),
          System.currentTimeMillis() - redisStarted);

      long icebergStarted = System.currentTimeMillis();
      long eventsSnapshot =
          IcebergTables.replaceRange(
              spark, eventsForTable(events), eventsTable, fromMillis, toMillis);
      long slicesSnapshot =
          IcebergTables.replaceRange(
              spark, slicesForTable(slices), slicesTable, fromMillis, toMillis);
      LOG.info(
          "Iceberg: replaced the range in {} (snapshot {}, {} rows) and {} (snapshot {}, {} rows) in {} ms",
          eventsTable,
          eventsSnapshot,
          inRange,
          slicesTable,
          slicesSnapshot,
          sliceCount,
          System.currentTimeMillis() - icebergStarted);

      result =
          new CompactionResult(
              fs.name(),
              fs.version(),
              fromMillis,
              toMillis,
              ranges,
              read,
              inRange,
              outside,
              rejected,
              entities,
              sliceCount,
              counters.written.value(),
              counters.skippedExpired.value(),
              counters.fieldsDeleted.value(),
              counters.bytesBefore.value(),
              counters.bytesAfter.value(),
              eventsTable,
              slicesTable,
              eventsSnapshot,
              slicesSnapshot,
              System.currentTimeMillis() - startedMillis);
    } finally {
      if (slices != null) {
        slices.unpersist();
      }
      classified.unpersist();
    }
  }

  private Dataset<Row> eventsForTable(Dataset<Row> events) {
    List<Column> cols = new ArrayList<>();
    cols.add(col(ClassifyEvents.ENTITY_KEY).as(OfflineLayout.ENTITY_KEY));
    cols.add(timestamp_millis(col(ClassifyEvents.EVENT_TIME_MS)).as(OfflineLayout.EVENT_TIME));
    cols.add(
        timestamp_millis(col(ClassifyEvents.SLICE_INDEX).multiply(lit(fs.sliceMillis())))
            .as(OfflineLayout.SLICE_START));
    cols.add(col(ClassifyEvents.SLICE_INDEX).as(OfflineLayout.SLICE_INDEX));
    cols.add(col(ClassifyEvents.TOPIC).as(OfflineLayout.TOPIC));
    cols.add(col(ClassifyEvents.PARTITION).as(OfflineLayout.PARTITION));
    cols.add(col(ClassifyEvents.OFFSET).as(OfflineLayout.OFFSET));
    for (String name : fs.columns().keySet()) {
      cols.add(col("`" + name + "`"));
    }
    return events.select(cols.toArray(new Column[0]));
  }

  private Dataset<Row> slicesForTable(Dataset<Row> slices) {
    List<Column> cols = new ArrayList<>();
    cols.add(col(AggregateSlices.ENTITY_KEY));
    cols.add(col(AggregateSlices.SLICE_INDEX));
    cols.add(timestamp_millis(col(AggregateSlices.SLICE_START_MS)).as(OfflineLayout.SLICE_START));
    cols.add(
        timestamp_millis(col(AggregateSlices.SLICE_START_MS).plus(lit(fs.sliceMillis())))
            .as(OfflineLayout.SLICE_END));
    cols.add(col(AggregateSlices.EVENT_COUNT));
    cols.add(
        timestamp_millis(col(AggregateSlices.MIN_EVENT_TIME_MS)).as(OfflineLayout.MIN_EVENT_TIME));
    cols.add(
        timestamp_millis(col(AggregateSlices.MAX_EVENT_TIME_MS)).as(OfflineLayout.MAX_EVENT_TIME));
    for (Aggregation a : fs.aggregations()) {
      cols.add(col("`" + a.name() + "`"));
      cols.add(col("`" + OfflineLayout.accumulatorColumn(a.name()) + "`"));
    }
    cols.add(col(AggregateSlices.COVERED_OFFSETS));
    return slices.select(cols.toArray(new Column[0]));
  }

  /** The grouping key of an in-range event: (entity key, slice index). */
  static final class SliceKey implements MapFunction<Row, Tuple2<String, Long>> {
    private static final long serialVersionUID = 1L;

    @Override
    public Tuple2<String, Long> call(Row r) {
      // positions in ClassifyEvents.outputSchema: 1 = entity key, 3 = slice index
      return new Tuple2<>(r.getString(1), r.getLong(3));
    }
  }
}
