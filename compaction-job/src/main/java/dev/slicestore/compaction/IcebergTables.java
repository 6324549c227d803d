package dev.slicestore.compaction;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.time.CoveredIntervals;
import dev.slicestore.ingest.EventPipeline;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.ReplaceSortOrder;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The offline store of a feature set: two Iceberg tables, their Spark catalog, and the atomic
 * replacement of a slice range's rows (DESIGN.md, "Offline store").
 *
 * <h2>Tables</h2>
 * <ul>
 *   <li>{@code <catalog>.<namespace>.<feature set>_events}: one row per accepted event,
 *       {@link #EVENT_COLUMNS} ({@code entity_key string, event_time timestamp, slice_start
 *       timestamp, slice_index bigint, topic string, partition int, offset bigint}) followed by
 *       every payload and transform column of the feature set with its declared type;
 *   <li>{@code <catalog>.<namespace>.<feature set>_slices}: one row per (entity key, slice):
 *       {@code entity_key, slice_index, slice_start, slice_end, event_count, min_event_time,
 *       max_event_time} (the slice's earliest and latest event times; session windows find gaps
 *       from them), per
 *       aggregation its typed result ({@code <aggregation>}: count long, sum the input type, mean
 *       double, min/max the input type; null if a long sum overflows) and the exact bytes of its
 *       core accumulator ({@code <aggregation>_acc binary}, {@code AggregateFunction.encode}: what
 *       training merges), and {@code covered_offsets array<struct<topic, partition, first_offset,
 *       end_offset>>}.
 * </ul>
 *
 * <h2>Partitioning and the overwrite</h2>
 * Both tables are partitioned by {@code identity(slice_start)}, and a run replaces its range with
 * one {@code DataFrameWriterV2.overwrite(slice_start >= from AND slice_start < to)} per table: one
 * Iceberg commit ({@code OverwriteFiles.overwriteByRowFilter}) that deletes the range's data files
 * and adds the new ones atomically. Iceberg executes such an overwrite on metadata only: a data file
 * is deleted when every row matches the filter, kept when none can, and the commit fails ("Cannot
 * delete file where some, but not all, rows match filter") otherwise. Because ranges are
 * slice-aligned and every data file holds one slice, every file is wholly inside or outside any
 * range, whatever ranges earlier runs used (overlapping, wider or narrower). The price is one
 * partition (and at least one file) per slice; coarser time partitions ({@code hours},
 * {@code days}) would only be safe if every range were aligned to them. Both tables have a write
 * order ({@code slice_start, entity_key[, event_time]}): Spark then sorts each task's rows so
 * Iceberg keeps one data file open at a time, whatever the number of slices in a range (a backfill
 * of a year of hourly slices), and each file is sorted by entity.
 *
 * <h2>Catalog</h2>
 * If Spark has no {@code spark.sql.catalog.<name>} setting, {@link #configureCatalog} registers an
 * Iceberg {@code SparkCatalog} of type {@code hadoop} with warehouse {@code <state-dir>/warehouse}
 * and {@code cache-enabled=false} (writes inside {@code foreachBatch} must see the latest
 * metadata). Any other Iceberg catalog (REST, Hive, Glue, Nessie) is used as configured through
 * Spark's catalog properties.
 *
 * <p>Driver-side; stateless.
 */
public final class IcebergTables {
  /** The events table's own leading columns, in order. */
  public static final List<String> EVENT_COLUMNS = List.of("entity_key", "event_time", "slice_start", "slice_index", "topic",
      "partition", "offset");
  /** The slices table's own leading columns, in order (aggregations and covered_offsets follow). */
  public static final List<String> SLICE_COLUMNS = List.of("entity_key", "slice_index", "slice_start", "slice_end",
      "event_count", "min_event_time", "max_event_time");
  /**
   * Snapshot-summary property of every commit of {@link #replaceRange}: the slice ranges the table
   * covers after the commit ({@link CoveredIntervals} text form, epoch ms), i.e. the union of this
   * run's range and the coverage recorded by the snapshot it replaced. Training reads it to tell
   * spine rows the offline store can answer from rows it cannot.
   */
  public static final String SNAPSHOT_COVERAGE = "slicestore.covered-ranges";
  /**
   * The slices-table column of each slice's earliest event time, added in the session-windows
   * release: {@link #ensureTables} adds it to an older table by Iceberg schema evolution (a
   * metadata-only change); rows written before stay null there until their range is compacted
   * again, and training treats a null as unknown ({@link dev.slicestore.core.time.Sessions}).
   */
  public static final String MIN_EVENT_TIME = "min_event_time";
  /** Table property recording the feature set's name. */
  public static final String PROP_FEATURE_SET = "slicestore.feature-set";
  /** Table property recording the feature set's version the table was created for. */
  public static final String PROP_FEATURE_SET_VERSION = "slicestore.feature-set-version";

  private IcebergTables() {}

  /** @return {@code <catalog>.<namespace>.<feature set name>_events} */
  public static String eventsTable(String catalog, String namespace, FeatureSet fs) {
    return catalog + "." + namespace + "." + fs.name() + "_events";
  }

  /** @return {@code <catalog>.<namespace>.<feature set name>_slices} */
  public static String slicesTable(String catalog, String namespace, FeatureSet fs) {
    return catalog + "." + namespace + "." + fs.name() + "_slices";
  }

  /**
   * Registers the local default catalog under {@code catalog} unless Spark already has a
   * {@code spark.sql.catalog.<catalog>} setting.
   *
   * @param spark the session (its runtime configuration is changed)
   * @param app the deployment configuration (its state directory holds the local warehouse)
   * @param catalog the catalog name
   * @return a description for the log: the warehouse path, or "configured by Spark properties"
   */
  public static String configureCatalog(SparkSession spark, AppConfig app, String catalog) {
    String prefix = "spark.sql.catalog." + catalog;
    if (spark.conf().getOption(prefix).isDefined()) {
      return "Spark catalog " + catalog + " as configured by " + prefix + "* properties";
    }
    Map<String, String> props = localCatalogProperties(catalog, app.stateDir());
    props.forEach((k, v) -> spark.conf().set(k, v));
    return "local Iceberg Hadoop catalog " + catalog + " with warehouse " + props.get(prefix + ".warehouse");
  }

  /**
   * @return the events table's schema for {@code fs} (all columns nullable)
   * @throws IllegalArgumentException if a column of the feature set has the name of a table column
   */
  public static StructType eventsSchema(FeatureSet fs) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("entity_key", DataTypes.StringType, true));
    f.add(DataTypes.createStructField("event_time", DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField("slice_start", DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField("slice_index", DataTypes.LongType, true));
    f.add(DataTypes.createStructField("topic", DataTypes.StringType, true));
    f.add(DataTypes.createStructField("partition", DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField("offset", DataTypes.LongType, true));
    fs.columns().forEach((name, type) -> f.add(DataTypes.createStructField(name, EventPipeline.sparkType(type), true)));
    checkUnique(f, "events", fs, "payload or transform column");
    return DataTypes.createStructType(f);
  }

  /**
   * @return the slices table's schema for {@code fs} (all columns nullable)
   * @throws IllegalArgumentException if an aggregation's columns have the name of another column
   */
  public static StructType slicesSchema(FeatureSet fs) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("entity_key", DataTypes.StringType, true));
    f.add(DataTypes.createStructField("slice_index", DataTypes.LongType, true));
    f.add(DataTypes.createStructField("slice_start", DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField("slice_end", DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField("event_count", DataTypes.LongType, true));
    f.add(DataTypes.createStructField(MIN_EVENT_TIME, DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField("max_event_time", DataTypes.TimestampType, true));
    for (Aggregation a : fs.aggregations()) {
      f.add(DataTypes.createStructField(a.name(), EventPipeline.resultSparkType(a.function()), true));
      f.add(DataTypes.createStructField(a.name() + AggregateSlices.ACC_SUFFIX, DataTypes.BinaryType, true));
    }
    f.add(DataTypes.createStructField(AggregateSlices.COVERED_OFFSETS,
        DataTypes.createArrayType(AggregateSlices.COVERED_RANGE_TYPE, true), true));
    checkUnique(f, "slices", fs, "aggregation");
    return DataTypes.createStructType(f);
  }

  /**
   * Checks that the feature set's column names fit the table layouts: no payload or transform
   * column and no aggregation may take the name of a table's own column (case-insensitively, as
   * Spark and Iceberg resolve names).
   *
   * @throws IllegalArgumentException naming the colliding column
   */
  public static void checkColumnNames(FeatureSet fs) {
    eventsSchema(fs);
    slicesSchema(fs);
  }

  private static void checkUnique(List<StructField> fields, String table, FeatureSet fs, String what) {
    Set<String> seen = new LinkedHashSet<>();
    List<String> names = new ArrayList<>();
    fields.forEach(f -> names.add(f.name()));
    for (String name : names) {
      if (!seen.add(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("Cannot write the " + table + " table of feature set " + fs.name() + ": the "
            + what + " '" + name + "' has the same name as another column of that table (" + String.join(", ", names)
            + "); rename it in " + (fs.sourceFile() == null ? "the feature set" : fs.sourceFile()));
      }
    }
  }

  /**
   * Creates the namespace and both tables unless they exist, and checks that existing tables were
   * created for this feature set and version with the same columns. A slices table that lacks only
   * {@value #MIN_EVENT_TIME} (written by an earlier release) gets it added by Iceberg schema
   * evolution.
   *
   * @throws IllegalStateException if an existing table belongs to another feature set version or
   *     has other columns
   */
  static void ensureTables(SparkSession spark, String catalog, String namespace, FeatureSet fs) {
    spark.sql("CREATE NAMESPACE IF NOT EXISTS " + quote(catalog + "." + namespace));
    ensureTable(spark, eventsTable(catalog, namespace, fs), eventsSchema(fs), fs, "events",
        List.of("slice_start", "entity_key", "event_time"));
    ensureTable(spark, slicesTable(catalog, namespace, fs), slicesSchema(fs), fs, "slices", List.of("slice_start", "entity_key"));
  }

  private static void ensureTable(SparkSession spark, String table, StructType schema, FeatureSet fs, String kind,
      List<String> sortColumns) {
    spark.sql("CREATE TABLE IF NOT EXISTS " + quote(table) + " (" + schema.toDDL() + ") USING iceberg"
        + " PARTITIONED BY (slice_start)"
        + " TBLPROPERTIES ('" + PROP_FEATURE_SET + "' = '" + fs.name() + "', '" + PROP_FEATURE_SET_VERSION + "' = '"
        + fs.version() + "', 'slicestore.table' = '" + kind + "', 'format-version' = '2')");
    Table t = load(spark, table);
    if (t.sortOrder().isUnsorted()) {
      // A write order makes Spark sort each task's rows by partition, so Iceberg writes one file at a
      // time (clustered writer) instead of keeping one open file per slice (fanout writer: out of
      // memory for a year of 1h slices), and gives entity-sorted files.
      ReplaceSortOrder order = t.replaceSortOrder();
      sortColumns.forEach(order::asc);
      order.commit();
    }
    String version = t.properties().get(PROP_FEATURE_SET_VERSION);
    if (version != null && !version.equals(Integer.toString(fs.version()))) {
      throw new IllegalStateException("Cannot write table " + table + ": it holds feature set " + fs.name() + " version " + version
          + ", not version " + fs.version() + "; a new version needs new tables: use another --namespace");
    }
    StructType actual = spark.table(quote(table)).schema();
    List<String> expected = describe(schema);
    List<String> found = describe(actual);
    if (!expected.equals(found) && kind.equals("slices") && !List.of(actual.fieldNames()).contains(MIN_EVENT_TIME)) {
      List<String> withoutMin = new ArrayList<>(expected);
      withoutMin.removeIf(c -> c.startsWith(MIN_EVENT_TIME + " "));
      if (withoutMin.equals(found)) {
        // a table written before min_event_time existed: add the column in place (schema evolution)
        t.updateSchema()
            .addColumn(MIN_EVENT_TIME, org.apache.iceberg.types.Types.TimestampType.withZone(),
                "earliest event time of the slice; null in rows written before this column existed")
            .moveBefore(MIN_EVENT_TIME, "max_event_time")
            .commit();
        spark.sql("REFRESH TABLE " + quote(table));
        found = describe(spark.table(quote(table)).schema());
      }
    }
    if (!expected.equals(found)) {
      throw new IllegalStateException("Cannot write table " + table + ": its columns " + found + " differ from the columns of"
          + " feature set " + fs.name() + " v" + fs.version() + " " + expected + "; migrate the table or use another --namespace");
    }
  }

  private static List<String> describe(StructType schema) {
    List<String> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      out.add(f.name() + " " + f.dataType().catalogString());
    }
    return out;
  }

  /**
   * Refuses a run that would drop events an earlier run put in the offline store: for every
   * partition, the events table must hold no event of the range at an offset below where this run
   * starts reading. Such events are either gone from Kafka (retention deleted them since they were
   * compacted) or have a Kafka timestamp more than the max clock skew before their event time (an
   * earlier run used a larger skew); either way, replacing the range would lose them.
   *
   * @throws CompactionRefusedException naming the topic, partition, number of events and offsets
   */
  static void checkNothingLost(SparkSession spark, String eventsTable, FeatureSet fs, long fromMillis, long toMillis,
      KafkaRangePlanner.Plan plan) {
    List<String> before = new ArrayList<>();
    for (PartitionRange r : plan.ranges()) {
      if (r.startOffset() > 0) {
        before.add("(topic = '" + r.topic().replace("'", "''") + "' AND `partition` = " + r.partition() + " AND `offset` < "
            + r.startOffset() + ")");
      }
    }
    if (before.isEmpty()) {
      return;
    }
    spark.sql("REFRESH TABLE " + quote(eventsTable));   // a caching catalog must not hide recent commits
    List<Row> lost = spark.table(quote(eventsTable))
        .where(col("slice_start").geq(lit(new Timestamp(fromMillis))).and(col("slice_start").lt(lit(new Timestamp(toMillis)))))
        .where(String.join(" OR ", before))
        .groupBy("topic", "partition").agg(org.apache.spark.sql.functions.count("*"), org.apache.spark.sql.functions.max("offset"))
        .collectAsList();
    if (lost.isEmpty()) {
      return;
    }
    Row r = lost.get(0);
    String topic = r.getString(0);
    int partition = r.getInt(1);
    long maxOffset = r.getLong(3);
    int i = 0;
    while (!(plan.ranges().get(i).topic().equals(topic) && plan.ranges().get(i).partition() == partition)) {
      i++;
    }
    long earliest = plan.earliestOffsets().get(i);
    long start = plan.ranges().get(i).startOffset();
    String why = maxOffset < earliest
        ? "Kafka retention has deleted them since (the earliest offset left is " + earliest + ")"
        : "their Kafka timestamps lie more than the max clock skew before their event times (this run starts reading at offset "
            + start + ", the first record at or after from - max clock skew): use the max clock skew of the earlier run";
    throw new CompactionRefusedException("Cannot compact feature set " + fs.name() + ": " + eventsTable + " holds " + r.getLong(2)
        + " events of the range from " + topic + " partition " + partition + " at offsets up to " + maxOffset
        + " that this run would not read, so replacing the range would drop them from the offline store: " + why + ".");
  }

  /**
   * Atomically replaces the rows of slices {@code [fromMillis, toMillis)} in {@code table} with
   * {@code rows} (one Iceberg commit).
   *
   * @param rows rows with the table's columns (by name), all with {@code slice_start} in the range
   * @return the id of the snapshot the commit created
   */
  static long replaceRange(SparkSession spark, Dataset<Row> rows, String table, long fromMillis, long toMillis) {
    Column filter = col("slice_start").geq(lit(new Timestamp(fromMillis))).and(col("slice_start").lt(lit(new Timestamp(toMillis))));
    Table before = load(spark, table);
    CoveredIntervals covered = coverage(before, before.currentSnapshot()).union(CoveredIntervals.of(fromMillis, toMillis));
    try {
      rows.writeTo(quote(table)).option("snapshot-property." + SNAPSHOT_COVERAGE, covered.format()).overwrite(filter);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot replace slices [" + java.time.Instant.ofEpochMilli(fromMillis) + ", "
          + java.time.Instant.ofEpochMilli(toMillis) + ") in table " + table + ": " + e.getMessage(), e);
    }
    Table t = load(spark, table);
    t.refresh();
    Snapshot s = t.currentSnapshot();
    return s == null ? -1 : s.snapshotId();
  }

  /**
   * The slice ranges a table covers as of a snapshot: the union of the {@link #SNAPSHOT_COVERAGE}
   * recorded by the snapshot and by its ancestors still in the table's metadata (each records the
   * union up to its own commit; reading the ancestors too keeps a range whose commit raced with
   * another's).
   *
   * @param table the table
   * @param snapshot the snapshot, or null for an empty table
   * @return the covered ranges (empty when no commit of compaction is in the history)
   * @throws IllegalArgumentException if a recorded coverage is malformed
   */
  public static CoveredIntervals coverage(Table table, Snapshot snapshot) {
    CoveredIntervals out = CoveredIntervals.empty();
    for (Snapshot s = snapshot; s != null; s = s.parentId() == null ? null : table.snapshot(s.parentId())) {
      String recorded = s.summary() == null ? null : s.summary().get(SNAPSHOT_COVERAGE);
      out = out.union(CoveredIntervals.parse(recorded));
    }
    return out;
  }

  /** @return the Iceberg table behind a Spark table name (loaded fresh) */
  public static Table load(SparkSession spark, String table) {
    try {
      return Spark3Util.loadIcebergTable(spark, quote(table));
    } catch (Exception e) {
      throw new IllegalStateException("Cannot load Iceberg table " + table + ": " + e.getMessage(), e);
    }
  }

  /** @return {@code a.b.c} as {@code `a`.`b`.`c`} */
  public static String quote(String dotted) {
    List<String> parts = new ArrayList<>();
    for (String p : dotted.split("\\.")) {
      parts.add("`" + p.replace("`", "``") + "`");
    }
    return String.join(".", parts);
  }

  /** @return the Spark configuration of the local default catalog for {@code stateDir}, for launchers and tests */
  public static Map<String, String> localCatalogProperties(String catalog, String stateDir) {
    String prefix = "spark.sql.catalog." + catalog;
    return Map.of(prefix, "org.apache.iceberg.spark.SparkCatalog", prefix + ".type", "hadoop",
        prefix + ".warehouse", Path.of(stateDir, "warehouse").toAbsolutePath().normalize().toString(),
        prefix + ".cache-enabled", "false");
  }
}
