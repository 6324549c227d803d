package dev.slicestore.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.event.BadRecordException;
import dev.slicestore.core.event.EventTimeParser;
import dev.slicestore.core.event.RejectReason;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RowPreAggregate;
import dev.slicestore.core.time.Slicing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.spark.sql.ForeachWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redis.clients.jedis.AbstractPipeline;

/**
 * The online-ingest sink, one instance per task: validates each row (entity key, event time,
 * lateness, future skew), and writes its {@link RowPreAggregate} with one {@code HSET} into the
 * (entity, slice) hash, in the field named by its Kafka partition and offset, plus the hash's
 * absolute expiry ({@code PEXPIREAT}, once per hash per flush). Rejected records go to the
 * dead-letter topic with their coordinates and reason. Replaying a record rewrites the same field,
 * so Spark's at-least-once delivery gives exactly-once Redis state with no state store.
 *
 * <p>Micro-batch mode buffers up to {@code flushRows} commands in a Redis pipeline and flushes when
 * full and at the end of the task; real-time mode flushes after every record (there is no later
 * call to flush from until the next record arrives). Dead-letter sends are asynchronous and flushed
 * before the task ends, so they are durable before Spark commits the batch.
 *
 * <p>Serializable: carries only configuration; Redis and Kafka clients come from
 * {@link ExecutorResources}. Spark calls one instance from one thread.
 */
final class SliceWriter extends ForeachWriter<Row> {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AppConfig config;
  private final FeatureSet featureSet;
  private final IngestMetrics metrics;
  private final boolean flushEveryRow;
  private final int flushRows;
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

  private transient AbstractPipeline pipeline;
  private transient int pending;
  private transient Set<ByteBuffer> expirySet;
  private transient AtomicReference<Exception> deadLetterFailure;
  private transient OnlineLayout layout;
  private transient Slicing slicing;
  private transient List<InputColumn> inputs;
  private transient boolean sentDeadLetters;

  SliceWriter(AppConfig config, FeatureSet featureSet, StructType schema, IngestMetrics metrics, boolean realTime) {
    this.config = config;
    this.featureSet = featureSet;
    this.metrics = metrics;
    this.flushEveryRow = realTime;
    this.flushRows = config.ingestFlushRows();
    this.topicIdx = schema.fieldIndex(IngestColumns.TOPIC_INDEX);
    this.partitionIdx = schema.fieldIndex(IngestColumns.PARTITION);
    this.offsetIdx = schema.fieldIndex(IngestColumns.OFFSET);
    this.timestampIdx = schema.fieldIndex(IngestColumns.TIMESTAMP_MS);
    this.keyIdx = schema.fieldIndex(IngestColumns.KEY);
    this.valueIdx = schema.fieldIndex(IngestColumns.VALUE);
    this.reasonIdx = schema.fieldIndex(IngestColumns.REJECT_REASON);
    this.messageIdx = schema.fieldIndex(IngestColumns.REJECT_MESSAGE);
    this.keepIdx = schema.fieldIndex(IngestColumns.KEEP);
    this.entityIdx = schema.fieldIndex(featureSet.entityKeyColumn());
    this.eventTimeIdx = featureSet.eventTime().usesRecordTimestamp() ? -1 : schema.fieldIndex(featureSet.eventTime().column());
    List<InputColumn> in = featureSet.inputColumns();
    this.inputIdx = new int[in.size()];
    for (int i = 0; i < in.size(); i++) {
      inputIdx[i] = schema.fieldIndex(in.get(i).name());
    }
    this.timeParser = featureSet.eventTime().usesRecordTimestamp() ? null : new EventTimeParser(featureSet.eventTime());
  }

  @Override
  public boolean open(long partitionId, long epochId) {
    layout = new OnlineLayout(featureSet);
    slicing = featureSet.slicing();
    inputs = featureSet.inputColumns();
    pipeline = ExecutorResources.redis(config).pipelined();
    pending = 0;
    expirySet = new HashSet<>();
    deadLetterFailure = new AtomicReference<>();
    sentDeadLetters = false;
    return true;
  }

  @Override
  public void process(Row row) {
    metrics.addRead();
    String reasonCode = row.getString(reasonIdx);
    if (reasonCode != null) {
      deadLetter(row, reasonFromCode(reasonCode), row.getString(messageIdx));
      return;
    }
    if (!row.getBoolean(keepIdx)) {
      metrics.addRejected(RejectReason.FILTERED);
      return;
    }
    Object entity = row.get(entityIdx);
    String entityKey = entity == null ? null : entity.toString();
    if (entityKey == null || entityKey.isEmpty()) {
      deadLetter(row, RejectReason.MISSING_ENTITY_KEY,
          "entity key " + featureSet.entityKeyColumn() + " is " + (entity == null ? "missing" : "empty"));
      return;
    }
    long eventTime;
    try {
      eventTime = timeParser == null ? row.getLong(timestampIdx) : timeParser.parseMillis(row.get(eventTimeIdx));
    } catch (BadRecordException e) {
      deadLetter(row, e.reason(), e.getMessage());
      return;
    }
    long now = System.currentTimeMillis();
    if (featureSet.isTooLate(eventTime, now)) {
      deadLetter(row, RejectReason.TOO_LATE, "event time " + java.time.Instant.ofEpochMilli(eventTime)
          + " is older than the online horizon (longest window + allowed lateness) at " + java.time.Instant.ofEpochMilli(now));
      return;
    }
    if (featureSet.isTooFarInFuture(eventTime, now)) {
      deadLetter(row, RejectReason.TOO_FAR_IN_FUTURE, "event time " + java.time.Instant.ofEpochMilli(eventTime)
          + " is more than " + featureSet.maxFutureSkewMillis() + " ms after " + java.time.Instant.ofEpochMilli(now));
      return;
    }
    Object[] values = new Object[inputIdx.length];
    for (int i = 0; i < inputIdx.length; i++) {
      values[i] = row.get(inputIdx[i]);
    }
    long sliceIndex = slicing.sliceIndex(eventTime);
    byte[] key = layout.sliceKey(entityKey, sliceIndex);
    byte[] field = layout.eventField(row.getInt(topicIdx), row.getInt(partitionIdx), row.getLong(offsetIdx));
    byte[] value = new RowPreAggregate(eventTime, values).encode(inputs, slicing.sliceStartMillis(sliceIndex), slicing.sliceMillis());
    pipeline.hset(key, field, value);
    pending++;
    if (expirySet.add(ByteBuffer.wrap(key))) {
      pipeline.pexpireAt(key, featureSet.sliceExpiryMillis(sliceIndex));
      pending++;
    }
    metrics.addApplied();
    if (flushEveryRow || pending >= flushRows) {
      flush();
    }
  }

  private void flush() {
    if (pending > 0) {
      pipeline.sync();
      pending = 0;
      expirySet.clear();
    }
  }

  private static RejectReason reasonFromCode(String code) {
    for (RejectReason r : RejectReason.values()) {
      if (r.code().equals(code)) {
        return r;
      }
    }
    return RejectReason.MALFORMED_JSON;
  }

  private void deadLetter(Row row, RejectReason reason, String message) {
    metrics.addRejected(reason);
    ObjectNode doc = JSON.createObjectNode();
    doc.put("feature_set", featureSet.name());
    doc.put("feature_set_version", featureSet.version());
    doc.put("reason", reason.code());
    doc.put("message", message);
    doc.put("topic", featureSet.topics().get(row.getInt(topicIdx)));
    doc.put("partition", row.getInt(partitionIdx));
    doc.put("offset", row.getLong(offsetIdx));
    doc.put("timestamp_ms", row.getLong(timestampIdx));
    byte[] raw = (byte[]) row.get(valueIdx);
    if (raw != null) {
      doc.put("value", new String(raw, StandardCharsets.UTF_8));
    }
    byte[] payload;
    try {
      payload = JSON.writeValueAsBytes(doc);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot encode dead-letter record", e);
    }
    ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(featureSet.deadLetterTopic(), null, (byte[]) row.get(keyIdx), payload,
        List.of(new RecordHeader("slicestore.reason", reason.code().getBytes(StandardCharsets.UTF_8))));
    AtomicReference<Exception> failure = deadLetterFailure;
    ExecutorResources.deadLetterProducer(config).send(rec, (md, ex) -> {
      if (ex != null) {
        failure.compareAndSet(null, ex);
      }
    });
    sentDeadLetters = true;
    // No flush here, even in real-time mode: the producer sends within its linger time anyway, and
    // close() flushes before Spark commits the batch, which is what durability needs.
  }

  private void checkDeadLetters() {
    Exception e = deadLetterFailure.get();
    if (e != null) {
      throw new IllegalStateException("Cannot write to dead-letter topic " + featureSet.deadLetterTopic() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close(Throwable errorOrNull) {
    try {
      if (errorOrNull == null) {
        flush();
        if (sentDeadLetters) {
          ExecutorResources.deadLetterProducer(config).flush();
          checkDeadLetters();
        }
      }
    } finally {
      if (pipeline != null) {
        pipeline.close();
        pipeline = null;
      }
    }
  }
}
