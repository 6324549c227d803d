package dev.slicestore.core.aggregate;

import java.util.List;
import java.util.Map;

/**
 * The catalogue of aggregate functions, reached by configuration name (Iceberg's
 * {@code Transforms} pattern: public interface, package-private implementations behind a
 * factory).
 *
 * <table>
 *   <caption>Functions</caption>
 *   <tr><th>name</th><th>input</th><th>result</th><th>empty window</th></tr>
 *   <tr><td>count</td><td>none (rows) or any (non-null values)</td><td>long</td><td>0</td></tr>
 *   <tr><td>sum</td><td>long, double</td><td>input type, exact</td><td>0</td></tr>
 *   <tr><td>mean</td><td>long, double</td><td>double</td><td>null</td></tr>
 *   <tr><td>min, max</td><td>long, double, string</td><td>input type</td><td>null</td></tr>
 * </table>
 *
 * <p>Stateless and thread-safe.
 */
public final class AggregateFunctions {
  /** Every function name this build knows. */
  public static final List<String> NAMES = List.of("count", "sum", "mean", "min", "max");

  private AggregateFunctions() {}

  /**
   * Creates a function.
   *
   * @param name configuration name, e.g. {@code "sum"}
   * @param inputType the input column's type, or null for a function without input column
   *     (only {@code count})
   * @param params function parameters from the configuration (none are used by the functions in
   *     this build; unknown parameters are rejected)
   * @return the function
   * @throws IllegalArgumentException with a message naming the problem: unknown function,
   *     missing or unsupported input type, unknown parameter
   */
  public static AggregateFunction<?> create(String name, ValueType inputType, Map<String, Object> params) {
    if (params != null && !params.isEmpty()) {
      throw new IllegalArgumentException("Unknown parameter(s) for function " + name + ": " + params.keySet());
    }
    switch (name) {
      case "count":
        return new CountFunction(inputType == null);
      case "sum":
        requireNumeric(name, inputType);
        return new SumFunction(inputType);
      case "mean":
        requireNumeric(name, inputType);
        return new MeanFunction();
      case "min":
      case "max":
        if (inputType == null || inputType == ValueType.BOOLEAN) {
          throw new IllegalArgumentException(
              "Cannot use " + name + " on " + describe(inputType) + ": needs a long, double or string input column");
        }
        return new ExtremumFunction(name.equals("max"), inputType);
      default:
        throw new IllegalArgumentException("Unknown aggregate function: " + name + " (known: " + String.join(", ", NAMES) + ")");
    }
  }

  /** @return true iff the function needs an input column */
  public static boolean requiresInput(String name) {
    return !name.equals("count");
  }

  private static void requireNumeric(String name, ValueType inputType) {
    if (inputType == null || !inputType.isNumeric()) {
      throw new IllegalArgumentException(
          "Cannot use " + name + " on " + describe(inputType) + ": needs a long or double input column");
    }
  }

  private static String describe(ValueType t) {
    return t == null ? "no input column" : "a " + t.configName() + " column";
  }
}
