package dev.slicestore.core.aggregate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Validated access to a function's configuration parameters (the unwrapped HOCON object of an
 * aggregation's {@code params}: numbers are {@code Integer}/{@code Long}/{@code Double}, lists are
 * {@code java.util.List}). Every failure is an {@link IllegalArgumentException} whose message names
 * the function, the parameter and the allowed values.
 */
final class Params {
  private final String function;
  private final Map<String, Object> params;

  private Params(String function, Map<String, Object> params, Set<String> allowed) {
    this.function = function;
    this.params = params == null ? Map.of() : params;
    Set<String> unknown = new TreeSet<>(this.params.keySet());
    unknown.removeAll(allowed);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "Unknown parameter(s) for function "
              + function
              + ": "
              + unknown
              + (allowed.isEmpty()
                  ? " (it takes no parameters)"
                  : " (allowed: " + String.join(", ", new TreeSet<>(allowed)) + ")"));
    }
  }

  /**
   * @throws IllegalArgumentException if {@code params} has a key outside {@code allowed}
   */
  static Params of(String function, Map<String, Object> params, String... allowed) {
    return new Params(function, params, Set.of(allowed));
  }

  private IllegalArgumentException missing(String name, String allowed) {
    return new IllegalArgumentException(
        "Function " + function + " needs parameter " + name + " (" + allowed + ")");
  }

  private IllegalArgumentException bad(String name, Object value, String allowed) {
    return new IllegalArgumentException(
        "Bad parameter "
            + name
            + " = "
            + value
            + " for function "
            + function
            + ": must be "
            + allowed);
  }

  /**
   * @param defaultValue the value when the parameter is absent, or null if it is required
   * @return an integer parameter in {@code [min, max]}
   */
  int intParam(String name, Integer defaultValue, int min, int max) {
    return (int) longParam(name, defaultValue == null ? null : (long) defaultValue, min, max);
  }

  /**
   * @return a long parameter in {@code [min, max]}, or {@code defaultValue} (required if null)
   */
  long longParam(String name, Long defaultValue, long min, long max) {
    String allowed = "an integer from " + min + " to " + max;
    Object v = params.get(name);
    if (v == null) {
      if (defaultValue == null) {
        throw missing(name, allowed);
      }
      return defaultValue;
    }
    if (!(v instanceof Integer || v instanceof Long)) {
      throw bad(name, v, allowed);
    }
    long l = ((Number) v).longValue();
    if (l < min || l > max) {
      throw bad(name, v, allowed);
    }
    return l;
  }

  /**
   * @return a number parameter strictly inside {@code (minExclusive, maxInclusive]} (required)
   */
  double doubleParam(String name, double minExclusive, double maxInclusive) {
    String allowed = "a number greater than " + minExclusive + " and at most " + maxInclusive;
    Object v = params.get(name);
    if (v == null) {
      throw missing(name, allowed);
    }
    if (!(v instanceof Number n)) {
      throw bad(name, v, allowed);
    }
    double d = n.doubleValue();
    if (!(d > minExclusive && d <= maxInclusive)) {
      throw bad(name, v, allowed);
    }
    return d;
  }

  /**
   * @return a required non-empty list of numbers, each in {@code [min, max]}, at most {@code
   *     maxSize}
   */
  double[] doubleList(String name, double min, double max, int maxSize) {
    String allowed =
        "a list of 1 to "
            + maxSize
            + " numbers, each from "
            + min
            + " to "
            + max
            + ", e.g. [0.5, 0.9, 0.99]";
    Object v = params.get(name);
    if (v == null) {
      throw missing(name, allowed);
    }
    if (!(v instanceof List<?> list) || list.isEmpty() || list.size() > maxSize) {
      throw bad(name, v, allowed);
    }
    List<Double> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
        throw bad(name, v, allowed);
      }
      out.add(n.doubleValue());
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /**
   * @return true iff the parameter is set
   */
  boolean has(String name) {
    return params.get(name) != null;
  }
}
