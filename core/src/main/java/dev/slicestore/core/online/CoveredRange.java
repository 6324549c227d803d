package dev.slicestore.core.online;

/**
 * The Kafka offsets a compacted entry covers in one partition: {@code [firstOffset, endOffset)}.
 * Event fields of this partition with an offset inside the range are already in the compacted
 * aggregate; fields outside it (late arrivals, or odd events below the range) are merged on top.
 *
 * @param topicIndex index of the topic in the feature set's topic list
 * @param partition Kafka partition
 * @param firstOffset first offset read (inclusive)
 * @param endOffset end of the range (exclusive), {@code >= firstOffset}
 */
public record CoveredRange(int topicIndex, int partition, long firstOffset, long endOffset) {
  /**
   * @throws IllegalArgumentException if the range is negative or inverted
   */
  public CoveredRange {
    if (topicIndex < 0 || partition < 0 || firstOffset < 0 || endOffset < firstOffset) {
      throw new IllegalArgumentException(
          "Invalid covered range: topic "
              + topicIndex
              + " partition "
              + partition
              + " ["
              + firstOffset
              + ", "
              + endOffset
              + ")");
    }
  }

  /**
   * @return true iff this range covers the event at these coordinates
   */
  public boolean covers(int topic, int part, long offset) {
    return topic == topicIndex && part == partition && offset >= firstOffset && offset < endOffset;
  }
}
