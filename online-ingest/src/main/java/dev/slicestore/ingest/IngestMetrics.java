package dev.slicestore.ingest;

import dev.slicestore.core.event.RejectReason;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Counters of one online-ingest query, as Spark {@link LongAccumulator}s: records read, row
 * pre-aggregates written to Redis, rows the filter rejected, and dead-lettered records per {@link
 * RejectReason}. Executors add to them; the driver reads totals (cumulative since the query started
 * in this driver) after each micro-batch — in real-time mode after each long-running batch, when
 * its tasks report.
 *
 * <p>Serializable (shipped inside the writer); reading and adding are thread-safe.
 */
public final class IngestMetrics implements Serializable {
  private static final long serialVersionUID = 1L;
  private final LongAccumulator read;
  private final LongAccumulator applied;
  private final LongAccumulator redisRetries;
  private final EnumMap<RejectReason, LongAccumulator> rejected = new EnumMap<>(RejectReason.class);

  /**
   * Registers the accumulators on the driver.
   *
   * @param sc the driver's SparkContext
   * @param queryName a name shown in the Spark UI, e.g. {@code online-ingest-retail}
   */
  public IngestMetrics(SparkContext sc, String queryName) {
    this.read = sc.longAccumulator(queryName + ".read");
    this.applied = sc.longAccumulator(queryName + ".applied");
    this.redisRetries = sc.longAccumulator(queryName + ".redis_retries");
    for (RejectReason r : RejectReason.values()) {
      rejected.put(r, sc.longAccumulator(queryName + "." + r.code()));
    }
  }

  void addRead() {
    read.add(1);
  }

  void addApplied(long events) {
    applied.add(events);
  }

  void addRedisRetry() {
    redisRetries.add(1);
  }

  /**
   * @return Redis batches written again after a passing failure
   */
  public long redisRetries() {
    return redisRetries.value();
  }

  void addRejected(RejectReason reason) {
    rejected.get(reason).add(1);
  }

  /**
   * @return records read from Kafka
   */
  public long read() {
    return read.value();
  }

  /**
   * @return row pre-aggregates written to Redis
   */
  public long applied() {
    return applied.value();
  }

  /**
   * @return records rejected for {@code reason} (dead-lettered unless FILTERED)
   */
  public long rejected(RejectReason reason) {
    return rejected.get(reason).value();
  }

  /**
   * @return records sent to the dead-letter topic, all reasons
   */
  public long deadLettered() {
    long n = 0;
    for (Map.Entry<RejectReason, LongAccumulator> e : rejected.entrySet()) {
      if (e.getKey().deadLettered()) {
        n += e.getValue().value();
      }
    }
    return n;
  }

  /**
   * @return every counter by name ({@code read}, {@code applied}, reject reason codes)
   */
  public Map<String, Long> snapshot() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("read", read());
    m.put("applied", applied());
    m.put("redis_retries", redisRetries());
    for (RejectReason r : RejectReason.values()) {
      m.put(r.code(), rejected(r));
    }
    return m;
  }

  /**
   * @return a one-line summary in plain words
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append(read())
        .append(" records read, ")
        .append(applied())
        .append(" written to Redis, ")
        .append(rejected(RejectReason.FILTERED))
        .append(" filtered out, ")
        .append(deadLettered())
        .append(" dead-lettered");
    StringBuilder reasons = new StringBuilder();
    for (RejectReason r : RejectReason.values()) {
      if (r.deadLettered() && rejected(r) > 0) {
        reasons
            .append(reasons.length() == 0 ? "" : ", ")
            .append(r.description())
            .append(": ")
            .append(rejected(r));
      }
    }
    if (reasons.length() > 0) {
      sb.append(" (").append(reasons).append(')');
    }
    if (redisRetries() > 0) {
      sb.append("; ")
          .append(redisRetries())
          .append(" Redis batches written again after a passing failure");
    }
    return sb.toString();
  }
}
