package dev.slicestore.core.config;

import dev.slicestore.core.aggregate.ResultType;
import dev.slicestore.core.aggregate.ValueType;
import java.io.Serializable;

/**
 * A feature: an aggregation over one window, named {@code <aggregation>_<window>}, e.g.
 * {@code amount_sum_7d}.
 *
 * @param name the feature name
 * @param aggregationIndex index of its aggregation in {@link FeatureSet#aggregations()}
 * @param windowMillis the window length in milliseconds
 * @param result the shape and element type of its values (its function's
 *     {@link dev.slicestore.core.aggregate.AggregateFunction#result()})
 */
public record Feature(String name, int aggregationIndex, long windowMillis, ResultType result)
    implements Serializable {

  /** A feature with scalar values of {@code resultType}. */
  public Feature(String name, int aggregationIndex, long windowMillis, ValueType resultType) {
    this(name, aggregationIndex, windowMillis, ResultType.scalar(resultType));
  }

  /**
   * @return the type of its scalar values, or of the elements/items of list and item-count
   *     values (see {@link #result()} for the shape)
   */
  public ValueType resultType() {
    return result.element();
  }
}
