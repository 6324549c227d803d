package dev.slicestore.compaction;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RedisClients;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Executor-side Redis writer of compaction: for each slice aggregate whose hash has not expired,
 * one call of {@link CompactionScript} (write the compacted entry, delete the per-event fields it
 * covers, set the expiry; atomic per hash). Calls are pipelined and flushed every {@code
 * flushSlices} slices; each is sent as {@code EVALSHA} and re-sent as {@code EVAL} if the node does
 * not have the script cached yet ({@code NOSCRIPT}; nothing ran). The same code serves standalone
 * Redis and Redis Cluster through the {@link UnifiedJedis} of core's {@code RedisClients} (a
 * cluster pipeline routes each call by its key's slot).
 *
 * <p>Slices whose hash expiry ({@link FeatureSet#sliceExpiryMillis}) is at or before {@code
 * nowMillis} are skipped (backfill: they are written to Iceberg only).
 *
 * <p>Counts go to Spark accumulators from this action, so each successful task counts once. A
 * refused slice (the hash already holds an entry of more events) fails the task with {@link
 * CompactionRefusedException} after its batch was flushed.
 *
 * <p>Serializable: carries configuration and accumulators only; the Redis client comes from {@link
 * RedisClients#shared} (one per executor JVM). Spark calls one instance from one thread per task.
 */
final class RedisSliceWriter implements ForeachPartitionFunction<Row> {
  private static final long serialVersionUID = 1L;

  /** The counters the driver reads after the action. */
  static final class Counters implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final LongAccumulator written;
    final LongAccumulator skippedExpired;
    final LongAccumulator fieldsDeleted;
    final LongAccumulator bytesBefore;
    final LongAccumulator bytesAfter;

    /** Unregistered accumulators, for a writer used outside a Spark job (tests). */
    Counters() {
      written = new LongAccumulator();
      skippedExpired = new LongAccumulator();
      fieldsDeleted = new LongAccumulator();
      bytesBefore = new LongAccumulator();
      bytesAfter = new LongAccumulator();
    }

    /** Accumulators registered on the driver under {@code <prefix>.redis_*}. */
    Counters(org.apache.spark.SparkContext sc, String prefix) {
      written = sc.longAccumulator(prefix + ".redis_written");
      skippedExpired = sc.longAccumulator(prefix + ".redis_skipped_expired");
      fieldsDeleted = sc.longAccumulator(prefix + ".redis_fields_deleted");
      bytesBefore = sc.longAccumulator(prefix + ".redis_bytes_before");
      bytesAfter = sc.longAccumulator(prefix + ".redis_bytes_after");
    }
  }

  private final AppConfig config;
  private final FeatureSet fs;
  private final long nowMillis;
  private final int flushSlices;
  private final Counters counters;
  private final int entityIdx;
  private final int sliceIdx;
  private final int countIdx;
  private final int coveredIdx;
  private final int entryIdx;

  /**
   * @param config the Redis deployment
   * @param fs the feature set (key layout, expiry)
   * @param schema the schema of the slice aggregates ({@link AggregateSlices#outputSchema})
   * @param nowMillis the driver's clock at planning time: hashes expiring at or before it are
   *     skipped
   * @param flushSlices slices per pipeline flush
   * @param counters the accumulators to add to
   */
  RedisSliceWriter(
      AppConfig config,
      FeatureSet fs,
      StructType schema,
      long nowMillis,
      int flushSlices,
      Counters counters) {
    this.config = config;
    this.fs = fs;
    this.nowMillis = nowMillis;
    this.flushSlices = flushSlices;
    this.counters = counters;
    this.entityIdx = schema.fieldIndex(AggregateSlices.ENTITY_KEY);
    this.sliceIdx = schema.fieldIndex(AggregateSlices.SLICE_INDEX);
    this.countIdx = schema.fieldIndex(AggregateSlices.EVENT_COUNT);
    this.coveredIdx = schema.fieldIndex(AggregateSlices.COVERED_OFFSETS);
    this.entryIdx = schema.fieldIndex(AggregateSlices.COMPACTED_ENTRY);
  }

  /** One pending script call. */
  private record Call(String entityKey, long sliceIndex, List<byte[]> keys, List<byte[]> args) {}

  @Override
  public void call(Iterator<Row> slices) {
    UnifiedJedis redis = RedisClients.shared(config);
    OnlineLayout layout = new OnlineLayout(fs);
    List<Call> batch = new ArrayList<>(flushSlices);
    List<String> refusals = new ArrayList<>();
    while (slices.hasNext()) {
      Row s = slices.next();
      long sliceIndex = s.getLong(sliceIdx);
      long expiry = fs.sliceExpiryMillis(sliceIndex);
      if (expiry <= nowMillis) {
        counters.skippedExpired.add(1);
        continue;
      }
      String entity = s.getString(entityIdx);
      List<byte[]> args = new ArrayList<>();
      args.add((byte[]) s.get(entryIdx));
      args.add(ascii(expiry));
      args.add(ascii(s.getLong(countIdx)));
      args.add(ascii(sliceIndex));
      List<Row> covered = s.getList(coveredIdx);
      for (Row r : covered) {
        args.add(ascii(fs.topics().indexOf(r.getString(0))));
        args.add(ascii(r.getInt(1)));
        args.add(ascii(r.getLong(2)));
        args.add(ascii(r.getLong(3)));
      }
      batch.add(
          new Call(
              entity,
              sliceIndex,
              List.of(layout.sliceKey(entity, sliceIndex), layout.indexKey(entity)),
              args));
      if (batch.size() >= flushSlices) {
        flush(redis, batch, refusals);
      }
    }
    flush(redis, batch, refusals);
    if (!refusals.isEmpty()) {
      throw new CompactionRefusedException(
          "Cannot compact "
              + refusals.size()
              + " slice(s) of feature set "
              + fs.name()
              + ": replacing their compacted entries in Redis would lose events (did Kafka retention, the max clock skew or the"
              + " feature set change since they were written?): "
              + String.join("; ", refusals.subList(0, Math.min(5, refusals.size())))
              + (refusals.size() > 5 ? "; ..." : ""));
    }
  }

  private void flush(UnifiedJedis redis, List<Call> batch, List<String> refusals) {
    if (batch.isEmpty()) {
      return;
    }
    List<Object> results = new ArrayList<>(batch.size());
    List<Integer> missingScript = new ArrayList<>();
    try (AbstractPipeline p = redis.pipelined()) {
      List<Response<Object>> responses = new ArrayList<>(batch.size());
      for (Call c : batch) {
        responses.add(p.evalsha(CompactionScript.SHA1, c.keys(), c.args()));
      }
      p.sync();
      for (int i = 0; i < responses.size(); i++) {
        try {
          results.add(responses.get(i).get());
        } catch (JedisDataException e) {
          if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
            throw e;
          }
          results.add(null);
          missingScript.add(i);
        }
      }
    }
    if (!missingScript.isEmpty()) {
      try (AbstractPipeline p = redis.pipelined()) {
        List<Response<Object>> responses = new ArrayList<>(missingScript.size());
        for (int i : missingScript) {
          Call c = batch.get(i);
          responses.add(p.eval(CompactionScript.SOURCE_BYTES, c.keys(), c.args()));
        }
        p.sync();
        for (int j = 0; j < missingScript.size(); j++) {
          results.set(missingScript.get(j), responses.get(j).get());
        }
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      List<?> r = (List<?>) results.get(i);
      long status = (Long) r.get(0);
      Call c = batch.get(i);
      if (status == CompactionScript.WRITTEN) {
        counters.written.add(1);
        counters.bytesBefore.add((Long) r.get(1));
        counters.bytesAfter.add((Long) r.get(2));
        counters.fieldsDeleted.add((Long) r.get(3));
      } else if (status == CompactionScript.REFUSED_FEWER_EVENTS) {
        refusals.add(
            "entity "
                + c.entityKey()
                + " slice "
                + c.sliceIndex()
                + " starting "
                + Instant.ofEpochMilli(fs.slicing().sliceStartMillis(c.sliceIndex()))
                + ": Redis holds a compacted entry of "
                + r.get(4)
                + " events, this run found only "
                + new String(c.args().get(2), StandardCharsets.US_ASCII));
      } else {
        refusals.add(
            "entity "
                + c.entityKey()
                + " slice "
                + c.sliceIndex()
                + ": the compacted entry in Redis has an unknown format");
      }
    }
    batch.clear();
  }

  private static byte[] ascii(long v) {
    return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
  }
}
