package dev.slicestore.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The transforms and filters of every file in conf/feature-sets/ are valid Spark SQL for their
 * schemas (what online-ingest checks when it starts), and a sample event of each goes through.
 */
class FeatureSetFilesSparkTest {
  private static final Map<String, String> SAMPLES =
      Map.of(
          "retail",
              "{\"InvoiceNo\":\"C536379\",\"StockCode\":\"85123A\",\"Description\":\"HEART\",\"Quantity\":-6,"
                  + "\"InvoiceDate\":\"2010-12-01 09:41:00\",\"UnitPrice\":2.55,\"CustomerID\":\"17850.0\",\"Country\":\"UK\"}",
          "retail_catalogue",
              "{\"InvoiceNo\":\"C536379\",\"StockCode\":\"85123A\",\"Description\":\"HEART\",\"Quantity\":-6,"
                  + "\"InvoiceDate\":\"2010-12-01 09:41:00\",\"UnitPrice\":2.55,\"CustomerID\":\"17850.0\",\"Country\":\"UK\"}",
          "cards",
              "{\"tx_id\":\"tx-00000001\",\"card_id\":\"card-000042\",\"merchant\":\"merchant-0017\",\"mcc\":5411,"
                  + "\"amount\":23.5,\"country\":\"GB\",\"tx_time\":\"2026-03-01 12:00:00\"}");

  @Test
  void everyFeatureSetTransformsASampleEvent() throws Exception {
    Map<String, FeatureSet> all =
        FeatureSetLoader.loadDirectory(
            Path.of(System.getProperty("slicestore.repoRoot", "..")).resolve("conf/feature-sets"));
    assertThat(SAMPLES.keySet()).containsExactlyInAnyOrderElementsOf(all.keySet());
    SparkSession spark = SparkSessions.local("slicestore-test", 2);
    spark.conf().set("spark.sql.ansi.enabled", "false");
    StructType kafka =
        new StructType()
            .add("key", DataTypes.BinaryType)
            .add("value", DataTypes.BinaryType)
            .add("topic", DataTypes.StringType)
            .add("partition", DataTypes.IntegerType)
            .add("offset", DataTypes.LongType)
            .add("timestamp", DataTypes.TimestampType);
    for (FeatureSet fs : all.values()) {
      Row record =
          RowFactory.create(
              null,
              SAMPLES.get(fs.name()).getBytes(StandardCharsets.UTF_8),
              fs.topics().get(0),
              0,
              0L,
              new Timestamp(System.currentTimeMillis()));
      Dataset<Row> out =
          EventPipeline.parseAndTransform(spark, spark.createDataFrame(List.of(record), kafka), fs);
      List<Row> rows = out.collectAsList();
      assertThat(rows).as(fs.name()).hasSize(1);
      Row row = rows.get(0);
      assertThat(row.getString(row.fieldIndex(fs.entityKeyColumn())))
          .as(fs.name())
          .isIn("17850", "card-000042");
      for (String column : fs.columns().keySet()) {
        assertThat(row.get(row.fieldIndex(column))).as("%s.%s", fs.name(), column).isNotNull();
      }
      if (fs.name().equals("retail_catalogue")) {
        assertThat(row.getBoolean(row.fieldIndex("cancelled"))).isTrue();
      }
    }
  }
}
