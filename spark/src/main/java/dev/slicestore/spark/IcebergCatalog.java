package dev.slicestore.spark;

import dev.slicestore.core.config.AppConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.SparkSession;

/**
 * The offline store's Spark catalog: the local default, loading Iceberg tables, quoting names.
 *
 * <p>If Spark has no {@code spark.sql.catalog.<name>} setting, {@link #configure} registers an
 * Iceberg {@code SparkCatalog} of type {@code hadoop} with warehouse {@code <state-dir>/warehouse}
 * and {@code cache-enabled=false} (writes inside {@code foreachBatch} must see the latest
 * metadata). Any other Iceberg catalog (REST, Hive, Glue, Nessie) is used as configured through
 * Spark's catalog properties.
 *
 * <p>Stateless and thread-safe.
 */
public final class IcebergCatalog {
  private IcebergCatalog() {}

  /**
   * Registers the local default catalog under {@code catalog} unless Spark already has a {@code
   * spark.sql.catalog.<catalog>} setting.
   *
   * @param spark the session (its runtime configuration is changed)
   * @param app the deployment configuration (its state directory holds the local warehouse)
   * @param catalog the catalog name
   * @return a description for the log: the warehouse path, or "configured by Spark properties"
   */
  public static String configure(SparkSession spark, AppConfig app, String catalog) {
    String prefix = "spark.sql.catalog." + catalog;
    if (spark.conf().getOption(prefix).isDefined()) {
      return "Spark catalog " + catalog + " as configured by " + prefix + "* properties";
    }
    Map<String, String> props = localCatalogProperties(catalog, app.stateDir());
    props.forEach((k, v) -> spark.conf().set(k, v));
    return "local Iceberg Hadoop catalog "
        + catalog
        + " with warehouse "
        + props.get(prefix + ".warehouse");
  }

  /**
   * @param catalog the catalog name
   * @param stateDir the state directory; the warehouse is {@code <stateDir>/warehouse}
   * @return the Spark configuration of the local default catalog, for launchers and tests
   */
  public static Map<String, String> localCatalogProperties(String catalog, String stateDir) {
    String prefix = "spark.sql.catalog." + catalog;
    return Map.of(
        prefix,
        "org.apache.iceberg.spark.SparkCatalog",
        prefix + ".type",
        "hadoop",
        prefix + ".warehouse",
        Path.of(stateDir, "warehouse").toAbsolutePath().normalize().toString(),
        prefix + ".cache-enabled",
        "false");
  }

  /**
   * @param spark the session
   * @param table a Spark table name, {@code catalog.namespace.table}
   * @return the Iceberg table behind it (loaded fresh)
   * @throws IllegalStateException if it cannot be loaded (no such table, not Iceberg, catalog
   *     error)
   */
  public static Table load(SparkSession spark, String table) {
    try {
      return Spark3Util.loadIcebergTable(spark, quote(table));
    } catch (Exception e) {
      throw new IllegalStateException(
          "Cannot load Iceberg table " + table + ": " + e.getMessage(), e);
    }
  }

  /**
   * @return {@code a.b.c} as {@code `a`.`b`.`c`} (backquotes inside a part are doubled)
   */
  public static String quote(String dotted) {
    List<String> parts = new ArrayList<>();
    for (String p : dotted.split("\\.")) {
      parts.add("`" + p.replace("`", "``") + "`");
    }
    return String.join(".", parts);
  }
}
