package dev.slicestore.serving;

import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.ListFeatureSetsRequest;
import dev.slicestore.serving.v1.ListFeatureSetsResponse;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command-line client of {@code slicestore.v1.FeatureService}, and static helpers for Java
 * callers.
 *
 * <p>Commands: {@link GetFeaturesCommand} ({@code get}) and {@link ListFeatureSetsCommand} ({@code
 * list-feature-sets}, alias {@code feature-sets}). A gRPC error is printed as {@code error: <CODE>:
 * <description>} and exits with 1.
 *
 * <p>The static helpers are thread-safe (gRPC channels and stubs are).
 */
@Command(
    name = "slicestore-client",
    mixinStandardHelpOptions = true,
    description = "Read online features from a slicestore server.",
    subcommands = {
      GetFeaturesCommand.class,
      ListFeatureSetsCommand.class,
      CommandLine.HelpCommand.class
    })
public final class FeatureClient {
  /** The default server address. */
  public static final String DEFAULT_TARGET = "localhost:50051";

  /**
   * Calls {@code GetFeatures}.
   *
   * @param channel the channel to the server (not null; not closed)
   * @param request the request (not null)
   * @param deadline the call's deadline from now (not null, positive)
   * @return the response
   * @throws StatusRuntimeException with the server's status: INVALID_ARGUMENT, NOT_FOUND,
   *     UNAVAILABLE (Redis or the server unreachable), DEADLINE_EXCEEDED, INTERNAL...
   */
  public static GetFeaturesResponse fetch(
      Channel channel, GetFeaturesRequest request, Duration deadline) {
    return FeatureServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .getFeatures(request);
  }

  /**
   * Calls {@code ListFeatureSets}.
   *
   * @param channel the channel to the server (not null; not closed)
   * @param deadline the call's deadline from now (not null, positive)
   * @return the served feature sets
   * @throws StatusRuntimeException on a gRPC error (UNAVAILABLE, DEADLINE_EXCEEDED...)
   */
  public static ListFeatureSetsResponse listFeatureSets(Channel channel, Duration deadline) {
    return FeatureServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .listFeatureSets(ListFeatureSetsRequest.getDefaultInstance());
  }

  /**
   * Opens a plaintext channel.
   *
   * @param target a gRPC target, e.g. {@code localhost:50051} or {@code dns:///host:port}
   * @return a new channel; the caller shuts it down
   * @throws IllegalArgumentException if the target cannot be parsed
   */
  public static ManagedChannel openChannel(String target) {
    return Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
  }

  /**
   * @return {@code error: <CODE>: <description>} for a gRPC failure
   */
  static String describe(StatusRuntimeException e) {
    Status s = e.getStatus();
    return "error: " + s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
  }

  /**
   * Runs the client; the process exits with the command's exit code.
   *
   * @param args the command-line arguments, e.g. {@code get --feature-set retail --entity 17850}
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new FeatureClient()).execute(args));
  }
}
