package dev.slicestore.training;

import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.offline.PointInTimeEvaluator;
import dev.slicestore.core.online.FeatureStatus;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.online.RequestContext;
import dev.slicestore.core.time.Sessions;
import dev.slicestore.spark.SparkTypes;
import dev.slicestore.training.SweepRecords.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * Executor side of a training set: one streaming pass over a partition of sweep records sorted by
 * (entity, time bucket, time, kind), feeding each (entity, bucket) group to a {@link
 * PointInTimeEvaluator} and emitting one row per spine record: its row id and one value per
 * feature. Memory is bounded by the slices of one group's longest window, whatever the size of the
 * partition.
 *
 * <p>Records: {@link SweepRecords.Field} (entity, bucket, time in µs, kind, then per kind: the
 * spine row's id and its request-context values as text, one per {@link
 * PointInTimeEvaluator#contextKeys()} key; the slice's index, accumulator bytes and earliest and
 * latest event times in ms, a null earliest time being unknown; the event's topic, partition,
 * offset and input values by slot). Output: {@code __ss_row_id} then the features in request order,
 * typed by {@link SparkTypes#resultSparkType(dev.slicestore.core.aggregate.ResultType)} of each
 * feature's result.
 *
 * <p>Serializable (configuration only); Spark calls it from one thread per task.
 */
final class PointInTimeSweep implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final FeatureSet featureSet;
  private final List<Feature> features;
  private final LongAccumulator errors;

  /**
   * @param featureSet the feature set
   * @param features the features to compute, output order
   * @param errors counts spine rows whose values could not be computed (corrupt bytes, overflow) or
   *     whose request-context value does not parse as its key's type
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
    Object[] inputs = new Object[featureSet.inputColumns().size()];
    List<Map.Entry<String, ValueType>> contextKeys =
        new ArrayList<>(evaluator.contextKeys().entrySet());
    return new Iterator<>() {
      private String entity;
      private long bucket;
      private boolean broken; // this group hit corrupt data: its spine rows get nulls
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
        String e = rec.getString(Field.ENTITY.position());
        long b = rec.getLong(Field.BUCKET.position());
        if (!Objects.equals(e, entity) || b != bucket) {
          entity = e;
          bucket = b;
          broken = false;
          evaluator.reset();
        }
        int kind = rec.getInt(Field.KIND.position());
        try {
          if (kind == SweepRecords.KIND_SLICE && !broken) {
            List<byte[]> accs = rec.getList(Field.ACCUMULATORS.position());
            byte[][] bytes = new byte[needed][];
            for (int a = 0; a < needed; a++) {
              bytes[a] = accs.get(a);
            }
            int minAt = Field.MIN_EVENT_TIME_MS.position();
            int maxAt = Field.MAX_EVENT_TIME_MS.position();
            long min = rec.isNullAt(minAt) ? Sessions.UNKNOWN : rec.getLong(minAt);
            long max = rec.isNullAt(maxAt) ? Sessions.UNKNOWN : rec.getLong(maxAt);
            evaluator.addSlice(rec.getLong(Field.SLICE_INDEX.position()), min, max, bytes);
          } else if (kind == SweepRecords.KIND_EVENT && !broken) {
            long eventMillis = Math.floorDiv(rec.getLong(Field.TIME_US.position()), 1000L);
            int topic = topics.indexOf(rec.getString(Field.TOPIC.position()));
            EventPosition position =
                new EventPosition(
                    eventMillis,
                    topic,
                    rec.getInt(Field.PARTITION.position()),
                    rec.getLong(Field.OFFSET.position()));
            Row in = rec.getStruct(Field.INPUTS.position());
            for (int i = 0; i < inputs.length; i++) {
              inputs[i] = in.get(i);
            }
            evaluator.addEvent(position, inputs);
          } else if (kind == SweepRecords.KIND_SPINE) {
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
        out[0] = rec.getLong(Field.ROW_ID.position());
        if (broken) {
          errors.add(1);
          return RowFactory.create(out);
        }
        boolean error = false;
        Map<String, Object> context = Map.of();
        if (!contextKeys.isEmpty()) {
          // request context from the spine's columns (as text): a value that does not parse as the
          // key's type is treated as null (the features testing it get null) and the row counted
          context = new HashMap<>();
          List<String> texts = rec.getList(Field.CONTEXT.position());
          for (int k = 0; k < contextKeys.size(); k++) {
            Object value = null;
            try {
              value = RequestContext.convert(contextKeys.get(k).getValue(), texts.get(k));
            } catch (IllegalArgumentException e) {
              error = true;
            }
            context.put(contextKeys.get(k).getKey(), value);
          }
        }
        FeatureVector fv =
            evaluator.evaluate(
                Math.floorDiv(rec.getLong(Field.TIME_US.position()), 1000L), context);
        for (int i = 0; i < features.size(); i++) {
          if (fv.statuses()[i] == FeatureStatus.ERROR) {
            error = true;
          } else {
            out[1 + i] = SparkTypes.resultSparkValue(features.get(i).result(), fv.values()[i]);
          }
        }
        if (error) {
          errors.add(1);
        }
        return RowFactory.create(out);
      }
    };
  }

  /**
   * @return the features, output order
   */
  List<Feature> features() {
    return new ArrayList<>(features);
  }
}
