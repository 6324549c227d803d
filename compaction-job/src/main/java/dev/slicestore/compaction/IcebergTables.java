package dev.slicestore.compaction;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.time.CoveredIntervals;
import dev.slicestore.spark.IcebergCatalog;
import dev.slicestore.spark.OfflineLayout;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.ReplaceSortOrder;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The write side of the offline store ({@link OfflineLayout}): creating a feature set's two Iceberg
 * tables, guarding a range against losing events, and the atomic replacement of a slice range's
 * rows (docs/design.md, "Offline store (Iceberg layout)").
 *
 * <h2>Partitioning and the overwrite</h2>
 *
 * Both tables are partitioned by {@code identity(slice_start)}, and a run replaces its range with
 * one {@code DataFrameWriterV2.overwrite(slice_start >= from AND slice_start < to)} per table: one
 * Iceberg commit ({@code OverwriteFiles.overwriteByRowFilter}) that deletes the range's data files
 * and adds the new ones atomically. Iceberg executes such an overwrite on metadata only: a data
 * file is deleted when every row matches the filter, kept when none can, and the commit fails
 * ("Cannot delete file where some, but not all, rows match filter") otherwise. Because ranges are
 * slice-aligned and every data file holds one slice, every file is wholly inside or outside any
 * range, whatever ranges earlier runs used (overlapping, wider or narrower). The price is one
 * partition (and at least one file) per slice; coarser time partitions ({@code hours}, {@code
 * days}) would only be safe if every range were aligned to them. Both tables have a write order
 * ({@link OfflineLayout#EVENTS_SORT_ORDER}, {@link OfflineLayout#SLICES_SORT_ORDER}): Spark then
 * sorts each task's rows so Iceberg keeps one data file open at a time, whatever the number of
 * slices in a range (a backfill of a year of hourly slices), and each file is sorted by entity.
 *
 * <p>Driver-side; stateless.
 */
final class IcebergTables {
  private IcebergTables() {}

  /**
   * Creates the namespace and both tables unless they exist, and checks that existing tables were
   * created for this feature set and version with the same columns. A slices table that lacks only
   * {@code min_event_time} (a table created without it) gets it added by Iceberg schema evolution.
   *
   * @throws IllegalStateException if an existing table belongs to another feature set version or
   *     has other columns
   */
  static void ensureTables(SparkSession spark, String catalog, String namespace, FeatureSet fs) {
    spark.sql("CREATE NAMESPACE IF NOT EXISTS " + IcebergCatalog.quote(catalog + "." + namespace));
    ensureTable(
        spark,
        OfflineLayout.eventsTable(catalog, namespace, fs),
        OfflineLayout.eventsSchema(fs),
        fs,
        "events",
        OfflineLayout.EVENTS_SORT_ORDER);
    ensureTable(
        spark,
        OfflineLayout.slicesTable(catalog, namespace, fs),
        OfflineLayout.slicesSchema(fs),
        fs,
        "slices",
        OfflineLayout.SLICES_SORT_ORDER);
  }

  private static void ensureTable(
      SparkSession spark,
      String table,
      StructType schema,
      FeatureSet fs,
      String kind,
      List<String> sortColumns) {
    spark.sql(
        "CREATE TABLE IF NOT EXISTS "
            + IcebergCatalog.quote(table)
            + " ("
            + schema.toDDL()
            + ") USING iceberg"
            + " PARTITIONED BY ("
            + OfflineLayout.PARTITION_COLUMN
            + ")"
            + " TBLPROPERTIES ('"
            + OfflineLayout.PROP_FEATURE_SET
            + "' = '"
            + fs.name()
            + "', '"
            + OfflineLayout.PROP_FEATURE_SET_VERSION
            + "' = '"
            + fs.version()
            + "', '"
            + OfflineLayout.PROP_TABLE
            + "' = '"
            + kind
            + "', 'format-version' = '2')");
    Table t = IcebergCatalog.load(spark, table);
    if (t.sortOrder().isUnsorted()) {
      // A write order makes Spark sort each task's rows by partition, so Iceberg writes one file at
      // a
      // time (clustered writer) instead of keeping one open file per slice (fanout writer: out of
      // memory for a year of 1h slices), and gives entity-sorted files.
      ReplaceSortOrder order = t.replaceSortOrder();
      sortColumns.forEach(order::asc);
      order.commit();
    }
    String version = t.properties().get(OfflineLayout.PROP_FEATURE_SET_VERSION);
    if (version != null && !version.equals(Integer.toString(fs.version()))) {
      throw new IllegalStateException(
          "Cannot write table "
              + table
              + ": it holds feature set "
              + fs.name()
              + " version "
              + version
              + ", not version "
              + fs.version()
              + "; a new version needs new tables: use another --namespace");
    }
    StructType actual = spark.table(IcebergCatalog.quote(table)).schema();
    List<String> expected = describe(schema);
    List<String> found = describe(actual);
    if (!expected.equals(found)
        && kind.equals("slices")
        && !List.of(actual.fieldNames()).contains(OfflineLayout.MIN_EVENT_TIME)) {
      List<String> withoutMin = new ArrayList<>(expected);
      withoutMin.removeIf(c -> c.startsWith(OfflineLayout.MIN_EVENT_TIME + " "));
      if (withoutMin.equals(found)) {
        // a table written before min_event_time existed: add the column in place (schema evolution)
        t.updateSchema()
            .addColumn(
                OfflineLayout.MIN_EVENT_TIME,
                org.apache.iceberg.types.Types.TimestampType.withZone(),
                "earliest event time of the slice; null in rows written before this column existed")
            .moveBefore(OfflineLayout.MIN_EVENT_TIME, OfflineLayout.MAX_EVENT_TIME)
            .commit();
        spark.sql("REFRESH TABLE " + IcebergCatalog.quote(table));
        found = describe(spark.table(IcebergCatalog.quote(table)).schema());
      }
    }
    if (!expected.equals(found)) {
      throw new IllegalStateException(
          "Cannot write table "
              + table
              + ": its columns "
              + found
              + " differ from the columns of"
              + " feature set "
              + fs.name()
              + " v"
              + fs.version()
              + " "
              + expected
              + "; migrate the table or use another --namespace");
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
  static void checkNothingLost(
      SparkSession spark,
      String eventsTable,
      FeatureSet fs,
      long fromMillis,
      long toMillis,
      KafkaRangePlanner.Plan plan) {
    List<String> before = new ArrayList<>();
    for (PartitionRange r : plan.ranges()) {
      if (r.startOffset() > 0) {
        before.add(
            "("
                + OfflineLayout.TOPIC
                + " = '"
                + r.topic().replace("'", "''")
                + "' AND `"
                + OfflineLayout.PARTITION
                + "` = "
                + r.partition()
                + " AND `"
                + OfflineLayout.OFFSET
                + "` < "
                + r.startOffset()
                + ")");
      }
    }
    if (before.isEmpty()) {
      return;
    }
    spark.sql(
        "REFRESH TABLE "
            + IcebergCatalog.quote(eventsTable)); // a caching catalog must not hide recent commits
    List<Row> lost =
        spark
            .table(IcebergCatalog.quote(eventsTable))
            .where(
                col(OfflineLayout.SLICE_START)
                    .geq(lit(new Timestamp(fromMillis)))
                    .and(col(OfflineLayout.SLICE_START).lt(lit(new Timestamp(toMillis)))))
            .where(String.join(" OR ", before))
            .groupBy(OfflineLayout.TOPIC, OfflineLayout.PARTITION)
            .agg(
                org.apache.spark.sql.functions.count("*"),
                org.apache.spark.sql.functions.max(OfflineLayout.OFFSET))
            .collectAsList();
    if (lost.isEmpty()) {
      return;
    }
    Row r = lost.get(0);
    String topic = r.getString(0);
    int partition = r.getInt(1);
    long maxOffset = r.getLong(3);
    int i = 0;
    while (!(plan.ranges().get(i).topic().equals(topic)
        && plan.ranges().get(i).partition() == partition)) {
      i++;
    }
    long earliest = plan.earliestOffsets().get(i);
    long start = plan.ranges().get(i).startOffset();
    String why =
        maxOffset < earliest
            ? "Kafka retention has deleted them since (the earliest offset left is "
                + earliest
                + ")"
            : "their Kafka timestamps lie more than the max clock skew before their event times (this run starts reading at offset "
                + start
                + ", the first record at or after from - max clock skew): use the max clock skew of the earlier run";
    throw new CompactionRefusedException(
        "Cannot compact feature set "
            + fs.name()
            + ": "
            + eventsTable
            + " holds "
            + r.getLong(2)
            + " events of the range from "
            + topic
            + " partition "
            + partition
            + " at offsets up to "
            + maxOffset
            + " that this run would not read, so replacing the range would drop them from the offline store: "
            + why
            + ".");
  }

  /**
   * Atomically replaces the rows of slices {@code [fromMillis, toMillis)} in {@code table} with
   * {@code rows} (one Iceberg commit).
   *
   * @param rows rows with the table's columns (by name), all with {@code slice_start} in the range
   * @return the id of the snapshot the commit created
   */
  static long replaceRange(
      SparkSession spark, Dataset<Row> rows, String table, long fromMillis, long toMillis) {
    Column filter =
        col(OfflineLayout.SLICE_START)
            .geq(lit(new Timestamp(fromMillis)))
            .and(col(OfflineLayout.SLICE_START).lt(lit(new Timestamp(toMillis))));
    Table before = IcebergCatalog.load(spark, table);
    CoveredIntervals covered =
        OfflineLayout.coverage(before, before.currentSnapshot())
            .union(CoveredIntervals.of(fromMillis, toMillis));
    try {
      rows.writeTo(IcebergCatalog.quote(table))
          .option("snapshot-property." + OfflineLayout.SNAPSHOT_COVERAGE, covered.format())
          .overwrite(filter);
    } catch (Exception e) {
      throw new IllegalStateException(
          "Cannot replace slices ["
              + java.time.Instant.ofEpochMilli(fromMillis)
              + ", "
              + java.time.Instant.ofEpochMilli(toMillis)
              + ") in table "
              + table
              + ": "
              + e.getMessage(),
          e);
    }
    Table t = IcebergCatalog.load(spark, table);
    t.refresh();
    Snapshot s = t.currentSnapshot();
    return s == null ? -1 : s.snapshotId();
  }
}
