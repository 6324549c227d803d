package dev.slicestore.core.aggregate;

import static dev.slicestore.core.aggregate.Accumulators.encode;
import static dev.slicestore.core.aggregate.Accumulators.mergeAtRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.aggregate.Accumulators.Merged;
import dev.slicestore.core.testing.CatalogueOracle;
import dev.slicestore.core.testing.CatalogueOracle.Row;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The catalogue's property test, as {@link AggregateFunctionMergeOrderTest} does for the basic
 * functions: random inputs (seeded by {@link Seeds}, with nulls and repeated values) are split into
 * random slices, each slice is accumulated, encoded and decoded (sometimes), the slices are merged
 * in a random order and grouping, and the result is checked against the naive computation over all
 * rows: exactly for exact functions, within the documented bound for sketches. Every merge's {@code
 * other} is checked unmodified (its encoding before and after, and again at the end, so a merge
 * result sharing state with it would show). Functions whose result is merge-order independent are
 * also checked against a sequential accumulation (same result and, where the encoding is canonical,
 * the same bytes).
 */
class CatalogueMergeOrderTest {

  /** How strictly a function's result is checked. */
  enum Kind {
    EXACT_CANONICAL,
    EXACT,
    SKETCH_DETERMINISTIC,
    SKETCH
  }

  static Stream<Arguments> functions() {
    return Stream.of(
        Arguments.of("variance_pop", ValueType.DOUBLE, Map.of(), Kind.EXACT_CANONICAL, 60),
        Arguments.of("variance_samp", ValueType.DOUBLE, Map.of(), Kind.EXACT_CANONICAL, 60),
        Arguments.of("stddev_pop", ValueType.LONG, Map.of(), Kind.EXACT_CANONICAL, 60),
        Arguments.of("stddev_samp", ValueType.DOUBLE, Map.of(), Kind.EXACT_CANONICAL, 60),
        Arguments.of("variance_samp", ValueType.LONG, Map.of(), Kind.EXACT_CANONICAL, 60),
        Arguments.of("top_k", ValueType.LONG, Map.of("k", 5), Kind.EXACT_CANONICAL, 60),
        Arguments.of("top_k", ValueType.DOUBLE, Map.of("k", 7), Kind.EXACT_CANONICAL, 60),
        Arguments.of("bottom_k", ValueType.STRING, Map.of("k", 3), Kind.EXACT_CANONICAL, 60),
        Arguments.of("bottom_k", ValueType.DOUBLE, Map.of("k", 1), Kind.EXACT_CANONICAL, 60),
        Arguments.of("first_k", ValueType.STRING, Map.of("k", 4), Kind.EXACT_CANONICAL, 60),
        Arguments.of("last_k", ValueType.LONG, Map.of("k", 6), Kind.EXACT_CANONICAL, 60),
        Arguments.of("last_k", ValueType.BOOLEAN, Map.of("k", 2), Kind.EXACT_CANONICAL, 60),
        Arguments.of("count_distinct", ValueType.STRING, Map.of(), Kind.EXACT_CANONICAL, 60),
        Arguments.of(
            "count_distinct", ValueType.DOUBLE, Map.of("max-size", 40), Kind.EXACT_CANONICAL, 60),
        Arguments.of("bool_and", ValueType.BOOLEAN, Map.of(), Kind.EXACT_CANONICAL, 60),
        Arguments.of("bool_or", ValueType.BOOLEAN, Map.of(), Kind.EXACT_CANONICAL, 60),
        Arguments.of(
            "bloom_contains",
            ValueType.STRING,
            Map.of("expected-items", 2000, "false-positive-rate", 0.01),
            Kind.EXACT_CANONICAL,
            40),
        Arguments.of(
            "bloom_contains",
            ValueType.LONG,
            Map.of("expected-items", 100, "false-positive-rate", 0.05),
            Kind.EXACT_CANONICAL,
            40),
        Arguments.of(
            "most_frequent", ValueType.LONG, Map.of("k", 5, "max-map-size", 16), Kind.SKETCH, 40),
        Arguments.of("most_frequent", ValueType.STRING, Map.of("k", 3), Kind.SKETCH, 40),
        Arguments.of(
            "approx_count_distinct",
            ValueType.LONG,
            Map.of("lg-k", 8),
            Kind.SKETCH_DETERMINISTIC,
            40),
        Arguments.of(
            "approx_count_distinct", ValueType.STRING, Map.of(), Kind.SKETCH_DETERMINISTIC, 30),
        Arguments.of(
            "approx_percentile",
            ValueType.DOUBLE,
            Map.of("percentiles", List.of(0.0, 0.1, 0.5, 0.99, 1.0), "k", 32),
            Kind.SKETCH,
            40),
        Arguments.of(
            "approx_percentile",
            ValueType.LONG,
            Map.of("percentiles", List.of(0.5)),
            Kind.SKETCH,
            30));
  }

  @ParameterizedTest(name = "{0}({1}) {2}")
  @MethodSource("functions")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void anyMergeTreeMatchesTheNaiveResult(
      String name, ValueType type, Map<String, Object> params, Kind kind, int trials) {
    Random r = Seeds.random("CatalogueMergeOrderTest." + name + "(" + type + ")" + params);
    AggregateFunction f = AggregateFunctions.create(name, type, params);
    boolean sketch = kind == Kind.SKETCH || kind == Kind.SKETCH_DETERMINISTIC;
    for (int trial = 0; trial < trials; trial++) {
      int n = r.nextInt(5) == 0 ? r.nextInt(4) : r.nextInt(sketch ? 3000 : 300);
      double nulls = r.nextInt(5) == 0 ? 0.9 : 0.1;
      // a pool of distinct values, drawn with a skew, so that values repeat
      int poolSize = 1 + r.nextInt(r.nextBoolean() ? 10 : 2000);
      List<Object> pool = new ArrayList<>();
      for (int i = 0; i < poolSize; i++) {
        pool.add(Values.random(r, type, 0, r.nextInt(50) == 0, true));
      }
      List<Object> values = new ArrayList<>();
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Object v =
            r.nextDouble() < nulls
                ? null
                : pool.get(
                    r.nextBoolean() ? r.nextInt(Math.min(poolSize, 5)) : r.nextInt(poolSize));
        EventPosition p = new EventPosition(r.nextInt(50), r.nextInt(2), r.nextInt(3), i);
        values.add(v);
        rows.add(new Row(p, v));
      }
      String ctx =
          Seeds.describe() + " trial " + trial + " n " + n + " values " + abbreviate(values);

      Merged merged = mergeAtRandom(f, values, rows.stream().map(Row::position).toList(), r, ctx);
      Object acc = merged.result();
      // keep using the merge result: the accumulators merged into it must not change
      Object probe = f.createAccumulator();
      byte[] beforeResult = encode(f, acc);

      Object sequential = f.createAccumulator();
      for (Row row : rows) {
        sequential = f.add(sequential, row.value(), row.position());
      }
      check(f, name, type, params, kind, acc, sequential, values, rows, ctx);
      assertThat(encode(f, acc))
          .as("getResult modified the accumulator; %s", ctx)
          .isEqualTo(beforeResult);
      if (kind == Kind.EXACT_CANONICAL) {
        assertThat(encode(f, acc))
            .as("isomorphism with sequential adds; %s", ctx)
            .isEqualTo(encode(f, sequential));
      }
      Object grown = f.merge(acc, f.add(probe, pool.get(0), new EventPosition(99, 0, 0, n)));
      for (int i = 0; i < 3; i++) {
        grown =
            f.add(
                grown, pool.get(r.nextInt(poolSize)), new EventPosition(100 + i, 0, 0, n + 1 + i));
      }
      merged.assertOthersUnchanged(f, ctx);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void check(
      AggregateFunction f,
      String name,
      ValueType type,
      Map<String, Object> params,
      Kind kind,
      Object acc,
      Object sequential,
      List<Object> values,
      List<Row> rows,
      String ctx) {
    boolean anyValue = values.stream().anyMatch(v -> v != null);
    assertThat(f.isEmpty(acc)).as("isEmpty; %s", ctx).isEqualTo(!anyValue);
    if (!anyValue) {
      assertThat(f.getResult(acc)).as("empty result; %s", ctx).isEqualTo(f.emptyResult());
    }
    switch (name) {
      case "variance_pop", "variance_samp", "stddev_pop", "stddev_samp" -> {
        Double variance = CatalogueOracle.variance(values, name.endsWith("_samp"));
        Object expected =
            variance == null
                ? null
                : name.startsWith("stddev") ? (Object) Math.sqrt(variance) : variance;
        assertThat(f.getResult(acc)).as(ctx).isEqualTo(expected);
      }
      case "top_k", "bottom_k" ->
          assertThat(f.getResult(acc))
              .as(ctx)
              .isEqualTo(
                  CatalogueOracle.topK(
                      values, type, (Integer) params.get("k"), name.equals("top_k")));
      case "first_k", "last_k" ->
          assertThat(f.getResult(acc))
              .as(ctx)
              .isEqualTo(
                  CatalogueOracle.firstLastK(
                      rows, (Integer) params.get("k"), name.equals("last_k")));
      case "count_distinct" -> {
        int max = (Integer) params.getOrDefault("max-size", 10_000);
        int distinct = CatalogueOracle.distinct(values, type).size();
        if (distinct > max) {
          assertThatThrownBy(() -> f.getResult(acc))
              .as(ctx)
              .isInstanceOf(ArithmeticException.class)
              .hasMessageContaining("max-size = " + max);
        } else {
          assertThat(f.getResult(acc)).as(ctx).isEqualTo((long) distinct);
        }
      }
      case "bool_and", "bool_or" ->
          assertThat(f.getResult(acc))
              .as(ctx)
              .isEqualTo(CatalogueOracle.bool(values, name.equals("bool_and")));
      case "bloom_contains" -> {
        BloomContainsFunction bloom = (BloomContainsFunction) f;
        TreeSet<Object> distinct = CatalogueOracle.distinct(values, type);
        for (Object v : distinct) {
          assertThat(bloom.mightContain((BloomContainsFunction.Acc) acc, v))
              .as("no false negative for %s; %s", v, ctx)
              .isTrue();
        }
        long result = (Long) f.getResult(acc);
        if (((BloomContainsFunction.Acc) acc).filter == null) {
          assertThat(result).as(ctx).isEqualTo(distinct.size());
        } else {
          assertThat((double) result)
              .as("estimated distinct count; %s", ctx)
              .isCloseTo(
                  distinct.size(), org.assertj.core.data.Offset.offset(0.1 * distinct.size() + 3));
        }
      }
      case "most_frequent" ->
          checkMostFrequent(
              (MostFrequentFunction) f, type, (Integer) params.get("k"), acc, values, ctx);
      case "approx_count_distinct" -> {
        int lgK = (Integer) params.getOrDefault("lg-k", 12);
        long distinct = CatalogueOracle.distinct(values, type).size();
        long estimate = (Long) f.getResult(acc);
        double rse = 1.04 / Math.sqrt(1 << lgK);
        assertThat((double) estimate)
            .as("within 4 RSE of %d; %s", distinct, ctx)
            .isCloseTo(distinct, org.assertj.core.data.Offset.offset(4 * rse * distinct + 1));
      }
      case "approx_percentile" ->
          checkPercentiles(
              (ApproxPercentileFunction) f, params, (List<Double>) f.getResult(acc), values, ctx);
      default -> throw new IllegalArgumentException(name);
    }
    boolean overflow =
        name.equals("count_distinct")
            && CatalogueOracle.distinct(values, type).size()
                > (Integer) params.getOrDefault("max-size", 10_000);
    if (kind != Kind.SKETCH && !overflow) {
      assertThat(f.getResult(acc))
          .as("same result as sequential adds; %s", ctx)
          .isEqualTo(f.getResult(sequential));
    }
  }

  @SuppressWarnings("unchecked")
  private static void checkMostFrequent(
      MostFrequentFunction f, ValueType type, int k, Object acc, List<Object> values, String ctx) {
    Map<Object, Long> truth = CatalogueOracle.frequencies(values, type);
    long n = truth.values().stream().mapToLong(Long::longValue).sum();
    List<ItemCount> result = (List<ItemCount>) f.getResult((MostFrequentFunction.Acc) acc);
    double bound = f.epsilon() * n;
    assertThat(result.size())
        .as(ctx)
        .isEqualTo(Math.min(k, truth.size()) == 0 ? 0 : result.size())
        .isLessThanOrEqualTo(k);
    for (int i = 0; i < result.size(); i++) {
      ItemCount ic = result.get(i);
      long actual = truth.getOrDefault(ic.item(), 0L);
      assertThat(actual)
          .as("true count of %s within [count - errorBound, count]; %s", ic, ctx)
          .isBetween(ic.count() - ic.errorBound(), ic.count());
      assertThat((double) ic.errorBound())
          .as("error bound <= epsilon * n; %s", ctx)
          .isLessThanOrEqualTo(bound);
      if (i > 0) {
        assertThat(ic.count())
            .as("most frequent first; %s", ctx)
            .isLessThanOrEqualTo(result.get(i - 1).count());
      }
    }
    // every item more frequent than epsilon * n beyond the k-th reported estimate is reported
    long kth = result.size() < k ? 0 : result.get(result.size() - 1).count();
    truth.forEach(
        (item, count) -> {
          if (count > bound && count > kth) {
            assertThat(
                    result.stream()
                        .anyMatch(ic -> NaiveAggregator.order(type).compare(ic.item(), item) == 0))
                .as("heavy item %s (%d) reported; %s", item, count, ctx)
                .isTrue();
          }
        });
    if (truth.size()
        <= 0.75 * 16) { // exact: no purge happened (the smallest map size tested is 16)
      List<Map.Entry<Object, Long>> exact = new ArrayList<>(truth.entrySet());
      exact.sort(
          Map.Entry.<Object, Long>comparingByValue()
              .reversed()
              .thenComparing(Map.Entry::getKey, NaiveAggregator.order(type)));
      List<ItemCount> expected = new ArrayList<>();
      for (Map.Entry<Object, Long> e : exact.subList(0, Math.min(k, exact.size()))) {
        expected.add(new ItemCount(e.getKey(), e.getValue(), 0));
      }
      assertThat(result).as("exact while few distinct values; %s", ctx).isEqualTo(expected);
    }
  }

  private static void checkPercentiles(
      ApproxPercentileFunction f,
      Map<String, Object> params,
      List<Double> result,
      List<Object> values,
      String ctx) {
    List<Double> xs = new ArrayList<>();
    for (Object v : values) {
      if (v instanceof Long l) {
        xs.add((double) l);
      } else if (v instanceof Double d && !d.isNaN()) {
        xs.add(d);
      }
    }
    if (xs.isEmpty()) {
      assertThat(result).as(ctx).isNull();
      return;
    }
    @SuppressWarnings("unchecked")
    List<Number> ps = (List<Number>) params.get("percentiles");
    assertThat(result).as(ctx).hasSize(ps.size());
    // getNormalizedRankError is a 99%-confidence bound per query: allow twice it so that
    // thousands of random queries do not fail by chance
    double eps = 2 * f.rankError();
    for (int i = 0; i < ps.size(); i++) {
      double p = ps.get(i).doubleValue();
      double q = result.get(i);
      // numeric order, as KLL's (-0.0 == 0.0)
      long below = xs.stream().filter(x -> x < q).count();
      long atOrBelow = xs.stream().filter(x -> x <= q).count();
      assertThat(xs.stream().anyMatch(x -> x == q))
          .as("a quantile (%s) is an input value; %s", q, ctx)
          .isTrue();
      double lo = (double) below / xs.size();
      double hi = (double) atOrBelow / xs.size();
      assertThat(p)
          .as("rank of %s for p=%s in [%s, %s] +- %s; %s", q, p, lo, hi, eps, ctx)
          .isBetween(lo - eps - 1e-12, hi + eps + 1e-12);
    }
  }

  private static String abbreviate(List<Object> values) {
    String s = values.toString();
    return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
  }
}
