package dev.slicestore.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.event.RejectReason;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RowPreAggregate;
import dev.slicestore.core.online.SliceIndex;
import dev.slicestore.core.time.Slicing;
import dev.slicestore.spark.RowValidator;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online-ingest sink, one instance per task: validates each row (entity key, event time,
 * lateness, future skew), and writes its {@link RowPreAggregate} with one {@code HSET} into the
 * (entity, slice) hash, in the field named by its Kafka partition and offset. The first time this
 * writer meets a slice hash it also queues, in the same pipeline, the slice's entry in the entity's
 * slice index ({@link SliceIndex#record}: four commands, <i>ahead</i> of the {@code HSET}, which
 * keeps the index invariant) and the hash's absolute expiry ({@code PEXPIREAT}, after the {@code
 * HSET} that creates the hash). Both are fixed per slice, so once per (entity, slice) and writer is
 * enough: a hash cannot expire while events for it are still accepted. Rejected records go to the
 * dead-letter topic with their coordinates and reason. Replaying a record rewrites the same field,
 * so Spark's at-least-once delivery gives exactly-once Redis state with no state store.
 *
 * <p>Micro-batch mode buffers up to {@code flushRows} commands ({@link RedisBatch}) and flushes
 * when full and at the end of the task; real-time mode flushes after every record (there is no
 * later call to flush from until the next record arrives). Every reply is checked: an event counts
 * as written (applied) only once Redis accepted all its commands; a passing failure is retried, a
 * refusal fails the task before Spark commits its offsets. Dead-letter sends are asynchronous and
 * flushed before the task ends, so they are durable before Spark commits the batch.
 *
 * <p>Serializable: carries only configuration; Redis and Kafka clients come from {@link
 * ExecutorResources}. Spark calls one instance from one thread.
 */
final class SliceWriter extends ForeachWriter<Row> {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_SEEN = 100_000;
  private static final Logger LOG = LoggerFactory.getLogger(SliceWriter.class);

  private final AppConfig config;
  private final FeatureSet featureSet;
  private final IngestMetrics metrics;
  private final boolean flushEveryRow;
  private final int flushRows;
  private final RowValidator validator;

  private transient RedisBatch batch;

  /**
   * Slice hashes whose index entry and expiry this writer has queued (both stay valid until the
   * hash expires).
   */
  private transient Set<ByteBuffer> seen;

  private transient AtomicReference<Exception> deadLetterFailure;
  private transient OnlineLayout layout;
  private transient Slicing slicing;
  private transient List<InputColumn> inputs;
  private transient boolean sentDeadLetters;
  private transient RowValidator.Result result;

  SliceWriter(
      AppConfig config,
      FeatureSet featureSet,
      StructType schema,
      IngestMetrics metrics,
      boolean realTime) {
    this.config = config;
    this.featureSet = featureSet;
    this.metrics = metrics;
    this.flushEveryRow = realTime;
    this.flushRows = config.ingestFlushRows();
    this.validator = new RowValidator(featureSet, schema);
  }

  @Override
  public boolean open(long partitionId, long epochId) {
    layout = new OnlineLayout(featureSet);
    slicing = featureSet.slicing();
    inputs = featureSet.inputColumns();
    batch = new RedisBatch(() -> ExecutorResources.redis(config));
    seen = new HashSet<>();
    deadLetterFailure = new AtomicReference<>();
    sentDeadLetters = false;
    result = new RowValidator.Result();
    return true;
  }

  @Override
  public void process(Row row) {
    metrics.addRead();
    RowValidator.Result r = validator.validate(row, result);
    if (!r.accepted()) {
      if (r.reason == RejectReason.FILTERED) {
        metrics.addRejected(RejectReason.FILTERED);
      } else {
        deadLetter(row, r.reason, r.message);
      }
      return;
    }
    long eventTime = r.eventTimeMillis;
    long now = System.currentTimeMillis();
    if (featureSet.isTooLate(eventTime, now)) {
      deadLetter(
          row,
          RejectReason.TOO_LATE,
          "event time "
              + java.time.Instant.ofEpochMilli(eventTime)
              + " is older than the online horizon (longest window + allowed lateness) at "
              + java.time.Instant.ofEpochMilli(now));
      return;
    }
    if (featureSet.isTooFarInFuture(eventTime, now)) {
      deadLetter(
          row,
          RejectReason.TOO_FAR_IN_FUTURE,
          "event time "
              + java.time.Instant.ofEpochMilli(eventTime)
              + " is more than "
              + featureSet.maxFutureSkewMillis()
              + " ms after "
              + java.time.Instant.ofEpochMilli(now));
      return;
    }
    long sliceIndex = slicing.sliceIndex(eventTime);
    byte[] key = layout.sliceKey(r.entityKey, sliceIndex);
    byte[] field =
        layout.eventField(
            validator.topicIndex(row), validator.partition(row), validator.offset(row));
    byte[] value =
        new RowPreAggregate(eventTime, r.inputs)
            .encode(inputs, slicing.sliceStartMillis(sliceIndex), slicing.sliceMillis());
    ByteBuffer keyBuffer = ByteBuffer.wrap(key);
    boolean firstTime = !seen.contains(keyBuffer);
    if (firstTime) {
      if (seen.size() >= MAX_SEEN) {
        seen.clear(); // bounded memory; forgetting only repeats idempotent writes
      }
      seen.add(keyBuffer);
      String entity = r.entityKey;
      batch.add(4, false, p -> SliceIndex.record(p, featureSet, layout, entity, sliceIndex, now));
    }
    batch.add(1, true, p -> List.of(p.hset(key, field, value)));
    if (firstTime) {
      long expiry = featureSet.sliceExpiryMillis(sliceIndex);
      batch.add(1, false, p -> List.of(p.pexpireAt(key, expiry)));
    }
    if (flushEveryRow || batch.size() >= flushRows) {
      flush();
    }
  }

  /**
   * Writes the batch; its events count as applied only once Redis accepted every command.
   *
   * @throws RedisBatch.RedisWriteException if Redis refused a command or kept failing
   */
  private void flush() {
    int written =
        batch.flush(
            config.ingestRedisWriteAttempts(),
            config.ingestRetryBackoffMillis(),
            config.ingestMaxRetryBackoffMillis(),
            (retry, cause) -> {
              metrics.addRedisRetry();
              LOG.warn(
                  "Redis write of feature set {} failed ({}); writing the batch again (retry {} of {})",
                  featureSet.name(),
                  cause.getMessage(),
                  retry,
                  config.ingestRedisWriteAttempts() - 1);
            });
    metrics.addApplied(written);
  }

  private void deadLetter(Row row, RejectReason reason, String message) {
    metrics.addRejected(reason);
    ObjectNode doc = JSON.createObjectNode();
    doc.put("feature_set", featureSet.name());
    doc.put("feature_set_version", featureSet.version());
    doc.put("reason", reason.code());
    doc.put("message", message);
    doc.put("topic", featureSet.topics().get(validator.topicIndex(row)));
    doc.put("partition", validator.partition(row));
    doc.put("offset", validator.offset(row));
    doc.put("timestamp_ms", validator.recordTimestampMillis(row));
    byte[] raw = validator.recordValue(row);
    if (raw != null) {
      doc.put("value", new String(raw, StandardCharsets.UTF_8));
    }
    byte[] payload;
    try {
      payload = JSON.writeValueAsBytes(doc);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot encode dead-letter record", e);
    }
    ProducerRecord<byte[], byte[]> rec =
        new ProducerRecord<>(
            featureSet.deadLetterTopic(),
            null,
            validator.recordKey(row),
            payload,
            List.of(
                new RecordHeader(
                    "slicestore.reason", reason.code().getBytes(StandardCharsets.UTF_8))));
    AtomicReference<Exception> failure = deadLetterFailure;
    ExecutorResources.deadLetterProducer(config)
        .send(
            rec,
            (md, ex) -> {
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
      throw new IllegalStateException(
          "Cannot write to dead-letter topic "
              + featureSet.deadLetterTopic()
              + ": "
              + e.getMessage(),
          e);
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
      if (batch != null) {
        batch.close();
        batch = null;
      }
    }
  }
}
