package dev.slicestore.spark;

/**
 * Names of the metadata columns {@link EventPipeline} adds next to the feature set's payload and
 * transform columns. The {@value #PREFIX} prefix is reserved: feature-set columns cannot use it.
 */
public final class EventColumns {
  /** Prefix of every metadata column. */
  public static final String PREFIX = "__ss_";

  /** The record's topic, as its index in the feature set's topic list (int). */
  public static final String TOPIC_INDEX = PREFIX + "topic_index";

  /** The record's Kafka partition (int). */
  public static final String PARTITION = PREFIX + "partition";

  /** The record's Kafka offset (bigint). */
  public static final String OFFSET = PREFIX + "offset";

  /** The record's Kafka timestamp, epoch ms (bigint; -1 if none). */
  public static final String TIMESTAMP_MS = PREFIX + "timestamp_ms";

  /** The record's key bytes (binary, nullable). */
  public static final String KEY = PREFIX + "key";

  /** The record's value bytes (binary, nullable). */
  public static final String VALUE = PREFIX + "value";

  /** The reject reason code of a record that failed to parse, else null. */
  public static final String REJECT_REASON = PREFIX + "reject_reason";

  /** What is wrong with a record that failed to parse, else null. */
  public static final String REJECT_MESSAGE = PREFIX + "reject_message";

  /** The feature set's filter (boolean; a null filter result is false). */
  public static final String KEEP = PREFIX + "keep";

  private EventColumns() {}
}
