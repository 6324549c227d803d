package dev.slicestore.core.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The window rule written out naively, the one oracle of it for every test: an event at event time
 * {@code e} is in the window of length {@code W} evaluated at {@code t}, with slices of {@code s},
 * iff {@code floorDiv(e, s) > floorDiv(t, s) - W / s} and {@code e < t} (the current, partial slice
 * up to but excluding {@code t}, plus the {@code W / s - 1} whole slices before it). All times are
 * epoch milliseconds, all lengths milliseconds.
 *
 * <p>Deliberately independent of {@link dev.slicestore.core.time.Slicing}: no validation of the
 * window (it should be a positive whole multiple of {@code s}), plain floor division.
 *
 * <p>Stateless and thread-safe.
 */
public final class WindowOracle {
  private WindowOracle() {}

  /**
   * The window rule for one event.
   *
   * @param eventTimeMillis the event's event time {@code e}, epoch ms
   * @param evaluationTimeMillis the evaluation time {@code t}, epoch ms
   * @param windowMillis the window length {@code W}, ms
   * @param sliceMillis the slice size {@code s}, ms ({@code > 0})
   * @return whether the event is in the window
   * @throws ArithmeticException if {@code sliceMillis} is 0
   */
  public static boolean inWindow(
      long eventTimeMillis, long evaluationTimeMillis, long windowMillis, long sliceMillis) {
    return Math.floorDiv(eventTimeMillis, sliceMillis)
            > Math.floorDiv(evaluationTimeMillis, sliceMillis) - windowMillis / sliceMillis
        && eventTimeMillis < evaluationTimeMillis;
  }

  /**
   * Selects the events in a window.
   *
   * @param events events in any order (not modified)
   * @param eventTimeMillis an event's event time, epoch ms
   * @param evaluationTimeMillis {@code t}, epoch ms
   * @param windowMillis {@code W}, ms
   * @param sliceMillis {@code s}, ms ({@code > 0})
   * @return the events {@link #inWindow in the window}, in their order in {@code events} (a new,
   *     modifiable list)
   */
  public static <E> List<E> select(
      List<E> events,
      ToLongFunction<? super E> eventTimeMillis,
      long evaluationTimeMillis,
      long windowMillis,
      long sliceMillis) {
    List<E> in = new ArrayList<>();
    for (E e : events) {
      if (inWindow(
          eventTimeMillis.applyAsLong(e), evaluationTimeMillis, windowMillis, sliceMillis)) {
        in.add(e);
      }
    }
    return in;
  }
}
