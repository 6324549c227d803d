package dev.slicestore.serving;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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
    ManagedChannel channel;
    try {
      channel = FeatureClient.openChannel(connection.target());
    } catch (IllegalArgumentException e) {
      err.println("error: invalid --target '" + connection.target() + "': " + e.getMessage());
      return 1;
    }
    try {
      GetFeaturesResponse response = FeatureClient.fetch(channel, request, connection.deadline());
      if (json) {
        out.println(JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence().print(response));
      } else {
        out.print(FeatureTable.render(featureSet, response));
      }
      out.flush();
      return 0;
    } catch (StatusRuntimeException e) {
      err.println(FeatureClient.describe(e));
      return 1;
    } catch (InvalidProtocolBufferException e) {
      err.println("error: cannot print the response as JSON: " + e.getMessage());
      return 1;
    } finally {
      err.flush();
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
