package dev.slicestore.serving;

import dev.slicestore.core.time.Durations;
import dev.slicestore.serving.v1.FeatureInfo;
import dev.slicestore.serving.v1.FeatureSetInfo;
import dev.slicestore.serving.v1.ListFeatureSetsResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code list-feature-sets} (alias {@code feature-sets}): prints the feature sets a server serves,
 * with their features, windows and value types; {@code --json} prints the full response.
 *
 * <p>Exit codes: 0 on success, 1 on a gRPC error (printed as {@code error: <CODE>: ...}), 2 on a
 * usage error. Public so that the {@code slicestore} launcher can register it. Not thread-safe.
 */
@Command(
    name = "list-feature-sets",
    aliases = "feature-sets",
    mixinStandardHelpOptions = true,
    description = "List the feature sets and features a slicestore server serves.")
public final class ListFeatureSetsCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private ClientOptions connection;

  @Option(names = "--json", description = "Print the full response as JSON.")
  private boolean json;

  /**
   * Fetches and prints.
   *
   * @return the exit code: 0 on success, 1 on a gRPC or connection error
   */
  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    return connection.call(
        out, err, json, FeatureClient::listFeatureSets, ListFeatureSetsCommand::render);
  }

  /**
   * @return the readable listing: one block per feature set, one line per feature
   */
  static String render(ListFeatureSetsResponse response) {
    StringBuilder sb = new StringBuilder();
    if (response.getFeatureSetsCount() == 0) {
      sb.append("The server serves no feature sets.\n");
    }
    for (FeatureSetInfo fs : response.getFeatureSetsList()) {
      sb.append(fs.getName())
          .append(" (version ")
          .append(fs.getVersion())
          .append(", entity key ")
          .append(fs.getEntityKeyColumn())
          .append(", slices of ")
          .append(Durations.format(fs.getSliceMillis()))
          .append(", ")
          .append(fs.getFeaturesCount())
          .append(" features)\n");
      int width = 0;
      for (FeatureInfo f : fs.getFeaturesList()) {
        width = Math.max(width, f.getName().length());
      }
      for (FeatureInfo f : fs.getFeaturesList()) {
        sb.append("  ")
            .append(pad(f.getName(), width))
            .append("  ")
            .append(pad(f.getValueType(), 7))
            .append("  ")
            .append(f.getFunction())
            .append(f.getInputColumn().isEmpty() ? "" : "(" + f.getInputColumn() + ")")
            .append(
                f.getSessionGapMillis() > 0
                    ? " over the session (gap "
                        + Durations.format(f.getSessionGapMillis())
                        + ", max-length "
                        + Durations.format(f.getWindowMillis())
                        + ")"
                    : " over " + Durations.format(f.getWindowMillis()))
            .append(
                f.getContextKey().isEmpty()
                    ? ""
                    : ", asks about request context "
                        + f.getContextKey()
                        + " ("
                        + f.getContextType()
                        + ")")
            .append('\n');
      }
    }
    return sb.toString();
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }
}
