package dev.slicestore.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.slicestore.spark.EventColumns;
import dev.slicestore.spark.IcebergCatalog;
import dev.slicestore.spark.OfflineLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The spine of a training set: reading it (Parquet, CSV or an Iceberg table pinned to its current
 * snapshot), building it in snapshot mode, and adding the normalized entity key and time columns
 * the sweep works on. Also the location rules shared with the output (format inference, table name
 * qualification).
 *
 * <p>Driver-side; stateless.
 */
final class Spines {
  /** The entity key as text. */
  static final String ENTITY = "__ss_entity";

  /** The spine time in epoch microseconds (null when it does not parse). */
  static final String TIME_US = "__ss_t_us";

  private Spines() {}

  /**
   * Reads the spine, pinning an Iceberg spine to its current snapshot (recorded in {@code
   * snapshots}).
   *
   * @throws IllegalArgumentException for an unknown format, a missing entity or time column, or a
   *     column with the reserved prefix
   */
  static Dataset<Row> read(
      SparkSession spark, TrainingSetRequest request, Map<String, Long> snapshots) {
    String location = request.spine();
    String format =
        request.spineFormat() != null
            ? request.spineFormat().toLowerCase(Locale.ROOT)
            : inferFormat(location, true);
    Dataset<Row> spine;
    switch (format) {
      case "csv" ->
          spine =
              spark.read().option("header", "true").option("inferSchema", "false").csv(location);
      case "parquet" -> spine = spark.read().parquet(location);
      case "iceberg" -> {
        String table = qualify(location, request);
        Table t;
        try {
          t = IcebergCatalog.load(spark, table);
          t.refresh();
        } catch (IllegalStateException e) {
          throw new IllegalArgumentException("Cannot read the spine: " + e.getMessage(), e);
        }
        if (t.currentSnapshot() == null) {
          spine = spark.table(IcebergCatalog.quote(table));
        } else {
          snapshots.put(table, t.currentSnapshot().snapshotId());
          spine =
              spark.sql(
                  "SELECT * FROM "
                      + IcebergCatalog.quote(table)
                      + " VERSION AS OF "
                      + t.currentSnapshot().snapshotId());
        }
      }
      default ->
          throw new IllegalArgumentException(
              "Invalid --spine-format '"
                  + request.spineFormat()
                  + "': use iceberg, parquet or csv");
    }
    for (String c : List.of(request.entityColumnOrDefault(), request.timeColumnOrDefault())) {
      if (!List.of(spine.columns()).contains(c)) {
        throw new IllegalArgumentException(
            "The spine "
                + location
                + " has no column '"
                + c
                + "' (columns: "
                + String.join(", ", spine.columns())
                + "); name its columns with --entity-column and --time-column");
      }
    }
    for (String c : spine.columns()) {
      if (c.startsWith(EventColumns.PREFIX)) {
        throw new IllegalArgumentException(
            "The spine column '" + c + "' uses the reserved prefix " + EventColumns.PREFIX);
      }
    }
    return spine;
  }

  /** Snapshot mode: every entity with data in some requested window at the snapshot time. */
  static Dataset<Row> snapshot(
      SparkSession spark, TrainingSetRequest request, List<FeatureSelection> selections) {
    long t = request.snapshotTimeMillis();
    Dataset<Row> entities = null;
    for (FeatureSelection s : selections) {
      long s0 = s.fs().sliceMillis();
      long current = Math.floorDiv(t, s0);
      long oldest = current - s.longestWindowSlices() + 1;
      Dataset<Row> fromSlices =
          readAt(spark, s.slicesTable(), s.slicesSnapshot())
              .where(col(OfflineLayout.SLICE_INDEX).between(oldest, current - 1))
              .select(col(OfflineLayout.ENTITY_KEY));
      Dataset<Row> fromEvents =
          readAt(spark, s.eventsTable(), s.eventsSnapshot())
              .where(
                  col(OfflineLayout.SLICE_INDEX)
                      .equalTo(current)
                      .and(
                          expr(
                              "unix_micros("
                                  + OfflineLayout.EVENT_TIME
                                  + ") < "
                                  + Math.multiplyExact(t, 1000L))))
              .select(col(OfflineLayout.ENTITY_KEY));
      Dataset<Row> both = fromSlices.union(fromEvents);
      entities = entities == null ? both : entities.union(both);
    }
    return entities
        .where(col(OfflineLayout.ENTITY_KEY).isNotNull())
        .distinct()
        .select(
            col(OfflineLayout.ENTITY_KEY).as(request.entityColumnOrDefault()),
            lit(new Timestamp(t)).as(request.timeColumnOrDefault()));
  }

  /**
   * @return a table as of a snapshot
   */
  static Dataset<Row> readAt(SparkSession spark, String table, long snapshotId) {
    return spark.sql(
        "SELECT * FROM " + IcebergCatalog.quote(table) + " VERSION AS OF " + snapshotId);
  }

  /**
   * Adds the entity key as a string ({@link #ENTITY}) and the time in epoch microseconds ({@link
   * #TIME_US}; null where it does not parse).
   *
   * @throws IllegalArgumentException if the time column's type is none of timestamp, date, long,
   *     int, string
   */
  static Dataset<Row> normalize(Dataset<Row> spine, String entityColumn, String timeColumn) {
    String quotedTime = "`" + timeColumn.replace("`", "``") + "`";
    DataType timeType = spine.schema().apply(timeColumn).dataType();
    String micros;
    if (timeType.equals(DataTypes.TimestampType)) {
      micros = "unix_micros(" + quotedTime + ")";
    } else if (timeType.equals(DataTypes.TimestampNTZType)
        || timeType.equals(DataTypes.DateType)
        || timeType.equals(DataTypes.StringType)) {
      micros = "unix_micros(try_cast(" + quotedTime + " AS TIMESTAMP))";
    } else if (timeType.equals(DataTypes.LongType) || timeType.equals(DataTypes.IntegerType)) {
      micros = "try_multiply(CAST(" + quotedTime + " AS BIGINT), 1000)";
    } else {
      throw new IllegalArgumentException(
          "The spine's time column '"
              + timeColumn
              + "' has type "
              + timeType.simpleString()
              + ": use a timestamp, epoch milliseconds (long) or an ISO-8601 string");
    }
    return spine
        .withColumn(
            ENTITY, col("`" + entityColumn.replace("`", "``") + "`").cast(DataTypes.StringType))
        .withColumn(TIME_US, expr(micros));
  }

  /**
   * @return the spine column holding request-context key {@code key}: the column of that name, else
   *     the only one equal ignoring case
   * @throws IllegalArgumentException if there is none
   */
  static String contextColumn(Dataset<Row> spine, String key) {
    List<String> columns = List.of(spine.columns());
    if (columns.contains(key)) {
      return key;
    }
    List<String> alike = columns.stream().filter(c -> c.equalsIgnoreCase(key)).toList();
    if (alike.size() == 1) {
      return alike.get(0);
    }
    throw new IllegalArgumentException(
        "No spine column '"
            + key
            + "' (columns: "
            + String.join(
                ", ", columns.stream().filter(c -> !c.startsWith(EventColumns.PREFIX)).toList())
            + ")");
  }

  /**
   * @return {@code table} with the request's catalog and namespace added where it has fewer than
   *     three parts
   */
  static String qualify(String table, TrainingSetRequest request) {
    int dots = table.length() - table.replace(".", "").length();
    return switch (dots) {
      case 0 -> request.catalog() + "." + request.namespace() + "." + table;
      case 1 -> request.catalog() + "." + table;
      default -> table;
    };
  }

  /**
   * @return {@code csv} (spines only: {@code .csv}, {@code .csv.gz}), {@code parquet} (a path: it
   *     has a {@code /}, ends in {@code .parquet} or exists) or {@code iceberg}
   */
  static String inferFormat(String location, boolean spine) {
    String lower = location.toLowerCase(Locale.ROOT);
    if (spine && (lower.endsWith(".csv") || lower.endsWith(".csv.gz"))) {
      return "csv";
    }
    if (lower.contains("/") || lower.endsWith(".parquet") || Files.exists(Path.of(location))) {
      return "parquet";
    }
    return "iceberg";
  }
}
