package dev.slicestore.core.config;

import dev.slicestore.core.aggregate.ResultType;
import dev.slicestore.core.aggregate.ValueType;
import java.io.Serializable;

/**
 * A feature: an aggregation over one sliding window, named {@code <aggregation>_<window>}, e.g.
 * {@code amount_sum_7d}, or over the entity's current session ({@link SessionSpec}), named {@code
 * <aggregation>_session}.
 *
 * @param name the feature name
 * @param aggregationIndex index of its aggregation in {@link FeatureSet#aggregations()}
 * @param windowMillis the window length in milliseconds; for a session feature its lookback, the
 *     session's max-length: either way the feature reads the slices {@code sliceIndex(t) -
 *     windowMillis/s + 1 .. sliceIndex(t)}
 * @param result the shape and element type of its values (its function's {@link
 *     dev.slicestore.core.aggregate.AggregateFunction#result()})
 * @param sessionGapMillis the session gap in milliseconds for a session feature, 0 for a sliding
 *     window
 */
public record Feature(
    String name, int aggregationIndex, long windowMillis, ResultType result, long sessionGapMillis)
    implements Serializable {

  /** A sliding-window feature. */
  public Feature(String name, int aggregationIndex, long windowMillis, ResultType result) {
    this(name, aggregationIndex, windowMillis, result, 0L);
  }

  /** A sliding-window feature with scalar values of {@code resultType}. */
  public Feature(String name, int aggregationIndex, long windowMillis, ValueType resultType) {
    this(name, aggregationIndex, windowMillis, ResultType.scalar(resultType));
  }

  /**
   * @return whether this is a session feature ({@link #sessionGapMillis()} {@code > 0})
   */
  public boolean isSession() {
    return sessionGapMillis > 0;
  }

  /**
   * @return the type of its scalar values, or of the elements/items of list and item-count values
   *     (see {@link #result()} for the shape)
   */
  public ValueType resultType() {
    return result.element();
  }
}
