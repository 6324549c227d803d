package dev.slicestore.training;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a training-set run wrote.
 *
 * @param output the output's location (Parquet directory or Iceberg table)
 * @param outputFormat {@code parquet} or {@code iceberg}
 * @param features the output's feature columns, in order
 * @param spineRows rows in the spine
 * @param writtenRows rows written (the spine's, less dropped ones)
 * @param uncoveredRows spine rows the offline store could not answer (no entity key or time, or
 *     windows outside the covered ranges)
 * @param uncoveredFromMillis earliest time of an uncovered row with a time, epoch ms, or null
 * @param uncoveredToMillis latest time of an uncovered row with a time, epoch ms, or null
 * @param onUncovered what was done with them
 * @param errorRows rows whose values could not be computed (corrupt accumulator bytes, a long sum
 *     beyond the long range): their features are null
 * @param snapshots the Iceberg snapshot id read per table (offline store tables, and the spine
 *     table if the spine is one): reading them again ({@code VERSION AS OF}) reproduces the set
 * @param coverage per feature set, the slice ranges its offline store covered, in words
 * @param elapsedMillis wall time of the run, ms
 */
public record TrainingSetResult(
    String output,
    String outputFormat,
    List<String> features,
    long spineRows,
    long writtenRows,
    long uncoveredRows,
    Long uncoveredFromMillis,
    Long uncoveredToMillis,
    UncoveredPolicy onUncovered,
    long errorRows,
    Map<String, Long> snapshots,
    Map<String, String> coverage,
    long elapsedMillis) {

  /**
   * @return a summary in plain words, several lines
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "Training set written to %s (%s): %,d rows x %d features in %.1f s%n",
            output, outputFormat, writtenRows, features.size(), elapsedMillis / 1000.0));
    sb.append(String.format("  spine: %,d rows", spineRows));
    if (uncoveredRows > 0) {
      sb.append(
          String.format(
              "; %,d beyond the offline store%s: %s",
              uncoveredRows,
              range(),
              switch (onUncovered) {
                case DROP -> "dropped";
                case FLAG ->
                    "kept with null features and " + TrainingSets.COVERED_COLUMN + " = false";
                case FAIL -> "refused";
              }));
    }
    sb.append(System.lineSeparator());
    if (errorRows > 0) {
      sb.append(
          String.format(
              "  %,d rows have null features because their stored data could not be read (see the log)%n",
              errorRows));
    }
    coverage.forEach(
        (fs, c) ->
            sb.append("  offline store of ")
                .append(fs)
                .append(" covers ")
                .append(c)
                .append(System.lineSeparator()));
    snapshots.forEach(
        (table, id) ->
            sb.append("  read ")
                .append(table)
                .append(" at snapshot ")
                .append(id)
                .append(System.lineSeparator()));
    return sb.toString().stripTrailing();
  }

  private String range() {
    if (uncoveredFromMillis == null) {
      return " (without entity key or time)";
    }
    return " (times "
        + Instant.ofEpochMilli(uncoveredFromMillis)
        + " .. "
        + Instant.ofEpochMilli(uncoveredToMillis)
        + ")";
  }
}
