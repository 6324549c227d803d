package dev.slicestore.core.config;

import dev.slicestore.core.time.Durations;
import java.io.Serializable;

/**
 * The session window of an aggregation ({@code session { gap = 30m, max-length = 1d }}), which
 * gives it the feature {@code <aggregation>_session}: at evaluation time {@code t} it covers the
 * entity's <em>current session</em>, the events with event time {@code < t} after the last gap of
 * at least {@code gapMillis} between consecutive events, and nothing at all when {@code t -
 * lastEvent >= gapMillis} (the session has ended). Only the events of the last {@code
 * maxLengthMillis / s} slices are looked at (the window rule of a window of length {@code
 * maxLengthMillis}): a session that began earlier is cut to that lookback. See {@link
 * dev.slicestore.core.time.Sessions}.
 *
 * <p>Validated by {@link FeatureSetLoader}: both are whole multiples of the slice size and {@code
 * maxLengthMillis > gapMillis}. Immutable.
 *
 * @param gapMillis the inactivity gap that ends a session, ms, {@code >= s}
 * @param maxLengthMillis the lookback, ms: the longest stretch of event time a session feature
 *     covers (a multiple of the slice, {@code > gapMillis}); it counts as a window for expiry,
 *     too-late events, serving reads and training coverage
 */
public record SessionSpec(long gapMillis, long maxLengthMillis) implements Serializable {
  @Override
  public String toString() {
    return "session(gap "
        + Durations.format(gapMillis)
        + ", max-length "
        + Durations.format(maxLengthMillis)
        + ")";
  }
}
