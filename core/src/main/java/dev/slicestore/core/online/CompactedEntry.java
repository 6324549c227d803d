package dev.slicestore.core.online;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.FeatureSet;
import java.util.ArrayList;
import java.util.List;

/**
 * A slice aggregate written by compaction: the merged accumulators of every event of one
 * (entity, slice) that compaction read, with the Kafka offset ranges it read.
 *
 * <h2>Binary form (the value of field {@value OnlineLayout#COMPACTED_FIELD})</h2>
 * <pre>
 *  byte 0     format version (1)
 *  varint     number of events aggregated
 *  varint     latest event time - slice start, ms (0 when there are no events)
 *  varint     R, number of covered ranges
 *  R times    varint topic index, varint partition, varint first offset, varint (end - first)
 *  varint     A, number of accumulators (= the feature set's aggregations)
 *  A times    varint length, accumulator bytes (AggregateFunction.encode: version byte, payload)
 * </pre>
 *
 * @param eventCount number of events aggregated
 * @param maxEventTimeMillis the latest event time aggregated (epoch ms), or the slice start if none
 * @param coveredRanges the offset ranges read, per (topic, partition)
 * @param accumulators one accumulator per aggregation of the feature set, in order
 */
public record CompactedEntry(long eventCount, long maxEventTimeMillis, List<CoveredRange> coveredRanges,
    List<Object> accumulators) {
  private static final int FORMAT_VERSION = 1;

  /** @return true iff some covered range covers the event at these coordinates */
  public boolean covers(int topicIndex, int partition, long offset) {
    for (CoveredRange r : coveredRanges) {
      if (r.covers(topicIndex, partition, offset)) {
        return true;
      }
    }
    return false;
  }

  /** Encodes this entry for a slice of {@code featureSet} starting at {@code sliceStartMillis}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public byte[] encode(FeatureSet featureSet, long sliceStartMillis) {
    ByteWriter out = new ByteWriter(64);
    out.writeByte(FORMAT_VERSION).writeVarLong(eventCount).writeVarLong(Math.max(0, maxEventTimeMillis - sliceStartMillis));
    out.writeVarLong(coveredRanges.size());
    for (CoveredRange r : coveredRanges) {
      out.writeVarLong(r.topicIndex()).writeVarLong(r.partition()).writeVarLong(r.firstOffset())
          .writeVarLong(r.endOffset() - r.firstOffset());
    }
    List<Aggregation> aggs = featureSet.aggregations();
    out.writeVarLong(aggs.size());
    for (int i = 0; i < aggs.size(); i++) {
      ByteWriter acc = new ByteWriter(16);
      ((AggregateFunction) aggs.get(i).function()).encode(accumulators.get(i), acc);
      out.writeBytes(acc.toByteArray());
    }
    return out.toByteArray();
  }

  /**
   * @throws CorruptDataException on an unknown version, a mismatched number of accumulators,
   *     truncation or trailing bytes
   */
  public static CompactedEntry decode(byte[] bytes, FeatureSet featureSet, long sliceStartMillis) {
    ByteReader in = new ByteReader(bytes);
    int version = in.readByte();
    if (version != FORMAT_VERSION) {
      throw new CorruptDataException("Corrupt compacted entry: format version " + version + " not recognized");
    }
    long count = in.readVarLong();
    long maxTime = sliceStartMillis + in.readVarLong();
    int r = in.readVarInt();
    List<CoveredRange> ranges = new ArrayList<>(r);
    for (int i = 0; i < r; i++) {
      int topic = in.readVarInt();
      int partition = in.readVarInt();
      long first = in.readVarLong();
      long len = in.readVarLong();
      try {
        ranges.add(new CoveredRange(topic, partition, first, first + len));
      } catch (IllegalArgumentException e) {
        throw new CorruptDataException("Corrupt compacted entry: " + e.getMessage());
      }
    }
    List<Aggregation> aggs = featureSet.aggregations();
    int a = in.readVarInt();
    if (a != aggs.size()) {
      throw new CorruptDataException("Corrupt compacted entry: " + a + " accumulators, but feature set "
          + featureSet.name() + " v" + featureSet.version() + " has " + aggs.size() + " aggregations");
    }
    List<Object> accs = new ArrayList<>(a);
    for (int i = 0; i < a; i++) {
      byte[] accBytes = in.readBytes();
      ByteReader accIn = new ByteReader(accBytes);
      accs.add(aggs.get(i).function().decode(accIn));
      accIn.expectEnd("accumulator of " + aggs.get(i).name());
    }
    in.expectEnd("compacted entry");
    return new CompactedEntry(count, maxTime, List.copyOf(ranges), accs);
  }
}
