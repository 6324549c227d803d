package dev.slicestore.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.Feature;
import dev.slicestore.spark.IcebergCatalog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.DataFrameWriterV2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Writing a training set: a Parquet directory with the metadata file {@value
 * TrainingSets#METADATA_FILE}, or an Iceberg table with the metadata in its properties {@value
 * #PROP_TRAINING_SET} and {@code slicestore.source.<table>.snapshot-id}.
 *
 * <p>Driver-side; stateless.
 */
final class TrainingSetOutput {
  /** Table property of an Iceberg output: the run's metadata as JSON. */
  static final String PROP_TRAINING_SET = "slicestore.training-set";

  private TrainingSetOutput() {}

  /**
   * @return {@code parquet} or {@code iceberg}: {@code --output-format}, else inferred from the
   *     location as for the spine
   * @throws IllegalArgumentException for any other format
   */
  static String format(TrainingSetRequest request) {
    String f =
        request.outputFormat() != null
            ? request.outputFormat().toLowerCase(Locale.ROOT)
            : Spines.inferFormat(request.output(), false);
    if (!f.equals("parquet") && !f.equals("iceberg")) {
      throw new IllegalArgumentException(
          "Invalid --output-format '" + request.outputFormat() + "': use parquet or iceberg");
    }
    return f;
  }

  /** The run's metadata: what was read (tables at which snapshots), how, and how many rows. */
  static Map<String, Object> metadata(
      TrainingSetRequest request,
      TrainingSetPlan plan,
      long spineRows,
      long written,
      long uncovered,
      Long uncoveredFrom,
      Long uncoveredTo) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("created_at", Instant.now().toString());
    List<Map<String, Object>> sets = new ArrayList<>();
    for (FeatureSelection s : plan.selections()) {
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
    m.put("feature_columns", plan.featureColumns());
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
    m.put("snapshots", plan.snapshots());
    Map<String, Object> rows = new LinkedHashMap<>();
    rows.put("spine", spineRows);
    rows.put("written", written);
    rows.put("uncovered", uncovered);
    rows.put(
        "uncovered_from",
        uncoveredFrom == null ? null : Instant.ofEpochMilli(uncoveredFrom).toString());
    rows.put(
        "uncovered_to", uncoveredTo == null ? null : Instant.ofEpochMilli(uncoveredTo).toString());
    m.put("rows", rows);
    m.put("on_uncovered", request.onUncovered().name().toLowerCase(Locale.ROOT));
    return m;
  }

  /**
   * Writes the training set and its metadata.
   *
   * @throws IllegalStateException if the output cannot be written (e.g. it exists and {@code
   *     overwrite} is false), naming the output and Spark's message
   */
  static void write(
      SparkSession spark,
      Dataset<Row> result,
      TrainingSetRequest request,
      String format,
      Map<String, Object> metadata,
      Map<String, Long> snapshots) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    try {
      if (format.equals("parquet")) {
        result
            .write()
            .mode(request.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
            .parquet(request.output());
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(request.output());
        FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (OutputStream out =
            fs.create(new org.apache.hadoop.fs.Path(dir, TrainingSets.METADATA_FILE), true)) {
          out.write(json.writeValueAsString(metadata).getBytes(StandardCharsets.UTF_8));
        }
      } else {
        String table = Spines.qualify(request.output(), request);
        DataFrameWriterV2<Row> w =
            result
                .writeTo(IcebergCatalog.quote(table))
                .tableProperty(PROP_TRAINING_SET, json.writeValueAsString(metadata));
        for (Map.Entry<String, Long> e : snapshots.entrySet()) {
          w =
              w.tableProperty(
                  "slicestore.source." + e.getKey() + ".snapshot-id", Long.toString(e.getValue()));
        }
        if (request.overwrite()) {
          w.createOrReplace();
        } else {
          w.create();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot write the training set's metadata to " + request.output() + ": " + e.getMessage(),
          e);
    } catch (TrainingSetRefusedException | ConfigProblemException | CorruptDataException e) {
      throw e; // slicestore's own outcomes pass unchanged
    } catch (Exception e) {
      throw new IllegalStateException(
          "Cannot write the training set to " + request.output() + ": " + e.getMessage(), e);
    }
  }
}
