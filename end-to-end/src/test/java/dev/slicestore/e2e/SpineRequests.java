package dev.slicestore.e2e;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.training.TrainingSetRequest;
import dev.slicestore.training.UncoveredPolicy;
import java.nio.file.Path;
import java.util.List;

/** The training-set requests the end-to-end tests build over a spine they wrote. */
final class SpineRequests {

  private SpineRequests() {}

  /**
   * A request for every feature of {@code fs} at the rows of the spine at {@code spine}, whose time
   * column is {@code ts} and entity column the feature set's key, written to {@code output} (a new
   * one), the offline tables read from namespace {@code slicestore} of {@code catalog}; the formats
   * of both are inferred from the paths (a directory: Parquet).
   */
  static TrainingSetRequest overSpine(
      String catalog, FeatureSet fs, Path spine, Path output, UncoveredPolicy onUncovered) {
    return new TrainingSetRequest(
        List.of(fs),
        List.of(),
        spine.toString(),
        null,
        null,
        "ts",
        null,
        output.toString(),
        null,
        false,
        onUncovered,
        catalog,
        "slicestore",
        null);
  }
}
