package dev.slicestore.compaction;

import java.io.Serializable;

/**
 * The Kafka offsets one compaction run reads from one partition: {@code [startOffset, endOffset)}.
 * The start is the first offset whose record timestamp is at or after {@code from - max clock skew}
 * ({@code offsetsForTimes}); the end is the partition's end offset when the run started. Every
 * compacted entry that holds an event of this partition records exactly this range as covered
 * (docs/design.md, "Exactly-once without state").
 *
 * @param topic the Kafka topic
 * @param topicIndex the topic's index in the feature set's topic list
 * @param partition the Kafka partition
 * @param startOffset first offset read (inclusive)
 * @param endOffset end of the range (exclusive), {@code >= startOffset}
 */
public record PartitionRange(
    String topic, int topicIndex, int partition, long startOffset, long endOffset)
    implements Serializable {

  /**
   * @throws IllegalArgumentException if an offset is negative or the range is inverted
   */
  public PartitionRange {
    if (topicIndex < 0 || partition < 0 || startOffset < 0 || endOffset < startOffset) {
      throw new IllegalArgumentException(
          "Invalid partition range: "
              + topic
              + " (topic index "
              + topicIndex
              + ") partition "
              + partition
              + " ["
              + startOffset
              + ", "
              + endOffset
              + ")");
    }
  }

  /**
   * @return the number of offsets in the range (records, plus any transaction markers)
   */
  public long offsetCount() {
    return endOffset - startOffset;
  }

  /**
   * @return true iff {@code offset} lies in {@code [startOffset, endOffset)}
   */
  public boolean contains(long offset) {
    return offset >= startOffset && offset < endOffset;
  }

  @Override
  public String toString() {
    return topic + "/" + partition + " [" + startOffset + ", " + endOffset + ")";
  }
}
