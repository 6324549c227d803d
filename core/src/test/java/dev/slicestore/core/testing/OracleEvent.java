package dev.slicestore.core.testing;

import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.config.Aggregation;

/**
 * An event of the randomized oracle tests: its event time, its Kafka position and its input values
 * by slot (the order of the feature set's input columns).
 */
public interface OracleEvent {

  /**
   * @return the event time, epoch ms
   */
  long time();

  /**
   * @return the event's position (time and Kafka coordinates)
   */
  EventPosition position();

  /**
   * @return the input values by slot
   */
  Object[] inputs();

  /**
   * @return the value the event gives {@code agg}: its input column's, or null where the
   *     aggregation has no input (a count of rows)
   */
  default Object input(Aggregation agg) {
    return agg.inputSlot() < 0 ? null : inputs()[agg.inputSlot()];
  }
}
