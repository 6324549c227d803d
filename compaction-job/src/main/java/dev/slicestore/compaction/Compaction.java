package dev.slicestore.compaction;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.core.time.Durations;
import dev.slicestore.core.time.Slicing;
import dev.slicestore.spark.IcebergCatalog;
import dev.slicestore.spark.OfflineLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction of a closed slice range {@code [from, to)} of one feature set (docs/design.md,
 * "Compaction"): read the range's Kafka records in one Structured Streaming micro-batch, aggregate
 * the accepted events of the range per (entity, slice) with core's aggregate functions, then
 *
 * <ol>
 *   <li>Redis: per slice hash, one atomic script writes the compacted entry with the covered offset
 *       ranges, deletes the per-event fields inside them and sets the expiry (hashes already
 *       expired are skipped: a backfill writes Iceberg only);
 *   <li>Iceberg: the range's rows of {@code <ns>.<feature set>_events} and {@code <ns>.<feature
 *       set>_slices} are replaced, one commit per table (see {@link IcebergTables}).
 * </ol>
 *
 * Re-running a range gives the same Redis values and the same Iceberg rows. Online-ingest may run
 * at the same time: events it writes after the planned end offsets stay outside the covered ranges
 * and are merged on top by readers; fields it (re)writes inside them are ignored by readers and
 * deleted by the next compaction.
 *
 * <h2>Reading</h2>
 *
 * Per partition of each source topic the run reads {@code [start, end)}: start is the first offset
 * whose record timestamp is at or after {@code from - maxClockSkew}, end the partition's end offset
 * when the run starts. The query uses {@code Trigger.AvailableNow}, a fresh temporary checkpoint,
 * {@code startingOffsets} = the starts and no rate limit, so it runs one batch; records past the
 * planned ends are ignored. A range is refused ({@link CompactionRefusedException}) when Kafka
 * retention has deleted records that may belong to it: when a partition's earliest available record
 * is already at or after {@code from - maxClockSkew}. It is also refused when the events table
 * holds events of the range at offsets this run would not read (deleted by retention since an
 * earlier run compacted them, or read by an earlier run with a larger clock skew), and a slice hash
 * whose compacted entry holds more events than the run found is not replaced.
 *
 * <p>Driver-side. Not thread-safe: run one compaction per session at a time.
 */
public final class Compaction {
  private static final Logger LOG = LoggerFactory.getLogger(Compaction.class);

  private Compaction() {}

  /**
   * Checks a slice range before anything runs.
   *
   * @param fs the feature set (slice size, allowed lateness)
   * @param fromMillis start of the range, epoch ms (inclusive)
   * @param toMillis end of the range, epoch ms (exclusive)
   * @param nowMillis the current time, epoch ms
   * @throws IllegalArgumentException if a bound is not slice-aligned, {@code from >= to}, or the
   *     range's slices are not closed yet ({@code to + allowed lateness > now}); the message names
   *     the nearest aligned times or the time the range closes
   */
  public static void validateRange(FeatureSet fs, long fromMillis, long toMillis, long nowMillis) {
    Slicing slicing = fs.slicing();
    String slice = Durations.format(fs.sliceMillis());
    for (long t : new long[] {fromMillis, toMillis}) {
      if (Math.floorMod(t, fs.sliceMillis()) != 0) {
        long before = slicing.sliceStartMillis(slicing.sliceIndex(t));
        throw new IllegalArgumentException(
            "Invalid range bound "
                + Instant.ofEpochMilli(t)
                + ": not aligned to the "
                + slice
                + " slices of feature set "
                + fs.name()
                + " (nearest: "
                + Instant.ofEpochMilli(before)
                + " or "
                + Instant.ofEpochMilli(before + fs.sliceMillis())
                + ")");
      }
    }
    if (fromMillis >= toMillis) {
      throw new IllegalArgumentException(
          "Invalid range ["
              + Instant.ofEpochMilli(fromMillis)
              + ", "
              + Instant.ofEpochMilli(toMillis)
              + "): from must be before to");
    }
    long closes = toMillis + fs.allowedLatenessMillis();
    if (closes > nowMillis) {
      throw new IllegalArgumentException(
          "Cannot compact ["
              + Instant.ofEpochMilli(fromMillis)
              + ", "
              + Instant.ofEpochMilli(toMillis)
              + ") of feature set "
              + fs.name()
              + ": slices not closed yet: events for them are accepted until the range end plus the"
              + " allowed lateness ("
              + Durations.format(fs.allowedLatenessMillis())
              + "), "
              + Instant.ofEpochMilli(closes)
              + ", and it is "
              + Instant.ofEpochMilli(nowMillis));
    }
  }

  /**
   * Compacts the slice range {@code [fromMillis, toMillis)}.
   *
   * @param spark the session; its runtime configuration is changed: {@code spark.sql.ansi.enabled}
   *     is set to false (as online-ingest does), and the catalog {@code options.catalog()} is
   *     registered if it is not configured
   * @param app deployment configuration (Kafka, Redis, state directory)
   * @param fs the feature set
   * @param fromMillis start of the range, epoch ms, slice-aligned (inclusive)
   * @param toMillis end of the range, epoch ms, slice-aligned (exclusive)
   * @param options clock skew, catalog, namespace, flush size, clock
   * @return what the run did
   * @throws IllegalArgumentException if the range is invalid or not closed, or the feature set's
   *     column names do not fit the tables
   * @throws CompactionRefusedException if Kafka retention has deleted records that may belong to
   *     the range (nothing is written), or a slice hash holds a compacted entry of more events than
   *     the run found (that slice is not written)
   * @throws IllegalStateException if Kafka, Redis, Spark or Iceberg fail, or the read did not cover
   *     the planned offsets in one batch
   */
  public static CompactionResult run(
      SparkSession spark,
      AppConfig app,
      FeatureSet fs,
      long fromMillis,
      long toMillis,
      CompactionOptions options) {
    long started = System.currentTimeMillis();
    long now = options.clock().millis();
    validateRange(fs, fromMillis, toMillis, now);
    OfflineLayout.checkColumnNames(fs);
    long slices = (toMillis - fromMillis) / fs.sliceMillis();
    LOG.info(
        "Compacting feature set {} v{}: slices [{}, {}) ({} slices of {}), records from {} (from - max clock skew {})",
        fs.name(),
        fs.version(),
        Instant.ofEpochMilli(fromMillis),
        Instant.ofEpochMilli(toMillis),
        slices,
        Durations.format(fs.sliceMillis()),
        Instant.ofEpochMilli(fromMillis - options.maxClockSkewMillis()),
        options.maxClockSkewMillis() == 0 ? "0" : Durations.format(options.maxClockSkewMillis()));
    String catalog = IcebergCatalog.configure(spark, app, options.catalog());
    LOG.info("Offline store: {}", catalog);
    IcebergTables.ensureTables(spark, options.catalog(), options.namespace(), fs);

    KafkaRangePlanner.Plan plan =
        KafkaRangePlanner.plan(app, fs, fromMillis - options.maxClockSkewMillis());
    List<PartitionRange> ranges = plan.ranges();
    IcebergTables.checkNothingLost(
        spark,
        OfflineLayout.eventsTable(options.catalog(), options.namespace(), fs),
        fs,
        fromMillis,
        toMillis,
        plan);
    long offsets = ranges.stream().mapToLong(PartitionRange::offsetCount).sum();
    LOG.info("Kafka offsets to read ({} in all): {}", offsets, ranges);

    spark.conf().set("spark.sql.ansi.enabled", "false");
    Path checkpoint;
    try {
      checkpoint = Files.createTempDirectory("slicestore-compaction-");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a temporary checkpoint directory", e);
    }
    CompactionBatch batch =
        new CompactionBatch(
            app, fs, fromMillis, toMillis, ranges, options, now, checkpoint, started);
    try {
      DataStreamReader reader =
          spark
              .readStream()
              .format("kafka")
              .option("kafka.bootstrap.servers", app.kafkaBootstrapServers())
              .option("assign", assignJson(ranges))
              .option("startingOffsets", startingOffsetsJson(ranges))
              .option("failOnDataLoss", "true")
              .option("includeHeaders", "false");
      app.kafkaProperties().forEach((k, v) -> reader.option("kafka." + k, v));
      Dataset<Row> kafka = reader.load();
      if (offsets == 0) {
        LOG.info("No Kafka records to read: compacting an empty range");
        batch.process(spark.createDataFrame(List.of(), kafka.schema()));
      } else {
        StreamingQuery query =
            kafka
                .writeStream()
                .queryName("slicestore_compaction_" + fs.name() + "_v" + fs.version())
                .option("checkpointLocation", checkpoint.toAbsolutePath().toString())
                .trigger(Trigger.AvailableNow())
                .foreachBatch(batch)
                .start();
        try {
          query.awaitTermination();
        } catch (StreamingQueryException e) {
          throw unwrap(fs, e);
        }
        if (batch.result() == null) {
          throw new IllegalStateException(
              "Cannot compact feature set "
                  + fs.name()
                  + ": the streaming query ended after "
                  + batch.batches()
                  + " batches without processing the range ("
                  + offsets
                  + " offsets planned)");
        }
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Cannot start the compaction query of feature set " + fs.name() + ": " + e.getMessage(),
          e);
    } finally {
      deleteRecursively(checkpoint);
      RedisClients.closeShared();
    }
    CompactionResult result = batch.result();
    LOG.info("{}", result.describe());
    return result;
  }

  private static RuntimeException unwrap(FeatureSet fs, StreamingQueryException e) {
    String refused = CompactionRefusedException.class.getName() + ": ";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CompactionRefusedException r) {
        return new CompactionRefusedException(r.getMessage());
      }
      String m = t.getMessage();
      if (m != null
          && m.contains(refused)) { // an executor's exception that reached the driver as text only
        String rest = m.substring(m.indexOf(refused) + refused.length());
        return new CompactionRefusedException(
            rest.contains("\n") ? rest.substring(0, rest.indexOf('\n')) : rest);
      }
    }
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalStateException || t instanceof IllegalArgumentException) {
        root = t;
        break;
      }
      root = t;
    }
    return new IllegalStateException(
        "Compaction of feature set " + fs.name() + " failed: " + root.getMessage(), e);
  }

  static String assignJson(List<PartitionRange> ranges) {
    Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
    for (PartitionRange r : ranges) {
      byTopic.computeIfAbsent(r.topic(), k -> new ArrayList<>()).add(r.partition());
    }
    return byTopic.entrySet().stream()
        .map(e -> jsonString(e.getKey()) + ":" + e.getValue())
        .collect(Collectors.joining(",", "{", "}"))
        .replace(" ", "");
  }

  static String startingOffsetsJson(List<PartitionRange> ranges) {
    Map<String, List<String>> byTopic = new LinkedHashMap<>();
    for (PartitionRange r : ranges) {
      byTopic
          .computeIfAbsent(r.topic(), k -> new ArrayList<>())
          .add("\"" + r.partition() + "\":" + r.startOffset());
    }
    return byTopic.entrySet().stream()
        .map(e -> jsonString(e.getKey()) + ":{" + String.join(",", e.getValue()) + "}")
        .collect(Collectors.joining(",", "{", "}"));
  }

  private static String jsonString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  LOG.debug("Cannot delete {}: {}", p, e.toString());
                }
              });
    } catch (IOException e) {
      LOG.warn("Cannot delete the temporary checkpoint {}: {}", dir, e.toString());
    }
  }
}
