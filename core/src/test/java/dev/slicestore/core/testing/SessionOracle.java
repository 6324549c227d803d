package dev.slicestore.core.testing;

import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The session rule computed naively from raw events, independent of slices' first/last times: the
 * events of the window of length {@code maxLength} at {@code t} ({@link WindowOracle}), sorted by
 * time; empty if none or if {@code t - last >= gap}; else the longest suffix without two
 * consecutive events {@code gap} or more apart.
 */
public final class SessionOracle {
  private SessionOracle() {}

  /**
   * @param events one entity's events (any order)
   * @return the events of the entity's current session at {@code t}, oldest first
   */
  public static <E> List<E> session(
      List<E> events,
      ToLongFunction<E> time,
      long t,
      long sliceMillis,
      long gapMillis,
      long maxLengthMillis) {
    List<E> in = WindowOracle.select(events, time, t, maxLengthMillis, sliceMillis);
    in.sort(Comparator.comparingLong(time));
    if (in.isEmpty() || t - time.applyAsLong(in.get(in.size() - 1)) >= gapMillis) {
      return List.of();
    }
    int start = in.size() - 1;
    while (start > 0
        && time.applyAsLong(in.get(start)) - time.applyAsLong(in.get(start - 1)) < gapMillis) {
      start--;
    }
    return in.subList(start, in.size());
  }
}
