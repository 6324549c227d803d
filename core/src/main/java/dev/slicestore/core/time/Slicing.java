package dev.slicestore.core.time;

/**
 * Slice and window arithmetic, the single definition every path (online-ingest, compaction,
 * serving, training) uses.
 *
 * <h2>Slices</h2>
 *
 * Event time is cut into fixed, non-overlapping, half-open intervals of {@code sliceMillis}
 * milliseconds, aligned to the Unix epoch in UTC: slice {@code i} is {@code [i * sliceMillis, (i +
 * 1) * sliceMillis)} and an event at {@code eventTimeMillis} belongs to slice {@code
 * floorDiv(eventTimeMillis, sliceMillis)} (its <em>slice index</em>). Floor division makes this
 * hold for negative (pre-1970) times too: {@code -1 ms} is in slice {@code -1}, not {@code 0}. This
 * is the same alignment as Kafka Streams' {@code TimeWindows}.
 *
 * <h2>The window rule</h2>
 *
 * A window of length {@code W} (a whole multiple of the slice size) evaluated at time {@code t}
 * covers the events {@code e} with {@code sliceIndex(e) > sliceIndex(t) - W / sliceMillis} and
 * {@code e.eventTime < t}: the current, partial slice (the one containing {@code t}) plus the
 * {@code W / sliceMillis - 1} whole slices before it, excluding events at or after {@code t}.
 * Serving evaluates it at the server clock, training at each spine timestamp; both call {@link
 * #inWindow}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Slicing {
  private final long sliceMillis;

  /**
   * @param sliceMillis the slice size in milliseconds
   * @throws IllegalArgumentException if {@code sliceMillis <= 0}
   */
  public Slicing(long sliceMillis) {
    if (sliceMillis <= 0) {
      throw new IllegalArgumentException(
          "Invalid slice size: " + sliceMillis + " ms (must be > 0)");
    }
    this.sliceMillis = sliceMillis;
  }

  /**
   * @return the slice size in milliseconds
   */
  public long sliceMillis() {
    return sliceMillis;
  }

  /**
   * @return the index of the slice containing {@code timeMillis} (floor division, UTC epoch)
   */
  public long sliceIndex(long timeMillis) {
    return Math.floorDiv(timeMillis, sliceMillis);
  }

  /**
   * @return the first millisecond of slice {@code sliceIndex} (inclusive)
   */
  public long sliceStartMillis(long sliceIndex) {
    return Math.multiplyExact(sliceIndex, sliceMillis);
  }

  /**
   * @return the end of slice {@code sliceIndex} in milliseconds (exclusive)
   */
  public long sliceEndMillis(long sliceIndex) {
    return Math.multiplyExact(sliceIndex + 1, sliceMillis);
  }

  /**
   * The number of slices a window spans.
   *
   * @param windowMillis window length in milliseconds
   * @return {@code windowMillis / sliceMillis}
   * @throws IllegalArgumentException if the window is not a positive whole multiple of the slice
   */
  public int slicesPerWindow(long windowMillis) {
    if (windowMillis <= 0 || windowMillis % sliceMillis != 0) {
      throw new IllegalArgumentException(
          "Invalid window: "
              + windowMillis
              + " ms (must be a positive multiple of the slice size "
              + sliceMillis
              + " ms)");
    }
    long n = windowMillis / sliceMillis;
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "Invalid window: " + windowMillis + " ms spans too many slices");
    }
    return (int) n;
  }

  /**
   * The oldest slice index a window evaluated at {@code evaluationTimeMillis} covers.
   *
   * @return {@code sliceIndex(t) - W / sliceMillis + 1}
   */
  public long oldestSliceIndex(long evaluationTimeMillis, long windowMillis) {
    return sliceIndex(evaluationTimeMillis) - slicesPerWindow(windowMillis) + 1;
  }

  /**
   * The window rule for one event.
   *
   * @param eventTimeMillis the event's event time
   * @param evaluationTimeMillis the evaluation time {@code t}
   * @param windowMillis the window length {@code W}
   * @return true iff {@code sliceIndex(e) > sliceIndex(t) - W/s} and {@code e < t}
   */
  public boolean inWindow(long eventTimeMillis, long evaluationTimeMillis, long windowMillis) {
    return eventTimeMillis < evaluationTimeMillis
        && sliceIndex(eventTimeMillis)
            > sliceIndex(evaluationTimeMillis) - slicesPerWindow(windowMillis);
  }

  @Override
  public String toString() {
    return "Slicing[" + Durations.format(sliceMillis) + "]";
  }
}
