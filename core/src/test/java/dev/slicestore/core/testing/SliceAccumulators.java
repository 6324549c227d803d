package dev.slicestore.core.testing;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.FeatureSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A slice's accumulators built from its events, as compaction builds them, for the oracle tests.
 */
public final class SliceAccumulators {

  private SliceAccumulators() {}

  /**
   * Accumulators of every aggregation of {@code fs} over {@code events}, each built in two halves
   * (an event drawn into one or the other) and then merged, as compaction may.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static List<Object> mergedFromHalves(
      FeatureSet fs, List<? extends OracleEvent> events, Random r) {
    List<Object> accs = new ArrayList<>();
    for (Aggregation agg : fs.aggregations()) {
      AggregateFunction f = agg.function();
      Object a = f.createAccumulator();
      Object b = f.createAccumulator();
      for (OracleEvent e : events) {
        if (r.nextBoolean()) {
          a = f.add(a, e.input(agg), e.position());
        } else {
          b = f.add(b, e.input(agg), e.position());
        }
      }
      accs.add(f.merge(a, b));
    }
    return accs;
  }

  /**
   * @param aggregations indexes into {@code fs.aggregations()}
   * @return the serialized accumulators of those aggregations over {@code events}, in that order
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static byte[][] encoded(
      FeatureSet fs, int[] aggregations, List<? extends OracleEvent> events) {
    byte[][] out = new byte[aggregations.length][];
    for (int a = 0; a < aggregations.length; a++) {
      Aggregation agg = fs.aggregations().get(aggregations[a]);
      AggregateFunction f = agg.function();
      Object acc = f.createAccumulator();
      for (OracleEvent e : events) {
        acc = f.add(acc, e.input(agg), e.position());
      }
      ByteWriter w = new ByteWriter(16);
      f.encode(acc, w);
      out[a] = w.toByteArray();
    }
    return out;
  }
}
