package dev.slicestore.core.testing;

import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The obvious computations of the catalogue's exact functions over the full list of inputs (the
 * {@link NaiveAggregator} of variance, top/bottom-k, first/last-k, count_distinct, bool_and/or and
 * exact frequencies): no accumulators, no merging, no codecs.
 */
public final class CatalogueOracle {
  private CatalogueOracle() {}

  /** One input with its event position. */
  public record Row(EventPosition position, Object value) {}

  /**
   * Two-pass variance in exact arithmetic: with S = Σx, Σ(n·x − S)² / n³ (population) or / (n²·(n −
   * 1)) (sample), then one rounding (BigDecimal to 80 digits, then to double).
   *
   * @return null for no input (or one, for the sample variance, even a non-finite one), else NaN if
   *     any input is not finite
   */
  public static Double variance(List<Object> values, boolean sample) {
    List<BigDecimal> xs = new ArrayList<>();
    boolean nonFinite = false;
    for (Object v : values) {
      if (v == null) {
        continue;
      }
      if (v instanceof Double d && !Double.isFinite(d)) {
        nonFinite = true;
        xs.add(BigDecimal.ZERO);
        continue;
      }
      xs.add(v instanceof Long l ? new BigDecimal(l) : new BigDecimal((Double) v));
    }
    int n = xs.size();
    if (n == 0 || (sample && n == 1)) {
      return null; // undefined whatever the value, as Spark's var_samp of one row
    }
    if (nonFinite) {
      return Double.NaN;
    }
    BigDecimal s = BigDecimal.ZERO;
    for (BigDecimal x : xs) {
      s = s.add(x);
    }
    BigDecimal bn = BigDecimal.valueOf(n);
    BigDecimal squares = BigDecimal.ZERO;
    for (BigDecimal x : xs) {
      BigDecimal dev = bn.multiply(x).subtract(s);
      squares = squares.add(dev.multiply(dev));
    }
    BigInteger den = BigInteger.valueOf(n).pow(2).multiply(BigInteger.valueOf(sample ? n - 1 : n));
    if (squares.signum() == 0) {
      return 0.0;
    }
    return squares
        .divide(new BigDecimal(den), new MathContext(80, RoundingMode.HALF_EVEN))
        .doubleValue();
  }

  /** The k best non-null values, best first (duplicates kept). */
  public static List<Object> topK(List<Object> values, ValueType type, int k, boolean top) {
    List<Object> present = new ArrayList<>();
    for (Object v : values) {
      if (v != null) {
        present.add(v instanceof Double d && d.isNaN() ? Double.NaN : v);
      }
    }
    Comparator<Object> order = NaiveAggregator.order(type);
    present.sort(top ? order.reversed() : order);
    return new ArrayList<>(present.subList(0, Math.min(k, present.size())));
  }

  /** The values of the k earliest (latest) rows with a non-null value, in position order. */
  public static List<Object> firstLastK(List<Row> rows, int k, boolean last) {
    List<Row> present = new ArrayList<>();
    for (Row r : rows) {
      if (r.value() != null) {
        present.add(r);
      }
    }
    present.sort(Comparator.comparing(Row::position));
    List<Row> kept =
        last
            ? present.subList(Math.max(0, present.size() - k), present.size())
            : present.subList(0, Math.min(k, present.size()));
    List<Object> out = new ArrayList<>();
    for (Row r : kept) {
      out.add(r.value() instanceof Double d && d.isNaN() ? Double.NaN : r.value());
    }
    return out;
  }

  /** The distinct non-null values, by the min/max order's equality. */
  public static TreeSet<Object> distinct(List<Object> values, ValueType type) {
    TreeSet<Object> set = new TreeSet<>(NaiveAggregator.order(type));
    for (Object v : values) {
      if (v != null) {
        set.add(v);
      }
    }
    return set;
  }

  /** Exact occurrence counts of the non-null values. */
  public static Map<Object, Long> frequencies(List<Object> values, ValueType type) {
    Map<Object, Long> counts = new TreeMap<>(NaiveAggregator.order(type));
    for (Object v : values) {
      if (v != null) {
        counts.merge(v, 1L, Long::sum);
      }
    }
    return counts;
  }

  /** SQL BOOL_AND / BOOL_OR: null without a non-null input. */
  public static Boolean bool(List<Object> values, boolean and) {
    Boolean result = null;
    for (Object v : values) {
      if (v != null) {
        boolean b = (Boolean) v;
        result = result == null ? b : and ? result && b : result || b;
      }
    }
    return result;
  }
}
