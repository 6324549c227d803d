package dev.slicestore.core.time;

/**
 * The session rule, shared by serving ({@link dev.slicestore.core.online.WindowEvaluator}) and
 * training ({@link dev.slicestore.core.offline.PointInTimeEvaluator}), so both decide every session
 * boundary the same way.
 *
 * <h2>The rule</h2>
 *
 * A session feature with gap {@code G} and max-length {@code M} ({@link
 * dev.slicestore.core.config.SessionSpec}), evaluated at {@code t}, looks at the entity's events
 * {@code e} with {@code sliceIndex(e) > sliceIndex(t) - M/s} and {@code e < t} (the window rule of
 * a window of length {@code M}), sorted by event time. If there are none, or {@code t - last >= G}
 * (the session has ended), it is the function's empty value; otherwise it covers the longest suffix
 * of them in which no two consecutive events are {@code G} or more apart. Events at equal times are
 * never apart.
 *
 * <h2>Why per-slice first and last event times suffice</h2>
 *
 * {@code G} is a multiple of the slice size {@code s}, so two events of one slice are less than
 * {@code s <= G} apart: a gap of at least {@code G} only ever lies between the last event of a
 * non-empty slice and the first event of the next non-empty slice (empty slices in between do not
 * matter), or between the last event and {@code t}. A pass over the slices therefore needs only
 * each slice's earliest and latest event time ({@link #boundary}, {@link #ended}).
 *
 * <h2>Unknown earliest times</h2>
 *
 * Compacted entries written before format version 2 (and slices-table rows written before the
 * {@code min_event_time} column existed) know only their latest event time. Their earliest one is
 * {@link #UNKNOWN}; it lies between the slice start and an upper bound (the latest event time, or
 * the earliest of the slice's other events). {@link #boundary} decides from those bounds when they
 * suffice, and answers {@link Boundary#UNKNOWN} otherwise: the evaluators then give the feature
 * status ERROR with a message asking to re-run compaction for that range (which rewrites the slice
 * with both times), never a guessed value.
 *
 * <p>Stateless and thread-safe.
 */
public final class Sessions {
  /** Marks an unknown earliest event time. */
  public static final long UNKNOWN = Long.MIN_VALUE;

  /** How two consecutive non-empty slices relate. */
  public enum Boundary {
    /** Less than the gap apart: one session continues across them. */
    JOINED,
    /** At least the gap apart: the newer slice starts a session. */
    GAP,
    /**
     * Cannot be told: the newer slice's earliest event time is unknown and the bounds straddle the
     * gap.
     */
    UNKNOWN
  }

  private Sessions() {}

  /**
   * @return whether the session whose latest event is at {@code lastEventMillis} has ended by
   *     {@code t}
   */
  public static boolean ended(long evaluationTimeMillis, long lastEventMillis, long gapMillis) {
    return evaluationTimeMillis - lastEventMillis >= gapMillis;
  }

  /**
   * The boundary between an older non-empty slice and the next newer non-empty one.
   *
   * @param olderLatestMillis the older slice's latest event time
   * @param newerEarliestMillis the newer slice's earliest event time, or {@link #UNKNOWN}
   * @param newerSliceStartMillis the newer slice's start (a lower bound of its earliest event)
   * @param newerEarliestUpperBoundMillis an upper bound of the newer slice's earliest event (its
   *     latest event time will do); used only when the earliest is unknown
   * @param gapMillis the session gap
   */
  public static Boundary boundary(
      long olderLatestMillis,
      long newerEarliestMillis,
      long newerSliceStartMillis,
      long newerEarliestUpperBoundMillis,
      long gapMillis) {
    if (newerEarliestMillis != UNKNOWN) {
      return newerEarliestMillis - olderLatestMillis >= gapMillis ? Boundary.GAP : Boundary.JOINED;
    }
    if (newerSliceStartMillis - olderLatestMillis >= gapMillis) {
      return Boundary.GAP;
    }
    if (newerEarliestUpperBoundMillis - olderLatestMillis < gapMillis) {
      return Boundary.JOINED;
    }
    return Boundary.UNKNOWN;
  }

  /**
   * @return the message of a session feature that hit {@link Boundary#UNKNOWN}
   */
  public static String unknownBoundaryMessage(
      String feature, long sliceIndex, long sliceStartMillis) {
    return "session feature "
        + feature
        + ": slice "
        + sliceIndex
        + " (starting "
        + java.time.Instant.ofEpochMilli(sliceStartMillis)
        + ") was compacted by an older version that did not record its first event time, and the session boundary"
        + " depends on it: re-run compaction for that range";
  }
}
