package dev.slicestore.core.config;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.KeyedValue;
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
 * @param windowsMillis the sliding-window lengths in milliseconds, ascending, each a multiple of
 *     the slice (empty for an aggregation with only a session feature)
 * @param valueColumn the second column a function reports ({@code params.value} of {@code
 *     argmin}/{@code argmax}), or null
 * @param valueSlot index of {@code valueColumn} in {@link FeatureSet#inputColumns()}, or -1
 * @param contextKey for a function that {@linkplain AggregateFunction#usesRequestContext uses
 *     request context} ({@code bloom_contains}), the name of the request-context value its features
 *     test: the aggregation's {@code context} setting, by default its input column's name; serving
 *     reads it from {@code GetFeaturesRequest} context, training from the spine column of that
 *     name. Null for every other function.
 * @param session its session window ({@code <name>_session}), or null for none
 */
public record Aggregation(
    String name,
    AggregateFunction<?> function,
    String inputColumn,
    ValueType inputType,
    int inputSlot,
    List<Long> windowsMillis,
    String valueColumn,
    int valueSlot,
    String contextKey,
    SessionSpec session)
    implements Serializable {

  /**
   * An aggregation that reads its input column only, over sliding windows only, without request
   * context.
   */
  public Aggregation(
      String name,
      AggregateFunction<?> function,
      String inputColumn,
      ValueType inputType,
      int inputSlot,
      List<Long> windowsMillis) {
    this(name, function, inputColumn, inputType, inputSlot, windowsMillis, null, -1, null, null);
  }

  /** An aggregation over sliding windows only. */
  public Aggregation(
      String name,
      AggregateFunction<?> function,
      String inputColumn,
      ValueType inputType,
      int inputSlot,
      List<Long> windowsMillis,
      String valueColumn,
      int valueSlot,
      String contextKey) {
    this(
        name,
        function,
        inputColumn,
        inputType,
        inputSlot,
        windowsMillis,
        valueColumn,
        valueSlot,
        contextKey,
        null);
  }

  /**
   * The value to pass to {@link AggregateFunction#add} for one event: the one place every path
   * (online read, compaction, training) turns an event's columns into a function's input.
   *
   * @param inputsBySlot the event's values of {@link FeatureSet#inputColumns()}, by slot
   * @return the input column's value (null for functions without input), or for functions with a
   *     value column a {@link KeyedValue} of both (null when the input is null)
   */
  public Object input(Object[] inputsBySlot) {
    Object key = inputSlot < 0 ? null : inputsBySlot[inputSlot];
    if (valueSlot < 0) {
      return key;
    }
    return key == null ? null : new KeyedValue(key, inputsBySlot[valueSlot]);
  }
}
