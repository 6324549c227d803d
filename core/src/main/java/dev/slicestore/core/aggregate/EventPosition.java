package dev.slicestore.core.aggregate;

import java.util.Comparator;

/**
 * Where an event sits in time and in Kafka: event time, then the source topic's index in the
 * feature set, partition and offset. The natural order (event time, topic index, partition, offset)
 * is the deterministic tie-break for order-dependent functions (last-k, argmax), so that every
 * merge order gives the same result.
 *
 * @param eventTimeMillis event time, epoch milliseconds UTC
 * @param topicIndex index of the source topic in the feature set's topic list (0 for one topic)
 * @param partition Kafka partition
 * @param offset Kafka offset
 */
public record EventPosition(long eventTimeMillis, int topicIndex, int partition, long offset)
    implements Comparable<EventPosition> {

  private static final Comparator<EventPosition> ORDER =
      Comparator.comparingLong(EventPosition::eventTimeMillis)
          .thenComparingInt(EventPosition::topicIndex)
          .thenComparingInt(EventPosition::partition)
          .thenComparingLong(EventPosition::offset);

  @Override
  public int compareTo(EventPosition other) {
    return ORDER.compare(this, other);
  }
}
