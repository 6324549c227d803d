package dev.slicestore.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Small statistics helpers: medians over repeated runs. Stateless and thread-safe. */
public final class Stats {
  private Stats() {}

  /**
   * @return the median of {@code values} (mean of the two middle values for an even count)
   * @throws IllegalArgumentException if {@code values} is empty
   */
  public static double median(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("Cannot take the median: no values");
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /**
   * @return the median of {@code f} over {@code items}
   */
  public static <T> double median(List<T> items, ToDoubleFunction<T> f) {
    return median(items.stream().mapToDouble(f).toArray());
  }

  /**
   * @return the smallest and largest of {@code f} over {@code items}, as "min–max" with {@code
   *     format}
   */
  public static <T> String range(List<T> items, ToDoubleFunction<T> f, String format) {
    double min = items.stream().mapToDouble(f).min().orElse(Double.NaN);
    double max = items.stream().mapToDouble(f).max().orElse(Double.NaN);
    return String.format(format, min) + "–" + String.format(format, max);
  }
}
