package dev.slicestore.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.slicestore.compaction.IcebergTables;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.RequestContext;
import dev.slicestore.core.time.CoveredIntervals;
import dev.slicestore.ingest.EventPipeline;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.DataFrameWriterV2;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point-in-time training sets from the Iceberg offline store (DESIGN.md, "Training sets"): the
 * spine's rows and columns plus one column per feature, each computed at the row's timestamp
 * {@code t} by the window rule serving uses: whole slices {@code sliceIndex(t) - W/s + 1 ..
 * sliceIndex(t) - 1} from the {@code <fs>_slices} table (their exact accumulator bytes), and the
 * current slice's events with event time {@code < t} from the {@code <fs>_events} table, merged by
 * the same core functions serving uses, so values are equal to what serving returned.
 *
 * <h2>How the work is spread</h2>
 * No per-row lookups, no range join, nothing collected on the driver but one row of counts:
 * <ol>
 *   <li>every spine row, every slice row and every event row that some spine row needs becomes a
 *       <em>sweep record</em> keyed by (entity, time bucket), where a bucket is a span of
 *       {@code L} of event time ({@code L} = the longest requested window rounded up to whole
 *       slices, or {@code --time-bucket});
 *   <li>a spine row goes to the bucket of its time; an event to the bucket of its time (its slice
 *       lies within one bucket, as {@code L} is a multiple of the slice); a slice, which spine rows
 *       use during {@code [slice end, slice end + W - s)}, to every bucket that span touches: at
 *       most two when {@code L >= W}, so the offline data is read once and shuffled at most twice.
 *       {@code W} is the longest window <em>including session max-lengths</em>: a session feature
 *       reads the slices of its max-length lookback, so {@code L}, the replication and the
 *       coverage check all count it as a window. Slice records carry the slice's earliest and
 *       latest event times ({@code min_event_time}, {@code max_event_time}; null earliest times of
 *       rows written before that column existed are passed on as unknown);
 *   <li>records are shuffled by (entity, bucket), sorted within partitions by (entity, bucket,
 *       time, kind), and each group is swept once by {@link PointInTimeSweep} with
 *       {@link dev.slicestore.core.offline.PointInTimeEvaluator}: O(records · windows) merges.
 * </ol>
 * <b>Skew</b>: an entity holding a large share of the rows is spread over as many tasks as it has
 * buckets: its work is split by time, not left to one task. One bucket is never split further:
 * its sweep needs the bucket's records in time order, and a smaller {@code --time-bucket} trades
 * replication of slices (each reaching {@code ceil((W - s) / L) + 1} buckets) for smaller units.
 *
 * <h2>What the offline store covers</h2>
 * Compaction records in every Iceberg commit the slice ranges the table covers
 * ({@link IcebergTables#coverage}). A spine row is <em>covered</em> when the slices
 * {@code sliceIndex(t) - W/s + 1 .. sliceIndex(t)} of its longest window all lie in one covered
 * range of both tables of every feature set. Other rows (typically later than the last
 * compacted slice, whose events are still only in Redis) are reported by count and time range and
 * handled by {@link UncoveredPolicy}; they never get values.
 *
 * <h2>Reproducibility</h2>
 * The tables are read at the snapshot current when the run starts ({@code VERSION AS OF}); the
 * snapshot ids are written with the output (Parquet: {@value #METADATA_FILE} in the output
 * directory; Iceberg: table properties {@code slicestore.training-set} and
 * {@code slicestore.source.<table>.snapshot-id}).
 *
 * <p>Driver-side; stateless.
 */
public final class TrainingSets {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingSets.class);
  /** Internal spine row id column (dropped from the output). */
  public static final String ROW_ID = "__ss_row_id";
  /** Column added by {@link UncoveredPolicy#FLAG}: false for rows the offline store could not answer. */
  public static final String COVERED_COLUMN = "slicestore_covered";
  /** Metadata file written in a Parquet output directory. */
  public static final String METADATA_FILE = "_slicestore_training_set.json";

  private static final String ENTITY = "__ss_entity";
  private static final String TIME_US = "__ss_t_us";
  private static final String COVERED = "__ss_covered";

  private TrainingSets() {}

  /** A feature set with its requested features and output column names, and its pinned tables. */
  private record Selection(FeatureSet fs, List<Feature> features, List<String> columns, List<Integer> order, String eventsTable,
      long eventsSnapshot, String slicesTable, long slicesSnapshot, CoveredIntervals eventsCoverage,
      CoveredIntervals slicesCoverage) {
    int longestWindowSlices() {
      int n = 1;
      for (Feature f : features) {
        n = Math.max(n, fs.slicing().slicesPerWindow(f.windowMillis()));
      }
      return n;
    }
  }

  /**
   * Builds and writes a training set.
   *
   * @param spark the session (its catalog configuration may be extended with the local default
   *     offline-store catalog, as compaction does); timestamps without a zone in the spine are read
   *     in its {@code spark.sql.session.timeZone}
   * @param app the deployment configuration (its state directory holds the local warehouse)
   * @param request what to build
   * @return what was written
   * @throws IllegalArgumentException for an invalid request: unknown or ambiguous feature,
   *     missing spine column, unsupported spine time type, output column clash, missing offline
   *     store
   * @throws TrainingSetRefusedException if some spine rows are not covered and the policy is
   *     {@link UncoveredPolicy#FAIL} (nothing is written)
   * @throws IllegalStateException if writing the output fails (e.g. it exists and
   *     {@code overwrite} is false)
   */
  public static TrainingSetResult build(SparkSession spark, AppConfig app, TrainingSetRequest request) {
    long started = System.currentTimeMillis();
    String catalogInfo = IcebergTables.configureCatalog(spark, app, request.catalog());
    LOG.info("Offline store: {}", catalogInfo);
    List<Selection> selections = select(spark, request);
    Map<String, Long> snapshots = new LinkedHashMap<>();
    Map<String, String> coverage = new LinkedHashMap<>();
    for (Selection s : selections) {
      snapshots.put(s.eventsTable(), s.eventsSnapshot());
      snapshots.put(s.slicesTable(), s.slicesSnapshot());
      coverage.put(s.fs().name(), s.slicesCoverage().describe());
      LOG.info("Feature set {}: {} features from {} (snapshot {}) and {} (snapshot {}), covering {}", s.fs().name(),
          s.features().size(), s.eventsTable(), s.eventsSnapshot(), s.slicesTable(), s.slicesSnapshot(),
          s.slicesCoverage().describe());
    }

    Dataset<Row> spine;
    String spineColumnEntity = request.entityColumnOrDefault();
    String spineColumnTime = request.timeColumnOrDefault();
    if (request.snapshotTimeMillis() != null) {
      spine = snapshotSpine(spark, request, selections);
    } else {
      spine = readSpine(spark, request, snapshots);
    }
    checkContextColumns(selections, spine, request.snapshotTimeMillis() != null);
    Set<String> outputNames = new LinkedHashSet<>();
    for (String c : spine.columns()) {
      outputNames.add(c.toLowerCase(Locale.ROOT));
    }
    for (Selection s : selections) {
      for (String c : s.columns()) {
        if (!outputNames.add(c.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException("The output would have two columns named '" + c + "' (a spine column and a"
              + " feature, or two features): rename the spine column or select features with --features");
        }
      }
    }
    if (request.onUncovered() == UncoveredPolicy.FLAG && !outputNames.add(COVERED_COLUMN)) {
      throw new IllegalArgumentException("The spine already has a column '" + COVERED_COLUMN + "', which --on-uncovered flag adds");
    }

    Dataset<Row> normalized = normalize(spine, spineColumnEntity, spineColumnTime)
        .withColumn(ROW_ID, org.apache.spark.sql.functions.monotonically_increasing_id());
    Column covered = col(ENTITY).isNotNull().and(col(TIME_US).isNotNull());
    for (Selection s : selections) {
      covered = covered.and(coveredBy(s, s.eventsCoverage())).and(coveredBy(s, s.slicesCoverage()));
    }
    normalized = normalized.withColumn(COVERED, covered).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row stats = normalized.agg(
          org.apache.spark.sql.functions.count(lit(1)),
          org.apache.spark.sql.functions.sum(expr("CASE WHEN " + COVERED + " THEN 0 ELSE 1 END")),
          org.apache.spark.sql.functions.min(expr("CASE WHEN NOT " + COVERED + " THEN " + TIME_US + " END")),
          org.apache.spark.sql.functions.max(expr("CASE WHEN NOT " + COVERED + " THEN " + TIME_US + " END")),
          org.apache.spark.sql.functions.min(expr("CASE WHEN " + COVERED + " THEN " + TIME_US + " END")),
          org.apache.spark.sql.functions.max(expr("CASE WHEN " + COVERED + " THEN " + TIME_US + " END"))).first();
      long spineRows = stats.getLong(0);
      long uncovered = stats.isNullAt(1) ? 0 : stats.getLong(1);
      Long uncoveredFrom = stats.isNullAt(2) ? null : Math.floorDiv(stats.getLong(2), 1000L);
      Long uncoveredTo = stats.isNullAt(3) ? null : Math.floorDiv(stats.getLong(3), 1000L);
      LOG.info("Spine: {} rows, {} of them beyond what the offline store covers", spineRows, uncovered);
      if (uncovered > 0 && request.onUncovered() == UncoveredPolicy.FAIL) {
        throw new TrainingSetRefusedException(uncovered + " of " + spineRows + " spine rows cannot be answered by the offline"
            + " store" + (uncoveredFrom == null ? " (they have no entity key or time)"
                : " (times " + Instant.ofEpochMilli(uncoveredFrom) + " .. " + Instant.ofEpochMilli(uncoveredTo) + ")")
            + ": their windows reach slices no compaction has written (offline store of " + String.join("; ",
                coverage.entrySet().stream().map(e -> e.getKey() + " covers " + e.getValue()).toList())
            + "). Compact the missing range first, or pass --on-uncovered drop or flag.");
      }
      Dataset<Row> rows = request.onUncovered() == UncoveredPolicy.DROP ? normalized.where(col(COVERED)) : normalized;
      LongAccumulator errors = spark.sparkContext().longAccumulator("training-set rows with unreadable data");
      Dataset<Row> out = rows;
      if (!stats.isNullAt(4)) {
        long minTimeUs = stats.getLong(4);
        long maxTimeUs = stats.getLong(5);
        for (Selection s : selections) {
          Dataset<Row> values = sweep(spark, s, normalized.where(col(COVERED)), minTimeUs, maxTimeUs,
              request.timeBucketMillis(), errors);
          out = out.join(values, out.col(ROW_ID).equalTo(values.col(ROW_ID)), "left").drop(values.col(ROW_ID));
        }
      } else {
        for (Selection s : selections) {
          for (int i = 0; i < s.features().size(); i++) {
            out = out.withColumn(s.columns().get(i), lit(null).cast(EventPipeline.resultSparkType(s.features().get(i).result())));
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
      // feature columns in the order of --features (else feature set by feature set, in definition order)
      java.util.TreeMap<Integer, String> ordered = new java.util.TreeMap<>();
      for (Selection s : selections) {
        for (int i = 0; i < s.columns().size(); i++) {
          ordered.put(s.order().get(i), s.columns().get(i));
        }
      }
      List<String> featureColumns = new ArrayList<>(ordered.values());
      featureColumns.forEach(c -> select.add(col("`" + c + "`")));
      Dataset<Row> result = out.select(select.toArray(Column[]::new));
      long written = request.onUncovered() == UncoveredPolicy.DROP ? spineRows - uncovered : spineRows;
      String format = outputFormat(request);
      Map<String, Object> metadata = metadata(request, selections, featureColumns, snapshots, spineRows, written, uncovered,
          uncoveredFrom, uncoveredTo);
      write(spark, result, request, format, metadata, snapshots);
      TrainingSetResult r = new TrainingSetResult(request.output(), format, featureColumns, spineRows, written, uncovered,
          uncoveredFrom, uncoveredTo, request.onUncovered(), errors.value(), snapshots, coverage,
          System.currentTimeMillis() - started);
      if (r.errorRows() > 0) {
        LOG.warn("{} rows have null features because their stored accumulators could not be read or overflowed", r.errorRows());
      }
      return r;
    } finally {
      normalized.unpersist();
    }
  }

  /** Resolves the requested features per feature set, their output names, and pins each set's tables. */
  private static List<Selection> select(SparkSession spark, TrainingSetRequest request) {
    Map<FeatureSet, List<Feature>> chosen = new LinkedHashMap<>();
    Map<String, Integer> requestOrder = new HashMap<>();   // <feature set>.<feature>: Feature records of two sets may be equal
    request.featureSets().forEach(fs -> chosen.put(fs, new ArrayList<>()));
    if (request.features().isEmpty()) {
      request.featureSets().forEach(fs -> chosen.get(fs).addAll(fs.features()));
    } else {
      for (String name : request.features()) {
        List<FeatureSet> matches = new ArrayList<>();
        String featureName = name;
        for (FeatureSet fs : request.featureSets()) {
          if (name.startsWith(fs.name() + ".") && fs.features().stream().anyMatch(f -> f.name().equals(name.substring(fs.name().length() + 1)))) {
            matches.clear();
            matches.add(fs);
            featureName = name.substring(fs.name().length() + 1);
            break;
          }
          if (fs.features().stream().anyMatch(f -> f.name().equals(name))) {
            matches.add(fs);
          }
        }
        if (matches.isEmpty()) {
          List<String> known = new ArrayList<>();
          request.featureSets().forEach(fs -> fs.features().forEach(f -> known.add(f.name())));
          throw new IllegalArgumentException("Unknown feature '" + name + "' (known: " + String.join(", ", known) + ")");
        }
        if (matches.size() > 1) {
          throw new IllegalArgumentException("Feature '" + name + "' is in several feature sets ("
              + String.join(", ", matches.stream().map(FeatureSet::name).toList()) + "): write <feature set>." + name);
        }
        Feature f = matches.get(0).feature(featureName);
        if (!chosen.get(matches.get(0)).contains(f)) {
          chosen.get(matches.get(0)).add(f);
          requestOrder.put(matches.get(0).name() + "." + f.name(), requestOrder.size());
        }
      }
    }
    Map<String, Integer> nameCounts = new HashMap<>();
    chosen.values().forEach(list -> list.forEach(f -> nameCounts.merge(f.name(), 1, Integer::sum)));
    List<Selection> out = new ArrayList<>();
    for (Map.Entry<FeatureSet, List<Feature>> e : chosen.entrySet()) {
      FeatureSet fs = e.getKey();
      if (e.getValue().isEmpty()) {
        continue;
      }
      IcebergTables.checkColumnNames(fs);
      List<String> columns = new ArrayList<>();
      List<Integer> order = new ArrayList<>();
      for (Feature f : e.getValue()) {
        columns.add(nameCounts.get(f.name()) > 1 ? fs.name() + "_" + f.name() : f.name());
        order.add(requestOrder.getOrDefault(fs.name() + "." + f.name(), out.size() * 100_000 + order.size()));
      }
      String events = IcebergTables.eventsTable(request.catalog(), request.namespace(), fs);
      String slices = IcebergTables.slicesTable(request.catalog(), request.namespace(), fs);
      Table eventsTable = loadOfflineTable(spark, events, fs);
      Table slicesTable = loadOfflineTable(spark, slices, fs);
      Snapshot es = eventsTable.currentSnapshot();
      Snapshot ss = slicesTable.currentSnapshot();
      if (es == null || ss == null) {
        throw new IllegalArgumentException("The offline store of feature set " + fs.name() + " is empty (" + (es == null ? events
            : slices) + " has no snapshot): compact a range first");
      }
      out.add(new Selection(fs, List.copyOf(e.getValue()), columns, order, events, es.snapshotId(), slices, ss.snapshotId(),
          IcebergTables.coverage(eventsTable, es), IcebergTables.coverage(slicesTable, ss)));
    }
    return out;
  }

  private static Table loadOfflineTable(SparkSession spark, String table, FeatureSet fs) {
    try {
      Table t = IcebergTables.load(spark, table);
      t.refresh();
      String version = t.properties().get(IcebergTables.PROP_FEATURE_SET_VERSION);
      if (version != null && !version.equals(Integer.toString(fs.version()))) {
        throw new IllegalArgumentException("Table " + table + " holds feature set " + fs.name() + " version " + version
            + ", not version " + fs.version() + " (" + fs.sourceFile() + "): pass the --namespace of that version's tables");
      }
      return t;
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException("Feature set " + fs.name() + " has no offline store yet: " + e.getMessage()
          + " (run compaction for a range first, with the same --catalog and --namespace)", e);
    }
  }

  /** Reads the spine, pinning an Iceberg spine to its current snapshot. */
  private static Dataset<Row> readSpine(SparkSession spark, TrainingSetRequest request, Map<String, Long> snapshots) {
    String location = request.spine();
    String format = request.spineFormat() != null ? request.spineFormat().toLowerCase(Locale.ROOT) : inferFormat(location, true);
    Dataset<Row> spine;
    switch (format) {
      case "csv" -> spine = spark.read().option("header", "true").option("inferSchema", "false").csv(location);
      case "parquet" -> spine = spark.read().parquet(location);
      case "iceberg" -> {
        String table = qualify(location, request);
        Table t;
        try {
          t = IcebergTables.load(spark, table);
          t.refresh();
        } catch (IllegalStateException e) {
          throw new IllegalArgumentException("Cannot read the spine: " + e.getMessage(), e);
        }
        if (t.currentSnapshot() == null) {
          spine = spark.table(IcebergTables.quote(table));
        } else {
          snapshots.put(table, t.currentSnapshot().snapshotId());
          spine = spark.sql("SELECT * FROM " + IcebergTables.quote(table) + " VERSION AS OF " + t.currentSnapshot().snapshotId());
        }
      }
      default -> throw new IllegalArgumentException("Invalid --spine-format '" + request.spineFormat() + "': use iceberg, parquet or csv");
    }
    for (String c : List.of(request.entityColumnOrDefault(), request.timeColumnOrDefault())) {
      if (!List.of(spine.columns()).contains(c)) {
        throw new IllegalArgumentException("The spine " + location + " has no column '" + c + "' (columns: "
            + String.join(", ", spine.columns()) + "); name its columns with --entity-column and --time-column");
      }
    }
    for (String c : spine.columns()) {
      if (c.startsWith("__ss_")) {
        throw new IllegalArgumentException("The spine column '" + c + "' uses the reserved prefix __ss_");
      }
    }
    return spine;
  }

  /** Snapshot mode: every entity with data in some requested window at the snapshot time. */
  private static Dataset<Row> snapshotSpine(SparkSession spark, TrainingSetRequest request, List<Selection> selections) {
    long t = request.snapshotTimeMillis();
    Dataset<Row> entities = null;
    for (Selection s : selections) {
      long s0 = s.fs().sliceMillis();
      long current = Math.floorDiv(t, s0);
      long oldest = current - s.longestWindowSlices() + 1;
      Dataset<Row> fromSlices = readAt(spark, s.slicesTable(), s.slicesSnapshot())
          .where(col("slice_index").between(oldest, current - 1)).select(col("entity_key"));
      Dataset<Row> fromEvents = readAt(spark, s.eventsTable(), s.eventsSnapshot())
          .where(col("slice_index").equalTo(current).and(expr("unix_micros(event_time) < " + Math.multiplyExact(t, 1000L))))
          .select(col("entity_key"));
      Dataset<Row> both = fromSlices.union(fromEvents);
      entities = entities == null ? both : entities.union(both);
    }
    return entities.where(col("entity_key").isNotNull()).distinct()
        .select(col("entity_key").as(request.entityColumnOrDefault()),
            lit(new java.sql.Timestamp(t)).as(request.timeColumnOrDefault()));
  }

  private static Dataset<Row> readAt(SparkSession spark, String table, long snapshotId) {
    return spark.sql("SELECT * FROM " + IcebergTables.quote(table) + " VERSION AS OF " + snapshotId);
  }

  /** Adds the entity key as a string and the time in epoch microseconds. */
  private static Dataset<Row> normalize(Dataset<Row> spine, String entityColumn, String timeColumn) {
    String quotedTime = "`" + timeColumn.replace("`", "``") + "`";
    DataType timeType = spine.schema().apply(timeColumn).dataType();
    String micros;
    if (timeType.equals(DataTypes.TimestampType)) {
      micros = "unix_micros(" + quotedTime + ")";
    } else if (timeType.equals(DataTypes.TimestampNTZType) || timeType.equals(DataTypes.DateType)
        || timeType.equals(DataTypes.StringType)) {
      micros = "unix_micros(try_cast(" + quotedTime + " AS TIMESTAMP))";
    } else if (timeType.equals(DataTypes.LongType) || timeType.equals(DataTypes.IntegerType)) {
      micros = "try_multiply(CAST(" + quotedTime + " AS BIGINT), 1000)";
    } else {
      throw new IllegalArgumentException("The spine's time column '" + timeColumn + "' has type " + timeType.simpleString()
          + ": use a timestamp, epoch milliseconds (long) or an ISO-8601 string");
    }
    return spine.withColumn(ENTITY, col("`" + entityColumn.replace("`", "``") + "`").cast(DataTypes.StringType))
        .withColumn(TIME_US, expr(micros));
  }

  /**
   * @return whether a spine row's longest window, slices {@code sliceIndex(t) - n + 1 ..
   *     sliceIndex(t)}, lies in one covered range
   */
  private static Column coveredBy(Selection s, CoveredIntervals coverage) {
    long sliceUs = Math.multiplyExact(s.fs().sliceMillis(), 1000L);
    String current = "((" + TIME_US + " - pmod(" + TIME_US + ", " + sliceUs + "L)) div " + sliceUs + "L)";
    String needFromMs = "((" + current + " - " + (s.longestWindowSlices() - 1) + ") * " + s.fs().sliceMillis() + "L)";
    String needToMs = "((" + current + " + 1) * " + s.fs().sliceMillis() + "L)";
    List<String> any = new ArrayList<>();
    for (long[] iv : coverage.intervals()) {
      any.add("(" + needFromMs + " >= " + iv[0] + "L AND " + needToMs + " <= " + iv[1] + "L)");
    }
    return any.isEmpty() ? lit(false) : expr(String.join(" OR ", any));
  }

  /** Schema of the sweep records of {@code s}. */
  static StructType sweepSchema(Selection s) {
    List<StructField> inputs = new ArrayList<>();
    List<dev.slicestore.core.config.InputColumn> columns = s.fs().inputColumns();
    for (int i = 0; i < columns.size(); i++) {
      inputs.add(DataTypes.createStructField("i" + i, EventPipeline.sparkType(columns.get(i).type()), true));
    }
    if (inputs.isEmpty()) {
      inputs.add(DataTypes.createStructField("none", DataTypes.StringType, true));   // Spark needs a non-empty struct
    }
    return DataTypes.createStructType(List.of(
        DataTypes.createStructField("e", DataTypes.StringType, true),
        DataTypes.createStructField("b", DataTypes.LongType, false),
        DataTypes.createStructField("t", DataTypes.LongType, false),
        DataTypes.createStructField("k", DataTypes.IntegerType, false),
        DataTypes.createStructField("id", DataTypes.LongType, true),
        DataTypes.createStructField("s", DataTypes.LongType, true),
        DataTypes.createStructField("a", DataTypes.createArrayType(DataTypes.BinaryType, true), true),
        DataTypes.createStructField("topic", DataTypes.StringType, true),
        DataTypes.createStructField("p", DataTypes.IntegerType, true),
        DataTypes.createStructField("o", DataTypes.LongType, true),
        DataTypes.createStructField("in", DataTypes.createStructType(inputs), true),
        DataTypes.createStructField("cx", DataTypes.createArrayType(DataTypes.StringType, true), true),
        DataTypes.createStructField("mn", DataTypes.LongType, true),
        DataTypes.createStructField("mx", DataTypes.LongType, true)));
  }

  /** The features of one selection for the covered spine rows: {@code __ss_row_id} + one column per feature. */
  private static Dataset<Row> sweep(SparkSession spark, Selection s, Dataset<Row> spine, long minTimeUs, long maxTimeUs,
      Long timeBucketMillis, LongAccumulator errors) {
    dev.slicestore.core.offline.PointInTimeEvaluator probe =
        new dev.slicestore.core.offline.PointInTimeEvaluator(s.fs(), s.features());
    int[] needed = probe.neededAggregations();
    long sliceMs = s.fs().sliceMillis();
    int n = s.longestWindowSlices();
    long bucketMs = timeBucketMillis != null ? timeBucketMillis : n * sliceMs;
    bucketMs = Math.max(sliceMs, (bucketMs + sliceMs - 1) / sliceMs * sliceMs);   // whole slices: a slice is in one bucket
    long bucketUs = Math.multiplyExact(bucketMs, 1000L);
    long sliceUs = Math.multiplyExact(sliceMs, 1000L);
    long minCurrent = Math.floorDiv(minTimeUs, sliceUs);
    long maxCurrent = Math.floorDiv(maxTimeUs, sliceUs);
    StructType schema = sweepSchema(s);
    StructType inputsType = (StructType) schema.apply("in").dataType();
    Column noInputs = lit(null).cast(inputsType);
    Column noAccs = lit(null).cast(DataTypes.createArrayType(DataTypes.BinaryType, true));
    Column noTime = lit(null).cast(DataTypes.LongType);
    Column noContext = lit(null).cast(DataTypes.createArrayType(DataTypes.StringType, true));
    // request context (bloom_contains): per context key, the spine column of that name, as text
    List<Column> contextColumns = new ArrayList<>();
    for (String key : RequestContext.keys(s.fs(), s.features()).keySet()) {
      String column = contextColumn(spine, key);
      contextColumns.add(col("`" + column.replace("`", "``") + "`").cast(DataTypes.StringType));
    }
    Column spineContext = contextColumns.isEmpty() ? noContext
        : org.apache.spark.sql.functions.array(contextColumns.toArray(Column[]::new));

    Dataset<Row> spineRecords = spine.select(col(ENTITY).as("e"), expr(floorDiv(TIME_US, bucketUs)).as("b"),
        col(TIME_US).as("t"), lit(PointInTimeSweep.KIND_SPINE).as("k"), col(ROW_ID).as("id"),
        lit(null).cast(DataTypes.LongType).as("s"), noAccs.as("a"), lit(null).cast(DataTypes.StringType).as("topic"),
        lit(null).cast(DataTypes.IntegerType).as("p"), lit(null).cast(DataTypes.LongType).as("o"), noInputs.as("in"),
        spineContext.as("cx"), noTime.as("mn"), noTime.as("mx"));

    Dataset<Row> records = spineRecords;
    if (n > 1) {
      List<Column> accs = new ArrayList<>();
      for (int a : needed) {
        accs.add(col("`" + s.fs().aggregations().get(a).name() + "_acc`"));
      }
      String sliceEndUs = "((slice_index + 1) * " + sliceUs + "L)";
      String lastUseUs = "(" + sliceEndUs + " + " + Math.multiplyExact((long) (n - 1), sliceUs) + "L - 1)";
      Dataset<Row> sliceRecords = readAt(spark, s.slicesTable(), s.slicesSnapshot())
          .where(col("slice_index").between(minCurrent - n + 1, maxCurrent - 1))
          .where(col("slice_start").between(lit(new java.sql.Timestamp((minCurrent - n + 1) * sliceMs)),
              lit(new java.sql.Timestamp(maxCurrent * sliceMs))))
          .select(col("entity_key").as("e"),
              expr("explode(sequence(" + floorDiv(sliceEndUs, bucketUs) + ", " + floorDiv(lastUseUs, bucketUs) + "))").as("b"),
              expr(sliceEndUs).as("t"), lit(PointInTimeSweep.KIND_SLICE).as("k"), lit(null).cast(DataTypes.LongType).as("id"),
              col("slice_index").as("s"), org.apache.spark.sql.functions.array(accs.toArray(Column[]::new)).as("a"),
              lit(null).cast(DataTypes.StringType).as("topic"), lit(null).cast(DataTypes.IntegerType).as("p"),
              lit(null).cast(DataTypes.LongType).as("o"), noInputs.as("in"), noContext.as("cx"),
              expr("unix_millis(" + IcebergTables.MIN_EVENT_TIME + ")").as("mn"), expr("unix_millis(max_event_time)").as("mx"));
      records = records.unionByName(sliceRecords);
    }
    List<Column> inputs = new ArrayList<>();
    List<dev.slicestore.core.config.InputColumn> inputColumns = s.fs().inputColumns();
    for (int i = 0; i < inputColumns.size(); i++) {
      inputs.add(col("`" + inputColumns.get(i).name() + "`").cast(EventPipeline.sparkType(inputColumns.get(i).type())).as("i" + i));
    }
    if (inputs.isEmpty()) {
      inputs.add(lit(null).cast(DataTypes.StringType).as("none"));
    }
    Dataset<Row> eventRecords = readAt(spark, s.eventsTable(), s.eventsSnapshot())
        .where(col("slice_index").between(minCurrent, maxCurrent))
        .where(col("slice_start").between(lit(new java.sql.Timestamp(minCurrent * sliceMs)),
            lit(new java.sql.Timestamp(maxCurrent * sliceMs))))
        .select(col("entity_key").as("e"), expr(floorDiv("unix_micros(event_time)", bucketUs)).as("b"),
            expr("unix_micros(event_time)").as("t"), lit(PointInTimeSweep.KIND_EVENT).as("k"),
            lit(null).cast(DataTypes.LongType).as("id"), lit(null).cast(DataTypes.LongType).as("s"), noAccs.as("a"),
            col("topic"), col("partition").as("p"), col("offset").as("o"),
            org.apache.spark.sql.functions.struct(inputs.toArray(Column[]::new)).as("in"), noContext.as("cx"), noTime.as("mn"),
            noTime.as("mx"));
    records = records.unionByName(eventRecords);

    int partitions = Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions"));
    List<StructField> outFields = new ArrayList<>();
    outFields.add(DataTypes.createStructField(ROW_ID, DataTypes.LongType, false));
    for (int i = 0; i < s.features().size(); i++) {
      outFields.add(DataTypes.createStructField(s.columns().get(i), EventPipeline.resultSparkType(s.features().get(i).result()),
          true));
    }
    LOG.info("Feature set {}: sweeping slices {}..{} by (entity, {} ms time bucket) in {} partitions", s.fs().name(),
        minCurrent - n + 1, maxCurrent, bucketMs, partitions);
    return records.repartition(partitions, col("e"), col("b"))
        .sortWithinPartitions(col("e"), col("b"), col("t"), col("k"))
        .mapPartitions(new PointInTimeSweep(s.fs(), s.features(), errors), Encoders.row(DataTypes.createStructType(outFields)));
  }

  /**
   * @return the spine column holding request-context key {@code key}: the column of that name,
   *     else the only one equal ignoring case
   * @throws IllegalArgumentException if there is none
   */
  private static String contextColumn(Dataset<Row> spine, String key) {
    List<String> columns = List.of(spine.columns());
    if (columns.contains(key)) {
      return key;
    }
    List<String> alike = columns.stream().filter(c -> c.equalsIgnoreCase(key)).toList();
    if (alike.size() == 1) {
      return alike.get(0);
    }
    throw new IllegalArgumentException("No spine column '" + key + "' (columns: " + String.join(", ",
        columns.stream().filter(c -> !c.startsWith("__ss_")).toList()) + ")");
  }

  /**
   * Checks that the spine holds a column per request-context key the selected features need
   * ({@code bloom_contains}: "might the window contain the value of this row's column?").
   *
   * @throws IllegalArgumentException naming the feature and the missing column, or, in snapshot
   *     mode (no spine), the features that need one
   */
  private static void checkContextColumns(List<Selection> selections, Dataset<Row> spine, boolean snapshot) {
    for (Selection s : selections) {
      for (Feature f : s.features()) {
        String key = s.fs().aggregations().get(f.aggregationIndex()).contextKey();
        if (key == null) {
          continue;
        }
        if (snapshot) {
          throw new IllegalArgumentException("Feature " + s.fs().name() + "." + f.name() + " answers with request context '"
              + key + "', which a snapshot has no column for: use a spine with a column '" + key
              + "', or leave the feature out with --features");
        }
        try {
          contextColumn(spine, key);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("Feature " + s.fs().name() + "." + f.name() + " answers with request context '"
              + key + "' (\"might the window contain this row's " + key + "?\"): " + e.getMessage()
              + "; add the column to the spine or leave the feature out with --features", e);
        }
      }
    }
  }

  /** @return SQL for {@code floorDiv(expr, divisor)} on longs */
  private static String floorDiv(String expression, long divisor) {
    return "((" + expression + " - pmod(" + expression + ", " + divisor + "L)) div " + divisor + "L)";
  }

  private static String qualify(String table, TrainingSetRequest request) {
    int dots = table.length() - table.replace(".", "").length();
    return switch (dots) {
      case 0 -> request.catalog() + "." + request.namespace() + "." + table;
      case 1 -> request.catalog() + "." + table;
      default -> table;
    };
  }

  private static String inferFormat(String location, boolean spine) {
    String lower = location.toLowerCase(Locale.ROOT);
    if (spine && (lower.endsWith(".csv") || lower.endsWith(".csv.gz"))) {
      return "csv";
    }
    if (lower.contains("/") || lower.endsWith(".parquet") || java.nio.file.Files.exists(java.nio.file.Path.of(location))) {
      return "parquet";
    }
    return "iceberg";
  }

  private static String outputFormat(TrainingSetRequest request) {
    String f = request.outputFormat() != null ? request.outputFormat().toLowerCase(Locale.ROOT) : inferFormat(request.output(), false);
    if (!f.equals("parquet") && !f.equals("iceberg")) {
      throw new IllegalArgumentException("Invalid --output-format '" + request.outputFormat() + "': use parquet or iceberg");
    }
    return f;
  }

  private static Map<String, Object> metadata(TrainingSetRequest request, List<Selection> selections, List<String> features,
      Map<String, Long> snapshots, long spineRows, long written, long uncovered, Long uncoveredFrom, Long uncoveredTo) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("created_at", Instant.now().toString());
    List<Map<String, Object>> sets = new ArrayList<>();
    for (Selection s : selections) {
      Map<String, Object> fs = new LinkedHashMap<>();
      fs.put("name", s.fs().name());
      fs.put("version", s.fs().version());
      fs.put("file", s.fs().sourceFile());
      fs.put("features", s.features().stream().map(Feature::name).toList());
      fs.put("columns", s.columns());
      fs.put("events_table", s.eventsTable());
      fs.put("events_snapshot_id", s.eventsSnapshot());
      fs.put("slices_table", s.slicesTable());
      fs.put("slices_snapshot_id", s.slicesSnapshot());
      fs.put("covered_ranges_ms", s.slicesCoverage().format());
      sets.add(fs);
    }
    m.put("feature_sets", sets);
    m.put("feature_columns", features);
    Map<String, Object> spine = new LinkedHashMap<>();
    if (request.snapshotTimeMillis() != null) {
      spine.put("snapshot_time", Instant.ofEpochMilli(request.snapshotTimeMillis()).toString());
    } else {
      spine.put("location", request.spine());
      spine.put("format", request.spineFormat());
    }
    spine.put("entity_column", request.entityColumnOrDefault());
    spine.put("time_column", request.timeColumnOrDefault());
    m.put("spine", spine);
    m.put("snapshots", snapshots);
    Map<String, Object> rows = new LinkedHashMap<>();
    rows.put("spine", spineRows);
    rows.put("written", written);
    rows.put("uncovered", uncovered);
    rows.put("uncovered_from", uncoveredFrom == null ? null : Instant.ofEpochMilli(uncoveredFrom).toString());
    rows.put("uncovered_to", uncoveredTo == null ? null : Instant.ofEpochMilli(uncoveredTo).toString());
    m.put("rows", rows);
    m.put("on_uncovered", request.onUncovered().name().toLowerCase(Locale.ROOT));
    return m;
  }

  private static void write(SparkSession spark, Dataset<Row> result, TrainingSetRequest request, String format,
      Map<String, Object> metadata, Map<String, Long> snapshots) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    try {
      if (format.equals("parquet")) {
        result.write().mode(request.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(request.output());
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(request.output());
        FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(dir, METADATA_FILE), true)) {
          out.write(json.writeValueAsString(metadata).getBytes(StandardCharsets.UTF_8));
        }
      } else {
        String table = qualify(request.output(), request);
        DataFrameWriterV2<Row> w = result.writeTo(IcebergTables.quote(table))
            .tableProperty("slicestore.training-set", json.writeValueAsString(metadata));
        for (Map.Entry<String, Long> e : snapshots.entrySet()) {
          w = w.tableProperty("slicestore.source." + e.getKey() + ".snapshot-id", Long.toString(e.getValue()));
        }
        if (request.overwrite()) {
          w.createOrReplace();
        } else {
          w.create();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("Cannot write the training set's metadata to " + request.output() + ": " + e.getMessage(), e);
    } catch (Exception e) {
      if (e instanceof RuntimeException re && re.getClass().getName().startsWith("dev.slicestore")) {
        throw re;
      }
      throw new IllegalStateException("Cannot write the training set to " + request.output() + ": " + e.getMessage(), e);
    }
  }
}
