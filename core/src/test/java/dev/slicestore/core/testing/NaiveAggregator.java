package dev.slicestore.core.testing;

import dev.slicestore.core.aggregate.ValueType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The test oracle for aggregate functions, in the spirit of Chronon's {@code NaiveAggregator}: each
 * function computed the obvious way over the full list of input values, with no accumulators, no
 * merging and no codecs. Sums are exact ({@link BigInteger} for longs, {@link BigDecimal} for
 * doubles, rounded once with {@link BigDecimal#doubleValue()}).
 */
public final class NaiveAggregator {
  /**
   * Exact decimal expansions of recently seen doubles: {@code new BigDecimal(double)} of a tiny
   * value multiplies by up to 5^1074, and randomized tests sum the same events over many windows.
   */
  private static final Map<Long, BigDecimal> EXACT =
      new LinkedHashMap<>(1 << 12, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, BigDecimal> eldest) {
          return size() > 20_000;
        }
      };

  private NaiveAggregator() {}

  private static synchronized BigDecimal exact(double d) {
    return EXACT.computeIfAbsent(Double.doubleToLongBits(d), bits -> new BigDecimal(d));
  }

  /**
   * @param function {@code count}, {@code sum}, {@code mean}, {@code min} or {@code max}
   * @param inputType the input column's type, or null for {@code count} of rows
   * @param values the inputs of every event in the window, nulls included
   * @return the expected {@code getResult}
   * @throws ArithmeticException for a long sum outside the long range (as the function does)
   */
  public static Object result(String function, ValueType inputType, List<Object> values) {
    List<Object> present = nonNull(values);
    switch (function) {
      case "count":
        return inputType == null ? (long) values.size() : (long) present.size();
      case "sum":
        if (inputType == ValueType.LONG) {
          return exactLongSum(present).longValueExact();
        }
        return exactDoubleSum(present);
      case "mean":
        {
          if (present.isEmpty()) {
            return null;
          }
          double sum =
              inputType == ValueType.LONG
                  ? new BigDecimal(exactLongSum(present)).doubleValue()
                  : exactDoubleSum(present);
          return sum / present.size();
        }
      case "min":
      case "max":
        {
          Comparator<Object> order = order(inputType);
          Object best = null;
          for (Object v : present) {
            if (best == null) {
              best = v;
            } else {
              int c = order.compare(v, best);
              if (function.equals("max") ? c > 0 : c < 0) {
                best = v;
              }
            }
          }
          return best;
        }
      default:
        throw new IllegalArgumentException("oracle does not know " + function);
    }
  }

  /**
   * Whether the function reports a value as present ({@code !isEmpty}).
   *
   * <p>"Some non-null input" ("some row" for count of rows): inputs that cancel out (5 + -5, or a
   * single 0) are still present.
   */
  public static boolean present(String function, ValueType inputType, List<Object> values) {
    List<Object> present = nonNull(values);
    switch (function) {
      case "count":
        return inputType == null ? !values.isEmpty() : !present.isEmpty();
      default:
        return !present.isEmpty();
    }
  }

  /** The exact sum of longs. */
  public static BigInteger exactLongSum(List<Object> longs) {
    BigInteger s = BigInteger.ZERO;
    for (Object v : longs) {
      s = s.add(BigInteger.valueOf((Long) v));
    }
    return s;
  }

  /**
   * The sum of doubles with IEEE 754 semantics for non-finite inputs (any NaN, or both infinities,
   * gives NaN; otherwise an infinity dominates) and otherwise the exact sum rounded once to the
   * nearest double.
   */
  public static double exactDoubleSum(List<Object> doubles) {
    boolean nan = false;
    boolean posInf = false;
    boolean negInf = false;
    for (Object v : doubles) {
      double d = (Double) v;
      if (Double.isNaN(d)) {
        nan = true;
      } else if (d == Double.POSITIVE_INFINITY) {
        posInf = true;
      } else if (d == Double.NEGATIVE_INFINITY) {
        negInf = true;
      }
    }
    if (nan || (posInf && negInf)) {
      return Double.NaN;
    } else if (posInf) {
      return Double.POSITIVE_INFINITY;
    } else if (negInf) {
      return Double.NEGATIVE_INFINITY;
    }
    return exactDecimalSum(doubles).doubleValue();
  }

  private static BigDecimal exactDecimalSum(List<Object> doubles) {
    BigDecimal s = BigDecimal.ZERO;
    for (Object v : doubles) {
      double d = (Double) v;
      if (Double.isFinite(d)) {
        s = s.add(exact(d));
      }
    }
    return s;
  }

  /**
   * The order min/max use: numeric for longs, {@link Double#compare} for doubles, {@link
   * String#compareTo}.
   */
  public static Comparator<Object> order(ValueType type) {
    return switch (type) {
      case LONG -> (a, b) -> Long.compare((Long) a, (Long) b);
      case DOUBLE -> (a, b) -> Double.compare((Double) a, (Double) b);
      case STRING -> (a, b) -> ((String) a).compareTo((String) b);
      case BOOLEAN -> (a, b) -> Boolean.compare((Boolean) a, (Boolean) b);
    };
  }

  private static List<Object> nonNull(List<Object> values) {
    List<Object> out = new ArrayList<>();
    for (Object v : values) {
      if (Objects.nonNull(v)) {
        out.add(v);
      }
    }
    return out;
  }
}
