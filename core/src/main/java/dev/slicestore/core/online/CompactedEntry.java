package dev.slicestore.core.online;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.time.Sessions;
import java.util.ArrayList;
import java.util.List;

/**
 * A slice aggregate written by compaction: the merged accumulators of every event of one (entity,
 * slice) that compaction read, with their earliest and latest event times and the Kafka offset
 * ranges it read.
 *
 * <h2>Binary form (the value of field {@value OnlineLayout#COMPACTED_FIELD})</h2>
 *
 * Version 2 (written since session windows; the earliest event time finds session gaps, {@link
 * dev.slicestore.core.time.Sessions}):
 *
 * <pre>
 *  byte 0     format version (2)
 *  varint     number of events aggregated
 *  varint     latest event time - slice start, ms (0 when there are no events)
 *  varint     earliest event time - slice start, ms (0 when there are no events)
 *  varint     R, number of covered ranges
 *  R times    varint topic index, varint partition, varint first offset, varint (end - first)
 *  varint     A, number of accumulators (= the feature set's aggregations)
 *  A times    varint length, accumulator bytes (AggregateFunction.encode: version byte, payload)
 * </pre>
 *
 * Version 1 is the same without the earliest event time. It is still read: its earliest event time
 * is {@link Sessions#UNKNOWN} unless the entry holds at most one event (then it equals the latest).
 * {@link #encode} writes version 1 exactly when the earliest time is unknown (an entry decoded from
 * version 1), so decoding and re-encoding never invents a time.
 *
 * @param eventCount number of events aggregated
 * @param minEventTimeMillis the earliest event time aggregated (epoch ms), the slice start if none,
 *     or {@link Sessions#UNKNOWN} (version 1 entries of several events)
 * @param maxEventTimeMillis the latest event time aggregated (epoch ms), or the slice start if none
 * @param coveredRanges the offset ranges read, per (topic, partition)
 * @param accumulators one accumulator per aggregation of the feature set, in order
 */
public record CompactedEntry(
    long eventCount,
    long minEventTimeMillis,
    long maxEventTimeMillis,
    List<CoveredRange> coveredRanges,
    List<Object> accumulators) {
  private static final int FORMAT_VERSION_1 = 1;
  private static final int FORMAT_VERSION = 2;

  /**
   * An entry that does not know its earliest event time (as version 1 stored it): unknown unless
   * {@code eventCount <= 1}.
   */
  public CompactedEntry(
      long eventCount,
      long maxEventTimeMillis,
      List<CoveredRange> coveredRanges,
      List<Object> accumulators) {
    this(
        eventCount,
        eventCount <= 1 ? maxEventTimeMillis : Sessions.UNKNOWN,
        maxEventTimeMillis,
        coveredRanges,
        accumulators);
  }

  /**
   * @return whether the earliest event time is known
   */
  public boolean hasMinEventTime() {
    return minEventTimeMillis != Sessions.UNKNOWN;
  }

  /**
   * @return true iff some covered range covers the event at these coordinates
   */
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
    boolean v1 = !hasMinEventTime();
    out.writeByte(v1 ? FORMAT_VERSION_1 : FORMAT_VERSION)
        .writeVarLong(eventCount)
        .writeVarLong(Math.max(0, maxEventTimeMillis - sliceStartMillis));
    if (!v1) {
      out.writeVarLong(Math.max(0, minEventTimeMillis - sliceStartMillis));
    }
    out.writeVarLong(coveredRanges.size());
    for (CoveredRange r : coveredRanges) {
      out.writeVarLong(r.topicIndex())
          .writeVarLong(r.partition())
          .writeVarLong(r.firstOffset())
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
   * Decodes version 2 or version 1 bytes.
   *
   * @throws CorruptDataException on an unknown version, an earliest time after the latest, a
   *     mismatched number of accumulators, truncation or trailing bytes
   */
  public static CompactedEntry decode(byte[] bytes, FeatureSet featureSet, long sliceStartMillis) {
    ByteReader in = new ByteReader(bytes);
    int version = in.readByte();
    if (version != FORMAT_VERSION && version != FORMAT_VERSION_1) {
      throw new CorruptDataException(
          "Corrupt compacted entry: format version " + version + " not recognized");
    }
    long count = in.readVarLong();
    long maxTime = sliceStartMillis + in.readVarLong();
    long minTime;
    if (version == FORMAT_VERSION_1) {
      minTime = count <= 1 ? maxTime : Sessions.UNKNOWN;
    } else {
      minTime = sliceStartMillis + in.readVarLong();
      if (minTime > maxTime) {
        throw new CorruptDataException(
            "Corrupt compacted entry: earliest event time "
                + minTime
                + " after the latest "
                + maxTime);
      }
    }
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
      throw new CorruptDataException(
          "Corrupt compacted entry: "
              + a
              + " accumulators, but feature set "
              + featureSet.name()
              + " v"
              + featureSet.version()
              + " has "
              + aggs.size()
              + " aggregations");
    }
    List<Object> accs = new ArrayList<>(a);
    for (int i = 0; i < a; i++) {
      byte[] accBytes = in.readBytes();
      ByteReader accIn = new ByteReader(accBytes);
      accs.add(aggs.get(i).function().decode(accIn));
      accIn.expectEnd("accumulator of " + aggs.get(i).name());
    }
    in.expectEnd("compacted entry");
    return new CompactedEntry(count, minTime, maxTime, List.copyOf(ranges), accs);
  }
}
