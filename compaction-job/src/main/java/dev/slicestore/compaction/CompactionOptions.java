package dev.slicestore.compaction;

import dev.slicestore.spark.OfflineLayout;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one compaction run beyond the deployment configuration and the feature set. Immutable
 * and thread-safe; start from {@link #defaults()} and replace what differs.
 *
 * @param maxClockSkewMillis how far before {@code from} a record's Kafka timestamp may lie while
 *     its event time is in the range, ms ({@code >= 0}); each partition is read from the first
 *     offset whose record timestamp is at or after {@code from - maxClockSkew}
 * @param catalog the Spark catalog of the offline store; when Spark has no {@code
 *     spark.sql.catalog.<catalog>} setting, a local Iceberg Hadoop catalog under {@code
 *     <state-dir>/warehouse} is configured with that name
 * @param namespace the Iceberg namespace of the feature set's tables
 * @param redisFlushSlices compacted entries per Redis pipeline flush ({@code >= 1})
 * @param clock the clock that decides which slices are closed and which slice hashes have expired
 */
public record CompactionOptions(
    long maxClockSkewMillis, String catalog, String namespace, int redisFlushSlices, Clock clock) {
  /** Default {@link #maxClockSkewMillis}: one hour. */
  public static final long DEFAULT_MAX_CLOCK_SKEW_MILLIS = Duration.ofHours(1).toMillis();

  /** Default {@link #redisFlushSlices}. */
  public static final int DEFAULT_REDIS_FLUSH_SLICES = 500;

  /**
   * @throws IllegalArgumentException if a value is out of range or a name is blank or not a plain
   *     identifier (letters, digits, underscores)
   * @throws NullPointerException if a name or the clock is null
   */
  public CompactionOptions {
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(clock, "clock");
    if (maxClockSkewMillis < 0) {
      throw new IllegalArgumentException(
          "Invalid max clock skew: " + maxClockSkewMillis + " ms (must be >= 0)");
    }
    if (redisFlushSlices < 1) {
      throw new IllegalArgumentException(
          "Invalid Redis flush size: " + redisFlushSlices + " slices (must be >= 1)");
    }
    checkIdentifier("catalog", catalog);
    checkIdentifier("namespace", namespace);
  }

  private static void checkIdentifier(String what, String name) {
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException(
          "Invalid "
              + what
              + " name: '"
              + name
              + "' (must be letters, digits and underscores, not starting with a digit)");
    }
  }

  /**
   * @return one hour of clock skew, catalog and namespace {@code slicestore}, 500 slices per flush,
   *     the UTC system clock
   */
  public static CompactionOptions defaults() {
    return new CompactionOptions(
        DEFAULT_MAX_CLOCK_SKEW_MILLIS,
        OfflineLayout.DEFAULT_CATALOG,
        OfflineLayout.DEFAULT_NAMESPACE,
        DEFAULT_REDIS_FLUSH_SLICES,
        Clock.systemUTC());
  }

  /**
   * @return a copy with another maximum clock skew, ms
   */
  public CompactionOptions withMaxClockSkewMillis(long millis) {
    return new CompactionOptions(millis, catalog, namespace, redisFlushSlices, clock);
  }

  /**
   * @return a copy with another Spark catalog name
   */
  public CompactionOptions withCatalog(String name) {
    return new CompactionOptions(maxClockSkewMillis, name, namespace, redisFlushSlices, clock);
  }

  /**
   * @return a copy with another Iceberg namespace
   */
  public CompactionOptions withNamespace(String name) {
    return new CompactionOptions(maxClockSkewMillis, catalog, name, redisFlushSlices, clock);
  }

  /**
   * @return a copy with another pipeline flush size, in compacted entries
   */
  public CompactionOptions withRedisFlushSlices(int slices) {
    return new CompactionOptions(maxClockSkewMillis, catalog, namespace, slices, clock);
  }

  /**
   * @return a copy with another clock
   */
  public CompactionOptions withClock(Clock c) {
    return new CompactionOptions(maxClockSkewMillis, catalog, namespace, redisFlushSlices, c);
  }
}
