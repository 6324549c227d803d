package dev.slicestore.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.spark.IcebergCatalog;
import dev.slicestore.spark.OfflineLayout;
import dev.slicestore.spark.SparkSessions;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Iceberg half of compaction on real Spark and a real Iceberg Hadoop catalog: tables are
 * created once with the documented columns, a range's rows are replaced atomically whatever ranges
 * earlier runs used (the identity(slice_start) partitioning keeps every data file wholly inside or
 * outside a slice-aligned range), and tables of another feature-set version or shape are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IcebergTablesTest {
  private static final long MINUTE = 60_000;
  private static final String CONF =
      """
      name = visits
      version = %d
      source { topics = [visits], dead-letter-topic = dlq, schema { %s } }
      entity-key = page
      event-time { column = at, format = iso-8601 }
      slice = 1m
      windows = [1m, 10m]
      aggregations = [ { name = n, function = count }, { name = ms_max, function = max, input = ms } ]
      """;

  /** The slices table's columns for the visits feature set, as the layout documents them. */
  private static final String[] SLICES_COLUMNS = {
    "entity_key",
    "slice_index",
    "slice_start",
    "slice_end",
    "event_count",
    "min_event_time",
    "max_event_time",
    "n",
    "n_acc",
    "ms_max",
    "ms_max_acc",
    "covered_offsets"
  };

  @TempDir static Path dir;
  SparkSession spark;
  AppConfig app;

  @BeforeAll
  void startSpark() {
    spark = SparkSessions.local("iceberg-tables-test", 1);
    app = AppConfig.load(null).with("slicestore.state-dir", dir.toString());
  }

  @AfterAll
  void stopSpark() {
    spark.stop();
  }

  private static FeatureSet fs(int version, String schema) {
    return FeatureSetLoader.parse(CONF.formatted(version, schema), "visits.conf");
  }

  /** One events-table row per slice index in [from, to), {@code perSlice} events each. */
  private Dataset<Row> events(
      FeatureSet fs, long fromSlice, long toSlice, int perSlice, String tag) {
    List<Row> rows = new ArrayList<>();
    for (long s = fromSlice; s < toSlice; s++) {
      for (int i = 0; i < perSlice; i++) {
        long time = s * MINUTE + i;
        List<Object> values =
            new ArrayList<>(
                List.of(
                    tag,
                    new Timestamp(time),
                    new Timestamp(s * MINUTE),
                    s,
                    "visits",
                    0,
                    s * 100 + i));
        for (String column : fs.columns().keySet()) { // the feature set's column order
          values.add(
              switch (column) {
                case "page" -> tag;
                case "ms" -> (long) i;
                default -> Long.toString(time);
              });
        }
        rows.add(RowFactory.create(values.toArray()));
      }
    }
    return spark.createDataFrame(rows, OfflineLayout.eventsSchema(fs));
  }

  /**
   * Replaces the rows of slices [from, to) of {@code table} with {@code perSlice} events each.
   *
   * @return the id of the snapshot the commit created
   */
  private long replaceSlices(
      FeatureSet fs, String table, long fromSlice, long toSlice, int perSlice, String tag) {
    return IcebergTables.replaceRange(
        spark,
        events(fs, fromSlice, toSlice, perSlice, tag),
        table,
        fromSlice * MINUTE,
        toSlice * MINUTE);
  }

  private Map<Long, String> countsBySlice(String table) {
    Map<Long, String> out = new TreeMap<>();
    for (Row r :
        spark
            .sql(
                "SELECT slice_index, count(*), min(entity_key) FROM "
                    + table
                    + " GROUP BY slice_index")
            .collectAsList()) {
      out.put(r.getLong(0), r.getLong(1) + " " + r.getString(2));
    }
    return out;
  }

  @Test
  void rangesAreReplacedAtomicallyWhateverRangesEarlierRunsUsed() {
    FeatureSet fs = fs(1, "page = string, ms = long, at = string");
    assertThat(IcebergCatalog.configure(spark, app, "tables_test"))
        .contains("local Iceberg Hadoop catalog tables_test")
        .contains(dir.resolve("warehouse").toString());
    IcebergTables.ensureTables(spark, "tables_test", "ns", fs);
    IcebergTables.ensureTables(spark, "tables_test", "ns", fs); // idempotent
    String table = OfflineLayout.eventsTable("tables_test", "ns", fs);
    assertThat(spark.table(table).schema().fieldNames())
        .startsWith(
            "entity_key",
            "event_time",
            "slice_start",
            "slice_index",
            "topic",
            "partition",
            "offset")
        .contains("page", "ms", "at")
        .hasSize(10);
    assertThat(
            spark.table(OfflineLayout.slicesTable("tables_test", "ns", fs)).schema().fieldNames())
        .containsExactly(SLICES_COLUMNS);
    assertThat(IcebergCatalog.load(spark, table).spec().toString())
        .contains("slice_start")
        .contains("identity");

    long base = 29_000_000;
    long s1 = replaceSlices(fs, table, base, base + 6, 3, "a");
    // a narrower range inside, then one overlapping its end: never "some, but not all, rows match"
    long s2 = replaceSlices(fs, table, base + 2, base + 4, 5, "b");
    long s3 = replaceSlices(fs, table, base + 3, base + 8, 2, "c");
    assertThat(List.of(s1, s2, s3)).doesNotHaveDuplicates();
    assertThat(countsBySlice(table))
        .containsExactlyEntriesOf(
            new TreeMap<>(
                Map.of(
                    base, "3 a", base + 1, "3 a", base + 2, "5 b", base + 3, "2 c", base + 4, "2 c",
                    base + 5, "2 c", base + 6, "2 c", base + 7, "2 c")));
    // the same range again: same rows; an empty range: its rows are gone
    replaceSlices(fs, table, base + 3, base + 8, 2, "c");
    assertThat(spark.table(table).count()).isEqualTo(3 + 3 + 5 + 5 * 2);
    IcebergTables.replaceRange(
        spark, events(fs, 0, 0, 0, "-"), table, base * MINUTE, (base + 2) * MINUTE);
    assertThat(countsBySlice(table))
        .doesNotContainKeys(base, base + 1)
        .containsKeys(base + 2, base + 7);
    assertThat(IcebergCatalog.load(spark, table).currentSnapshot().operation())
        .as("an overwrite with no new rows")
        .isEqualTo("delete");
  }

  @Test
  void tablesOfAnotherVersionOrShapeAreRefused() {
    IcebergCatalog.configure(spark, app, "shape_test");
    IcebergTables.ensureTables(
        spark, "shape_test", "ns", fs(1, "page = string, ms = long, at = string"));
    assertThatThrownBy(
            () ->
                IcebergTables.ensureTables(
                    spark, "shape_test", "ns", fs(2, "page = string, ms = long, at = string")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Cannot write table shape_test.ns.visits_events: it holds feature set visits version 1, not version 2;"
                + " a new version needs new tables: use another --namespace");
    assertThatThrownBy(
            () ->
                IcebergTables.ensureTables(
                    spark,
                    "shape_test",
                    "ns",
                    fs(1, "page = string, ms = long, at = string, ref = string")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Cannot write table shape_test.ns.visits_events: its columns [")
        .hasMessageContaining("differ from the columns of feature set visits v1 [")
        .hasMessageContaining("ref string]");
  }

  @Test
  void aSlicesTableWithoutMinEventTimeGetsItByIcebergSchemaEvolution() {
    IcebergCatalog.configure(spark, app, "evolve_test");
    FeatureSet fs = fs(1, "page = string, ms = long, at = string");
    spark.sql("CREATE NAMESPACE IF NOT EXISTS evolve_test.ns");
    // the slices table as it was before it had min_event_time, with one row
    org.apache.spark.sql.types.StructType old = OfflineLayout.slicesSchema(fs);
    old =
        new org.apache.spark.sql.types.StructType(
            java.util.Arrays.stream(old.fields())
                .filter(f -> !f.name().equals(OfflineLayout.MIN_EVENT_TIME))
                .toArray(org.apache.spark.sql.types.StructField[]::new));
    String table = OfflineLayout.slicesTable("evolve_test", "ns", fs);
    spark.sql(
        "CREATE TABLE "
            + table
            + " ("
            + old.toDDL()
            + ") USING iceberg PARTITIONED BY (slice_start)"
            + " TBLPROPERTIES ('slicestore.feature-set' = 'visits', 'slicestore.feature-set-version' = '1')");
    spark.sql(
        "INSERT INTO "
            + table
            + " (entity_key, slice_index, slice_start, max_event_time, event_count) VALUES"
            + " ('u1', 7, TIMESTAMP '2026-01-01 00:07:00', TIMESTAMP '2026-01-01 00:07:30', 2)");
    IcebergTables.ensureTables(spark, "evolve_test", "ns", fs);
    assertThat(spark.table(table).schema().fieldNames()).containsExactly(SLICES_COLUMNS);
    Row r =
        spark
            .sql("SELECT entity_key, min_event_time, max_event_time FROM " + table)
            .collectAsList()
            .get(0);
    assertThat(r.getString(0)).isEqualTo("u1");
    assertThat(r.isNullAt(1)).as("old rows: unknown").isTrue();
    assertThat(r.getTimestamp(2)).isNotNull();
    IcebergTables.ensureTables(spark, "evolve_test", "ns", fs); // idempotent
  }
}
