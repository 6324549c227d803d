package dev.slicestore.core.aggregate;

import java.util.List;
import java.util.Map;

/**
 * The catalogue of aggregate functions, reached by configuration name (Iceberg's {@code Transforms}
 * pattern: public interface, package-private implementations behind a factory). Null inputs are
 * ignored by every function (SQL-style). Results are exact and identical in every merge order
 * unless the table says "approximate"; each class documents its algorithm, error bound, accumulator
 * size and binary form.
 *
 * <table>
 *   <caption>Functions</caption>
 *   <tr><th>name</th><th>params</th><th>input</th><th>result</th><th>empty window</th></tr>
 *   <tr><td>count</td><td></td><td>none (rows) or any (non-null values)</td><td>long</td><td>0</td></tr>
 *   <tr><td>sum</td><td></td><td>long, double</td><td>input type, exact</td><td>0</td></tr>
 *   <tr><td>mean</td><td></td><td>long, double</td><td>double</td><td>null</td></tr>
 *   <tr><td>min, max</td><td></td><td>long, double, string</td><td>input type</td><td>null</td></tr>
 *   <tr><td>argmin, argmax</td><td>value (column, required)</td><td>long, double, string</td><td>the value
 *       column's type: its value on the event with the smallest / largest input (ties: earliest
 *       event position)</td><td>null</td></tr>
 *   <tr><td>variance_pop, variance_samp, stddev_pop, stddev_samp</td><td></td><td>long, double</td>
 *       <td>double, from exact moments, one rounding ({@link VarianceFunction})</td>
 *       <td>null (samp: also for one input)</td></tr>
 *   <tr><td>top_k, bottom_k</td><td>k 1..1000</td><td>long, double, string</td>
 *       <td>list of input type, best first</td><td>[]</td></tr>
 *   <tr><td>first_k, last_k</td><td>k 1..1000</td><td>any</td>
 *       <td>list of input type, oldest first, by {@link EventPosition}</td><td>[]</td></tr>
 *   <tr><td>most_frequent</td><td>k 1..1000, max-map-size (power of 2, 8..65536)</td><td>any</td>
 *       <td>item counts, most frequent first; approximate beyond 0.75·max-map-size distinct values
 *       (DataSketches frequent items, error ≤ 3.5/max-map-size · n)</td><td>[]</td></tr>
 *   <tr><td>count_distinct</td><td>max-size 1..1000000 (10000)</td><td>any</td>
 *       <td>long, exact; an error (ArithmeticException) beyond max-size</td><td>0</td></tr>
 *   <tr><td>approx_count_distinct</td><td>lg-k 4..21 (12)</td><td>any</td>
 *       <td>long, approximate (DataSketches HLL, RSE ≈ 1.04/√2^lg-k)</td><td>0</td></tr>
 *   <tr><td>approx_percentile</td><td>percentiles [p, ...] in [0,1], k 8..65535 (200)</td>
 *       <td>long, double</td><td>list of double, one per percentile; approximate (DataSketches
 *       KLL, rank error getNormalizedRankError(k)), <b>not</b> merge-order independent beyond ~k
 *       values</td><td>null</td></tr>
 *   <tr><td>bool_and, bool_or</td><td></td><td>boolean</td><td>boolean</td><td>null</td></tr>
 *   <tr><td>bloom_contains</td><td>expected-items 1..10^7, false-positive-rate (0, 0.5]</td>
 *       <td>any</td><td>features: boolean, "might the window contain the request-context value?"
 *       ({@link BloomContainsFunction#mightContain}, context key = the aggregation's
 *       {@code context}, default its input column); slices table: long (distinct values,
 *       estimated once a filter)</td><td>null (features), 0 (slices)</td></tr>
 * </table>
 *
 * <p>Stateless and thread-safe.
 */
public final class AggregateFunctions {
  /** Every function name this build knows. */
  public static final List<String> NAMES =
      List.of(
          "count",
          "sum",
          "mean",
          "min",
          "max",
          "argmin",
          "argmax",
          "variance_pop",
          "variance_samp",
          "stddev_pop",
          "stddev_samp",
          "top_k",
          "bottom_k",
          "first_k",
          "last_k",
          "most_frequent",
          "count_distinct",
          "approx_count_distinct",
          "approx_percentile",
          "bool_and",
          "bool_or",
          "bloom_contains");

  /** The largest k of the k-valued functions. */
  public static final int MAX_K = 1000;

  private AggregateFunctions() {}

  /**
   * Creates a function.
   *
   * @param name configuration name, e.g. {@code "sum"}
   * @param inputType the input column's type, or null for a function without input column (only
   *     {@code count})
   * @param params function parameters from the configuration (see the table; unknown parameters are
   *     rejected), may be null for none
   * @return the function
   * @throws IllegalArgumentException with a message naming the problem: unknown function, missing
   *     or unsupported input type, unknown, missing or bad parameter (naming the parameter and its
   *     allowed values)
   */
  public static AggregateFunction<?> create(
      String name, ValueType inputType, Map<String, Object> params) {
    return create(name, inputType, params, column -> null);
  }

  /**
   * Creates a function, resolving the columns its parameters name ({@code params.value} of {@code
   * argmin}/{@code argmax}).
   *
   * @param columnTypes the type of a column of the feature set by name, or null if there is no such
   *     column
   * @see #create(String, ValueType, Map)
   */
  public static AggregateFunction<?> create(
      String name,
      ValueType inputType,
      Map<String, Object> params,
      java.util.function.Function<String, ValueType> columnTypes) {
    switch (name) {
      case "argmin":
      case "argmax":
        {
          Params.of(name, params, "value");
          requireOrdered(name, inputType);
          String column = valueColumn(name, params);
          ValueType valueType = columnTypes.apply(column);
          if (valueType == null) {
            throw new IllegalArgumentException(
                "Bad parameter value = "
                    + column
                    + " for function "
                    + name
                    + ": no such column (a source.schema or transform column)");
          }
          return new ArgExtremumFunction(name.equals("argmax"), inputType, valueType);
        }
      case "count":
        Params.of(name, params);
        return new CountFunction(inputType == null);
      case "sum":
        Params.of(name, params);
        requireNumeric(name, inputType);
        return new SumFunction(inputType);
      case "mean":
        Params.of(name, params);
        requireNumeric(name, inputType);
        return new MeanFunction();
      case "min":
      case "max":
        Params.of(name, params);
        requireOrdered(name, inputType);
        return new ExtremumFunction(name.equals("max"), inputType);
      case "variance_pop":
      case "variance_samp":
      case "stddev_pop":
      case "stddev_samp":
        Params.of(name, params);
        requireNumeric(name, inputType);
        return new VarianceFunction(name);
      case "top_k":
      case "bottom_k":
        {
          Params p = Params.of(name, params, "k");
          requireOrdered(name, inputType);
          return new TopKFunction(name.equals("top_k"), inputType, p.intParam("k", null, 1, MAX_K));
        }
      case "first_k":
      case "last_k":
        {
          Params p = Params.of(name, params, "k");
          requireInput(name, inputType);
          return new FirstLastKFunction(
              name.equals("last_k"), inputType, p.intParam("k", null, 1, MAX_K));
        }
      case "most_frequent":
        {
          Params p = Params.of(name, params, "k", "max-map-size");
          requireInput(name, inputType);
          int k = p.intParam("k", null, 1, MAX_K);
          int size =
              p.intParam("max-map-size", MostFrequentFunction.defaultMaxMapSize(k), 8, 65536);
          if (Integer.bitCount(size) != 1 || size * 3L / 4 < k) {
            throw new IllegalArgumentException(
                "Bad parameter max-map-size = "
                    + size
                    + " for function most_frequent: must be"
                    + " a power of two from 8 to 65536 with k <= 0.75 * max-map-size (k = "
                    + k
                    + ")");
          }
          return new MostFrequentFunction(inputType, k, size);
        }
      case "count_distinct":
        {
          Params p = Params.of(name, params, "max-size");
          requireInput(name, inputType);
          return new CountDistinctFunction(inputType, p.intParam("max-size", 10_000, 1, 1_000_000));
        }
      case "approx_count_distinct":
        {
          Params p = Params.of(name, params, "lg-k");
          requireInput(name, inputType);
          return new ApproxCountDistinctFunction(inputType, p.intParam("lg-k", 12, 4, 21));
        }
      case "approx_percentile":
        {
          Params p = Params.of(name, params, "percentiles", "k");
          requireNumeric(name, inputType);
          return new ApproxPercentileFunction(
              p.doubleList("percentiles", 0, 1, 100), p.intParam("k", 200, 8, 65535));
        }
      case "bool_and":
      case "bool_or":
        Params.of(name, params);
        if (inputType != ValueType.BOOLEAN) {
          throw new IllegalArgumentException(
              "Cannot use "
                  + name
                  + " on "
                  + describe(inputType)
                  + ": needs a boolean input column");
        }
        return new BoolFunction(name.equals("bool_and"));
      case "bloom_contains":
        {
          Params p = Params.of(name, params, "expected-items", "false-positive-rate");
          requireInput(name, inputType);
          return new BloomContainsFunction(
              inputType,
              p.longParam("expected-items", null, 1, 10_000_000),
              p.doubleParam("false-positive-rate", 0, 0.5));
        }
      default:
        throw new IllegalArgumentException(
            "Unknown aggregate function: " + name + " (known: " + String.join(", ", NAMES) + ")");
    }
  }

  /**
   * @return the column whose value {@code argmin}/{@code argmax} report ({@code params.value}), or
   *     null for functions that read only their input column
   * @throws IllegalArgumentException if an argmin/argmax has no {@code value} parameter
   */
  public static String valueColumn(String name, Map<String, Object> params) {
    if (!name.equals("argmin") && !name.equals("argmax")) {
      return null;
    }
    Object v = params == null ? null : params.get("value");
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException(
          "Function "
              + name
              + " needs params { value = <column> }: the column reported for"
              + " the event with the "
              + (name.equals("argmax") ? "largest" : "smallest")
              + " input");
    }
    return s;
  }

  /**
   * @return true iff the function needs an input column
   */
  public static boolean requiresInput(String name) {
    return !name.equals("count");
  }

  private static void requireNumeric(String name, ValueType inputType) {
    if (inputType == null || !inputType.isNumeric()) {
      throw new IllegalArgumentException(
          "Cannot use "
              + name
              + " on "
              + describe(inputType)
              + ": needs a long or double input column");
    }
  }

  private static void requireOrdered(String name, ValueType inputType) {
    if (inputType == null || inputType == ValueType.BOOLEAN) {
      throw new IllegalArgumentException(
          "Cannot use "
              + name
              + " on "
              + describe(inputType)
              + ": needs a long, double or string input column");
    }
  }

  private static void requireInput(String name, ValueType inputType) {
    if (inputType == null) {
      throw new IllegalArgumentException(
          "Cannot use " + name + " on no input column: needs an input column");
    }
  }

  private static String describe(ValueType t) {
    return t == null ? "no input column" : "a " + t.configName() + " column";
  }
}
