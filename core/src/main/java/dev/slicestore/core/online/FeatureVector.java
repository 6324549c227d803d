package dev.slicestore.core.online;

import java.util.Arrays;

/**
 * The features of one entity at one evaluation time, in the order of the evaluator's requested
 * features.
 *
 * @param values one value per feature ({@code Long}, {@code Double}, {@code String}, {@code
 *     Boolean}, or null)
 * @param statuses one status per feature
 * @param error a message when some status is {@link FeatureStatus#ERROR}, else null
 */
public record FeatureVector(Object[] values, FeatureStatus[] statuses, String error) {
  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureVector v
        && Arrays.equals(v.values, values)
        && Arrays.equals(v.statuses, statuses);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values) * 31 + Arrays.hashCode(statuses);
  }

  @Override
  public String toString() {
    return "FeatureVector" + Arrays.toString(values);
  }
}
