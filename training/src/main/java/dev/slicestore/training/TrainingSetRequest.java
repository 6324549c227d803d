package dev.slicestore.training;

import dev.slicestore.core.config.FeatureSet;
import java.util.List;
import java.util.Objects;

/**
 * One training-set run: which features, for which spine, written where.
 *
 * @param featureSets one or more feature sets with the same entity key column (not empty)
 * @param features feature names to compute ({@code <feature>} or {@code <feature set>.<feature>}),
 *     or an empty list for every feature of every feature set
 * @param spine the spine's location: a Parquet or CSV path, or an Iceberg table ({@code
 *     catalog.namespace.table}, or {@code namespace.table} in {@link #catalog}); null in snapshot
 *     mode
 * @param spineFormat {@code iceberg}, {@code parquet} or {@code csv}; null to infer from the
 *     location ({@code .csv}/{@code .csv.gz}: CSV; an existing path or one with a {@code /}:
 *     Parquet; otherwise an Iceberg table)
 * @param entityColumn the spine's entity-key column (output column in snapshot mode); null for the
 *     feature sets' entity key column
 * @param timeColumn the spine's timestamp column (output column in snapshot mode): a timestamp (a
 *     timestamp without time zone is read as UTC), epoch milliseconds (long) or an ISO-8601 string;
 *     null for {@code timestamp}
 * @param snapshotTimeMillis snapshot mode: every entity with data in the longest window before this
 *     time (epoch ms), as of this time; null for a spine
 * @param output the output's location: a Parquet directory or an Iceberg table (named as the spine)
 * @param outputFormat {@code parquet} or {@code iceberg}; null to infer as for the spine
 * @param overwrite replace an existing output (otherwise an existing output is an error)
 * @param onUncovered what to do with spine rows the offline store cannot answer
 * @param catalog the Spark catalog of the offline store (as compaction's {@code --catalog})
 * @param namespace the Iceberg namespace of the feature sets' tables
 * @param timeBucketMillis the time span of one unit of work per entity, ms, or null for the longest
 *     requested window (see {@link TrainingSets})
 */
public record TrainingSetRequest(
    List<FeatureSet> featureSets,
    List<String> features,
    String spine,
    String spineFormat,
    String entityColumn,
    String timeColumn,
    Long snapshotTimeMillis,
    String output,
    String outputFormat,
    boolean overwrite,
    UncoveredPolicy onUncovered,
    String catalog,
    String namespace,
    Long timeBucketMillis) {

  /** Default {@link #timeColumn}. */
  public static final String DEFAULT_TIME_COLUMN = "timestamp";

  /**
   * @throws IllegalArgumentException if the combination is invalid (no feature set, both or neither
   *     of spine and snapshot time, no output, a non-positive time bucket)
   */
  public TrainingSetRequest {
    Objects.requireNonNull(featureSets, "featureSets");
    features = features == null ? List.of() : List.copyOf(features);
    Objects.requireNonNull(onUncovered, "onUncovered");
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(namespace, "namespace");
    if (featureSets.isEmpty()) {
      throw new IllegalArgumentException("No feature set: give at least one --feature-set");
    }
    if ((spine == null) == (snapshotTimeMillis == null)) {
      throw new IllegalArgumentException(
          "Give either --spine (rows of entity and time) or --snapshot-time (every entity at one"
              + " time), not "
              + (spine == null ? "neither" : "both"));
    }
    if (output == null || output.isBlank()) {
      throw new IllegalArgumentException(
          "No --output: give a Parquet directory or an Iceberg table");
    }
    if (timeBucketMillis != null && timeBucketMillis <= 0) {
      throw new IllegalArgumentException(
          "Invalid --time-bucket: " + timeBucketMillis + " ms (must be positive)");
    }
    String key = featureSets.get(0).entityKeyColumn();
    for (FeatureSet fs : featureSets) {
      if (!fs.entityKeyColumn().equals(key)) {
        throw new IllegalArgumentException(
            "Feature sets "
                + featureSets.get(0).name()
                + " and "
                + fs.name()
                + " have different entity keys ("
                + key
                + ", "
                + fs.entityKeyColumn()
                + "): one training set joins feature sets"
                + " of the same entity only");
      }
    }
  }

  /**
   * @return the spine's entity column, or the feature sets' entity key column
   */
  public String entityColumnOrDefault() {
    return entityColumn != null ? entityColumn : featureSets.get(0).entityKeyColumn();
  }

  /**
   * @return the spine's time column, or {@value #DEFAULT_TIME_COLUMN}
   */
  public String timeColumnOrDefault() {
    return timeColumn != null ? timeColumn : DEFAULT_TIME_COLUMN;
  }
}
