package dev.slicestore.spark;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.event.BadRecordException;
import dev.slicestore.core.event.EventTimeParser;
import dev.slicestore.core.event.RejectReason;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Turns one row of {@link EventPipeline#parseAndTransform} into an accepted event or a rejection,
 * the same way on every path (online-ingest, compaction): parse errors, the filter, the entity key
 * and the event time. Time-dependent checks (too late, too far in the future) are the caller's,
 * because they differ between the online path and compaction.
 *
 * <p>Serializable (carries column indices resolved on the driver); not thread-safe per instance, as
 * Spark uses it (one per task).
 */
public final class RowValidator implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The outcome for one row: exactly one of {@code event} and {@code reason} is non-null. */
  public static final class Result {
    /** Entity key (non-empty) when accepted. */
    public String entityKey;

    /** Event time in epoch ms when accepted. */
    public long eventTimeMillis;

    /** Input values, one per {@link FeatureSet#inputColumns()}, when accepted. */
    public Object[] inputs;

    /** The reject reason, or null when accepted. */
    public RejectReason reason;

    /** What is wrong, when rejected. */
    public String message;

    /**
     * @return true iff the row was accepted
     */
    public boolean accepted() {
      return reason == null;
    }
  }

  private final String entityKeyColumn;
  private final int topicIdx;
  private final int partitionIdx;
  private final int offsetIdx;
  private final int timestampIdx;
  private final int keyIdx;
  private final int valueIdx;
  private final int reasonIdx;
  private final int messageIdx;
  private final int keepIdx;
  private final int entityIdx;
  private final int eventTimeIdx;
  private final int[] inputIdx;
  private final EventTimeParser timeParser;

  /**
   * @param featureSet the feature set
   * @param schema the schema of {@link EventPipeline#parseAndTransform}'s rows
   * @throws IllegalArgumentException if a column the feature set needs is missing from the schema
   */
  public RowValidator(FeatureSet featureSet, StructType schema) {
    this.entityKeyColumn = featureSet.entityKeyColumn();
    this.topicIdx = schema.fieldIndex(EventColumns.TOPIC_INDEX);
    this.partitionIdx = schema.fieldIndex(EventColumns.PARTITION);
    this.offsetIdx = schema.fieldIndex(EventColumns.OFFSET);
    this.timestampIdx = schema.fieldIndex(EventColumns.TIMESTAMP_MS);
    this.keyIdx = schema.fieldIndex(EventColumns.KEY);
    this.valueIdx = schema.fieldIndex(EventColumns.VALUE);
    this.reasonIdx = schema.fieldIndex(EventColumns.REJECT_REASON);
    this.messageIdx = schema.fieldIndex(EventColumns.REJECT_MESSAGE);
    this.keepIdx = schema.fieldIndex(EventColumns.KEEP);
    this.entityIdx = schema.fieldIndex(featureSet.entityKeyColumn());
    this.eventTimeIdx =
        featureSet.eventTime().usesRecordTimestamp()
            ? -1
            : schema.fieldIndex(featureSet.eventTime().column());
    List<InputColumn> in = featureSet.inputColumns();
    this.inputIdx = new int[in.size()];
    for (int i = 0; i < in.size(); i++) {
      inputIdx[i] = schema.fieldIndex(in.get(i).name());
    }
    this.timeParser =
        featureSet.eventTime().usesRecordTimestamp()
            ? null
            : new EventTimeParser(featureSet.eventTime());
  }

  /**
   * Validates one row into {@code out} (reused by the caller to avoid garbage).
   *
   * @return {@code out}
   */
  public Result validate(Row row, Result out) {
    out.reason = null;
    out.message = null;
    out.entityKey = null;
    out.inputs = null;
    String reasonCode = row.getString(reasonIdx);
    if (reasonCode != null) {
      return reject(out, reasonFromCode(reasonCode), row.getString(messageIdx));
    }
    if (!row.getBoolean(keepIdx)) {
      return reject(out, RejectReason.FILTERED, "rejected by the feature set's filter");
    }
    Object entity = row.get(entityIdx);
    String entityKey = entity == null ? null : entity.toString();
    if (entityKey == null || entityKey.isEmpty()) {
      return reject(
          out,
          RejectReason.MISSING_ENTITY_KEY,
          "entity key " + entityKeyColumn + " is " + (entity == null ? "missing" : "empty"));
    }
    try {
      out.eventTimeMillis =
          timeParser == null
              ? row.getLong(timestampIdx)
              : timeParser.parseMillis(row.get(eventTimeIdx));
    } catch (BadRecordException e) {
      return reject(out, e.reason(), e.getMessage());
    }
    Object[] values = new Object[inputIdx.length];
    for (int i = 0; i < inputIdx.length; i++) {
      values[i] = row.get(inputIdx[i]);
    }
    out.entityKey = entityKey;
    out.inputs = values;
    return out;
  }

  private static Result reject(Result out, RejectReason reason, String message) {
    out.reason = reason;
    out.message = message;
    return out;
  }

  private static RejectReason reasonFromCode(String code) {
    for (RejectReason r : RejectReason.values()) {
      if (r.code().equals(code)) {
        return r;
      }
    }
    return RejectReason.MALFORMED_JSON;
  }

  /**
   * @return the row's topic index in the feature set's topic list
   */
  public int topicIndex(Row row) {
    return row.getInt(topicIdx);
  }

  /**
   * @return the row's Kafka partition
   */
  public int partition(Row row) {
    return row.getInt(partitionIdx);
  }

  /**
   * @return the row's Kafka offset
   */
  public long offset(Row row) {
    return row.getLong(offsetIdx);
  }

  /**
   * @return the row's Kafka record timestamp, epoch ms (-1 if none)
   */
  public long recordTimestampMillis(Row row) {
    return row.getLong(timestampIdx);
  }

  /**
   * @return the record's key bytes, or null
   */
  public byte[] recordKey(Row row) {
    return (byte[]) row.get(keyIdx);
  }

  /**
   * @return the record's value bytes, or null
   */
  public byte[] recordValue(Row row) {
    return (byte[]) row.get(valueIdx);
  }
}
