package dev.slicestore.core.config;

import dev.slicestore.core.aggregate.ValueType;
import java.io.Serializable;

/**
 * A feature: an aggregation over one window, named {@code <aggregation>_<window>}, e.g.
 * {@code amount_sum_7d}.
 *
 * @param name the feature name
 * @param aggregationIndex index of its aggregation in {@link FeatureSet#aggregations()}
 * @param windowMillis the window length in milliseconds
 * @param resultType the type of its values
 */
public record Feature(String name, int aggregationIndex, long windowMillis, ValueType resultType)
    implements Serializable {}
