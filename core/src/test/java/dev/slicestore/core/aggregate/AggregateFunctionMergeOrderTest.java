package dev.slicestore.core.aggregate;

import static dev.slicestore.core.aggregate.Accumulators.encode;
import static dev.slicestore.core.aggregate.Accumulators.mergeAtRandom;
import static dev.slicestore.core.aggregate.Accumulators.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.aggregate.Accumulators.Merged;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every aggregate function against {@link NaiveAggregator}: random inputs (with nulls) are split
 * into random slices, each slice is accumulated with {@code add}, the slice accumulators are merged
 * in a random order and grouping (a random merge tree), and some accumulators pass through {@code
 * encode}/{@code decode} on the way. The result must equal the oracle's over all rows, bit for bit,
 * and the final accumulator must encode to the same bytes as one built by adding every row in order
 * (DataSketches' merge-order and isomorphism tests).
 */
class AggregateFunctionMergeOrderTest {
  private static final int TRIALS = 100;

  static Stream<Arguments> functions() {
    return Stream.of(
        Arguments.of("count", null, false),
        Arguments.of("count", ValueType.LONG, false),
        Arguments.of("count", ValueType.STRING, false),
        Arguments.of("count", ValueType.BOOLEAN, false),
        Arguments.of("sum", ValueType.LONG, false),
        Arguments.of("sum", ValueType.DOUBLE, false),
        Arguments.of("sum", ValueType.DOUBLE, true),
        Arguments.of("mean", ValueType.LONG, false),
        Arguments.of("mean", ValueType.DOUBLE, false),
        Arguments.of("mean", ValueType.DOUBLE, true),
        Arguments.of("min", ValueType.LONG, false),
        Arguments.of("max", ValueType.LONG, false),
        Arguments.of("min", ValueType.DOUBLE, true),
        Arguments.of("max", ValueType.DOUBLE, true),
        Arguments.of("min", ValueType.STRING, false),
        Arguments.of("max", ValueType.STRING, false));
  }

  @ParameterizedTest(name = "{0}({1}) nonFinite={2}")
  @MethodSource("functions")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void anyMergeTreeEqualsTheNaiveResult(String name, ValueType type, boolean nonFinite) {
    String test =
        "AggregateFunctionMergeOrderTest." + name + "(" + type + ",nonFinite=" + nonFinite + ")";
    Random r = Seeds.random(test);
    AggregateFunction f = AggregateFunctions.create(name, type, Map.of());
    ValueType valueType = type == null ? ValueType.LONG : type;
    boolean smallLongs = name.equals("sum") || name.equals("mean");
    for (int trial = 0; trial < TRIALS; trial++) {
      int n = r.nextInt(4) == 0 ? r.nextInt(4) : r.nextInt(300);
      double nulls = r.nextInt(5) == 0 ? 0.9 : 0.15;
      List<Object> values = new ArrayList<>();
      List<EventPosition> positions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        values.add(Values.random(r, valueType, nulls, nonFinite && r.nextInt(40) == 0, smallLongs));
        positions.add(new EventPosition(r.nextInt(1_000_000), 0, r.nextInt(4), i));
      }
      String ctx = Seeds.describe() + " trial " + trial + " values " + values;

      // rows over random slices, merged in a random tree; every "other" argument is snapshotted
      // and re-checked at the end
      Merged merged = mergeAtRandom(f, values, positions, r, ctx);
      Object result = merged.result();

      // getResult does not modify the accumulator
      byte[] beforeResult = encode(f, result);
      Object expected = naiveOrThrow(name, type, values);
      if (expected instanceof ArithmeticException) {
        assertThatThrownBy(() -> f.getResult(result))
            .as(ctx)
            .isInstanceOf(ArithmeticException.class);
        continue;
      }
      assertThat(f.getResult(result)).as(ctx).isEqualTo(expected);
      assertThat(f.getResult(result)).as("second getResult; %s", ctx).isEqualTo(expected);
      assertThat(encode(f, result))
          .as("getResult modified the accumulator; %s", ctx)
          .isEqualTo(beforeResult);
      assertThat(f.isEmpty(result))
          .as("isEmpty; %s", ctx)
          .isEqualTo(!NaiveAggregator.present(name, type, values));

      // isomorphism: adding every row in its original order encodes to the same bytes
      Object sequential = f.createAccumulator();
      for (int i = 0; i < n; i++) {
        sequential = f.add(sequential, values.get(i), positions.get(i));
      }
      assertThat(encode(f, sequential)).as("isomorphism; %s", ctx).isEqualTo(beforeResult);
      assertThat(encode(f, roundTrip(f, result))).as("round trip; %s", ctx).isEqualTo(beforeResult);

      // the merged accumulators still hold what they held when they were merged
      merged.assertOthersUnchanged(f, ctx);
    }
  }

  /** Keeps adding to a merge result and checks the merged-in accumulator never changes. */
  @ParameterizedTest(name = "{0}({1})")
  @MethodSource("functions")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void mergeResultNeverSharesStateWithOther(String name, ValueType type, boolean nonFinite) {
    Random r =
        Seeds.random(
            "AggregateFunctionMergeOrderTest.mergeResultNeverSharesStateWithOther " + name);
    AggregateFunction f = AggregateFunctions.create(name, type, Map.of());
    ValueType valueType = type == null ? ValueType.LONG : type;
    for (int trial = 0; trial < 50; trial++) {
      Object other = f.createAccumulator();
      for (int i = 0; i < r.nextInt(5); i++) {
        other = f.add(other, Values.random(r, valueType, 0.1, nonFinite, true), null);
      }
      byte[] otherBefore = encode(f, other);
      Object into =
          r.nextBoolean()
              ? f.createAccumulator()
              : f.add(f.createAccumulator(), Values.random(r, valueType, 0, false, true), null);
      Object merged = f.merge(into, other);
      for (int i = 0; i < 5; i++) {
        merged = f.add(merged, Values.random(r, valueType, 0, nonFinite, true), null);
        merged =
            f.merge(
                merged,
                f.add(f.createAccumulator(), Values.random(r, valueType, 0, false, true), null));
      }
      assertThat(encode(f, other))
          .as("%s trial %d", Seeds.describe(), trial)
          .isEqualTo(otherBefore);
    }
  }

  private static Object naiveOrThrow(String name, ValueType type, List<Object> values) {
    try {
      return NaiveAggregator.result(name, type, values);
    } catch (ArithmeticException e) {
      return e;
    }
  }
}
