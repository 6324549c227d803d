package dev.slicestore.core.aggregate;

import static dev.slicestore.core.aggregate.Accumulators.encode;
import static dev.slicestore.core.aggregate.Accumulators.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.slicestore.core.testing.CatalogueOracle;
import dev.slicestore.core.testing.Seeds;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.datasketches.kll.KllSketch;
import org.junit.jupiter.api.Test;

/**
 * The catalogue's functions one by one: parameters, null handling and empty windows, numerical
 * stability of the variances, the sketches' error bounds at larger sizes than the merge-order
 * property test ({@link CatalogueMergeOrderTest}) uses, and the accumulator sizes docs/functions.md
 * table quotes.
 */
class CatalogueFunctionsTest {

  /** Valid parameters for every function name (none for the basic ones). */
  static Map<String, Object> exampleParams(String name) {
    return switch (name) {
      case "top_k", "bottom_k", "first_k", "last_k", "most_frequent" -> Map.of("k", 3);
      case "approx_percentile" -> Map.of("percentiles", List.of(0.5, 0.9));
      case "bloom_contains" -> Map.of("expected-items", 1000, "false-positive-rate", 0.01);
      case "argmin", "argmax" -> Map.of("value", "other");
      default -> Map.of();
    };
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object accumulate(AggregateFunction f, List<?> values) {
    Object acc = f.createAccumulator();
    long offset = 0;
    for (Object v : values) {
      acc = f.add(acc, v, new EventPosition(offset, 0, 0, offset));
      offset++;
    }
    return acc;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object result(AggregateFunction f, List<?> values) {
    return f.getResult(accumulate(f, values));
  }

  private static AggregateFunction<?> fn(String name, ValueType type, Map<String, Object> params) {
    return AggregateFunctions.create(name, type, params);
  }

  // ---------------------------------------------------------------- parameters and types

  @Test
  void everyNameIsInTheFactoryAndTheResultShapesAreDeclared() {
    assertThat(AggregateFunctions.NAMES).hasSize(22).doesNotHaveDuplicates();
    assertThat(fn("top_k", ValueType.STRING, Map.of("k", 2)).result())
        .isEqualTo(ResultType.list(ValueType.STRING));
    assertThat(fn("last_k", ValueType.BOOLEAN, Map.of("k", 2)).result().configName())
        .isEqualTo("list<boolean>");
    assertThat(fn("most_frequent", ValueType.LONG, Map.of("k", 2)).result().configName())
        .isEqualTo("item_counts<long>");
    assertThat(
            fn("approx_percentile", ValueType.LONG, Map.of("percentiles", List.of(0.5))).result())
        .isEqualTo(ResultType.list(ValueType.DOUBLE));
    assertThat(fn("variance_pop", ValueType.LONG, Map.of()).result())
        .isEqualTo(ResultType.scalar(ValueType.DOUBLE));
    assertThat(fn("approx_count_distinct", ValueType.STRING, Map.of()).result().configName())
        .isEqualTo("long");
    assertThat(fn("bool_or", ValueType.BOOLEAN, Map.of()).resultType())
        .isEqualTo(ValueType.BOOLEAN);
    assertThat(fn("count", null, null).result()).isEqualTo(ResultType.scalar(ValueType.LONG));
  }

  @Test
  void badParametersNameTheParameterAndTheAllowedValues() {
    assertThatThrownBy(() -> fn("top_k", ValueType.LONG, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Function top_k needs parameter k (an integer from 1 to 1000)");
    assertThatThrownBy(() -> fn("top_k", ValueType.LONG, Map.of("k", 0)))
        .hasMessage("Bad parameter k = 0 for function top_k: must be an integer from 1 to 1000");
    assertThatThrownBy(() -> fn("last_k", ValueType.LONG, Map.of("k", 1001)))
        .hasMessageContaining("k = 1001");
    assertThatThrownBy(() -> fn("first_k", ValueType.LONG, Map.of("k", 2.5)))
        .hasMessageContaining("Bad parameter k = 2.5");
    assertThatThrownBy(() -> fn("first_k", ValueType.LONG, Map.of("k", "3")))
        .hasMessageContaining("Bad parameter k = 3");
    assertThatThrownBy(() -> fn("top_k", ValueType.LONG, Map.of("k", 3, "n", 4)))
        .hasMessage("Unknown parameter(s) for function top_k: [n] (allowed: k)");
    assertThatThrownBy(() -> fn("variance_pop", ValueType.LONG, Map.of("kind", "sample")))
        .hasMessage(
            "Unknown parameter(s) for function variance_pop: [kind] (it takes no parameters)");
    assertThatThrownBy(
            () -> fn("most_frequent", ValueType.LONG, Map.of("k", 3, "max-map-size", 100)))
        .hasMessageContaining(
            "Bad parameter max-map-size = 100 for function most_frequent: must be a power of two");
    assertThatThrownBy(
            () -> fn("most_frequent", ValueType.LONG, Map.of("k", 13, "max-map-size", 16)))
        .hasMessageContaining("k <= 0.75 * max-map-size (k = 13)");
    assertThatThrownBy(() -> fn("most_frequent", ValueType.LONG, Map.of("k", 3, "max-map-size", 4)))
        .hasMessageContaining("an integer from 8 to 65536");
    assertThatThrownBy(() -> fn("approx_count_distinct", ValueType.LONG, Map.of("lg-k", 22)))
        .hasMessage(
            "Bad parameter lg-k = 22 for function approx_count_distinct: must be an integer from 4 to 21");
    assertThatThrownBy(() -> fn("count_distinct", ValueType.LONG, Map.of("max-size", 0)))
        .hasMessageContaining("max-size");
    assertThatThrownBy(() -> fn("approx_percentile", ValueType.DOUBLE, Map.of()))
        .hasMessageStartingWith(
            "Function approx_percentile needs parameter percentiles (a list of 1 to 100 numbers");
    assertThatThrownBy(
            () ->
                fn("approx_percentile", ValueType.DOUBLE, Map.of("percentiles", List.of(0.5, 1.5))))
        .hasMessageStartingWith(
            "Bad parameter percentiles = [0.5, 1.5] for function approx_percentile: must be a list");
    assertThatThrownBy(() -> fn("approx_percentile", ValueType.DOUBLE, Map.of("percentiles", 0.5)))
        .hasMessageContaining("Bad parameter percentiles");
    assertThatThrownBy(
            () ->
                fn(
                    "approx_percentile",
                    ValueType.DOUBLE,
                    Map.of("percentiles", List.of(), "k", 200)))
        .hasMessageContaining("Bad parameter percentiles = []");
    assertThatThrownBy(
            () ->
                fn(
                    "approx_percentile",
                    ValueType.DOUBLE,
                    Map.of("percentiles", List.of(0.5), "k", 4)))
        .hasMessageContaining(
            "Bad parameter k = 4 for function approx_percentile: must be an integer from 8 to 65535");
    assertThatThrownBy(() -> fn("bloom_contains", ValueType.LONG, Map.of("expected-items", 10)))
        .hasMessageContaining("needs parameter false-positive-rate");
    assertThatThrownBy(
            () ->
                fn(
                    "bloom_contains",
                    ValueType.LONG,
                    Map.of("expected-items", 10, "false-positive-rate", 0)))
        .hasMessage(
            "Bad parameter false-positive-rate = 0 for function bloom_contains: must be a number greater than 0.0 and at most 0.5");
    assertThatThrownBy(
            () ->
                fn(
                    "bloom_contains",
                    ValueType.LONG,
                    Map.of("expected-items", 10_000_000, "false-positive-rate", 1e-9)))
        .hasMessageContaining("more than the 8 MiB allowed");
  }

  @Test
  void inputTypesAreChecked() {
    assertThatThrownBy(() -> fn("variance_pop", ValueType.STRING, Map.of()))
        .hasMessage(
            "Cannot use variance_pop on a string column: needs a long or double input column");
    assertThatThrownBy(() -> fn("top_k", ValueType.BOOLEAN, Map.of("k", 1)))
        .hasMessage(
            "Cannot use top_k on a boolean column: needs a long, double or string input column");
    assertThatThrownBy(() -> fn("bool_and", ValueType.LONG, Map.of()))
        .hasMessage("Cannot use bool_and on a long column: needs a boolean input column");
    assertThatThrownBy(
            () -> fn("approx_percentile", ValueType.STRING, Map.of("percentiles", List.of(0.5))))
        .hasMessageContaining("needs a long or double input column");
    for (String name :
        List.of(
            "first_k",
            "most_frequent",
            "count_distinct",
            "approx_count_distinct",
            "bloom_contains")) {
      assertThatThrownBy(() -> fn(name, null, exampleParams(name)))
          .as(name)
          .hasMessage("Cannot use " + name + " on no input column: needs an input column");
    }
  }

  // ------------------------------------------------------------- nulls and empty windows

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void nullsAreIgnoredAndEmptyWindowsGiveTheDocumentedValue() {
    Map<String, Object> empty = new HashMap<>();
    empty.put("variance_pop", null);
    empty.put("variance_samp", null);
    empty.put("stddev_pop", null);
    empty.put("stddev_samp", null);
    empty.put("top_k", List.of());
    empty.put("bottom_k", List.of());
    empty.put("first_k", List.of());
    empty.put("last_k", List.of());
    empty.put("most_frequent", List.of());
    empty.put("count_distinct", 0L);
    empty.put("approx_count_distinct", 0L);
    empty.put("approx_percentile", null);
    empty.put("bool_and", null);
    empty.put("bool_or", null);
    empty.put("bloom_contains", 0L);
    for (Map.Entry<String, Object> e : empty.entrySet()) {
      String name = e.getKey();
      ValueType type = name.startsWith("bool_") ? ValueType.BOOLEAN : ValueType.LONG;
      AggregateFunction f = fn(name, type, exampleParams(name));
      assertThat(f.emptyResult()).as(name).isEqualTo(e.getValue());
      Object onlyNulls = accumulate(f, Arrays.asList(null, null));
      assertThat(f.isEmpty(onlyNulls)).as(name).isTrue();
      assertThat(f.getResult(onlyNulls)).as(name).isEqualTo(e.getValue());
      assertThat(f.getResult(roundTrip(f, onlyNulls))).as(name).isEqualTo(e.getValue());
      Object value = type == ValueType.BOOLEAN ? (Object) true : (Object) 7L;
      Object withNulls = accumulate(f, Arrays.asList(null, value, null));
      Object without = accumulate(f, List.of(value));
      assertThat(f.isEmpty(withNulls)).as(name).isFalse();
      assertThat(f.getResult(withNulls)).as(name).isEqualTo(f.getResult(without));
    }
    assertThat(result(fn("variance_samp", ValueType.DOUBLE, Map.of()), List.of(3.0)))
        .as("n - 1 = 0")
        .isNull();
    assertThat(result(fn("variance_pop", ValueType.DOUBLE, Map.of()), List.of(3.0))).isEqualTo(0.0);
    assertThat(
            result(fn("bool_and", ValueType.BOOLEAN, Map.of()), Arrays.asList(true, null, false)))
        .isEqualTo(false);
    assertThat(result(fn("bool_or", ValueType.BOOLEAN, Map.of()), Arrays.asList(false, null, true)))
        .isEqualTo(true);
    assertThat(result(fn("bool_and", ValueType.BOOLEAN, Map.of()), Arrays.asList(true, true)))
        .isEqualTo(true);
    assertThat(result(fn("bool_or", ValueType.BOOLEAN, Map.of()), Arrays.asList(false, null)))
        .isEqualTo(false);
    assertThat(
            result(
                fn("approx_percentile", ValueType.DOUBLE, Map.of("percentiles", List.of(0.5))),
                Arrays.asList(Double.NaN, null)))
        .as("NaN is ignored like null")
        .isNull();
  }

  // ------------------------------------------------------------------------- variance

  @Test
  void varianceIsStableWhereTheTextbookFormulaCancels() {
    List<Double> xs = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      xs.add(100000.0 + i * 0.0001); // 100000.0001 ... 100000.0009
    }
    List<Object> values = new ArrayList<>(xs);
    for (String name : List.of("variance_pop", "variance_samp", "stddev_pop", "stddev_samp")) {
      boolean sample = name.endsWith("_samp");
      double twoPass = twoPassVariance(xs, sample);
      double expected = name.startsWith("stddev") ? Math.sqrt(twoPass) : twoPass;
      AggregateFunction<?> f = fn(name, ValueType.DOUBLE, Map.of());
      double actual = (Double) result(f, values);
      assertThat(actual).as(name).isCloseTo(expected, within(Math.abs(expected) * 1e-14));
      // every order gives the same bits
      for (int trial = 0; trial < 20; trial++) {
        List<Object> shuffled = new ArrayList<>(values);
        Collections.shuffle(shuffled, new Random(trial));
        assertThat(result(f, shuffled)).as(name).isEqualTo(actual);
      }
    }
    // the textbook one-pass formula in doubles, E[x^2] - E[x]^2, loses every digit here
    double sum = 0;
    double sumSq = 0;
    for (double x : xs) {
      sum += x;
      sumSq += x * x;
    }
    double naive = sumSq / xs.size() - (sum / xs.size()) * (sum / xs.size());
    double truth = twoPassVariance(xs, false);
    assertThat(Math.abs(naive - truth) / truth)
        .as("naive relative error (truth %s, naive %s)", truth, naive)
        .isGreaterThan(0.01);
    // a large offset: exact moments keep every bit (1e17 ± 16 are doubles; ulp(1e17) = 16)
    assertThat(
            result(
                fn("variance_pop", ValueType.DOUBLE, Map.of()),
                List.of(1e17 + 16, 1e17 - 16, 1e17 + 16, 1e17 - 16)))
        .isEqualTo(256.0);
    // longs of any size: var_samp(MAX, MIN) = 2^127 - 2^64 + 0.5, which rounds to 2^127
    assertThat(
            result(
                fn("variance_samp", ValueType.LONG, Map.of()),
                List.of(Long.MAX_VALUE, Long.MIN_VALUE)))
        .isEqualTo(0x1p127);
  }

  /** The two-pass formula Σ(x − mean)² / n in 100-digit decimal arithmetic. */
  private static double twoPassVariance(List<Double> xs, boolean sample) {
    MathContext mc = new MathContext(100);
    BigDecimal sum = BigDecimal.ZERO;
    for (double x : xs) {
      sum = sum.add(new BigDecimal(x));
    }
    BigDecimal mean = sum.divide(BigDecimal.valueOf(xs.size()), mc);
    BigDecimal squares = BigDecimal.ZERO;
    for (double x : xs) {
      BigDecimal d = new BigDecimal(x).subtract(mean);
      squares = squares.add(d.multiply(d, mc), mc);
    }
    return squares.divide(BigDecimal.valueOf(sample ? xs.size() - 1 : xs.size()), mc).doubleValue();
  }

  @Test
  void varianceOfNonFiniteInputsIsNaNAndHugeVariancesOverflowOnlyAtTheEnd() {
    AggregateFunction<?> f = fn("variance_pop", ValueType.DOUBLE, Map.of());
    assertThat(result(f, List.of(1.0, Double.NaN))).isEqualTo(Double.NaN);
    assertThat(result(f, List.of(1.0, Double.POSITIVE_INFINITY))).isEqualTo(Double.NaN);
    assertThat(result(f, List.of(Double.MAX_VALUE, -Double.MAX_VALUE)))
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(
            result(
                fn("stddev_pop", ValueType.DOUBLE, Map.of()),
                List.of(Double.MAX_VALUE, -Double.MAX_VALUE)))
        .as(
            "the exact variance overflows a double; its square root would not, but it is sqrt of the rounded variance")
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(result(f, List.of(1e300, 1e300, 1e300))).isEqualTo(0.0);
    assertThat(result(f, List.of(Double.MIN_VALUE, 0.0)))
        .as("subnormal result, correctly rounded")
        .isEqualTo(0.0); // (2^-1074)^2 / 4 rounds to zero
    assertThat(result(f, List.of(1e-160, -1e-160)))
        .isEqualTo(CatalogueOracle.variance(List.of(1e-160, -1e-160), false));
  }

  @Test
  void divideToDoubleRoundsCorrectly() {
    Random r = Seeds.random("CatalogueFunctionsTest.divideToDoubleRoundsCorrectly");
    for (int i = 0; i < 2000; i++) {
      java.math.BigInteger num = new java.math.BigInteger(1 + r.nextInt(200), r);
      java.math.BigInteger den =
          new java.math.BigInteger(1 + r.nextInt(100), r).add(java.math.BigInteger.ONE);
      int exp = r.nextInt(2400) - 1200;
      BigDecimal exact =
          new BigDecimal(num)
              .multiply(
                  exp >= 0
                      ? new BigDecimal(java.math.BigInteger.TWO.pow(exp))
                      : BigDecimal.ONE.divide(new BigDecimal(java.math.BigInteger.TWO.pow(-exp))));
      double expected = exact.divide(new BigDecimal(den), new MathContext(800)).doubleValue();
      assertThat(VarianceFunction.divideToDouble(num, exp, den))
          .as("%s %s * 2^%d / %s", Seeds.describe(), num, exp, den)
          .isEqualTo(expected);
    }
  }

  // ----------------------------------------------------------------------- lists

  @Test
  void topAndBottomKKeepDuplicatesBestFirst() {
    assertThat(result(fn("top_k", ValueType.LONG, Map.of("k", 3)), List.of(5L, 1L, 5L, 5L, 9L)))
        .isEqualTo(List.of(9L, 5L, 5L));
    assertThat(
            result(
                fn("bottom_k", ValueType.DOUBLE, Map.of("k", 4)),
                List.of(0.0, -0.0, Double.NaN, 2.0)))
        .isEqualTo(List.of(-0.0, 0.0, 2.0, Double.NaN));
    assertThat(
            result(
                fn("top_k", ValueType.STRING, Map.of("k", 2)), List.of("apple", "pear", "é", "")))
        .isEqualTo(List.of("é", "pear"));
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void firstAndLastKFollowEventPositionsWithTiesBrokenByKafkaCoordinates() {
    AggregateFunction first = fn("first_k", ValueType.STRING, Map.of("k", 2));
    AggregateFunction last = fn("last_k", ValueType.STRING, Map.of("k", 2));
    for (AggregateFunction f : List.of(first, last)) {
      Object acc = f.createAccumulator();
      acc = f.add(acc, "c", new EventPosition(20, 0, 0, 5));
      acc = f.add(acc, "b", new EventPosition(10, 0, 1, 1)); // same time: partition 0 < 1
      acc = f.add(acc, "a", new EventPosition(10, 0, 0, 9));
      acc = f.add(acc, null, new EventPosition(30, 0, 0, 6)); // null takes no place
      acc = f.add(acc, "z", new EventPosition(10, 1, 0, 0)); // topic 1 after topic 0
      assertThat(f.getResult(acc)).isEqualTo(f == first ? List.of("a", "b") : List.of("z", "c"));
      Object a = acc;
      assertThatThrownBy(() -> f.add(a, "x", null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs the event position");
    }
  }

  // ----------------------------------------------------------------- count_distinct

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void countDistinctIsExactUpToItsBoundThenAnErrorNeverAWrongCount() {
    AggregateFunction f = fn("count_distinct", ValueType.DOUBLE, Map.of("max-size", 4));
    List<Object> four =
        List.of(1.0, 1.0, Double.NaN, Double.longBitsToDouble(0x7ff0000000000001L), 0.0, -0.0);
    assertThat(result(f, four)).as("NaNs are one value; 0.0 and -0.0 two").isEqualTo(4L);
    Object acc = accumulate(f, four);
    Object overflowed = f.add(accumulate(f, four), 2.0, null);
    assertThat(encode(f, overflowed)).isEqualTo(new byte[] {1, 1});
    assertThatThrownBy(() -> f.getResult(overflowed))
        .isInstanceOf(ArithmeticException.class)
        .hasMessage(
            "count_distinct: more than max-size = 4 distinct values in the window; "
                + "raise max-size or use approx_count_distinct");
    Object mergedBothWays = f.merge(f.merge(f.createAccumulator(), overflowed), acc);
    assertThat(encode(f, mergedBothWays)).as("overflow is absorbing").isEqualTo(new byte[] {1, 1});
    assertThat(encode(f, f.merge(acc, overflowed))).isEqualTo(new byte[] {1, 1});
    assertThat(f.isEmpty(overflowed)).isFalse();
  }

  // ------------------------------------------------------------------------ sketches

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void approxCountDistinctIsWithinFourStandardErrorsAtEveryCardinality() {
    Random r = Seeds.random("CatalogueFunctionsTest.approxCountDistinct");
    for (int lgK : new int[] {8, 12}) {
      AggregateFunction f = fn("approx_count_distinct", ValueType.LONG, Map.of("lg-k", lgK));
      double rse = 1.04 / Math.sqrt(1 << lgK);
      for (int distinct : new int[] {1, 10, 100, 1_000, 10_000, 100_000}) {
        long base = r.nextLong();
        List<Object> accs = new ArrayList<>();
        for (int s = 0; s < 8; s++) {
          accs.add(f.createAccumulator());
        }
        for (int i = 0; i < distinct * 2; i++) {
          int s = r.nextInt(8);
          accs.set(s, f.add(accs.get(s), base + (i % distinct), null));
        }
        Object merged = f.createAccumulator();
        for (Object a : accs) {
          merged = f.merge(merged, roundTrip(f, a));
        }
        Object reverse = f.createAccumulator();
        for (int s = 7; s >= 0; s--) {
          reverse = f.merge(reverse, accs.get(s));
        }
        long estimate = (Long) f.getResult(merged);
        assertThat((double) estimate)
            .as("%s lgK %d distinct %d", Seeds.describe(), lgK, distinct)
            .isCloseTo(distinct, within(4 * rse * distinct + 0.5));
        assertThat(f.getResult(reverse)).as("merge order").isEqualTo(estimate);
      }
    }
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void mostFrequentIsWithinTheAPrioriErrorOnASkewedStream() {
    Random r = Seeds.random("CatalogueFunctionsTest.mostFrequent");
    MostFrequentFunction f =
        (MostFrequentFunction)
            fn("most_frequent", ValueType.STRING, Map.of("k", 5, "max-map-size", 32));
    List<String> values = new ArrayList<>();
    Map<String, Long> truth = new HashMap<>();
    for (int i = 0; i < 50_000; i++) {
      // Zipf-like: item j with probability ~ 1/j over 5000 items
      int j = (int) Math.floor(Math.exp(r.nextDouble() * Math.log(5000)));
      String item = "item-" + j;
      values.add(item);
      truth.merge(item, 1L, Long::sum);
    }
    List<MostFrequentFunction.Acc> accs = new ArrayList<>();
    for (int s = 0; s < 10; s++) {
      accs.add(f.createAccumulator());
    }
    for (String v : values) {
      int s = r.nextInt(10);
      accs.set(s, f.add(accs.get(s), v, null));
    }
    MostFrequentFunction.Acc merged = f.createAccumulator();
    for (MostFrequentFunction.Acc a : accs) {
      merged = f.merge(merged, (MostFrequentFunction.Acc) roundTrip(f, a));
    }
    List<ItemCount> top = (List<ItemCount>) f.getResult(merged);
    double bound = f.epsilon() * values.size();
    assertThat(f.epsilon()).isEqualTo(3.5 / 32);
    assertThat(top).hasSize(5);
    for (ItemCount ic : top) {
      long actual = truth.get((String) ic.item());
      assertThat(actual)
          .as("%s %s", Seeds.describe(), ic)
          .isBetween(ic.count() - ic.errorBound(), ic.count());
      assertThat((double) ic.errorBound()).isLessThanOrEqualTo(bound);
    }
    assertThat(top.get(0).item()).as("the heaviest item").isEqualTo("item-1");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void approxPercentileRanksAreWithinTheNormalizedRankError() {
    Random r = Seeds.random("CatalogueFunctionsTest.approxPercentile");
    double[] ps = {0.01, 0.25, 0.5, 0.75, 0.9, 0.99};
    List<Object> psList = new ArrayList<>();
    for (double p : ps) {
      psList.add(p);
    }
    ApproxPercentileFunction f =
        (ApproxPercentileFunction)
            fn("approx_percentile", ValueType.DOUBLE, Map.of("percentiles", psList));
    assertThat(f.rankError())
        .isEqualTo(KllSketch.getNormalizedRankError(200, false))
        .isLessThan(0.014);
    double[] xs = new double[100_000];
    List<Object> accs = new ArrayList<>();
    for (int s = 0; s < 20; s++) {
      accs.add(f.createAccumulator());
    }
    for (int i = 0; i < xs.length; i++) {
      xs[i] = r.nextGaussian() * 100 + (r.nextInt(10) == 0 ? 1e6 : 0);
      int s = r.nextInt(20);
      accs.set(s, f.add((org.apache.datasketches.kll.KllDoublesSketch) accs.get(s), xs[i], null));
    }
    Object merged = f.createAccumulator();
    for (Object a : accs) {
      merged =
          f.merge(
              (org.apache.datasketches.kll.KllDoublesSketch) merged,
              (org.apache.datasketches.kll.KllDoublesSketch) roundTrip(f, a));
    }
    List<Double> qs = (List<Double>) ((AggregateFunction) f).getResult(merged);
    double[] sorted = xs.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < ps.length; i++) {
      double q = qs.get(i);
      int below = lowerBound(sorted, q);
      int atOrBelow = upperBound(sorted, q);
      double eps = f.rankError();
      assertThat(ps[i])
          .as(
              "%s p=%s q=%s ranks [%s, %s]",
              Seeds.describe(),
              ps[i],
              q,
              (double) below / xs.length,
              (double) atOrBelow / xs.length)
          .isBetween((double) below / xs.length - eps, (double) atOrBelow / xs.length + eps);
    }
  }

  private static int lowerBound(double[] sorted, double q) {
    int i = 0;
    while (i < sorted.length && sorted[i] < q) {
      i++;
    }
    return i;
  }

  private static int upperBound(double[] sorted, double q) {
    int i = lowerBound(sorted, q);
    while (i < sorted.length && sorted[i] <= q) {
      i++;
    }
    return i;
  }

  @Test
  void bloomFilterHasNoFalseNegativesAndAboutTheConfiguredFalsePositiveRate() {
    Random r = Seeds.random("CatalogueFunctionsTest.bloom");
    BloomContainsFunction f =
        (BloomContainsFunction)
            fn(
                "bloom_contains",
                ValueType.LONG,
                Map.of("expected-items", 5000, "false-positive-rate", 0.01));
    BloomContainsFunction.Acc a = f.createAccumulator();
    BloomContainsFunction.Acc b = f.createAccumulator();
    List<Long> added = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      long v = r.nextLong();
      added.add(v);
      if (i % 2 == 0) {
        a = f.add(a, v, null);
      } else {
        b = f.add(b, v, null);
      }
    }
    BloomContainsFunction.Acc merged =
        f.merge(f.merge(f.createAccumulator(), a), (BloomContainsFunction.Acc) roundTrip(f, b));
    assertThat(merged.filter).as("5000 values exceed the sparse state").isNotNull();
    for (long v : added) {
      assertThat(f.mightContain(merged, v)).isTrue();
    }
    int falsePositives = 0;
    int probes = 20_000;
    for (int i = 0; i < probes; i++) {
      if (f.mightContain(merged, r.nextLong())) {
        falsePositives++;
      }
    }
    assertThat((double) falsePositives / probes)
        .as("%s false-positive rate", Seeds.describe())
        .isLessThan(0.02);
    assertThat((Long) f.getResult(merged)).as("estimated distinct count").isBetween(4700L, 5300L);
    assertThat(f.mightContain(merged, null)).isFalse();
    // sparse: exact, and the string "" is a value
    BloomContainsFunction s =
        (BloomContainsFunction)
            fn(
                "bloom_contains",
                ValueType.STRING,
                Map.of("expected-items", 5000, "false-positive-rate", 0.01));
    BloomContainsFunction.Acc small = s.add(s.add(s.createAccumulator(), "", null), "x", null);
    assertThat(s.mightContain(small, "")).isTrue();
    assertThat(s.mightContain(small, "y")).isFalse();
    assertThat(s.getResult(small)).isEqualTo(2L);
  }

  // --------------------------------------------------------------------- sizes

  /** Prints the encoded accumulator sizes docs/functions.md quotes (see the test output file). */
  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void accumulatorSizes() {
    Random r = new Random(1);
    StringBuilder report =
        new StringBuilder("[sizes] function: bytes for 1 / 100 / 10,000 / 1,000,000 values\n");
    Object[][] cases = {
      {"variance_pop", ValueType.DOUBLE, Map.of()},
      {"top_k", ValueType.LONG, Map.of("k", 10)},
      {"last_k", ValueType.LONG, Map.of("k", 10)},
      {"most_frequent", ValueType.LONG, Map.of("k", 10)},
      {"most_frequent", ValueType.STRING, Map.of("k", 10)},
      {"count_distinct", ValueType.LONG, Map.of("max-size", 1_000_000)},
      {"approx_count_distinct", ValueType.LONG, Map.of()},
      {"approx_percentile", ValueType.DOUBLE, Map.of("percentiles", List.of(0.5))},
      {"bool_or", ValueType.BOOLEAN, Map.of()},
      {
        "bloom_contains",
        ValueType.LONG,
        Map.of("expected-items", 10_000, "false-positive-rate", 0.01)
      }
    };
    for (Object[] c : cases) {
      AggregateFunction f = fn((String) c[0], (ValueType) c[1], (Map<String, Object>) c[2]);
      report.append(String.format("[sizes] %-22s %-7s", c[0], c[1]));
      Object acc = f.createAccumulator();
      int added = 0;
      for (int n : new int[] {1, 100, 10_000, 1_000_000}) {
        if (c[0].equals("count_distinct") && n > 10_000) {
          report.append(" (10^6: ~10 B/value)");
          break;
        }
        for (; added < n; added++) {
          Object v =
              switch ((ValueType) c[1]) {
                case DOUBLE -> Math.round(r.nextDouble() * 100_000) / 100.0; // money amounts
                case LONG -> (long) r.nextInt(1_000_000);
                case STRING -> "customer-" + r.nextInt(100_000);
                case BOOLEAN -> r.nextBoolean();
              };
          acc =
              f.add(
                  acc, v, new EventPosition(1_700_000_000_000L + added, 0, 3, 1_000_000L + added));
        }
        report.append(String.format(" %9d", encode(f, acc).length));
      }
      report.append('\n');
    }
    System.out.print(report);
  }
}
