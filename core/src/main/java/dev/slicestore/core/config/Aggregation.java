package dev.slicestore.core.config;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.ValueType;
import java.io.Serializable;
import java.util.List;

/**
 * One aggregation of a feature set: a function over an input column, evaluated over windows. Each
 * (aggregation, window) pair is a {@link Feature} named {@code <name>_<window>}.
 *
 * @param name the aggregation's name, unique in its feature set, e.g. {@code amount_sum}
 * @param function the function (immutable, thread-safe)
 * @param inputColumn the input column, or null for functions without input ({@code count})
 * @param inputType the input column's type, or null when {@code inputColumn} is null
 * @param inputSlot index of the input column in {@link FeatureSet#inputColumns()}, or -1
 * @param windowsMillis the window lengths in milliseconds, ascending, each a multiple of the slice
 * @param contextKey for a function that {@linkplain AggregateFunction#usesRequestContext uses
 *     request context} ({@code bloom_contains}), the name of the request-context value its
 *     features test: the aggregation's {@code context} setting, by default its input column's
 *     name; serving reads it from {@code GetFeaturesRequest} context, training from the spine
 *     column of that name. Null for every other function.
 */
public record Aggregation(
    String name,
    AggregateFunction<?> function,
    String inputColumn,
    ValueType inputType,
    int inputSlot,
    List<Long> windowsMillis,
    String contextKey) implements Serializable {

  /** An aggregation without request context. */
  public Aggregation(String name, AggregateFunction<?> function, String inputColumn, ValueType inputType, int inputSlot,
      List<Long> windowsMillis) {
    this(name, function, inputColumn, inputType, inputSlot, windowsMillis, null);
  }
}
