package dev.slicestore.serving;

import dev.slicestore.testkit.CliRun;
import java.util.Arrays;
import java.util.stream.Stream;

/** The {@link FeatureClient} command line, run in the test's JVM by the CLI tests. */
final class FeatureClientCli {

  private FeatureClientCli() {}

  /** Runs the command line with {@code args}. */
  static CliRun run(String... args) {
    return CliRun.run(new FeatureClient(), args);
  }

  /** Runs {@code get --target target --feature-set featureSet}, then {@code args}. */
  static CliRun get(String target, String featureSet, String... args) {
    return run(
        Stream.concat(
                Stream.of("get", "--target", target, "--feature-set", featureSet),
                Arrays.stream(args))
            .toArray(String[]::new));
  }
}
