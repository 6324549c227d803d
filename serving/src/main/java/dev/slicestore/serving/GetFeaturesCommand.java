package dev.slicestore.serving;

import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code get}: fetches features of one or more entities and prints them as a table (one row per
 * feature, one column per entity) or, with {@code --json}, the full response in protobuf's JSON
 * mapping (proto field names, every field, exact doubles, int64 as strings).
 *
 * <p>Exit codes: 0 on success, 1 on a gRPC error (printed as
 * {@code error: NOT_FOUND: Unknown feature set ...}), 2 on a usage error.
 *
 * <p>Public so that the {@code slicestore} launcher can register it as a subcommand. Not
 * thread-safe (a picocli command object is used once).
 */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = "Get online features of entities from a slicestore server.")
public final class GetFeaturesCommand implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  @Mixin
  private ClientOptions connection;

  @Option(names = "--feature-set", required = true, paramLabel = "NAME", description = "Feature set name.")
  private String featureSet;

  @Option(names = "--entity", required = true, paramLabel = "KEY",
      description = "Entity key; repeat for several entities.")
  private List<String> entities = new ArrayList<>();

  @Option(names = "--features", split = ",", paramLabel = "NAME",
      description = "Comma-separated feature names. Default: every feature of the feature set.")
  private List<String> features = new ArrayList<>();

  @Option(names = "--json", description = "Print the full response as JSON (exact values).")
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
    GetFeaturesRequest request = GetFeaturesRequest.newBuilder()
        .setFeatureSet(featureSet)
        .addAllEntityKeys(entities)
        .addAllFeatures(features)
        .build();
    return connection.call(out, err, json, (channel, deadline) -> FeatureClient.fetch(channel, request, deadline),
        response -> FeatureTable.render(featureSet, response));
  }
}
