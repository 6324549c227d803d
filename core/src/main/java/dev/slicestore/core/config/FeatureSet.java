package dev.slicestore.core.config;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.time.Slicing;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated feature-set definition (Feast: feature view; Chronon: GroupBy): source topics and
 * payload schema, entity key, event time, row transforms, slice size, windows, lateness and
 * aggregations. Built by {@link FeatureSetLoader}; immutable, serializable (Spark ships it to
 * executors) and thread-safe.
 */
public final class FeatureSet implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final int version;
  private final String sourceFile;
  private final List<String> topics;
  private final String deadLetterTopic;
  private final LinkedHashMap<String, ValueType> schema;
  private final String entityKeyColumn;
  private final EventTimeSpec eventTime;
  private final List<TransformColumn> transformColumns;
  private final String filter;
  private final long sliceMillis;
  private final long allowedLatenessMillis;
  private final long maxFutureSkewMillis;
  private final long expiryGraceMillis;
  private final List<InputColumn> inputColumns;
  private final List<Aggregation> aggregations;
  private final List<Feature> features;
  private final LinkedHashMap<String, ValueType> columns;
  private final long compactionIntervalMillis;
  private final Long compactionStartMillis;

  FeatureSet(
      String name,
      int version,
      String sourceFile,
      List<String> topics,
      String deadLetterTopic,
      LinkedHashMap<String, ValueType> schema,
      String entityKeyColumn,
      EventTimeSpec eventTime,
      List<TransformColumn> transformColumns,
      String filter,
      long sliceMillis,
      long allowedLatenessMillis,
      long maxFutureSkewMillis,
      long expiryGraceMillis,
      List<InputColumn> inputColumns,
      List<Aggregation> aggregations,
      List<Feature> features,
      LinkedHashMap<String, ValueType> columns,
      long compactionIntervalMillis,
      Long compactionStartMillis) {
    this.name = name;
    this.version = version;
    this.sourceFile = sourceFile;
    this.topics = List.copyOf(topics);
    this.deadLetterTopic = deadLetterTopic;
    this.schema = schema;
    this.entityKeyColumn = entityKeyColumn;
    this.eventTime = eventTime;
    this.transformColumns = List.copyOf(transformColumns);
    this.filter = filter;
    this.sliceMillis = sliceMillis;
    this.allowedLatenessMillis = allowedLatenessMillis;
    this.maxFutureSkewMillis = maxFutureSkewMillis;
    this.expiryGraceMillis = expiryGraceMillis;
    this.inputColumns = List.copyOf(inputColumns);
    this.aggregations = List.copyOf(aggregations);
    this.features = List.copyOf(features);
    this.columns = columns;
    this.compactionIntervalMillis = compactionIntervalMillis;
    this.compactionStartMillis = compactionStartMillis;
  }

  /**
   * @return how often compaction runs, ms: {@code compaction.interval}, by default the slice size
   *     rounded up to a whole hour; always a multiple of the slice size when set explicitly
   */
  public long compactionIntervalMillis() {
    return compactionIntervalMillis;
  }

  /**
   * @return the first instant compaction covers ({@code compaction.start}), epoch ms, or null if
   *     unset
   */
  public Long compactionStartMillis() {
    return compactionStartMillis;
  }

  /**
   * @return the feature set's name, e.g. {@code retail}
   */
  public String name() {
    return name;
  }

  /**
   * @return the definition's version; a new version writes new Redis keys and tables
   */
  public int version() {
    return version;
  }

  /**
   * @return the file it was loaded from, or null when built in code
   */
  public String sourceFile() {
    return sourceFile;
  }

  /**
   * @return the Kafka topics read, in order (an event's topic index is its position here)
   */
  public List<String> topics() {
    return topics;
  }

  /**
   * @return the Kafka topic bad and too-late records are written to
   */
  public String deadLetterTopic() {
    return deadLetterTopic;
  }

  /**
   * @return the JSON payload schema: field name to type, in declaration order (unmodifiable)
   */
  public Map<String, ValueType> schema() {
    return Collections.unmodifiableMap(schema);
  }

  /**
   * @return every column after transforms (payload fields and transform outputs) with its type
   */
  public Map<String, ValueType> columns() {
    return Collections.unmodifiableMap(columns);
  }

  /**
   * @return the entity-key column (after transforms); its values are read as strings
   */
  public String entityKeyColumn() {
    return entityKeyColumn;
  }

  /**
   * @return where event time comes from
   */
  public EventTimeSpec eventTime() {
    return eventTime;
  }

  /**
   * @return the row transforms, in declaration order
   */
  public List<TransformColumn> transformColumns() {
    return transformColumns;
  }

  /**
   * @return the Spark SQL filter a row must pass, or null for none
   */
  public String filter() {
    return filter;
  }

  /**
   * @return the slice size in milliseconds
   */
  public long sliceMillis() {
    return sliceMillis;
  }

  /**
   * @return the slice arithmetic for this feature set's slice size
   */
  public Slicing slicing() {
    return new Slicing(sliceMillis);
  }

  /**
   * @return how long after a slice ends events for it are still accepted and it stays open, ms
   */
  public long allowedLatenessMillis() {
    return allowedLatenessMillis;
  }

  /**
   * @return how far ahead of the processing clock an event time may be, ms
   */
  public long maxFutureSkewMillis() {
    return maxFutureSkewMillis;
  }

  /**
   * @return extra time a slice hash lives in Redis beyond the longest window and lateness, ms
   */
  public long expiryGraceMillis() {
    return expiryGraceMillis;
  }

  /**
   * @return the columns a row pre-aggregate stores, each once, in first-use order
   */
  public List<InputColumn> inputColumns() {
    return inputColumns;
  }

  /**
   * @return the aggregations, in declaration order
   */
  public List<Aggregation> aggregations() {
    return aggregations;
  }

  /**
   * @return every feature, grouped by aggregation, windows ascending
   */
  public List<Feature> features() {
    return features;
  }

  /**
   * @return the feature with this name, or null
   */
  public Feature feature(String featureName) {
    for (Feature f : features) {
      if (f.name().equals(featureName)) {
        return f;
      }
    }
    return null;
  }

  /**
   * @return the longest window over all aggregations, session max-lengths included, ms
   */
  public long longestWindowMillis() {
    long max = 0;
    for (Aggregation a : aggregations) {
      for (long w : a.windowsMillis()) {
        max = Math.max(max, w);
      }
      if (a.session() != null) {
        max = Math.max(max, a.session().maxLengthMillis());
      }
    }
    return max;
  }

  /**
   * The absolute expiry of the slice hash {@code sliceIndex}: slice end + longest window + allowed
   * lateness + grace.
   *
   * @return epoch milliseconds
   */
  public long sliceExpiryMillis(long sliceIndex) {
    return slicing().sliceEndMillis(sliceIndex)
        + longestWindowMillis()
        + allowedLatenessMillis
        + expiryGraceMillis;
  }

  /**
   * Whether an event is too late to be accepted online: its slice can no longer be in any window
   * evaluated at or after {@code nowMillis} once lateness has passed, i.e. {@code sliceEnd +
   * longestWindow + allowedLateness <= now}.
   */
  public boolean isTooLate(long eventTimeMillis, long nowMillis) {
    Slicing s = slicing();
    return s.sliceEndMillis(s.sliceIndex(eventTimeMillis))
            + longestWindowMillis()
            + allowedLatenessMillis
        <= nowMillis;
  }

  /** Whether an event time is further ahead of {@code nowMillis} than the allowed future skew. */
  public boolean isTooFarInFuture(long eventTimeMillis, long nowMillis) {
    return eventTimeMillis > nowMillis + maxFutureSkewMillis;
  }

  @Override
  public String toString() {
    return "FeatureSet[" + name + " v" + version + ", " + features.size() + " features]";
  }
}
