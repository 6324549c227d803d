package dev.slicestore.serving;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The connection options shared by the client commands (a picocli mixin): {@code --target} and
 * {@code --deadline}. Not thread-safe.
 */
public final class ClientOptions {
  @Option(
      names = "--target",
      paramLabel = "HOST:PORT",
      defaultValue = FeatureClient.DEFAULT_TARGET,
      description = "Server address (gRPC target). Default: ${DEFAULT-VALUE}.")
  String target;

  @Option(
      names = "--deadline",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "Call deadline, e.g. 500ms, 5s, 1m or PT5S. Default: ${DEFAULT-VALUE}.")
  Duration deadline;

  /**
   * @return the gRPC target, e.g. {@code localhost:50051}
   */
  public String target() {
    return target;
  }

  /**
   * @return the call deadline (positive)
   */
  public Duration deadline() {
    return deadline;
  }

  /**
   * Runs one call of a client command: opens a channel to {@link #target()}, calls {@code rpc} with
   * the deadline, prints the response as a table ({@code render}) or as JSON, and closes the
   * channel. gRPC errors are printed as {@code error: CODE: message}.
   *
   * @param <M> the response type
   * @return the exit code: 0 on success, 1 on a gRPC, connection or target error
   */
  public <M extends MessageOrBuilder> int call(
      PrintWriter out,
      PrintWriter err,
      boolean json,
      BiFunction<ManagedChannel, Duration, M> rpc,
      Function<M, String> render) {
    ManagedChannel channel;
    try {
      channel = FeatureClient.openChannel(target);
    } catch (IllegalArgumentException e) {
      err.println("error: invalid --target '" + target + "': " + e.getMessage());
      err.flush();
      return 1;
    }
    try {
      M response = rpc.apply(channel, deadline);
      if (json) {
        out.println(
            JsonFormat.printer()
                .preservingProtoFieldNames()
                .alwaysPrintFieldsWithNoPresence()
                .print(response));
      } else {
        out.print(render.apply(response));
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

  /**
   * Parses {@code <n>ms}, {@code <n>s}, {@code <n>m}, {@code <n>h} (n may have decimals) or an
   * ISO-8601 duration; rejects zero and negative durations.
   */
  public static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    /**
     * @return the duration
     * @throws TypeConversionException if the text is not a positive duration
     */
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      Duration d;
      Matcher m = SIMPLE.matcher(v);
      if (m.matches()) {
        double n = Double.parseDouble(m.group(1));
        double unitMillis =
            switch (m.group(2)) {
              case "ms" -> 1;
              case "s" -> 1_000;
              case "m" -> 60_000;
              default -> 3_600_000;
            };
        d = Duration.ofNanos(Math.round(n * unitMillis * 1_000_000));
      } else {
        try {
          d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
          throw new TypeConversionException(
              "Invalid duration '" + value + "' (e.g. 500ms, 5s, 1m, PT5S)");
        }
      }
      if (d.isZero() || d.isNegative()) {
        throw new TypeConversionException("Invalid duration '" + value + "' (must be > 0)");
      }
      return d;
    }
  }
}
