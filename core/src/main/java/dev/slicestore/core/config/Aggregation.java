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
 * @param windowsMillis the sliding-window lengths in milliseconds, ascending, each a multiple of the
 *     slice (empty for an aggregation with only a session feature)
 * @param session its session window ({@code <name>_session}), or null for none
 */
public record Aggregation(
    String name,
    AggregateFunction<?> function,
    String inputColumn,
    ValueType inputType,
    int inputSlot,
    List<Long> windowsMillis,
    SessionSpec session) implements Serializable {

  /** An aggregation over sliding windows only. */
  public Aggregation(String name, AggregateFunction<?> function, String inputColumn, ValueType inputType, int inputSlot,
      List<Long> windowsMillis) {
    this(name, function, inputColumn, inputType, inputSlot, windowsMillis, null);
  }
}
