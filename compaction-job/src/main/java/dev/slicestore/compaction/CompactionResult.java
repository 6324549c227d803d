package dev.slicestore.compaction;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one compaction run did. Immutable.
 *
 * @param featureSet the feature set's name
 * @param featureSetVersion its version
 * @param fromMillis start of the slice range, epoch ms (inclusive)
 * @param toMillis end of the slice range, epoch ms (exclusive)
 * @param ranges the Kafka offsets read, per partition ({@code [start, end)}); the covered ranges of
 *     every compacted entry written
 * @param recordsRead Kafka records read in those ranges
 * @param acceptedInRange accepted events whose event time lies in {@code [from, to)}: the events
 *     aggregated and the rows of the events table
 * @param acceptedOutsideRange accepted events read whose event time lies outside the range (left to
 *     the compaction of their own slices)
 * @param rejected records not accepted, by reject-reason code ({@code filtered}, {@code
 *     malformed_json}, ...); only reasons that occurred
 * @param entities distinct entity keys among the events aggregated
 * @param slices (entity, slice) aggregates: the rows of the slices table
 * @param redisHashesWritten slice hashes that received a compacted entry
 * @param redisSlicesSkippedExpired slices not written to Redis because their hash's expiry had
 *     passed (backfill: Iceberg only)
 * @param redisFieldsDeleted per-event fields deleted from Redis (inside a covered range)
 * @param redisBytesBefore {@code MEMORY USAGE} of the written hashes just before their script ran
 * @param redisBytesAfter {@code MEMORY USAGE} of the same hashes just after
 * @param eventsTable the events table, {@code catalog.namespace.<feature set>_events}
 * @param slicesTable the slices table, {@code catalog.namespace.<feature set>_slices}
 * @param eventsSnapshotId the Iceberg snapshot that replaced the range in the events table
 * @param slicesSnapshotId the Iceberg snapshot that replaced the range in the slices table
 * @param durationMillis wall-clock duration of the run, ms
 */
public record CompactionResult(
    String featureSet,
    int featureSetVersion,
    long fromMillis,
    long toMillis,
    List<PartitionRange> ranges,
    long recordsRead,
    long acceptedInRange,
    long acceptedOutsideRange,
    Map<String, Long> rejected,
    long entities,
    long slices,
    long redisHashesWritten,
    long redisSlicesSkippedExpired,
    long redisFieldsDeleted,
    long redisBytesBefore,
    long redisBytesAfter,
    String eventsTable,
    String slicesTable,
    long eventsSnapshotId,
    long slicesSnapshotId,
    long durationMillis) {

  /** Copies the collections. */
  public CompactionResult {
    ranges = List.copyOf(ranges);
    rejected = Map.copyOf(rejected);
  }

  /**
   * @return bytes of Redis memory the run freed in the hashes it wrote (negative if they grew)
   */
  public long redisBytesFreed() {
    return redisBytesBefore - redisBytesAfter;
  }

  /**
   * @return records not accepted, all reasons
   */
  public long rejectedTotal() {
    return rejected.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * @return Kafka records read per second of the whole run (0 for an instant run)
   */
  public double recordsPerSecond() {
    return durationMillis == 0 ? 0 : recordsRead * 1000.0 / durationMillis;
  }

  /**
   * @return a summary in plain words, several lines
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "Compacted feature set %s v%d, slices [%s, %s), in %.1f s:%n",
            featureSet,
            featureSetVersion,
            Instant.ofEpochMilli(fromMillis),
            Instant.ofEpochMilli(toMillis),
            durationMillis / 1000.0));
    sb.append(
        String.format(
            "  Kafka: %,d records read from %d partitions (%,.0f records/s)%n",
            recordsRead, ranges.size(), recordsPerSecond()));
    sb.append(
        String.format(
            "  events: %,d accepted in the range, %,d accepted but outside it, %,d rejected%s%n",
            acceptedInRange,
            acceptedOutsideRange,
            rejectedTotal(),
            rejected.isEmpty() ? "" : " " + rejected));
    sb.append(
        String.format(
            "  aggregated: %,d entities, %,d (entity, slice) aggregates%n", entities, slices));
    sb.append(
        String.format(
            "  Redis: %,d slice hashes written, %,d skipped (expired: backfill), %,d event fields deleted,"
                + " %,d bytes freed (%,d -> %,d)%n",
            redisHashesWritten,
            redisSlicesSkippedExpired,
            redisFieldsDeleted,
            redisBytesFreed(),
            redisBytesBefore,
            redisBytesAfter));
    sb.append(
        String.format(
            "  Iceberg: %s snapshot %d, %s snapshot %d",
            eventsTable, eventsSnapshotId, slicesTable, slicesSnapshotId));
    return sb.toString();
  }
}
