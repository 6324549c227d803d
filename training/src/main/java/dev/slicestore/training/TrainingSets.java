package dev.slicestore.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.time.CoveredIntervals;
import dev.slicestore.spark.IcebergCatalog;
import dev.slicestore.spark.OfflineLayout;
import dev.slicestore.spark.SparkTypes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point-in-time training sets from the Iceberg offline store (docs/design.md, "Training sets"): the
 * spine's rows and columns plus one column per feature, each computed at the row's timestamp {@code
 * t} by the window rule serving uses: whole slices {@code sliceIndex(t) - W/s + 1 .. sliceIndex(t)
 * - 1} from the {@code <fs>_slices} table (their exact accumulator bytes), and the current slice's
 * events with event time {@code < t} from the {@code <fs>_events} table, merged by the same core
 * functions serving uses, so values are equal to what serving returned.
 *
 * <h2>How the work is spread</h2>
 *
 * No per-row lookups, no range join, nothing collected on the driver but one row of counts:
 *
 * <ol>
 *   <li>every spine row, every slice row and every event row that some spine row needs becomes a
 *       <em>sweep record</em> ({@link SweepRecords}) keyed by (entity, time bucket), where a bucket
 *       is a span of {@code L} of event time ({@code L} = the longest requested window rounded up
 *       to whole slices, or {@code --time-bucket});
 *   <li>a spine row goes to the bucket of its time; an event to the bucket of its time (its slice
 *       lies within one bucket, as {@code L} is a multiple of the slice); a slice, which spine rows
 *       use during {@code [slice end, slice end + W - s)}, to every bucket that span touches: at
 *       most two when {@code L >= W}, so the offline data is read once and shuffled at most twice.
 *       {@code W} is the longest window <em>including session max-lengths</em>: a session feature
 *       reads the slices of its max-length lookback, so {@code L}, the replication and the coverage
 *       check all count it as a window. Slice records carry the slice's earliest and latest event
 *       times ({@code min_event_time}, {@code max_event_time}; null earliest times of rows written
 *       before that column existed are passed on as unknown);
 *   <li>records are shuffled by (entity, bucket), sorted within partitions by (entity, bucket,
 *       time, kind), and each group is swept once by {@link PointInTimeSweep} with {@link
 *       dev.slicestore.core.offline.PointInTimeEvaluator}: O(records · windows) merges.
 * </ol>
 *
 * <b>Skew</b>: an entity holding a large share of the rows is spread over as many tasks as it has
 * buckets: its work is split by time, not left to one task. One bucket is never split further: its
 * sweep needs the bucket's records in time order, and a smaller {@code --time-bucket} trades
 * replication of slices (each reaching {@code ceil((W - s) / L) + 1} buckets) for smaller units.
 *
 * <h2>What the offline store covers</h2>
 *
 * Compaction records in every Iceberg commit the slice ranges the table covers ({@link
 * OfflineLayout#coverage}). A spine row is <em>covered</em> when the slices {@code sliceIndex(t) -
 * W/s + 1 .. sliceIndex(t)} of its longest window all lie in one covered range of both tables of
 * every feature set. Other rows (typically later than the last compacted slice, whose events are
 * still only in Redis) are reported by count and time range and handled by {@link UncoveredPolicy};
 * they never get values.
 *
 * <h2>Reproducibility</h2>
 *
 * The tables are read at the snapshot current when the run starts ({@code VERSION AS OF}); the
 * snapshot ids are written with the output (Parquet: {@value #METADATA_FILE} in the output
 * directory; Iceberg: table properties {@code slicestore.training-set} and {@code
 * slicestore.source.<table>.snapshot-id}).
 *
 * <p>Driver-side; stateless.
 */
public final class TrainingSets {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingSets.class);

  /** Internal spine row id column (dropped from the output). */
  public static final String ROW_ID = "__ss_row_id";

  /**
   * Column added by {@link UncoveredPolicy#FLAG}: false for rows the offline store could not
   * answer.
   */
  public static final String COVERED_COLUMN = "slicestore_covered";

  /** Metadata file written in a Parquet output directory. */
  public static final String METADATA_FILE = "_slicestore_training_set.json";

  private static final String COVERED = "__ss_covered";

  private TrainingSets() {}

  /**
   * Builds and writes a training set.
   *
   * @param spark the session (its catalog configuration may be extended with the local default
   *     offline-store catalog, as compaction does); timestamps without a zone in the spine are read
   *     in its {@code spark.sql.session.timeZone}
   * @param app the deployment configuration (its state directory holds the local warehouse)
   * @param request what to build
   * @return what was written
   * @throws IllegalArgumentException for an invalid request: unknown or ambiguous feature, missing
   *     spine column, unsupported spine time type, output column clash, missing offline store
   * @throws TrainingSetRefusedException if some spine rows are not covered and the policy is {@link
   *     UncoveredPolicy#FAIL} (nothing is written)
   * @throws IllegalStateException if writing the output fails (e.g. it exists and {@code overwrite}
   *     is false)
   */
  public static TrainingSetResult build(
      SparkSession spark, AppConfig app, TrainingSetRequest request) {
    long started = System.currentTimeMillis();
    LOG.info("Offline store: {}", IcebergCatalog.configure(spark, app, request.catalog()));
    TrainingSetPlan plan = TrainingSetPlan.of(spark, request);
    Dataset<Row> spine = plan.spine();

    Dataset<Row> normalized =
        Spines.normalize(spine, request.entityColumnOrDefault(), request.timeColumnOrDefault())
            .withColumn(ROW_ID, org.apache.spark.sql.functions.monotonically_increasing_id());
    Column covered = col(Spines.ENTITY).isNotNull().and(col(Spines.TIME_US).isNotNull());
    for (FeatureSelection s : plan.selections()) {
      covered = covered.and(coveredBy(s, s.eventsCoverage())).and(coveredBy(s, s.slicesCoverage()));
    }
    normalized = normalized.withColumn(COVERED, covered).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      SpineStats stats = SpineStats.of(normalized);
      LOG.info(
          "Spine: {} rows, {} of them beyond what the offline store covers",
          stats.rows(),
          stats.uncovered());
      if (stats.uncovered() > 0 && request.onUncovered() == UncoveredPolicy.FAIL) {
        throw new TrainingSetRefusedException(
            stats.uncovered()
                + " of "
                + stats.rows()
                + " spine rows cannot be answered by the"
                + " offline store"
                + (stats.uncoveredFromMillis() == null
                    ? " (they have no entity key or time)"
                    : " (times "
                        + Instant.ofEpochMilli(stats.uncoveredFromMillis())
                        + " .. "
                        + Instant.ofEpochMilli(stats.uncoveredToMillis())
                        + ")")
                + ": their windows reach slices no compaction has written (offline store of "
                + String.join(
                    "; ",
                    plan.coverage().entrySet().stream()
                        .map(e -> e.getKey() + " covers " + e.getValue())
                        .toList())
                + "). Compact the missing range first, or pass --on-uncovered drop or flag.");
      }
      Dataset<Row> rows =
          request.onUncovered() == UncoveredPolicy.DROP
              ? normalized.where(col(COVERED))
              : normalized;
      LongAccumulator errors =
          spark.sparkContext().longAccumulator("training-set rows with unreadable data");
      Dataset<Row> out = rows;
      if (stats.coveredFromUs() != null) {
        for (FeatureSelection s : plan.selections()) {
          Dataset<Row> values =
              SweepRecords.sweep(
                  spark,
                  s,
                  normalized.where(col(COVERED)),
                  stats.coveredFromUs(),
                  stats.coveredToUs(),
                  request.timeBucketMillis(),
                  errors);
          out =
              out.join(values, out.col(ROW_ID).equalTo(values.col(ROW_ID)), "left")
                  .drop(values.col(ROW_ID));
        }
      } else {
        for (FeatureSelection s : plan.selections()) {
          for (int i = 0; i < s.features().size(); i++) {
            out =
                out.withColumn(
                    s.columns().get(i),
                    lit(null).cast(SparkTypes.resultSparkType(s.features().get(i).result())));
          }
        }
      }
      List<Column> select = new ArrayList<>();
      for (String c : spine.columns()) {
        select.add(out.col("`" + c.replace("`", "``") + "`"));
      }
      if (request.onUncovered() == UncoveredPolicy.FLAG) {
        select.add(col(COVERED).as(COVERED_COLUMN));
      }
      plan.featureColumns().forEach(c -> select.add(col("`" + c + "`")));
      Dataset<Row> result = out.select(select.toArray(Column[]::new));
      long written =
          request.onUncovered() == UncoveredPolicy.DROP
              ? stats.rows() - stats.uncovered()
              : stats.rows();
      String format = TrainingSetOutput.format(request);
      Map<String, Object> metadata =
          TrainingSetOutput.metadata(
              request,
              plan,
              stats.rows(),
              written,
              stats.uncovered(),
              stats.uncoveredFromMillis(),
              stats.uncoveredToMillis());
      TrainingSetOutput.write(spark, result, request, format, metadata, plan.snapshots());
      TrainingSetResult r =
          new TrainingSetResult(
              request.output(),
              format,
              plan.featureColumns(),
              stats.rows(),
              written,
              stats.uncovered(),
              stats.uncoveredFromMillis(),
              stats.uncoveredToMillis(),
              request.onUncovered(),
              errors.value(),
              plan.snapshots(),
              plan.coverage(),
              System.currentTimeMillis() - started);
      if (r.errorRows() > 0) {
        LOG.warn(
            "{} rows have null features because their stored accumulators could not be read or overflowed",
            r.errorRows());
      }
      return r;
    } finally {
      normalized.unpersist();
    }
  }

  /**
   * Counts of the normalized spine, from one aggregation.
   *
   * @param rows spine rows
   * @param uncovered rows the offline store cannot answer
   * @param uncoveredFromMillis earliest time of an uncovered row with a time, epoch ms, or null
   * @param uncoveredToMillis latest time of an uncovered row with a time, epoch ms, or null
   * @param coveredFromUs earliest time of a covered row, epoch µs, or null if none is covered
   * @param coveredToUs latest time of a covered row, epoch µs, or null if none is covered
   */
  private record SpineStats(
      long rows,
      long uncovered,
      Long uncoveredFromMillis,
      Long uncoveredToMillis,
      Long coveredFromUs,
      Long coveredToUs) {
    static SpineStats of(Dataset<Row> normalized) {
      String timeUs = Spines.TIME_US;
      Row stats =
          normalized
              .agg(
                  org.apache.spark.sql.functions.count(lit(1)),
                  org.apache.spark.sql.functions.sum(
                      expr("CASE WHEN " + COVERED + " THEN 0 ELSE 1 END")),
                  org.apache.spark.sql.functions.min(
                      expr("CASE WHEN NOT " + COVERED + " THEN " + timeUs + " END")),
                  org.apache.spark.sql.functions.max(
                      expr("CASE WHEN NOT " + COVERED + " THEN " + timeUs + " END")),
                  org.apache.spark.sql.functions.min(
                      expr("CASE WHEN " + COVERED + " THEN " + timeUs + " END")),
                  org.apache.spark.sql.functions.max(
                      expr("CASE WHEN " + COVERED + " THEN " + timeUs + " END")))
              .first();
      return new SpineStats(
          stats.getLong(0),
          stats.isNullAt(1) ? 0 : stats.getLong(1),
          stats.isNullAt(2) ? null : Math.floorDiv(stats.getLong(2), 1000L),
          stats.isNullAt(3) ? null : Math.floorDiv(stats.getLong(3), 1000L),
          stats.isNullAt(4) ? null : stats.getLong(4),
          stats.isNullAt(4) ? null : stats.getLong(5));
    }
  }

  /**
   * @return whether a spine row's longest window, slices {@code sliceIndex(t) - n + 1 ..
   *     sliceIndex(t)}, lies in one covered range
   */
  private static Column coveredBy(FeatureSelection s, CoveredIntervals coverage) {
    long sliceUs = Math.multiplyExact(s.fs().sliceMillis(), 1000L);
    String current = SweepRecords.floorDiv(Spines.TIME_US, sliceUs);
    String needFromMs =
        "(("
            + current
            + " - "
            + (s.longestWindowSlices() - 1)
            + ") * "
            + s.fs().sliceMillis()
            + "L)";
    String needToMs = "((" + current + " + 1) * " + s.fs().sliceMillis() + "L)";
    List<String> any = new ArrayList<>();
    for (long[] iv : coverage.intervals()) {
      any.add("(" + needFromMs + " >= " + iv[0] + "L AND " + needToMs + " <= " + iv[1] + "L)");
    }
    return any.isEmpty() ? lit(false) : expr(String.join(" OR ", any));
  }
}
