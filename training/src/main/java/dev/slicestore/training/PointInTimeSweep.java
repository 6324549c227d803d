package dev.slicestore.training;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.FeatureStatus;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.offline.PointInTimeEvaluator;
import dev.slicestore.core.time.Sessions;
import dev.slicestore.ingest.EventPipeline;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * Executor side of a training set: one streaming pass over a partition of sweep records sorted by
 * (entity, time bucket, time, kind), feeding each (entity, bucket) group to a
 * {@link PointInTimeEvaluator} and emitting one row per spine record: its row id and one value
 * per feature. Memory is bounded by the slices of one group's longest window, whatever the size
 * of the partition.
 *
 * <p>Record columns ({@link TrainingSets#sweepSchema}): entity, bucket, time (µs), kind (0 slice,
 * 1 spine row, 2 event), row id (spine), slice index and accumulator bytes (slices), topic,
 * partition, offset and the needed inputs (events), then the slice's earliest and latest event times
 * in ms (slices; a null earliest time is unknown). Output: {@code __ss_row_id} then the
 * features in request order, typed by {@link EventPipeline#resultSparkType}.
 *
 * <p>Serializable (configuration only); Spark calls it from one thread per task.
 */
final class PointInTimeSweep implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  static final int KIND_SLICE = 0;
  static final int KIND_SPINE = 1;
  static final int KIND_EVENT = 2;

  private final FeatureSet featureSet;
  private final List<Feature> features;
  private final LongAccumulator errors;

  /**
   * @param featureSet the feature set
   * @param features the features to compute, output order
   * @param errors counts spine rows whose values could not be computed (corrupt bytes, overflow)
   */
  PointInTimeSweep(FeatureSet featureSet, List<Feature> features, LongAccumulator errors) {
    this.featureSet = featureSet;
    this.features = List.copyOf(features);
    this.errors = errors;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> records) {
    PointInTimeEvaluator evaluator = new PointInTimeEvaluator(featureSet, features);
    int needed = evaluator.neededAggregations().length;
    List<String> topics = featureSet.topics();
    @SuppressWarnings("unchecked")
    AggregateFunction<Object>[] resultFunctions = new AggregateFunction[features.size()];
    for (int i = 0; i < features.size(); i++) {
      resultFunctions[i] = (AggregateFunction<Object>) featureSet.aggregations().get(features.get(i).aggregationIndex()).function();
    }
    return new Iterator<>() {
      private String entity;
      private long bucket;
      private boolean broken;   // this group hit corrupt data: its spine rows get nulls
      private Row next;

      @Override
      public boolean hasNext() {
        while (next == null && records.hasNext()) {
          next = process(records.next());
        }
        return next != null;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row r = next;
        next = null;
        return r;
      }

      private Row process(Row rec) {
        String e = rec.getString(0);
        long b = rec.getLong(1);
        if (!Objects.equals(e, entity) || b != bucket) {
          entity = e;
          bucket = b;
          broken = false;
          evaluator.reset();
        }
        int kind = rec.getInt(3);
        try {
          if (kind == KIND_SLICE && !broken) {
            List<byte[]> accs = rec.getList(6);
            byte[][] bytes = new byte[needed][];
            for (int a = 0; a < needed; a++) {
              bytes[a] = accs.get(a);
            }
            long min = rec.isNullAt(11) ? Sessions.UNKNOWN : rec.getLong(11);
            long max = rec.isNullAt(12) ? Sessions.UNKNOWN : rec.getLong(12);
            evaluator.addSlice(rec.getLong(5), min, max, bytes);
          } else if (kind == KIND_EVENT && !broken) {
            long eventMillis = Math.floorDiv(rec.getLong(2), 1000L);
            int topic = topics.indexOf(rec.getString(7));
            EventPosition position = new EventPosition(eventMillis, topic, rec.getInt(8), rec.getLong(9));
            Row in = rec.getStruct(10);
            Object[] inputs = new Object[needed];
            for (int a = 0; a < needed; a++) {
              inputs[a] = in.get(a);
            }
            evaluator.addEvent(position, inputs);
          } else if (kind == KIND_SPINE) {
            return spineRow(rec);
          }
        } catch (RuntimeException corrupt) {
          // CorruptDataException from bad accumulator bytes, or records out of order: this group's
          // rows get nulls and are counted, the job goes on
          broken = true;
        }
        return null;
      }

      private Row spineRow(Row rec) {
        Object[] out = new Object[1 + features.size()];
        out[0] = rec.getLong(4);
        if (broken) {
          errors.add(1);
          return RowFactory.create(out);
        }
        FeatureVector fv = evaluator.evaluate(Math.floorDiv(rec.getLong(2), 1000L));
        boolean error = false;
        for (int i = 0; i < features.size(); i++) {
          if (fv.statuses()[i] == FeatureStatus.ERROR) {
            error = true;
          } else {
            out[1 + i] = EventPipeline.resultSparkValue(resultFunctions[i], fv.values()[i]);
          }
        }
        if (error) {
          errors.add(1);
        }
        return RowFactory.create(out);
      }
    };
  }

  /** @return the features, output order */
  List<Feature> features() {
    return new ArrayList<>(features);
  }
}
