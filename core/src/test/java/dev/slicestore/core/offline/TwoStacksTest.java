package dev.slicestore.core.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.AggregateFunctions;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Two-Stacks against a naive recomputation over the elements in the window, for min and exact sum.
 */
class TwoStacksTest {

  @SuppressWarnings({"unchecked", "rawtypes"})
  @Test
  void queryEqualsANaiveAggregateOfTheElementsHeld() {
    Random r = Seeds.random("TwoStacksTest.queryEqualsANaiveAggregateOfTheElementsHeld");
    for (String name : List.of("min", "sum", "max")) {
      AggregateFunction f = AggregateFunctions.create(name, ValueType.DOUBLE, Map.of());
      TwoStacks q = new TwoStacks(f);
      List<long[]> held = new ArrayList<>(); // key, index into values
      List<List<Object>> values = new ArrayList<>();
      long key = r.nextInt(100) - 50;
      for (int step = 0; step < 3_000; step++) {
        if (r.nextInt(3) > 0) {
          key += 1 + r.nextInt(3);
          List<Object> vs = new ArrayList<>();
          Object acc = f.createAccumulator();
          for (int i = r.nextInt(4); i > 0; i--) {
            double v = r.nextGaussian() * 1e6;
            vs.add(v);
            acc = f.add(acc, v, new EventPosition(0, 0, 0, step));
          }
          ByteWriter before = new ByteWriter(16);
          f.encode(acc, before);
          q.push(key, acc);
          held.add(new long[] {key, values.size()});
          values.add(vs);
          ByteWriter after = new ByteWriter(16);
          f.encode(acc, after);
          assertThat(after.toByteArray())
              .as("pushed accumulator is not mutated")
              .isEqualTo(before.toByteArray());
        } else {
          long min = key - r.nextInt(12);
          q.evictBelow(min);
          held.removeIf(h -> h[0] < min);
        }
        List<Object> all = new ArrayList<>();
        held.forEach(h -> all.addAll(values.get((int) h[1])));
        Object acc = q.query();
        assertThat(f.getResult(acc))
            .as("%s %s step %d", Seeds.describe(), name, step)
            .isEqualTo(NaiveAggregator.result(name, ValueType.DOUBLE, all));
        assertThat(q.size()).isEqualTo(held.size());
        // the returned accumulator is the caller's: mutating it leaves the queue intact
        f.add(acc, 1e300, new EventPosition(0, 0, 0, 0));
        assertThat(f.getResult(q.query()))
            .isEqualTo(NaiveAggregator.result(name, ValueType.DOUBLE, all));
      }
    }
  }

  @Test
  void keysMustIncrease() {
    TwoStacks<Object> q =
        new TwoStacks<>(
            (AggregateFunction<Object>)
                (AggregateFunction<?>) AggregateFunctions.create("count", null, Map.of()));
    q.push(5, q.query());
    assertThatThrownBy(() -> q.push(5, q.query()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keys must increase");
    assertThat(Arrays.asList(q.size())).containsExactly(1);
  }
}
